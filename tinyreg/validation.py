"""Argument checks shared by the whole package.

Every user-facing check lives here, so that a bad argument gets the same
kind of message wherever it is passed: the name of the argument, the value
received, and what was expected. Each helper returns the (converted) value so
that callers can write ``alpha = check_nonnegative("alpha", alpha)``.

Nothing here imports the rest of tinyreg.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "check_X_y",
    "check_choice",
    "check_finite_array",
    "check_in_range",
    "check_int",
    "check_nonnegative",
    "check_positive",
]


def _as_real(name: str, value: Any) -> float:
    """``value`` as a Python float, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must be a number, got nan")
    return value


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a real number ``>= 0``, else raise ValueError."""
    value = _as_real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a real number ``> 0``, else raise ValueError."""
    value = _as_real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def check_int(name: str, value: Any, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer ``>= minimum``; else TypeError/ValueError.

    Integral floats such as ``1000.0`` are refused, as scikit-learn does: a
    count given as a float is usually a mistake.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def check_in_range(
    name: str, value: Any, low: float, high: float, *, closed: tuple[bool, bool] = (True, True)
) -> float:
    """Return ``value`` as a float if it lies in the interval ``low..high``.

    ``closed`` says whether each end belongs to the interval; the message
    prints the interval in the usual ``[a, b)`` notation.
    """
    value = _as_real(name, value)
    lo_ok = value >= low if closed[0] else value > low
    hi_ok = value <= high if closed[1] else value < high
    if not (lo_ok and hi_ok):
        left = "[" if closed[0] else "("
        right = "]" if closed[1] else ")"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {value!r}")
    return value


def check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise ValueError listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_finite_array(
    name: str, array: Any, *, ndim: int | tuple[int, ...] | None = None
) -> np.ndarray:
    """Return ``array`` as a floating numpy array after checking it.

    Integer and boolean input is cast to float64; floating input keeps its
    dtype. Raises ValueError if the array has the wrong number of dimensions
    or contains NaN or infinity (the message says how many and where the
    first one is).
    """
    arr = np.asarray(array)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got an array of dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            hint = ""
            if arr.ndim == 1 and 2 in allowed and 1 not in allowed:
                hint = (
                    "; reshape it with array.reshape(-1, 1) if it holds one feature, "
                    "or array.reshape(1, -1) if it holds one sample"
                )
            raise ValueError(
                f"{name} must be {want}, got a {arr.ndim}-D array of shape {arr.shape}{hint}"
            )
    # One summation pass finds NaN/inf (they propagate into the sum) without the
    # n-by-p boolean temporary of isfinite(arr); only when the sum is not finite
    # (bad values, or a sum that overflowed) is the array scanned element by element.
    with np.errstate(all="ignore"):
        total = arr.sum()
    if not np.isfinite(total) and not np.isfinite(arr).all():
        bad = ~np.isfinite(arr)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains {int(bad.sum())} non-finite value(s) (NaN or infinity); "
            f"the first is {arr[first].item()!r} at index {first}"
        )
    return arr


def check_X_y(
    X: Any, y: Any, sample_weight: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate a design matrix, its targets and optional sample weights.

    ``X`` must be 2-D ``(n_samples, n_features)``; ``y`` 1-D ``(n_samples,)``
    or 2-D ``(n_samples, n_targets)``; ``sample_weight`` 1-D, non-negative.
    All must be finite and agree on ``n_samples``. Integer input is cast to
    float64. Returns the three arrays (``sample_weight`` may stay None).
    """
    X = check_finite_array("X", X, ndim=2)
    y = check_finite_array("y", y, ndim=(1, 2))
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y have different numbers of samples: "
            f"X has shape {X.shape}, y has shape {y.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"X has no samples (shape {X.shape})")
    if sample_weight is not None:
        sample_weight = check_finite_array("sample_weight", sample_weight, ndim=1)
        if sample_weight.shape[0] != X.shape[0]:
            raise ValueError(
                f"sample_weight has shape {sample_weight.shape} but X has {X.shape[0]} samples "
                f"(shape {X.shape})"
            )
        if (sample_weight < 0).any():
            raise ValueError("sample_weight must be >= 0 everywhere")
    return X, y, sample_weight
