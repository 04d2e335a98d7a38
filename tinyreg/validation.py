"""Argument checks shared by the whole package.

Every user-facing check lives here, so that a bad argument gets the same
kind of message wherever it is passed: the name of the argument, the value
received, and what was expected. Each helper returns the (converted) value so
that callers can write ``alpha = check_nonnegative("alpha", alpha)``.

Hyper-parameters must be finite. No setting of tinyreg has a useful infinite
value: where an infinite one would have a meaning, a finite one already
reaches it (any lasso ``alpha`` at or above max|Xᵀy|/n gives the all-zero
model exactly), and elsewhere infinity only turns into NaN (``L2(inf)`` has
gradient inf·w, which is NaN at w = 0; ``lr=inf`` steps to ±inf).

The estimators (``tinyreg.linear``, ``tinyreg.estimators``) also find here
what they check around ``fit`` and ``predict``: the number of features, and
the column names of a data frame. The estimator protocol built on these
checks, with its errors and warnings, is :mod:`tinyreg.base`.

Every warning tinyreg gives is shown at the user's line, the innermost
caller outside the package: :func:`user_stacklevel` finds it.

Nothing here imports the rest of tinyreg.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from typing import Any

import numpy as np

__all__ = [
    "all_finite",
    "as_float_array",
    "check_X",
    "check_X_y",
    "check_choice",
    "check_feature_names",
    "check_finite_array",
    "check_in_range",
    "check_index",
    "check_int",
    "check_labels",
    "check_n_features",
    "check_nonnegative",
    "check_positive",
    "check_same_samples",
    "check_shape",
    "check_sizes",
    "check_y_given",
    "feature_names",
    "float_dtype",
    "user_stacklevel",
]


def _as_real(name: str, value: Any) -> float:
    """``value`` as a finite Python float, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must be a number, got nan")
    if math.isinf(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite real number ``>= 0``, else raise ValueError."""
    value = _as_real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite real number ``> 0``, else raise ValueError."""
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


def check_index(name: str, value: Any, size: int) -> int:
    """``value``, an int in [−size, size) (negative counts from the end), as a position in
    [0, size); else TypeError/ValueError naming ``name`` and ``size``."""
    value = check_int(name, value, minimum=-size)
    if value >= size:
        raise ValueError(f"{name} must be in [{-size}, {size - 1}] for size {size}, got {value}")
    return value % size


def check_sizes(name: str, value: Any) -> tuple[int, ...]:
    """``value``, an int or a sequence of ints >= 1 (a shape such as ``normalized_shape``),
    as a tuple; else TypeError/ValueError naming ``name``."""
    if isinstance(value, (int, np.integer)):
        value = (value,)
    return tuple(check_int(name, n) for n in value)


def check_in_range(
    name: str, value: Any, low: float, high: float, *, closed: tuple[bool, bool] = (True, True)
) -> float:
    """Return ``value`` as a float if it is finite and lies in the interval ``low..high``.

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


#: Arrays larger than this are summed before they are scanned (see all_finite).
SCAN_AT_ONCE = 1 << 20


def all_finite(array: np.ndarray) -> bool:
    """True if no entry of the floating-point ``array`` is NaN or infinite.

    Exactly ``bool(np.isfinite(array).all())``, which is what it computes for
    arrays of up to ``SCAN_AT_ONCE`` entries. A larger array (a data set, say)
    is first summed: NaN and ±inf make the sum non-finite, so a finite sum
    proves every entry finite without isfinite's boolean array of the same
    size; only a non-finite sum -- bad entries, or finite ones whose sum
    overflowed -- is followed by the element-by-element scan.
    """
    if array.size > SCAN_AT_ONCE:
        with np.errstate(all="ignore"):  # an overflowing sum is expected, and handled
            if np.isfinite(array.sum()):
                return True
    return bool(np.isfinite(array).all())


def as_float_array(name: str, data: Any, *, dtype: Any = None, copy: bool = False) -> np.ndarray:
    """``data`` as a floating-point numpy array: tinyreg's one dtype policy.

    Floating input keeps its dtype; integers and booleans become float64 (or
    ``dtype``, which must be a floating type). Anything else (complex,
    strings, objects) is a TypeError naming ``name``. ``copy`` forces a copy.
    """
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{name}: dtype must be a floating-point type, got {dtype}")
        return np.array(data, dtype=dtype) if copy else np.asarray(data, dtype=dtype)
    array = np.array(data) if copy else np.asarray(data)
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    raise TypeError(
        f"{name} must hold real numbers (floating point, integer or boolean), "
        f"got an array of dtype {array.dtype}"
    )


def float_dtype(data: Any) -> np.dtype:
    """The dtype :func:`as_float_array` gives ``data``: its own if floating, else float64."""
    dtype = np.asarray(data).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def check_shape(name: str, shape: tuple[Any, ...]) -> tuple[int, ...]:
    """A factory's shape, given as varargs (``zeros(2, 3)``) or one sequence (``zeros((2, 3))``).

    Anything but non-negative integers is a TypeError or ValueError naming ``name``.
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) for n in shape):
        raise TypeError(
            f"{name}(): the shape must be integers, as {name}(2, 3) or {name}((2, 3)), "
            f"got {shape!r}"
        )
    if any(n < 0 for n in shape):
        raise ValueError(f"{name}(): the shape must be non-negative, got {shape!r}")
    return tuple(int(n) for n in shape)


def check_finite_array(
    name: str,
    array: Any,
    *,
    ndim: int | tuple[int, ...] | None = None,
    defer_finite_check: bool = False,
) -> np.ndarray:
    """Return ``array`` as a floating numpy array after checking it.

    Integer and boolean input is cast to float64, and so is an object array
    that holds numbers; floating input keeps its dtype (the policy of
    :func:`as_float_array`). Raises TypeError for non-numeric data and for
    sparse matrices (tinyreg works on dense arrays), and ValueError for
    complex data, the wrong number of dimensions, or NaN or infinity (the
    message says how many and where the first one is). With
    ``defer_finite_check=True`` the search for NaN and infinity is left to
    the caller, who must make it: a caller whose result turns non-finite
    whenever the input is (a sum over it) checks the result and calls this
    function again only then, and so saves a pass over the data.
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
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(
            f"Complex data not supported: {name} has dtype {arr.dtype}; pass {name}.real "
            "if its imaginary part is zero"
        )
    arr = as_float_array(name, arr)
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
    if defer_finite_check:
        return arr
    if not all_finite(arr):
        bad = ~np.isfinite(arr)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains {int(bad.sum())} non-finite value(s) (NaN or infinity); "
            f"the first is {arr[first].item()!r} at index {first}"
        )
    return arr


def check_X(X: Any, *, defer_finite_check: bool = False) -> np.ndarray:
    """Validate a design matrix: 2-D ``(n_samples, n_features)``, finite, not empty.

    Integer input is cast to float64. ``defer_finite_check``: see
    :func:`check_finite_array`.
    """
    X = check_finite_array("X", X, ndim=2, defer_finite_check=defer_finite_check)
    if X.shape[0] == 0:
        raise ValueError(f"X has no samples (shape {X.shape})")
    if X.shape[1] == 0:
        raise ValueError(f"X has 0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
    return X


def check_y_given(y: Any) -> None:
    """Raise ValueError if the targets ``y`` of a supervised fit are missing (None)."""
    if y is None:
        raise ValueError("fitting requires y to be passed, but the target y is None")


def check_same_samples(**arrays: np.ndarray) -> int:
    """Return the number of samples of arrays that share it along their first axis.

    Raises ValueError, naming the arrays by their keyword and giving their
    shapes, if one has no first axis (a scalar), if their lengths differ, or
    if there are no samples at all: ``check_same_samples(X=X, y=y)``.
    """
    for name, array in arrays.items():
        if np.ndim(array) == 0:
            raise ValueError(f"{name} must have a samples axis (the first), got a scalar")
    names, shapes = list(arrays), [np.shape(array) for array in arrays.values()]
    if len({shape[0] for shape in shapes}) > 1:
        described = ", ".join(f"{n} has shape {s}" for n, s in zip(names, shapes, strict=True))
        raise ValueError(f"{' and '.join(names)} have different numbers of samples: {described}")
    if shapes[0][0] == 0:
        raise ValueError(f"{names[0]} has no samples (shape {shapes[0]})")
    return shapes[0][0]


def check_labels(name: str, y: Any, *, hint: str) -> np.ndarray:
    """Return ``y`` as a 1-D array of class labels, one per sample, after checking it.

    A label is an integer, a string, a boolean, or a float that is a whole
    number; a column vector (n_samples, 1) is flattened. Raises ValueError,
    naming ``name``, for any other shape, for NaN or infinity, and for
    floats with a fractional part ("Unknown label type: continuous", as
    scikit-learn says), ending with ``hint``: what the caller needs instead.
    """
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D, one class label per sample, got an array of shape {labels.shape}"
        )
    if labels.dtype.kind in "fc":
        labels = check_finite_array(name, labels)
        fractional = labels != np.round(labels)
        if fractional.any():
            example = labels[np.argmax(fractional)].item()
            raise ValueError(
                f"Unknown label type: continuous. {name} holds non-integer values "
                f"(such as {example}), but {hint}"
            )
    return labels


def check_X_y(
    X: Any, y: Any, sample_weight: Any = None, *, defer_finite_check: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate a design matrix, its targets and optional sample weights.

    ``X`` as in :func:`check_X`; ``y`` 1-D ``(n_samples,)`` or 2-D
    ``(n_samples, n_targets)``; ``sample_weight`` 1-D, non-negative and not
    all zero. All must be finite and agree on ``n_samples``. Integer input
    is cast to float64. Returns the three arrays (``sample_weight`` may stay
    None). ``defer_finite_check`` leaves the NaN/infinity check of ``X``
    and ``y`` to the caller (see :func:`check_finite_array`); the weights
    are always checked.
    """
    X = check_X(X, defer_finite_check=defer_finite_check)
    check_y_given(y)
    y = check_finite_array("y", y, ndim=(1, 2), defer_finite_check=defer_finite_check)
    check_same_samples(X=X, y=y)
    if sample_weight is not None:
        sample_weight = check_finite_array("sample_weight", sample_weight, ndim=1)
        check_same_samples(X=X, sample_weight=sample_weight)
        if (sample_weight < 0).any():
            raise ValueError("sample_weight must be >= 0 everywhere")
        if not sample_weight.any():
            raise ValueError("sample_weight must not be all zero: every sample would be ignored")
    return X, y, sample_weight


# ---------------------------------------------------------------------------
# Warnings: shown at the user's line
# ---------------------------------------------------------------------------


#: the tinyreg package's directory, ending in a separator (see user_stacklevel)
_PACKAGE_DIR = os.path.join(os.path.dirname(__file__), "")


def user_stacklevel() -> int:
    """The ``stacklevel`` at which ``warnings.warn`` shows the innermost caller outside tinyreg.

    ``warnings.warn(message, category, stacklevel=user_stacklevel())`` in any
    function of the package attributes the warning to the line of the
    user's code (or of a library such as scikit-learn) that called into
    tinyreg, however many of tinyreg's own calls lie in between. Level 1 is
    the function calling ``warnings.warn``; each frame whose code lies in
    the package's directory adds one.
    """
    level, frame = 1, sys._getframe(1)
    while frame.f_code.co_filename.startswith(_PACKAGE_DIR) and frame.f_back is not None:
        level, frame = level + 1, frame.f_back
    return level


# ---------------------------------------------------------------------------
# Estimators: number of features, column names
# ---------------------------------------------------------------------------


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
    columns are then matched by position), shown at the caller outside
    tinyreg (:func:`user_stacklevel`). The messages are scikit-learn's.
    """
    names = feature_names(X)
    if names is None or fitted_names is None:
        if names is not None:
            warnings.warn(
                f"X has feature names, but {owner} was fitted without feature names",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        elif fitted_names is not None:
            warnings.warn(
                f"X does not have valid feature names, but {owner} was fitted with feature names",
                UserWarning,
                stacklevel=user_stacklevel(),
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


# ---------------------------------------------------------------------------
# The estimator protocol's names, which live in tinyreg.base
# ---------------------------------------------------------------------------

#: tinyreg.base's names that this module also answers to, deprecated
_IN_BASE = frozenset(
    {
        "DataConversionWarning",
        "NotFittedError",
        "check_class_labels",
        "check_is_fitted",
        "sklearn_flavoured",
    }
)


def __getattr__(name: str) -> Any:
    """``tinyreg.validation.NotFittedError`` and the protocol's other names: deprecated
    spellings of :mod:`tinyreg.base`'s, looked up there when asked for (with a
    DeprecationWarning), so that loading this module loads nothing else of tinyreg."""
    if name not in _IN_BASE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"tinyreg.validation.{name} is deprecated: import {name} from tinyreg.base",
        DeprecationWarning,
        stacklevel=user_stacklevel(),
    )
    from tinyreg import base  # which imports this module

    return getattr(base, name)
