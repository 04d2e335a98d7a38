r"""Mergeable moments: everything squared-loss linear models need to know about the data.

Ridge, the lasso and the elastic net minimise a sum of squared residuals
plus a penalty. For any (w, b) the weighted residual sum of squares is a
quadratic form in a few sums over the samples, so the data enter only
through these **moments** of (X, y) with sample weights s::

    W   = Σ sᵢ                                  (sum of weights)
    x̄   = Σ sᵢ·xᵢ / W,   ȳ = Σ sᵢ·yᵢ / W          (weighted means)
    XᵀX = Σ sᵢ·(xᵢ − x̄)(xᵢ − x̄)ᵀ                (centred scatter, p × p)
    Xᵀy = Σ sᵢ·(xᵢ − x̄)(yᵢ − ȳ)ᵀ                (p × k, one column per target)
    yᵀy = Σ sᵢ·(yᵢ − ȳ)²                         (one value per target)

They fit in O(p²) memory whatever the number of samples, so a data set can
be summarised one chunk at a time, or block by block on a cluster, and the
model solved from the summary. :class:`Moments` holds them.

Merging
-------
The moments of two disjoint chunks A and B give those of A ∪ B exactly
(Chan, Golub and LeVeque's pairwise update, with weights). With
δx = x̄_B − x̄_A and δy = ȳ_B − ȳ_A::

    W   = W_A + W_B
    x̄   = x̄_A + (W_B / W)·δx,      ȳ = ȳ_A + (W_B / W)·δy
    XᵀX = XᵀX_A + XᵀX_B + (W_A·W_B / W)·δx·δxᵀ
    Xᵀy = Xᵀy_A + Xᵀy_B + (W_A·W_B / W)·δx·δyᵀ
    yᵀy = yᵀy_A + yᵀy_B + (W_A·W_B / W)·δy²

Each chunk's scatter is taken about its own mean, and the last term moves
it to the common one: Σ over A of sᵢ(xᵢ − x̄)(xᵢ − x̄)ᵀ = XᵀX_A +
W_A·(x̄_A − x̄)(x̄_A − x̄)ᵀ, likewise for B, and W_A·(x̄_A − x̄) = −W_B·(x̄_B − x̄)
= −(W_A·W_B / W)·δx. The update is exact in exact arithmetic, so the
result does not depend on how the data were split or in which order the
pieces are merged; in floating point every way of merging agrees to
rounding.

Why centred
-----------
The raw sums Σ sᵢxᵢxᵢᵀ would merge by plain addition, but the scatter
needed by the solvers is then XᵀX_raw − W·x̄x̄ᵀ, a difference of two
numbers of size W·x̄² that cancel down to W·var(x). Each carries a
rounding error of about eps·W·x̄², so the relative error of the
difference is about eps·x̄²/var(x): with a feature of mean 10⁶ and unit
variance, 2.2e-16 · 10¹² ≈ 2e-4, about four correct digits. Centred sums
never form the large numbers: each chunk is centred on its own mean before
its scatter is taken, and the merge adds only the small correction for the
difference of the means.

Computing a chunk's moments costs one copy of the chunk: Xc = X − x̄,
scaled in place by √sᵢ when there are weights, and then XᵀX = Xcᵀ·Xc. The
product of a matrix with its own transpose is a symmetric rank-k update
(BLAS ``syrk``, which numpy calls for ``A.T @ A`` on one buffer): half
the flops of a general product. When no feature's mean is large against
its spread (and there are no weights), the raw sums lose nothing that
matters, and with a few hundred features or more, where the product
outweighs the passes through memory, the speed path takes them from the
chunk itself, with no copy (:func:`_uncentred_moments` states the bound
that decides).

With ``fit_intercept=False`` the solvers need the uncentred sums; they are
recovered as XᵀX + W·x̄x̄ᵀ (see :meth:`Moments.normal_equations`), where
nothing cancels.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from tinyreg.validation import check_finite_array

__all__ = ["Moments"]


class Moments:
    """The weighted, centred moments of a data set (X, y): merge them, solve from them.

    Build them with :meth:`Moments.of`, merge two with ``a + b`` (or
    ``a.merge(b)``); both return a new object and leave their operands
    alone. The order and grouping of merges do not matter (up to rounding),
    and the objects pickle, so they can be computed where the data are and
    sent elsewhere: they are p×p, whatever the number of samples.

    Attributes (treat them as read-only):

    * ``n_samples``: the number of rows seen (rows of weight zero included);
    * ``weight_sum``: W = Σ sᵢ (equal to ``n_samples`` without weights);
    * ``x_mean`` (p,), ``y_mean`` (k,): the weighted means;
    * ``XtX`` (p, p): Σ sᵢ(xᵢ − x̄)(xᵢ − x̄)ᵀ;
    * ``Xty`` (p, k): Σ sᵢ(xᵢ − x̄)(yᵢ − ȳ)ᵀ, one column per target;
    * ``yty`` (k,): Σ sᵢ(yᵢ − ȳ)², one value per target.

    A 1-D y is one target (k = 1). See the module docstring for the merge
    formula and why the sums are centred.
    """

    __slots__ = ("XtX", "Xty", "n_samples", "weight_sum", "x_mean", "y_mean", "yty")

    def __init__(
        self,
        n_samples: int,
        weight_sum: float,
        x_mean: np.ndarray,
        y_mean: np.ndarray,
        XtX: np.ndarray,
        Xty: np.ndarray,
        yty: np.ndarray,
    ):
        self.n_samples = int(n_samples)
        self.weight_sum = float(weight_sum)
        self.x_mean = x_mean
        self.y_mean = y_mean
        self.XtX = XtX
        self.Xty = Xty
        self.yty = yty

    @classmethod
    def of(cls, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Moments:
        """The moments of one chunk: ``X`` (n, p), ``y`` (n,) or (n, k), weights (n,) >= 0.

        The arguments are checked as ``fit`` checks them (finite, matching
        numbers of rows, non-negative weights; at least one row). Dask
        arrays are summarised block by block, where they live.
        """
        from tinyreg.linear.data import data_of  # which imports this module

        return data_of(X, y, sample_weight).moments()[0]

    @property
    def n_features(self) -> int:
        """p, the number of columns of X."""
        return self.x_mean.shape[0]

    @property
    def n_targets(self) -> int:
        """k, the number of columns of y (1 for a 1-D y)."""
        return self.y_mean.shape[0]

    def merge(self, other: Moments) -> Moments:
        """The moments of the union of the two data sets (Chan, Golub and LeVeque's update)."""
        if not isinstance(other, Moments):
            raise TypeError(f"can only merge Moments with Moments, got {type(other).__name__}")
        if (other.n_features, other.n_targets) != (self.n_features, self.n_targets):
            raise ValueError(
                f"cannot merge the moments of data with {other.n_features} features and "
                f"{other.n_targets} target(s) into those of data with {self.n_features} "
                f"features and {self.n_targets} target(s)"
            )
        n_samples = self.n_samples + other.n_samples
        W = self.weight_sum + other.weight_sum
        if W == 0:  # both weigh nothing: no mean is defined, and nothing is summed
            return _zero_moments(n_samples, self.n_features, self.n_targets)
        dx, dy = other.x_mean - self.x_mean, other.y_mean - self.y_mean
        share = other.weight_sum / W
        f = self.weight_sum * share  # W_A·W_B / W
        return Moments(
            n_samples,
            W,
            self.x_mean + share * dx,
            self.y_mean + share * dy,
            self.XtX + other.XtX + f * np.outer(dx, dx),
            self.Xty + other.Xty + f * np.outer(dx, dy),
            self.yty + other.yty + f * dy * dy,
        )

    def __add__(self, other: Moments) -> Moments:
        return self.merge(other)

    # -- what the solvers read ------------------------------------------

    def normal_equations(self, fit_intercept: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(G, B, c)``: the Gram matrix, right-hand sides and squared norms of y.

        With an intercept they are the centred XᵀX, Xᵀy and yᵀy: the
        intercept is b = ȳ − x̄ᵀw, and what remains is a problem in w on
        the centred data. Without one they are the uncentred sums
        Σ sᵢxᵢxᵢᵀ = XᵀX + W·x̄x̄ᵀ, Σ sᵢxᵢyᵢᵀ = Xᵀy + W·x̄ȳᵀ and
        Σ sᵢyᵢ² = yᵀy + W·ȳ².
        """
        if fit_intercept:
            return self.XtX, self.Xty, self.yty
        W = self.weight_sum
        return (
            self.XtX + W * np.outer(self.x_mean, self.x_mean),
            self.Xty + W * np.outer(self.x_mean, self.y_mean),
            self.yty + W * self.y_mean**2,
        )

    def residual_sum_of_squares(self, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        """Σ sᵢ(yᵢ − xᵢᵀw − b)² for each target, from the moments alone.

        ``coef`` is (k, p) and ``intercept`` (k,); leading axes, as in
        (m, k, p) and (m, k), evaluate m models at once. Splitting each residual
        into its centred part and its mean, yᵢ − xᵢᵀw − b =
        (yᵢ − ȳ) − (xᵢ − x̄)ᵀw + (ȳ − x̄ᵀw − b), the cross term vanishes
        (the centred parts have weighted sum zero), leaving

            yᵀy − 2·wᵀXᵀy + wᵀXᵀXw + W·(ȳ − x̄ᵀw − b)².

        This is what makes K-fold cross-validation exact from per-fold
        moments: a fold's test error needs only the fold's own moments.
        It subtracts numbers of the size of yᵀy, so the result carries an
        absolute error of about eps·yᵀy.
        """
        coef = np.asarray(coef, dtype=np.float64)
        coef = coef.reshape(*coef.shape[:-2], self.n_targets, self.n_features)
        explained = np.einsum("...kp,pk->...k", coef, self.Xty)
        quadratic = np.einsum("...kp,...kp->...k", coef @ self.XtX, coef)
        offset = self.y_mean - coef @ self.x_mean - intercept
        return self.yty - 2 * explained + quadratic + self.weight_sum * offset**2

    def __repr__(self) -> str:
        return (
            f"Moments(n_samples={self.n_samples}, weight_sum={self.weight_sum:g}, "
            f"n_features={self.n_features}, n_targets={self.n_targets})"
        )


def _zero_moments(n_samples: int, n_features: int, n_targets: int) -> Moments:
    """The moments of ``n_samples`` rows of weight zero (nothing is summed)."""
    return Moments(
        n_samples,
        0.0,
        np.zeros(n_features),
        np.zeros(n_targets),
        np.zeros((n_features, n_features)),
        np.zeros((n_features, n_targets)),
        np.zeros(n_targets),
    )


# ---------------------------------------------------------------------------
# One chunk, centred: the rows the moments are computed from
# ---------------------------------------------------------------------------


class _Chunk(NamedTuple):
    """A chunk centred on its weighted means and scaled by √s: Xc = √s·(X − x̄), Yc likewise.

    Made by :func:`_centre`, the one copy of the chunk's data. Its moments
    are XᵀX = XcᵀXc, Xᵀy = XcᵀYc and yᵀy = Σ Yc². The estimators keep the
    rows themselves, instead of the moments, while they have seen one chunk
    with fewer rows than features: then the rows are the smaller exact
    summary (n·p numbers against p²), and ridge's dual form and the
    elastic net's residual form solve from them.
    """

    n_samples: int
    weight_sum: float
    x_mean: np.ndarray
    y_mean: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    sqrt_weight: np.ndarray | None  # None: every weight is one
    # the unweighted rows as given (in float64), for a fit without intercept
    given: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def n_targets(self) -> int:
        return self.Y.shape[1]

    def moments(self) -> Moments:
        """The chunk's moments: XcᵀXc (a BLAS syrk), XcᵀYc and the column sums of Yc²."""
        Xc, Yc = self.X, self.Y
        return Moments(
            self.n_samples,
            self.weight_sum,
            self.x_mean,
            self.y_mean,
            Xc.T @ Xc,
            Xc.T @ Yc,
            np.einsum("ij,ij->j", Yc, Yc),
        )

    def rows(self, fit_intercept: bool) -> tuple[np.ndarray, np.ndarray]:
        """The weighted rows a solver works on: centred, or (no intercept) √s·X and √s·Y.

        Without weights and intercept these are the rows as given when the
        chunk holds them (``given``), else Xc + x̄.
        """
        if fit_intercept:
            return self.X, self.Y
        if self.sqrt_weight is None:
            if self.given is not None:
                return self.given
            return self.X + self.x_mean, self.Y + self.y_mean
        s = self.sqrt_weight[:, None]
        return self.X + s * self.x_mean, self.Y + s * self.y_mean


def _centre(X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None) -> _Chunk:
    """Centre a checked chunk (X (n, p), Y (n, k), weights or None) on its weighted means.

    One copy of X is made (X − x̄, in float64 whatever the input's dtype)
    and scaled by √s in place: the weights never cost a second copy.
    """
    n = X.shape[0]
    if n == 0:
        empty = _zero_moments(0, X.shape[1], Y.shape[1])
        return _Chunk(
            0, 0.0, empty.x_mean, empty.y_mean, np.zeros(X.shape), np.zeros(Y.shape), None
        )
    if sample_weight is None:
        W = float(n)
        x_mean = X.mean(axis=0, dtype=np.float64)
        y_mean = Y.mean(axis=0, dtype=np.float64)
    else:
        weights = sample_weight.astype(np.float64, copy=False)
        W = float(weights.sum())
        if W > 0:  # products with the weight vector: no weighted copy of the chunk
            x_mean, y_mean = (weights @ X) / W, (weights @ Y) / W
        else:  # every weight is zero: no mean, and the scaled rows below are all zero
            x_mean, y_mean = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    Xc = np.subtract(X, x_mean, dtype=np.float64)  # the one copy of the chunk
    Yc = np.subtract(Y, y_mean, dtype=np.float64)
    sqrt_weight = None
    if sample_weight is not None:
        sqrt_weight = np.sqrt(weights)
        Xc *= sqrt_weight[:, None]
        Yc *= sqrt_weight[:, None]
    return _Chunk(n, W, x_mean, y_mean, Xc, Yc, sqrt_weight)


class _RawChunk(NamedTuple):
    """A checked in-memory chunk whose centred rows are made only if a solver asks for them."""

    X: np.ndarray
    Y: np.ndarray
    sample_weight: np.ndarray | None

    def rows(self, fit_intercept: bool) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`_Chunk.rows` (the SVD fallback of ridge needs them)."""
        if not fit_intercept and self.sample_weight is None:
            return _as_float64(self.X, self.Y)
        return _centre(self.X, self.Y, self.sample_weight).rows(fit_intercept)


def _as_moments(summary: Any) -> Moments:
    """``summary`` (a :class:`Moments` or a :class:`_Chunk`) as moments."""
    return summary.moments() if isinstance(summary, _Chunk) else summary


# ---------------------------------------------------------------------------
# Speed path: the moments of a chunk, tile by tile
# ---------------------------------------------------------------------------

#: bytes of one tile of rows (with its centred copy, it stays in a CPU's cache)
_TILE_BYTES = 2**21


def _tiled_moments(X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None) -> Moments:
    """Speed path of ``_centre(X, Y, sample_weight).moments()``: the same moments, by tiles.

    The readable route passes over the chunk several times (the means, the
    centred copies, the products). When n ≫ p those passes through memory
    cost more than the flops of the product (measurements in
    ``benchmarks/README.md``). Here the rows are cut into tiles of about
    ``_TILE_BYTES``, which stay in the CPU's cache while they are worked on:

    * the weighted means of a tile are products with the weight vector (one
      BLAS call each, the tile's one read from memory);
    * the tile is centred into one reused buffer [Xc | Yc], scaled by √s;
    * one symmetric product of that buffer (BLAS syrk) gives XᵀX, Xᵀy and
      yᵀy at once, as the blocks of [Xc | Yc]ᵀ[Xc | Yc];

    and the tiles' moments are merged by the pairwise update. The result is
    the same to rounding (``tests/test_moments.py`` checks that both agree).
    """
    n, p = X.shape
    k = Y.shape[1]
    rows = max(1024, _TILE_BYTES // (8 * (p + k)))
    buffer = np.empty((min(rows, n), p + k))
    ones = np.ones(min(rows, n))
    total = _zero_moments(0, p, k)
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        tile, weights = buffer[: stop - start], ones[: stop - start]
        if sample_weight is not None:
            weights = sample_weight[start:stop].astype(np.float64, copy=False)
        W = float(weights.sum())
        share = 1.0 / W if W > 0 else 0.0  # weighing nothing: rows of zeros below
        x_mean, y_mean = (weights @ X[start:stop]) * share, (weights @ Y[start:stop]) * share
        np.subtract(X[start:stop], x_mean, out=tile[:, :p])
        np.subtract(Y[start:stop], y_mean, out=tile[:, p:])
        if sample_weight is not None:
            tile *= np.sqrt(weights)[:, None]
        S = tile.T @ tile  # BLAS syrk: [[XᵀX, Xᵀy], [yᵀX, Y'Y]]
        moments = Moments(stop - start, W, x_mean, y_mean, S[:p, :p], S[:p, p:], S.diagonal()[p:])
        total = total + moments
    return total


def _uncentred_moments(X: np.ndarray, Y: np.ndarray) -> Moments | None:
    r"""Speed path for unweighted float64 chunks: raw sums corrected by the means, when exact.

    The centred scatter is S = ZᵀZ − n·z̄z̄ᵀ for the columns z of Z = [X | Y],
    so it can come from one product of X with itself (BLAS syrk, no copy of
    the chunk), Xᵀy, and the column sums: fewer passes through memory than
    centring first. Whether that is as accurate as centring is decided by a
    bound on the cancellation. Write uᵢ = zᵢ − z̄ᵢ for the centred column
    and ρᵢ = n·z̄ᵢ² / ‖uᵢ‖² (squared mean over variance). The computed
    product errs by at most γₙ·‖zᵢ‖·‖zⱼ‖ in entry (i, j) (γₙ ≈ n·eps, the
    bound for a dot product of n terms, with Cauchy–Schwarz), and the
    rounded means add an error of the same size to n·z̄ᵢz̄ⱼ. Since
    ‖zᵢ‖² = ‖uᵢ‖² + n·z̄ᵢ² = (1 + ρᵢ)·‖uᵢ‖², the error of Sᵢⱼ is at most
    about 2γₙ·√((1 + ρᵢ)(1 + ρⱼ))·√(SᵢᵢSⱼⱼ), against γₙ·√(SᵢᵢSⱼⱼ) for
    the centred route. With a mean of 10⁶ and unit variance ρ = 10¹²: the
    raw route would lose twelve digits. So it is taken only when every
    column has ρᵢ ≤ 1, i.e. 2n·z̄ᵢ² ≤ ‖zᵢ‖²; then its bound is at most four
    times the centred one's. The test compares two sums of positive terms,
    each computed to a relative error of about γₙ, so it cancels nothing
    itself and cannot be fooled by the rounding it guards against.

    Returns None (the caller centres: :func:`_tiled_moments`) when a column
    fails the test (an offset large against the spread, or a constant
    non-zero column) or the chunk is not float64. The test is first made
    on the first ``_HEAD_ROWS`` rows, which usually show an offset at a
    fraction of the cost; a refusal there costs speed, never accuracy.
    """
    if X.dtype != np.float64 or Y.dtype != np.float64 or X.shape[0] == 0:
        return None
    head = slice(0, _HEAD_ROWS)
    if _sums_if_small_offsets(X[head]) is None or _sums_if_small_offsets(Y[head]) is None:
        return None
    x_sums, y_sums = _sums_if_small_offsets(X), _sums_if_small_offsets(Y)
    if x_sums is None or y_sums is None:
        return None
    n = X.shape[0]
    x_mean, y_mean = x_sums[0] / n, y_sums[0] / n
    XtX = X.T @ X  # BLAS syrk on the chunk itself
    XtX -= n * np.outer(x_mean, x_mean)
    Xty = X.T @ Y - n * np.outer(x_mean, y_mean)
    return Moments(n, float(n), x_mean, y_mean, XtX, Xty, y_sums[1] - n * y_mean**2)


#: rows looked at first by _uncentred_moments
_HEAD_ROWS = 1024


def _sums_if_small_offsets(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(Σz, Σz²) of each column of ``Z`` if every column has ρ ≤ 1, else None.

    ρ ≤ 1 is 2n·z̄² ≤ ‖z‖², i.e. 2·(Σz)² ≤ n·Σz² (see :func:`_uncentred_moments`).
    A NaN or an overflow fails it too, and the centred route (which may not
    overflow) decides what to report.
    """
    total, squares = Z.sum(axis=0), np.einsum("ij,ij->j", Z, Z)  # pairwise summation
    return (total, squares) if _small_offsets(total, squares, Z.shape[0]) else None


def _small_offsets(total: np.ndarray, squares: np.ndarray, weight: float) -> bool:
    """Whether every column has ρ ≤ 1, from its (weighted) sum, sum of squares and weight sum.

    ρ = W·z̄²/‖z − z̄‖² ≤ 1 is 2·(Σsz)² ≤ W·Σsz² (see :func:`_uncentred_moments`);
    a NaN or an overflow fails it.
    """
    return bool(np.all(2 * total * total <= weight * squares) and np.isfinite(squares).all())


#: rows sampled, evenly spaced, for the common shift of :func:`_shifted_moments`
_SHIFT_ROWS = 1024


def _shifted_moments(
    X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None
) -> Moments | None:
    r"""Speed path of :func:`_tiled_moments`: every tile centred on one shift, corrected once.

    The tiles' own means cost a product per tile and a merge of the tiles'
    moments. Here every row is centred on one shift c instead, the mean of
    ``_SHIFT_ROWS`` rows sampled evenly through the chunk (close to the mean
    x̄ whatever the rows' order), and one symmetric product per tile of
    [√s·(X − c) | √s·(Y − c_y) | √s] sums, over all tiles, the shifted
    scatter, the shifted sums Σsᵢ(zᵢ − c) and Σsᵢ at once. Then with
    m = Σsᵢ(zᵢ − c)/W, the mean is c + m and the centred scatter
    Σsᵢ(zᵢ − c)(zᵢ − c)ᵀ − W·m·mᵀ: the raw sums of :func:`_uncentred_moments`
    for the shifted data, with the same cancellation bound, so the same test
    decides (ρ ≤ 1 for every column of z − c, here ρ is about 1/_SHIFT_ROWS).
    Returns None when the test fails (the caller then centres each tile on
    its own mean), or when the weights sum to zero.
    """
    n, p = X.shape
    k = Y.shape[1]
    W = float(n) if sample_weight is None else float(sample_weight.sum())
    if not W > 0:
        return None
    sample = slice(None, None, max(1, n // _SHIFT_ROWS))
    if sample_weight is None:
        x_shift = X[sample].mean(axis=0, dtype=np.float64)
        y_shift = Y[sample].mean(axis=0, dtype=np.float64)
    else:
        weights = sample_weight[sample].astype(np.float64, copy=False)
        sampled = float(weights.sum())
        share = 1.0 / sampled if sampled > 0 else 0.0
        x_shift, y_shift = (weights @ X[sample]) * share, (weights @ Y[sample]) * share
    rows = max(1024, _TILE_BYTES // (8 * (p + k + 1)))
    buffer = np.empty((min(rows, n), p + k + 1))
    buffer[:, -1] = 1.0
    S = np.zeros((p + k + 1, p + k + 1))
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        tile = buffer[: stop - start]
        np.subtract(X[start:stop], x_shift, out=tile[:, :p], dtype=np.float64)
        np.subtract(Y[start:stop], y_shift, out=tile[:, p:-1], dtype=np.float64)
        if sample_weight is not None:
            root = np.sqrt(sample_weight[start:stop].astype(np.float64, copy=False))
            tile[:, :-1] *= root[:, None]
            tile[:, -1] = root
        S += tile.T @ tile  # BLAS syrk: shifted scatter, sums (last column) and Σs
    sums, squares = S[:-1, -1], S.diagonal()[:-1]
    if not _small_offsets(sums, squares, W):
        return None
    m = sums / W
    scatter = S[:-1, :-1] - W * np.outer(m, m)
    return Moments(
        n,
        W,
        x_shift + m[:p],
        y_shift + m[p:],
        scatter[:p, :p],
        scatter[:p, p:],
        scatter.diagonal()[p:].copy(),
    )


#: Speed: from this many features on, the raw sums are the faster route (their
#: extra passes over the chunk cost n·p against the product's n·p² flops)
_UNCENTRED_FROM = 200
#: Speed: from this many features on, tiles centred on one shift beat tiles centred
#: on their own means (below it, the shifted product's extra column costs more
#: than the tiles' means and merges save: benchmarks/README.md)
_SHIFTED_FROM = 50


def _chunk_moments(X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None) -> Moments:
    """The moments of a checked chunk by the faster exact route: raw sums if safe, else tiles.

    The raw sums (:func:`_uncentred_moments`) read the chunk four times,
    the tiles once: they are faster only when the product dominates, from
    about ``_UNCENTRED_FROM`` features (``benchmarks/README.md``). From
    ``_SHIFTED_FROM`` features the tiles are centred on one shift when that
    is safe (:func:`_shifted_moments`), else each on its own mean
    (:func:`_tiled_moments`).
    """
    moments = None
    if sample_weight is None and X.shape[1] >= _UNCENTRED_FROM:
        moments = _uncentred_moments(X, Y)
    if moments is None and X.shape[1] >= _SHIFTED_FROM and X.shape[0] > 0:
        moments = _shifted_moments(X, Y, sample_weight)
    return _tiled_moments(X, Y, sample_weight) if moments is None else moments


def _finite_rows(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> _Chunk:
    """:func:`_centre` of a chunk checked by ``check_X_y(..., defer_finite_check=True)``.

    A NaN or an infinity anywhere in X or y makes a weighted mean non-finite
    (0·NaN is NaN as well; the check refuses all-zero weights), so only then
    are X and y scanned, for the usual message. Without weights the chunk
    also holds X and y as given (``given``): the rows of a fit without
    intercept, with no copy.
    """
    with np.errstate(all="ignore"):  # non-finite values are reported below
        chunk = _centre(X, y.reshape(y.shape[0], -1), sample_weight)
        total = chunk.x_mean.sum() + chunk.y_mean.sum()
    if not np.isfinite(total):
        _report_non_finite(X, y, "the means of X and y overflow: their values are too large to sum")
    if sample_weight is None:
        chunk = chunk._replace(given=_as_float64(X, y.reshape(y.shape[0], -1)))
    return chunk


def _as_float64(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X and Y in float64 (the solvers' dtype), copied only if they are not."""
    return X.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)


def _finite_moments(X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> Moments:
    """The moments of a chunk checked by ``check_X_y(..., defer_finite_check=True)``.

    A NaN or an infinity anywhere in X or y (even on a row of weight zero:
    0·NaN is NaN) makes the means and the diagonals of the scatter
    non-finite, so only then are X and y scanned, for the usual message.
    """
    with np.errstate(all="ignore"):  # non-finite values are reported below
        m = _chunk_moments(X, y.reshape(y.shape[0], -1), sample_weight)
        total = np.trace(m.XtX) + m.yty.sum() + m.x_mean.sum() + m.y_mean.sum()
    if not np.isfinite(total):
        _report_non_finite(
            X, y, "the moments of X and y overflow: their values are too large to square"
        )
    return m


def _report_non_finite(X: np.ndarray, y: np.ndarray, overflow: str) -> None:
    """Raise ValueError for a summary of X and y that came out non-finite.

    Names the first NaN or infinity of X or y (the usual message); if there
    is none, the summary overflowed: ``overflow`` says how, with the largest
    values.
    """
    check_finite_array("X", X)
    check_finite_array("y", y)
    raise ValueError(
        f"{overflow} (largest |X| {np.abs(X).max():.3g}, largest |y| {np.abs(y).max():.3g})"
    )


# ---------------------------------------------------------------------------
# Contiguous folds: K-fold cross-validation from per-fold moments
# ---------------------------------------------------------------------------


def _kfold_edges(n_samples: int, n_folds: int) -> np.ndarray:
    """Where each of ``n_folds`` contiguous folds starts, and where the last ends.

    scikit-learn's ``KFold(n_folds)`` without shuffling: the first
    ``n_samples % n_folds`` folds have one sample more than the others.
    """
    sizes = np.full(n_folds, n_samples // n_folds)
    sizes[: n_samples % n_folds] += 1
    return np.concatenate(([0], np.cumsum(sizes)))
