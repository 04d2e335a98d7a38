"""Regression and classification metrics, with scikit-learn's names and definitions.

    mean_squared_error(y, ŷ) = (1/n) Σ (yᵢ − ŷᵢ)²
    r2_score(y, ŷ)           = 1 − Σ (yᵢ − ŷᵢ)² / Σ (yᵢ − ȳ)²
    accuracy_score(y, ŷ)     = (1/n) Σ [yᵢ = ŷᵢ]

All accept optional ``sample_weight`` (weighted sums and weighted mean ȳ).
For 2-D regression targets (several outputs) the score of each column is
computed and the columns are averaged uniformly, as scikit-learn's default
``multioutput="uniform_average"``. Class labels are one per sample, of any
kind (integers, strings, booleans, whole-number floats).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinyreg.validation import check_finite_array, check_labels, check_same_samples

__all__ = ["accuracy_score", "mean_squared_error", "r2_score"]


def _targets(
    y_true: Any, y_pred: Any, sample_weight: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_true = check_finite_array("y_true", y_true, ndim=(1, 2))
    y_pred = check_finite_array("y_pred", y_pred, ndim=(1, 2))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    if sample_weight is None:
        weights = np.ones(len(y_true))
    else:
        weights = check_finite_array("sample_weight", sample_weight, ndim=1)
        if weights.shape != (len(y_true),):
            raise ValueError(f"sample_weight has shape {weights.shape}, expected ({len(y_true)},)")
    return y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1), weights


def mean_squared_error(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """Average squared error (weighted by ``sample_weight``), averaged over output columns."""
    y_true, y_pred, w = _targets(y_true, y_pred, sample_weight)
    per_column = np.average((y_true - y_pred) ** 2, axis=0, weights=w)
    return float(np.mean(per_column))


def r2_score(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """Coefficient of determination R², averaged over output columns.

    1 is a perfect fit, 0 is no better than predicting the mean; a column
    whose targets are constant scores 1 if predicted exactly, else 0 (as
    scikit-learn does).
    """
    y_true, y_pred, w = _targets(y_true, y_pred, sample_weight)
    residual = np.sum(w[:, None] * (y_true - y_pred) ** 2, axis=0)
    total = np.sum(w[:, None] * (y_true - np.average(y_true, axis=0, weights=w)) ** 2, axis=0)
    scores = np.where(
        total > 0, 1 - residual / np.where(total > 0, total, 1), np.where(residual == 0, 1.0, 0.0)
    )
    return float(np.mean(scores))


def accuracy_score(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """The fraction of samples whose predicted label equals the true one, (1/n) Σ [yᵢ = ŷᵢ].

    With ``sample_weight`` the fraction is weighted, Σ wᵢ [yᵢ = ŷᵢ] / Σ wᵢ.
    Labels are compared with ``==``: 1, 1.0 and True are the same label,
    1 and "1" are not. ``y_pred`` holds predicted classes, such as
    ``logits.argmax(dim=1)``; scores or probabilities (non-integer floats)
    raise ValueError, as do arrays of other lengths, a column of numbers
    beside a column of strings, and weights that sum to zero.
    """
    hint = "accuracy compares class labels: pass predicted classes, such as logits.argmax(dim=1)"
    y_true = check_labels("y_true", y_true, hint=hint)
    y_pred = check_labels("y_pred", y_pred, hint=hint)
    check_same_samples(y_true=y_true, y_pred=y_pred)
    kinds = {_label_kind(y_true), _label_kind(y_pred)}
    if kinds == {"number", "string"}:
        raise ValueError(
            f"y_true and y_pred hold labels of different types ({y_true.dtype} and "
            f"{y_pred.dtype}): a number never equals a string"
        )
    correct = (y_true == y_pred).astype(np.float64)
    if sample_weight is None:
        return float(np.mean(correct))
    weights = check_finite_array("sample_weight", sample_weight, ndim=1)
    check_same_samples(y_true=y_true, sample_weight=weights)
    total = np.sum(weights)
    if total == 0:
        raise ValueError("sample_weight sums to 0: the weighted fraction is undefined")
    return float(np.sum(weights * correct) / total)


def _label_kind(labels: np.ndarray) -> str:
    """What kind of labels an array holds: "number", "string" or "object"."""
    if labels.dtype.kind in "biuf":
        return "number"
    return "string" if labels.dtype.kind in "US" else "object"
