"""Argument checks shared by the whole package.

Every user-facing check lives here, so that a bad argument gets the same
kind of message wherever it is passed: the name of the argument, the value
received, and what was expected. Each helper returns the (converted) value so
that callers can write ``alpha = check_nonnegative("alpha", alpha)``.

The estimators (``tinyreg.linear``, ``tinyreg.estimators``) also find here
what they check around ``fit`` and ``predict``: whether the estimator is
fitted, the number of features, and the column names of a data frame.

Nothing here imports the rest of tinyreg.
"""

from __future__ import annotations

import functools
import math
import sys
import warnings
from typing import Any

import numpy as np

__all__ = [
    "NotFittedError",
    "check_X_y",
    "check_choice",
    "check_feature_names",
    "check_finite_array",
    "check_in_range",
    "check_int",
    "check_is_fitted",
    "check_n_features",
    "check_nonnegative",
    "check_positive",
    "feature_names",
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

    Integer and boolean input is cast to float64, and so is an object array
    that holds numbers; floating input keeps its dtype. Raises TypeError for
    non-numeric data and for sparse matrices (tinyreg works on dense
    arrays), and ValueError for complex data, the wrong number of
    dimensions, or NaN or infinity (the message says how many and where the
    first one is).
    """
    if type(array).__module__.startswith("scipy.sparse"):  # recognised without importing scipy
        raise TypeError(
            f"{name} is a sparse matrix ({type(array).__name__}), and tinyreg works on dense "
            f"arrays only: pass {name}.toarray() if it fits in memory"
        )
    arr = np.asarray(array)
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{name} must hold numbers only: {error}") from None
    if not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise TypeError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(
            f"Complex data not supported: {name} has dtype {arr.dtype}; pass {name}.real "
            "if its imaginary part is zero"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            hint = ""
            if arr.ndim == 1 and 2 in allowed and 1 not in allowed:
                hint = (
                    ". Reshape your data with array.reshape(-1, 1) if it holds one feature, "
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

    ``X`` must be 2-D ``(n_samples, n_features)`` with at least one sample
    and one feature; ``y`` 1-D ``(n_samples,)`` or 2-D ``(n_samples,
    n_targets)``; ``sample_weight`` 1-D, non-negative and not all zero.
    All must be finite and agree on ``n_samples``. Integer input is cast to
    float64. Returns the three arrays (``sample_weight`` may stay None).
    """
    X = check_finite_array("X", X, ndim=2)
    if y is None:
        raise ValueError("fitting requires y to be passed, but the target y is None")
    y = check_finite_array("y", y, ndim=(1, 2))
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y have different numbers of samples: "
            f"X has shape {X.shape}, y has shape {y.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"X has no samples (shape {X.shape})")
    if X.shape[1] == 0:
        raise ValueError(f"X has 0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
    if sample_weight is not None:
        sample_weight = check_finite_array("sample_weight", sample_weight, ndim=1)
        if sample_weight.shape[0] != X.shape[0]:
            raise ValueError(
                f"sample_weight has shape {sample_weight.shape} but X has {X.shape[0]} samples "
                f"(shape {X.shape})"
            )
        if (sample_weight < 0).any():
            raise ValueError("sample_weight must be >= 0 everywhere")
        if not sample_weight.any():
            raise ValueError("sample_weight must not be all zero: every sample would be ignored")
    return X, y, sample_weight


# ---------------------------------------------------------------------------
# Estimators: fitted or not, number of features, column names
# ---------------------------------------------------------------------------


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted estimator (``predict``, ``score``...) came before ``fit``.

    Raise it with :func:`not_fitted_error`, which makes it an instance of
    scikit-learn's ``NotFittedError`` as well whenever scikit-learn is loaded.
    """

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Rebuilt by not_fitted_error, so that the class fits the unpickling process.
        return not_fitted_error, self.args


@functools.cache
def _with_sklearn_base(sklearn_class: type) -> type[NotFittedError]:
    return type(
        "NotFittedError",
        (NotFittedError, sklearn_class),
        {"__module__": __name__, "__doc__": NotFittedError.__doc__},
    )


def not_fitted_error(message: str) -> NotFittedError:
    """A :class:`NotFittedError` with ``message``, ready to raise.

    scikit-learn recognises an estimator that is not fitted by its own
    exception class, ``sklearn.exceptions.NotFittedError``, and tinyreg must
    not import scikit-learn. So when scikit-learn is already loaded (it
    always is when scikit-learn is the caller), the error's class derives
    from both; otherwise it is tinyreg's class alone.
    """
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError(message)
    return _with_sklearn_base(sklearn_exceptions.NotFittedError)(message)


def check_is_fitted(estimator: Any, attribute: str = "n_features_in_") -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has the fitted ``attribute``."""
    if not hasattr(estimator, attribute):
        name = type(estimator).__name__
        raise not_fitted_error(
            f"This {name} instance is not fitted yet; call fit(X, y) before using it."
        )


def check_n_features(X: np.ndarray, n_features_in: int, owner: str) -> None:
    """Raise ValueError unless the 2-D ``X`` has the ``n_features_in`` columns ``owner`` expects."""
    if X.shape[1] != n_features_in:
        raise ValueError(
            f"X has {X.shape[1]} features, but {owner} is expecting {n_features_in} features "
            f"as input, the number it was fitted with (X has shape {X.shape})"
        )


def feature_names(X: Any) -> np.ndarray | None:
    """The column names of a data frame as an object array, or None.

    A data frame is anything with a ``columns`` attribute (pandas, polars);
    its names count only if they are all strings, as in scikit-learn.
    """
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(X, np.ndarray):
        return None
    names = np.array(list(columns), dtype=object)
    if names.size == 0 or not all(isinstance(name, str) for name in names):
        return None
    return names


def check_feature_names(X: Any, fitted_names: np.ndarray | None, owner: str) -> None:
    """Compare the column names of ``X`` with those ``owner`` was fitted on.

    Different names, or the same names in another order, raise ValueError
    listing the differences; names on one side only give a UserWarning (the
    columns are then matched by position). The messages are scikit-learn's.
    """
    names = feature_names(X)
    if names is None and fitted_names is None:
        return
    if fitted_names is None:
        warnings.warn(
            f"X has feature names, but {owner} was fitted without feature names",
            UserWarning,
            stacklevel=4,  # the caller of predict
        )
        return
    if names is None:
        warnings.warn(
            f"X does not have valid feature names, but {owner} was fitted with feature names",
            UserWarning,
            stacklevel=4,  # the caller of predict
        )
        return
    if len(names) == len(fitted_names) and (names == fitted_names).all():
        return

    def listed(title: str, items: list[str]) -> str:
        shown = [f"- {item}" for item in items[:5]] + (["- ..."] if len(items) > 5 else [])
        return f"{title}:\n" + "\n".join(shown) + "\n"

    unseen = sorted(set(names) - set(fitted_names))
    missing = sorted(set(fitted_names) - set(names))
    message = "The feature names should match those that were passed during fit.\n"
    if unseen:
        message += listed("Feature names unseen at fit time", unseen)
    if missing:
        message += listed("Feature names seen at fit time, yet now missing", missing)
    if not unseen and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(message)
