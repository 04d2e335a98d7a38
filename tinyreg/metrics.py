"""Regression metrics, with scikit-learn's names and definitions.

    mean_squared_error(y, ŷ) = (1/n) Σ (yᵢ − ŷᵢ)²
    r2_score(y, ŷ)           = 1 − Σ (yᵢ − ŷᵢ)² / Σ (yᵢ − ȳ)²

Both accept optional ``sample_weight`` (weighted sums and weighted mean ȳ).
For 2-D targets (several outputs) the score of each column is computed and
the columns are averaged uniformly, as scikit-learn's default
``multioutput="uniform_average"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinyreg.validation import check_finite_array

__all__ = ["mean_squared_error", "r2_score"]


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
