"""Small data sets, a shuffled split, and feature standardization.

The synthetic sets are generated with numpy, and the same ``generator``
always gives the same arrays; the one real set ships with the package.
Nothing is downloaded.

* :func:`make_house_prices` -- the examples' running story: a house's price
  from its size, bedrooms and location, plus irrelevant columns that L1
  should learn to ignore;
* :func:`make_regression` -- a sparse linear model in the style of
  scikit-learn's ``make_regression`` (for benchmarks);
* :func:`make_polynomial_curve` and :func:`polynomial_features` -- a few noisy
  samples of sin(2πx), for watching a degree-9 polynomial overfit;
* :func:`make_moons` and :func:`make_spirals` -- 2-D classification toys for
  small networks with dropout;
* :func:`load_digits` -- 1,797 real 8×8 images of handwritten digits (the
  UCI optical-recognition set), for small convolutional networks;
* :func:`train_test_split` and :class:`Standardizer` -- the two steps every
  example takes before fitting.

``generator`` is an int (a fresh generator seeded with it), a
``numpy.random.Generator`` (used and advanced), or None: tinyreg's package
generator, so that :func:`tinyreg.manual_seed` governs it like all other
randomness (see :func:`tinyreg.random.resolve_generator`). ``seed`` is another
spelling of ``generator``, deprecated.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tinyreg.random import GeneratorLike, resolve_generator, seed_alias
from tinyreg.validation import (
    check_finite_array,
    check_in_range,
    check_int,
    check_nonnegative,
    check_same_samples,
)

__all__ = [
    "Curve",
    "Digits",
    "HousePrices",
    "Standardizer",
    "load_digits",
    "make_house_prices",
    "make_moons",
    "make_polynomial_curve",
    "make_regression",
    "make_spirals",
    "polynomial_features",
    "train_test_split",
]

# ---------------------------------------------------------------------------
# House prices: the examples' running story
# ---------------------------------------------------------------------------

#: Price = intercept + Σ coef·feature + noise, in dollars.
HOUSE_INTERCEPT = 50_000.0
HOUSE_COEF = {"size_sqft": 150.0, "bedrooms": 10_000.0, "location_score": 20_000.0}


class HousePrices(NamedTuple):
    """The output of :func:`make_house_prices`.

    Attributes:
        X: features, shape ``(n_samples, 3 + n_noise_features)``, raw units.
        y: prices in dollars, shape ``(n_samples,)``.
        feature_names: ``["size_sqft", "bedrooms", "location_score", "noise_0", ...]``.
        coef: the true coefficients (dollars per unit of each feature; 0 for
            every noise feature), shape ``(3 + n_noise_features,)``.
        intercept: the true intercept in dollars.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    coef: np.ndarray
    intercept: float


@seed_alias
def make_house_prices(
    n_samples: int = 200,
    n_noise_features: int = 10,
    noise: float = 60_000.0,
    generator: GeneratorLike = 0,
) -> HousePrices:
    """Houses and their prices, from a known linear model plus Gaussian noise.

    The features, in raw units (standardize them before fitting):

    * ``size_sqft`` -- floor area, log-normal with median 1,800 sqft and
      log-spread 0.35, kept within 800..4,000 sqft (values outside are
      redrawn), rounded to whole square feet;
    * ``bedrooms`` -- 1..6, correlated with size (correlation about 0.75):
      round(1 + (size − 800)/650 + N(0, 0.7²)), clipped to 1..6;
    * ``location_score`` -- uniform on 0..10;
    * ``noise_0``, ``noise_1``, ... -- independent N(0, 1) columns that have
      nothing to do with the price (the features L1 should drop).

    The price, in dollars::

        price = 50,000 + 150·size_sqft + 10,000·bedrooms + 20,000·location_score + ε,
        ε ~ N(0, noise²)

    so a typical house (1,800 sqft, 3 bedrooms, location 5) costs about
    $450,000. At a fixed size an extra bedroom is worth only $10,000, and
    since bedrooms and size go together, an unregularized fit on a few
    hundred houses often gets the bedroom coefficient badly wrong -- even
    negative. The default noise, $60,000 (about 13% of a typical price),
    leaves a best achievable R² of about 0.75.

    The defaults are chosen so that least squares overfits a little, not a
    lot: with eight times more houses than features, L1's gain on held-out
    data is real but modest (see ``benchmarks/bench_house_prices.py``); fewer
    houses or more noise columns widen the gap.

    Args:
        n_samples: number of houses.
        n_noise_features: number of irrelevant columns appended (may be 0).
        noise: standard deviation of ε, in dollars (``>= 0``).
        generator: see the module docstring.
    """
    n = check_int("n_samples", n_samples)
    n_noise = check_int("n_noise_features", n_noise_features, minimum=0)
    noise = check_nonnegative("noise", noise)
    rng = resolve_generator(generator)

    size = rng.lognormal(math.log(1800.0), 0.35, n)
    while (outside := (size < 800.0) | (size > 4000.0)).any():
        size[outside] = rng.lognormal(math.log(1800.0), 0.35, int(outside.sum()))
    size = np.rint(size)
    bedrooms = np.clip(np.rint(1.0 + (size - 800.0) / 650.0 + rng.normal(0.0, 0.7, n)), 1, 6)
    location = rng.uniform(0.0, 10.0, n)
    X = np.column_stack([size, bedrooms, location, rng.standard_normal((n, n_noise))])

    coef = np.concatenate([list(HOUSE_COEF.values()), np.zeros(n_noise)])
    y = HOUSE_INTERCEPT + X @ coef + rng.normal(0.0, noise, n)
    names = [*HOUSE_COEF, *(f"noise_{i}" for i in range(n_noise))]
    return HousePrices(X, y, names, coef, HOUSE_INTERCEPT)


# ---------------------------------------------------------------------------
# Generic regression and curve fitting
# ---------------------------------------------------------------------------


@seed_alias
def make_regression(
    n_samples: int = 100,
    n_features: int = 20,
    n_informative: int = 5,
    noise: float = 1.0,
    generator: GeneratorLike = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sparse linear problem: ``y = X·coef + N(0, noise²)``; returns ``(X, y, coef)``.

    ``X`` has independent N(0, 1) entries, shape ``(n_samples, n_features)``.
    ``n_informative`` coefficients, at randomly chosen positions, are drawn
    uniformly from [0, 100) (as scikit-learn's ``make_regression``); the
    others are exactly 0. There is no intercept.
    """
    n = check_int("n_samples", n_samples)
    p = check_int("n_features", n_features)
    k = check_int("n_informative", n_informative, minimum=0)
    if k > p:
        raise ValueError(f"n_informative must be <= n_features = {p}, got {k}")
    noise = check_nonnegative("noise", noise)
    rng = resolve_generator(generator)
    X = rng.standard_normal((n, p))
    coef = np.zeros(p)
    coef[rng.choice(p, size=k, replace=False)] = 100.0 * rng.random(k)
    y = X @ coef + rng.normal(0.0, noise, n)
    return X, y, coef


def sine_curve(x: Any) -> np.ndarray:
    """The smooth curve behind :func:`make_polynomial_curve`: sin(2πx)."""
    return np.sin(2.0 * np.pi * np.asarray(x, dtype=np.float64))


class Curve(NamedTuple):
    """The output of :func:`make_polynomial_curve`.

    Attributes:
        X: ``polynomial_features(x, degree)``, shape ``(n_samples, degree)``.
        y: noisy targets, shape ``(n_samples,)``.
        x: the raw inputs, sorted, shape ``(n_samples,)``.
        true_function: the noise-free curve, ``true_function(x) = sin(2πx)``.
    """

    X: np.ndarray
    y: np.ndarray
    x: np.ndarray
    true_function: Callable[[Any], np.ndarray]


def polynomial_features(x: Any, degree: int) -> np.ndarray:
    """The columns x, x², ..., xᵈ of a single input feature: shape ``(n, degree)``.

    ``x`` is 1-D ``(n,)`` or a single column ``(n, 1)``. There is no column of
    ones: the models fit their own intercept.

    Standardize the result (:class:`Standardizer`, fitted on the training
    rows) before fitting. The raw powers differ in scale by orders of
    magnitude and are nearly collinear (x⁸ and x⁹ on [0, 1] correlate above
    0.99), which makes gradient descent crawl and makes any penalty hit the
    columns unevenly.
    """
    degree = check_int("degree", degree)
    x = check_finite_array("x", x, ndim=(1, 2))
    if x.ndim == 2:
        if x.shape[1] != 1:
            raise ValueError(f"x must be 1-D or a single column (n, 1), got shape {x.shape}")
        x = x[:, 0]
    return x[:, None] ** np.arange(1, degree + 1)


@seed_alias
def make_polynomial_curve(
    n_samples: int = 30, degree: int = 9, noise: float = 0.25, generator: GeneratorLike = 0
) -> Curve:
    """Noisy samples of a smooth curve, with polynomial features ready to overfit.

    ``x`` is drawn uniformly on [0, 1] and sorted (so the points plot as a
    line); ``y = sin(2πx) + N(0, noise²)``. ``X`` holds x, x², ..., x^degree.

    This is the classic overfitting demo: with the defaults, a 50/50 split
    leaves 15 points for 10 coefficients, and an unregularized degree-9 fit
    passes close to every training point while swinging wildly between and
    beyond them; a small L2 penalty (or a degree-3 fit) tracks the sine.
    """
    n = check_int("n_samples", n_samples)
    noise = check_nonnegative("noise", noise)
    rng = resolve_generator(generator)
    x = np.sort(rng.uniform(0.0, 1.0, n))
    y = sine_curve(x) + rng.normal(0.0, noise, n)
    return Curve(polynomial_features(x, degree), y, x, sine_curve)


# ---------------------------------------------------------------------------
# Classification toys
# ---------------------------------------------------------------------------


@seed_alias
def make_moons(
    n_samples: int = 200, noise: float = 0.1, generator: GeneratorLike = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in 2-D; returns ``(X, y)``.

    Class 0 lies on (cos t, sin t), class 1 on (1 − cos t, 1/2 − sin t), for
    t evenly spaced on [0, π]; Gaussian noise of standard deviation ``noise``
    is added to each coordinate. Class 0 gets ``n_samples // 2`` points
    (rounded up), class 1 the rest. The rows are shuffled. ``X`` has shape
    ``(n_samples, 2)``, ``y`` holds int64 labels 0 and 1.
    """
    n = check_int("n_samples", n_samples)
    noise = check_nonnegative("noise", noise)
    rng = resolve_generator(generator)
    n_outer = (n + 1) // 2
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n - n_outer)
    X = np.concatenate(
        [
            np.column_stack([np.cos(t_outer), np.sin(t_outer)]),
            np.column_stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)]),
        ]
    )
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n - n_outer, np.int64)])
    X += rng.normal(0.0, noise, X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


@seed_alias
def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, generator: GeneratorLike = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms in 2-D; returns ``(X, y)``.

    Arm k holds points r·(sin θ, cos θ) with the radius r evenly spaced on
    [0, 1] and the angle θ running from 4k to 4(k + 1) radians, plus
    N(0, noise²) on θ (the CS231n spiral). The samples are shared out as
    evenly as possible (the first arms get one more). The rows are
    shuffled. ``X`` has shape ``(n_samples, 2)``, ``y`` int64 labels
    0..n_classes − 1. Not linearly separable: a network needs a hidden layer.
    """
    n = check_int("n_samples", n_samples)
    n_classes = check_int("n_classes", n_classes)
    noise = check_nonnegative("noise", noise)
    rng = resolve_generator(generator)
    counts = [n // n_classes + (k < n % n_classes) for k in range(n_classes)]
    X_parts, y_parts = [], []
    for k, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m)
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), m) + rng.normal(0.0, noise, m)
        X_parts.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        y_parts.append(np.full(m, k, np.int64))
    X, y = np.concatenate(X_parts), np.concatenate(y_parts)
    order = rng.permutation(n)
    return X[order], y[order]


# ---------------------------------------------------------------------------
# Real images: the UCI handwritten digits
# ---------------------------------------------------------------------------

_DIGITS_FILE = Path(__file__).parent / "data" / "digits.csv.gz"


class Digits(NamedTuple):
    """The output of :func:`load_digits`.

    Attributes:
        images: shape ``(1797, 8, 8)``, float64 pixel values 0..16 (integers).
        data: the same pixels flattened row by row, shape ``(1797, 64)``.
        target: the digit each image shows, int64 0..9, shape ``(1797,)``.
    """

    images: np.ndarray
    data: np.ndarray
    target: np.ndarray


def load_digits() -> Digits:
    """The 1,797 8×8 images of handwritten digits of the UCI optical-recognition set.

    Each image is a 32×32 bitmap of a digit, divided into non-overlapping
    4×4 blocks; a pixel counts the set bits of its block (0..16). Every
    digit 0..9 has 174 to 183 images. The data ship with tinyreg
    (``tinyreg/data/digits.csv.gz``) and load offline with numpy alone;
    every call returns fresh arrays. For a network, scale the pixels (divide
    by 16) and add a channel axis: ``images[:, None]`` has shape
    ``(1797, 1, 8, 8)``.

    Source: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten
    Digits", UCI Machine Learning Repository, 1998, DOI 10.24432/C50P49
    (the test part of the set), under the Creative Commons Attribution 4.0
    International licence (CC BY 4.0). The same values are scikit-learn's
    ``load_digits()``.
    """
    with gzip.open(_DIGITS_FILE, "rt", encoding="ascii") as file:
        table = np.loadtxt(file, delimiter=",", dtype=np.float64)
    data = np.ascontiguousarray(table[:, :64])
    return Digits(data.reshape(-1, 8, 8).copy(), data, table[:, 64].astype(np.int64))


# ---------------------------------------------------------------------------
# Splitting and standardizing
# ---------------------------------------------------------------------------


@seed_alias
def train_test_split(
    X: Any, y: Any, test_size: float | int = 0.25, generator: GeneratorLike = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the rows and split them; returns ``(X_train, X_test, y_train, y_test)``.

    ``test_size`` is a fraction in (0, 1) -- the test set then gets
    ceil(test_size·n) rows, as in scikit-learn -- or an int count in
    1..n − 1. Both parts must be non-empty. The same ``generator`` gives the same
    split; rows keep their pairing of X and y. Arrays (or Tensors) of any
    number of dimensions are split along their first axis and returned as
    numpy arrays.
    """
    X, y = np.asarray(X), np.asarray(y)
    n = check_same_samples(X=X, y=y)
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, (bool, np.bool_)):
        n_test = check_int("test_size", test_size)
    else:
        fraction = check_in_range("test_size", test_size, 0.0, 1.0, closed=(False, False))
        n_test = math.ceil(fraction * n)
    if n_test >= n:
        raise ValueError(
            f"test_size={test_size!r} leaves no training samples out of n_samples={n}; "
            "the test set needs 1..n_samples − 1 rows"
        )
    order = resolve_generator(generator).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


class Standardizer:
    """Rescale each column to mean 0 and standard deviation 1: z = (x − mean_) / scale_.

    ``fit`` learns ``mean_`` and ``scale_`` (the population standard
    deviation, ddof = 0) from the training data; ``transform`` applies those
    same statistics to any data, so the test set is scaled with what was
    learnt from the training set -- never with its own. A constant column
    (all values equal) gets ``scale_ = 1`` and its value as ``mean_``, so it
    becomes exactly 0 instead of a division by zero.

    Works on 2-D ``(n_samples, n_features)`` and on 1-D ``(n_samples,)``
    data (for instance to standardize targets); statistics are per column.

    For example::

        scaler = Standardizer()
        X_train = scaler.fit_transform(X_train)
        X_test = scaler.transform(X_test)
    """

    mean_: np.ndarray
    scale_: np.ndarray

    def fit(self, X: Any) -> Standardizer:
        """Learn ``mean_`` and ``scale_`` from ``X``; returns self."""
        X = check_finite_array("X", X, ndim=(1, 2))
        if X.shape[0] == 0:
            raise ValueError(f"cannot fit a Standardizer on no samples (X has shape {X.shape})")
        constant = X.max(axis=0) == X.min(axis=0)
        # A constant column is centred on its value exactly (the mean of
        # [0.1, 0.1, 0.1] is not exactly 0.1 in floating point) and not scaled.
        self.mean_ = np.where(constant, X[0], X.mean(axis=0))
        self.scale_ = np.where(constant, 1.0, X.std(axis=0))
        return self

    def _checked(self, X: Any) -> np.ndarray:
        if not hasattr(self, "mean_"):
            raise RuntimeError("this Standardizer is not fitted yet: call fit(X_train) first")
        X = check_finite_array("X", X, ndim=(1, 2))
        if X.shape[1:] != self.mean_.shape:
            fitted = "(n_samples,)" if self.mean_.ndim == 0 else f"(n_samples, {self.mean_.size})"
            raise ValueError(
                f"X has shape {X.shape} but the Standardizer was fitted on data of shape {fitted}"
            )
        return X

    def transform(self, X: Any) -> np.ndarray:
        """(X − mean_) / scale_, with the statistics learnt by :meth:`fit`."""
        return (self._checked(X) - self.mean_) / self.scale_

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Z·scale_ + mean_: back to the original units (e.g. predictions in dollars)."""
        return self._checked(X) * self.scale_ + self.mean_

    def __repr__(self) -> str:
        fitted = f"n_features={self.mean_.size}" if hasattr(self, "mean_") else "not fitted"
        return f"Standardizer({fitted})"
