r"""Reference solvers for regularized linear regression (numpy only).

This module is the yardstick the rest of tinyreg is measured against: exact or
certified solutions of the linear models that the gradient-trained networks of
``tinyreg.optim`` approximate. The estimators copy scikit-learn's names,
objectives, parameters and attributes, so code written for
``sklearn.linear_model`` runs after changing only its import line::

    from tinyreg.linear import LinearRegression, Lasso, Ridge  # was sklearn.linear_model

====================  ==================================================  =====================
estimator             objective minimised over (w, b)                     solver
====================  ==================================================  =====================
``LinearRegression``  ‖y − Xw − b‖²                                       lstsq (SVD)
``Ridge``             ‖y − Xw − b‖² + alpha·‖w‖²                          Cholesky, or SVD
``RidgeCV``           Ridge, alpha chosen by exact leave-one-out error    one eigendecomposition
``ElasticNet``        (1/(2n))‖y − Xw − b‖² + alpha·l1_ratio·‖w‖₁         coordinate descent,
                      + (alpha·(1 − l1_ratio)/2)·‖w‖²                     or FISTA
``Lasso``             (1/(2n))‖y − Xw − b‖² + alpha·‖w‖₁                  as ElasticNet
====================  ==================================================  =====================

The intercept b is never penalized; it is fitted by centring X and y (see
:class:`_LinearModel`). ``lasso_path`` and ``enet_path`` follow scikit-learn
and fit no intercept at all.

Alpha conventions
-----------------
Ridge and the elastic net scale their data term differently; that is
scikit-learn's choice, kept so that the numbers match. With n samples and the
data term (1/(2n))·‖y − Xw − b‖² of ``tinyreg.optim``, the same model is:

================================  ================================  =============================
here and in scikit-learn          ``tinyreg.penalties`` penalty     PyTorch, same (1/(2n)) loss
================================  ================================  =============================
``Ridge(alpha)``                  ``L2(alpha / n)``                 SGD ``weight_decay=alpha / n``
``Lasso(alpha)``                  ``L1(alpha)``                     (no built-in L1)
``ElasticNet(alpha, l1_ratio)``   ``ElasticNet(alpha, l1_ratio)``   (no built-in L1)
================================  ================================  =============================

PyTorch's ``weight_decay`` covers only the L2 part, alpha·(1 − l1_ratio) for
the elastic net. Its ``MSELoss`` is (1/n)‖·‖², twice the loss above, so with
it ``Ridge(alpha)`` is ``weight_decay=2·alpha/n``. With sample weights s, Ridge's
data term is Σ sᵢ(yᵢ − xᵢw − b)²; the elastic net, like scikit-learn, first
rescales the weights to sum to n.

Conventions
-----------
* ``X`` is 2-D ``(n_samples, n_features)``; ``y`` is 1-D or 2-D
  ``(n_samples, n_targets)``. A 2-D ``y`` fits one independent model per
  column; ``coef_`` then has shape ``(n_targets, n_features)``.
* Integer and boolean inputs are cast; all computation is in float64.
* Every argument is checked with :mod:`tinyreg.validation`; constructor
  parameters are checked at ``fit`` (and by ``set_params``). A failed ``fit``
  raises before touching any fitted attribute.
"""

from __future__ import annotations

import inspect
import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tinyreg.metrics import r2_score
from tinyreg.validation import (
    check_choice,
    check_finite_array,
    check_in_range,
    check_int,
    check_nonnegative,
    check_positive,
    check_X_y,
)

__all__ = [
    "ConvergenceWarning",
    "ElasticNet",
    "Lasso",
    "LinearRegression",
    "NotFittedError",
    "Ridge",
    "RidgeCV",
    "enet_path",
    "lasso_path",
]

_EPS = float(np.finfo(np.float64).eps)


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at ``max_iter`` before reaching ``tol``."""


class NotFittedError(ValueError, AttributeError):
    """``predict`` or ``score`` was called on an estimator that has not been fitted."""


# ---------------------------------------------------------------------------
# Dense linear algebra: Cholesky solves without scipy
# ---------------------------------------------------------------------------


def _solve_lower_triangular(L: np.ndarray, B: np.ndarray, block: int = 64) -> np.ndarray:
    """Solve ``L @ X = B`` for lower-triangular ``L`` by blocked forward substitution.

    numpy has no triangular solver, and ``np.linalg.solve(L, B)`` ignores the
    structure: it pays a full LU factorization (2p³/3 flops), as much as
    solving the original system. Here the p×p system is cut into blocks of
    ``block`` rows; each small diagonal block is solved densely and the rest
    of the work is matrix products (``L[j:, i:j] @ X[i:j]``), which BLAS runs
    fast. Forward substitution is backward stable.
    """
    X = np.array(B, dtype=np.float64, copy=True)
    p = L.shape[0]
    for i in range(0, p, block):
        j = min(i + block, p)
        X[i:j] = np.linalg.solve(L[i:j, i:j], X[i:j])
        X[j:] -= L[j:, i:j] @ X[i:j]
    return X


def _cholesky_solve(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve ``A @ X = B`` for symmetric positive definite ``A`` via A = LLᵀ.

    Raises ``np.linalg.LinAlgError`` when the normal equations are not a
    safe route: the factorization fails (a pivot ≤ 0: A is not positive
    definite to working precision), or its smallest pivot L_kk² is below
    √eps times the largest diagonal entry of A. The condition number of A
    is at least that ratio, so the solution would lose more than half of
    its digits (an exactly singular A, e.g. alpha = 0 with collinear
    columns, gives a pivot of rounding size); an SVD of the data is then the
    right tool. With alpha > 0 every pivot is at least alpha, so this only
    triggers when alpha is tiny next to ‖X‖².

    Choice of method (measured on 2 cores, OpenBLAS, one right-hand side):

    =====  ===============  ==================  =========================
    p      LU: np.solve(A)  Cholesky + blocked  Cholesky + np.solve(L)×2
    =====  ===============  ==================  =========================
    100    0.07 ms          0.11 ms             0.17 ms
    500    2.3 ms           3.0 ms              7.3 ms
    2000   63 ms            67 ms               183 ms
    =====  ===============  ==================  =========================

    numpy's Cholesky is no faster than its LU, so a plain LU solve is the
    quickest; Cholesky with blocked substitution (``_solve_lower_triangular``)
    is within 5-50% of it and 2-3x faster than calling ``np.linalg.solve``
    on the triangular factors. It is kept because it is backward stable for
    SPD matrices and, unlike LU, certifies positive definiteness and exposes
    the pivots, which is what triggers the SVD fallback. For n ≫ p forming
    XᵀX (n·p² flops) dominates anyway: 20 ms at 100000×100 against 0.1 ms
    for the solve.
    """
    L = np.linalg.cholesky(A)  # raises LinAlgError if a pivot is <= 0
    if np.diag(L).min() ** 2 <= math.sqrt(_EPS) * np.diag(A).max():
        raise np.linalg.LinAlgError("the normal equations are too ill-conditioned")
    Z = _solve_lower_triangular(L, B)
    # Lᵀ x = z is an upper-triangular system. Reversing the order of the
    # unknowns and of the equations turns it into a lower-triangular one.
    upside_down = np.ascontiguousarray(L.T[::-1, ::-1])
    return _solve_lower_triangular(upside_down, Z[::-1])[::-1]


def _ridge_cholesky(X: np.ndarray, Y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Ridge coefficients ``(n_targets, p)`` from the normal equations.

    With n ≥ p (primal form) solve (XᵀX + αI)·w = Xᵀy, a p×p system.
    With p > n (dual or kernel form) use the identity
    (XᵀX + αI)⁻¹Xᵀ = Xᵀ(XXᵀ + αI)⁻¹ and solve the n×n system
    (XXᵀ + αI)·a = y, then w = Xᵀa. Targets sharing an alpha share a solve.
    """
    n, p = X.shape
    primal = n >= p
    G = X.T @ X if primal else X @ X.T  # BLAS syrk: the dominant cost for n ≫ p
    rhs = X.T @ Y if primal else Y
    solution = np.empty_like(rhs)
    for alpha in np.unique(alphas):
        targets = alphas == alpha
        G_alpha = G.copy()
        G_alpha.flat[:: G.shape[0] + 1] += alpha
        solution[:, targets] = _cholesky_solve(G_alpha, rhs[:, targets])
    coef = solution if primal else X.T @ solution
    return coef.T


def _ridge_svd(X: np.ndarray, Y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Ridge coefficients ``(n_targets, p)`` from the thin SVD X = U·diag(s)·Vᵀ.

    w = V·diag(s / (s² + α))·Uᵀy, one formula for every alpha and target.
    Singular values below ``max(n, p)·eps·s_max`` (numpy's ``lstsq``
    cut-off) are treated as zero, so alpha = 0 gives the minimum-norm least
    squares solution.
    """
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    UtY = U.T @ Y
    factor = np.zeros((s.size, alphas.size))
    if s.size:
        kept = s > max(X.shape) * _EPS * s[0]
        sk = s[kept, None]
        factor[kept] = sk / (sk**2 + alphas[None, :])
    return (Vt.T @ (factor * UtY)).T


def _ridge_solve(
    X: np.ndarray, Y: np.ndarray, alphas: np.ndarray, solver: str
) -> tuple[np.ndarray, str]:
    """Dispatch to a ridge solver; return ``(coef, name_of_solver_used)``."""
    if solver in ("auto", "cholesky"):
        try:
            return _ridge_cholesky(X, Y, alphas), "cholesky"
        except np.linalg.LinAlgError:
            if solver == "cholesky":
                warnings.warn(
                    "Ridge: the Cholesky factorization failed (the system is singular or "
                    "too ill-conditioned for the normal equations); falling back to "
                    "solver='svd'.",
                    RuntimeWarning,
                    stacklevel=4,
                )
    return _ridge_svd(X, Y, alphas), "svd"


# ---------------------------------------------------------------------------
# Elastic net: duality gap, coordinate descent, FISTA
#
# The solvers below minimise the elastic net multiplied by n, as
# scikit-learn's compiled solver does:
#
#     P(w) = ½‖y − Xw‖² + l1·‖w‖₁ + (l2/2)·‖w‖²,   l1 = n·alpha·l1_ratio,
#                                                   l2 = n·alpha·(1 − l1_ratio).
#
# What they need to know about the data at a point w is the correlation
# vector c = Xᵀ(y − Xw). Two classes keep it available: _GramForm holds
# Q = XᵀX and updates c itself (a coordinate step costs O(p)); _ResidualForm
# holds the residual R = y − Xw (a step costs O(n)) and computes the entries
# of c when they are needed.
# ---------------------------------------------------------------------------


def _duality_gap(w: np.ndarray, c: np.ndarray, RR: float, Ry: float, l1: float, l2: float) -> float:
    """Duality gap of P(w) = ½‖y − Xw‖² + l1‖w‖₁ + (l2/2)‖w‖² at ``w``.

    ``c = Xᵀ(y − Xw)``, ``RR = ‖y − Xw‖²``, ``Ry = (y − Xw)ᵀy``. The gap
    P(w) − D(v) ≥ P(w) − min P bounds the suboptimality of w.

    * l1 > 0. The elastic net is a lasso on the augmented data
      X̃ = [X; √l2·I], ỹ = [y; 0], whose residual is R̃ = [R; −√l2·w], so
      X̃ᵀR̃ = c − l2·w, ‖R̃‖² = RR + l2‖w‖² and R̃ᵀỹ = Ry. The lasso dual is
      D(v) = ỹᵀv − ½‖v‖² on {‖X̃ᵀv‖∞ ≤ l1}; we take v = s·R̃ with the
      largest s ≤ 1 that makes v feasible (scikit-learn's choice).
    * l1 = 0 < l2 (ridge). Then D(v) = yᵀv − ½‖v‖² − ‖Xᵀv‖²/(2·l2) has no
      constraint and we take v = R.
    * l1 = l2 = 0 (least squares). There is no useful dual; like
      scikit-learn we return ‖Xᵀ(y − Xw)‖², zero exactly at a minimiser.
    """
    if l1 > 0:
        RR_aug = RR + l2 * float(w @ w)
        dual_norm = float(np.max(np.abs(c - l2 * w), initial=0.0))
        s = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
        primal = 0.5 * RR_aug + l1 * float(np.abs(w).sum())
        dual = s * Ry - 0.5 * s * s * RR_aug
        return primal - dual
    if l2 > 0:
        return RR + 0.5 * l2 * float(w @ w) - Ry + float(c @ c) / (2 * l2)
    return float(c @ c)


class _GramForm:
    """Coordinate-descent bookkeeping with the Gram matrix Q = XᵀX and q = Xᵀy.

    Holds the current coefficients ``w`` and keeps c = Xᵀ(y − Xw) = q − Qw up
    to date: a step w_k += δ is the rank-one update c −= δ·Q[k], O(p).
    Forming Q costs n·p² once (BLAS) and nothing of size n is touched
    afterwards. ``Q`` may be passed in to share it between fits on the same
    X (the targets of a 2-D y).
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, Q: np.ndarray | None = None):
        self.Q = X.T @ X if Q is None else Q
        self.q = X.T @ y
        self.yy = float(y @ y)
        self.col_sq = np.diag(self.Q).copy()  # ‖X_j‖²
        self.w = w
        self.c = self.q - self.Q @ w

    def lipschitz(self) -> float:
        """‖X‖₂², the largest eigenvalue of XᵀX."""
        return float(np.linalg.eigvalsh(self.Q)[-1]) if self.Q.size else 0.0

    def correlations(self, start: int, stop: int) -> np.ndarray:
        """The current X_jᵀ(y − Xw) for j in [start, stop)."""
        return self.c[start:stop]

    def correlation(self, j: int) -> float:
        """The current X_jᵀ(y − Xw)."""
        return self.c.item(j)

    def move(self, k: int, delta: float) -> None:
        """Record w_k += delta (the caller has already changed ``w``)."""
        self.c -= delta * self.Q[k]

    def stats(self) -> tuple[np.ndarray, float, float]:
        """Return ``(c, ‖y − Xw‖², (y − Xw)ᵀy)`` recomputed from scratch at the current w.

        (y − Xw)ᵀy = yᵀy − wᵀq and ‖y − Xw‖² = yᵀy − 2wᵀq + wᵀQw
        = (y − Xw)ᵀy − wᵀc. Recomputing c also clears the rounding that
        many rank-one updates accumulate.
        """
        w = self.w
        self.c = self.q - self.Q @ w
        Ry = self.yy - float(w @ self.q)
        return self.c, Ry - float(w @ self.c), Ry


class _ResidualForm:
    """Coordinate-descent bookkeeping with the residual R = y − Xw.

    Holds the current coefficients ``w``. A step w_k += δ is R −= δ·X_k,
    O(n); correlations X_jᵀR are computed on demand, for a block of
    coordinates at once (one matrix-vector product). Nothing of size p×p is
    kept, so this is the form for p > n.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, w: np.ndarray):
        self.X, self.y = X, y
        self.yy = float(y @ y)
        self.col_sq = np.einsum("ij,ij->j", X, X)
        self.w = w
        self.R = y - X @ w

    def lipschitz(self) -> float:
        """‖X‖₂², from the smaller of XᵀX and XXᵀ (same nonzero eigenvalues)."""
        n, p = self.X.shape
        G = self.X.T @ self.X if p <= n else self.X @ self.X.T
        return float(np.linalg.eigvalsh(G)[-1]) if G.size else 0.0

    def correlations(self, start: int, stop: int) -> np.ndarray:
        return self.X[:, start:stop].T @ self.R

    def correlation(self, j: int) -> float:
        return float(self.X[:, j] @ self.R)

    def move(self, k: int, delta: float) -> None:
        self.R -= delta * self.X[:, k]

    def stats(self) -> tuple[np.ndarray, float, float]:
        self.R = self.y - self.X @ self.w
        return self.X.T @ self.R, float(self.R @ self.R), float(self.R @ self.y)


def _use_gram(n_samples: int, n_features: int) -> bool:
    """Rule for the Gram form: n ≥ p (documented in :class:`ElasticNet`).

    Forming XᵀX costs n·p² flops once, at BLAS speed; afterwards no sweep and
    no duality-gap check touches the n×p data. With n ≥ p the p×p matrix is
    also no larger than X. Measured (pure Python loop, 2 cores): at
    10000×500 the Gram form is about 3x faster than the residual form, at
    1000×1000 they are within 30% of each other either way, and for p > n
    neither wins consistently, so the residual form is used there and no
    p×p matrix is formed.
    """
    return n_samples >= n_features


def _cd_sweep(form: _GramForm | _ResidualForm, l1: float, l2: float) -> tuple[float, float]:
    """One cyclic pass of coordinate descent over w = ``form.w``, in place.

    Returns (max |Δw_j|, max |w_j|) over the pass.

    The update. For coordinate j, z = X_jᵀ(y − Xw) + ‖X_j‖²·w_j is the
    correlation of X_j with the residual that leaves j out; minimising P
    over w_j alone gives the soft-thresholded value

        w_j = sign(z)·max(|z| − l1, 0) / (‖X_j‖² + l2).

    Skipping what cannot move. A coefficient at zero stays at zero exactly
    when |z| = |X_jᵀ(y − Xw)| ≤ l1, and that only changes when another
    coefficient moves. So the nonzero coefficients are visited one by one,
    and each run of zeros between them is checked with vectorized tests on
    blocks of coordinates (16 first, doubling while they come up empty);
    the first zero coefficient that fails the test is updated on the spot
    and the run is checked again after it. The iterates are exactly those
    of plain cyclic coordinate descent (scikit-learn's), for a Python cost
    proportional to the number of coefficients that change, not to p.
    """
    w, col_sq = form.w, form.col_sq
    dw_max = w_max = 0.0

    def update(j: int, z: float) -> None:
        nonlocal dw_max, w_max
        w_old = float(w[j])
        w_new = max(abs(z) - l1, 0.0) / (float(col_sq[j]) + l2)
        if z < 0:
            w_new = -w_new
        if w_new != w_old:
            w[j] = w_new
            form.move(j, w_new - w_old)
            dw_max = max(dw_max, abs(w_new - w_old))
        w_max = max(w_max, abs(w_new))

    j = 0  # the next coordinate to visit
    for nonzero in [*np.flatnonzero(w).tolist(), w.size]:  # w.size: a sentinel
        block = 16
        while j < nonzero:  # the zeros w[j:nonzero]
            stop = min(j + block, nonzero)
            z = form.correlations(j, stop)
            movers = np.flatnonzero(np.abs(z) > l1)
            if movers.size == 0:
                j, block = stop, 2 * block
                continue
            update(j + int(movers[0]), float(z[movers[0]]))
            j, block = j + int(movers[0]) + 1, 16
        if nonzero < w.size:
            update(nonzero, form.correlation(nonzero) + float(col_sq[nonzero] * w[nonzero]))
            j = nonzero + 1
    return dw_max, w_max


def _warn_not_converged(gap: float, tol_gap: float, max_iter: int) -> None:
    warnings.warn(
        f"Objective did not converge in max_iter={max_iter} iterations: duality gap "
        f"{gap:.3e} > tolerance {tol_gap:.3e} (both on the n-times-scaled objective). "
        "Increase max_iter, scale the features, or increase the regularization.",
        ConvergenceWarning,
        stacklevel=5,  # the user's call of fit() (this, solver, _fit_centred, fit, user)
    )


def _make_form(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, gram: np.ndarray | None
) -> _GramForm | _ResidualForm:
    """The problem data for the solvers, holding a copy of the starting point ``w``.

    Gram form when ``gram`` (= XᵀX) is given, residual form otherwise.
    Coefficients on all-zero columns are set to zero: they do not affect the
    fit, and the penalty is smallest there.
    """
    w = np.array(w, dtype=np.float64, copy=True)
    form = _GramForm(X, y, w, gram) if gram is not None else _ResidualForm(X, y, w)
    form.w[form.col_sq == 0] = 0.0
    return form


def _enet_coordinate_descent(
    form: _GramForm | _ResidualForm, l1: float, l2: float, max_iter: int, tol: float
) -> tuple[np.ndarray, float, int]:
    """Minimise P(w) = ½‖y − Xw‖² + l1‖w‖₁ + (l2/2)‖w‖² by cyclic coordinate descent.

    Starts from ``form.w`` and leaves the solution there (so the next call
    is warm-started). Returns ``(w, gap, n_iter)``, ``n_iter`` counting full
    cyclic passes.

    Stopping rule, that of scikit-learn's ``_cd_fast``: after a pass whose
    largest coefficient change is at most ``tol`` times the largest
    coefficient (or that leaves all coefficients at zero), compute the
    duality gap and stop when it is at most ``tol·‖y‖²``. The gap is also
    checked before the first pass (a warm start may already be optimal, then
    ``n_iter = 0``) and after the last one; if it is still too large, a
    :class:`ConvergenceWarning` is issued. scikit-learn additionally drops
    coordinates by gap-safe screening; here ``_cd_sweep`` skips exactly the
    coordinates that would not move, which leaves the iterates unchanged.
    """
    tol_gap = tol * form.yy
    gap = _duality_gap(form.w, *form.stats(), l1, l2)
    n_iter = 0
    while gap > tol_gap and n_iter < max_iter:
        dw_max, w_max = _cd_sweep(form, l1, l2)
        n_iter += 1
        if w_max == 0.0 or dw_max <= tol * w_max or n_iter == max_iter:
            gap = _duality_gap(form.w, *form.stats(), l1, l2)
    if gap > tol_gap:
        _warn_not_converged(gap, tol_gap, max_iter)
    return form.w, gap, n_iter


def _enet_fista(
    form: _GramForm | _ResidualForm, l1: float, l2: float, max_iter: int, tol: float
) -> tuple[np.ndarray, float, int]:
    """Minimise the same P(w) as coordinate descent with FISTA (Beck and Teboulle, 2009).

    P = f + g with smooth f(w) = ½‖y − Xw‖² + (l2/2)‖w‖², whose gradient
    −Xᵀ(y − Xw) + l2·w is L-Lipschitz for L = ‖X‖₂² + l2, and g = l1‖w‖₁
    whose proximal map is soft-thresholding at l1/L. Each iteration takes
    the proximal gradient step of length 1/L from the extrapolated point
    z = x + β·(x − x_prev), and restarts the momentum when it points uphill
    (O'Donoghue and Candès, 2015). Because c(w) = Xᵀ(y − Xw) is affine,
    c(z) = (1 + β)·c(x) − β·c(x_prev): the one product with X (or XᵀX) per
    iteration, at the new x, serves both the duality gap at x and the next
    gradient.

    Starts from ``form.w`` and leaves the solution there. Stops when the
    duality gap at x is at most ``tol·‖y‖²`` (the test of coordinate
    descent), checked every iteration. Returns ``(w, gap, n_iter)``. L comes
    from an eigendecomposition of the smaller of XᵀX and XXᵀ (exact, unlike
    a power iteration, which underestimates it).
    """
    L = form.lipschitz() + l2
    tol_gap = tol * form.yy
    c, RR, Ry = form.stats()
    x = form.w
    gap = _duality_gap(x, c, RR, Ry, l1, l2)
    if gap <= tol_gap or L == 0.0:
        return x, gap, 0
    x_prev, c_prev, t = x, c, 1.0
    for n_iter in range(1, max_iter + 1):
        t_next = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        beta = (t - 1.0) / t_next
        z = x + beta * (x - x_prev)
        c_z = c + beta * (c - c_prev)
        step = z - (l2 * z - c_z) / L  # gradient step on f from z
        x_new = np.sign(step) * np.maximum(np.abs(step) - l1 / L, 0.0)  # prox of g
        if (z - x_new) @ (x_new - x) > 0:  # the momentum points uphill: restart it
            t_next = 1.0
        x_prev, c_prev, t = x, c, t_next
        x = form.w = x_new
        c, RR, Ry = form.stats()
        gap = _duality_gap(x, c, RR, Ry, l1, l2)
        if gap <= tol_gap:
            return x, gap, n_iter
    _warn_not_converged(gap, tol_gap, max_iter)
    return x, gap, max_iter


_ENET_SOLVERS = {"cd": _enet_coordinate_descent, "fista": _enet_fista}


# ---------------------------------------------------------------------------
# Estimators
# ---------------------------------------------------------------------------


class _LinearModel:
    """Shared machinery of every estimator here: parameters, centring, predict, score.

    Fitting with an unpenalized intercept. With weights s (all ones when no
    ``sample_weight``), let x̄ = Σ sᵢxᵢ / Σ sᵢ and ȳ likewise. For any fixed
    w the best intercept is b = ȳ − x̄ᵀw, and substituting it leaves the
    problem in w alone on the centred data Xc = X − x̄, yc = y − ȳ. Weights
    are then folded in by scaling the rows: Σ sᵢ(yᵢ − xᵢw − b)² =
    ‖√s·(yc − Xc·w)‖². So each subclass only implements ``_fit_centred`` on
    the scaled, centred data, and the intercept is recovered here.

    Subclasses declare their parameters as keyword arguments of ``__init__``
    (stored unchanged, as in scikit-learn) and check them in
    ``_check_params``, which returns the converted values.
    """

    #: scikit-learn rescales the weights of the elastic net to sum to n
    _normalize_sample_weight = False

    # -- parameters -------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters as a dict (scikit-learn semantics)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> _LinearModel:
        """Set constructor parameters and return ``self``.

        Unknown names and invalid values raise ValueError, and then nothing
        is changed.
        """
        valid = self._param_names()
        for name in params:
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; "
                    f"valid parameters are {valid}"
                )
        self._check_params({**self.get_params(), **params})
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        shown = []
        for name, value in self.get_params().items():
            default = defaults[name].default
            same = value is default or (
                np.ndim(value) == 0 and np.ndim(default) == 0 and value == default
            )
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the validated, converted parameters or raise ValueError."""
        return dict(params)

    # -- fitting ----------------------------------------------------------

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> _LinearModel:
        """Fit the model to ``X`` (n_samples, n_features) and ``y``; return ``self``."""
        params = self._check_params(self.get_params())
        X, y, sample_weight = check_X_y(X, y, sample_weight)
        X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
        Y = y.reshape(y.shape[0], -1)
        n = X.shape[0]

        sqrt_sw = None
        if sample_weight is not None:
            total = float(sample_weight.sum())
            if total <= 0:
                raise ValueError("sample_weight must have a positive sum")
            if self._normalize_sample_weight:
                sample_weight = sample_weight * (n / total)
            sqrt_sw = np.sqrt(sample_weight.astype(np.float64))

        if params["fit_intercept"]:
            x_offset = np.average(X, axis=0, weights=sample_weight)
            y_offset = np.average(Y, axis=0, weights=sample_weight)
            Xc, Yc = X - x_offset, Y - y_offset  # the one copy of X
            if sqrt_sw is not None:
                Xc *= sqrt_sw[:, None]
                Yc *= sqrt_sw[:, None]
        else:
            x_offset, y_offset = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
            Xc, Yc = X, Y
            if sqrt_sw is not None:
                Xc, Yc = X * sqrt_sw[:, None], Y * sqrt_sw[:, None]

        coef, attributes = self._fit_centred(Xc, Yc, params, sqrt_sw)
        intercept = y_offset - coef @ x_offset

        # Nothing above touched self: a failure leaves a previous fit intact.
        if y.ndim == 1:
            coef, intercept = coef[0], float(intercept[0])
        self.coef_ = coef
        self.intercept_ = intercept if params["fit_intercept"] else 0.0
        self.n_features_in_ = X.shape[1]
        for name, value in attributes.items():
            setattr(self, name, value)
        return self

    def _fit_centred(
        self, X: np.ndarray, Y: np.ndarray, params: dict[str, Any], sqrt_sw: np.ndarray | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Solve for ``coef`` of shape (n_targets, n_features) on centred, scaled data.

        Returns ``(coef, extra_fitted_attributes)``.
        """
        raise NotImplementedError

    # -- using a fit ------------------------------------------------------

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Return X·coefᵀ + intercept, shape (n_samples,) or (n_samples, n_targets)."""
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call fit(X, y) "
                "before predict or score."
            )
        X = check_finite_array("X", X, ndim=2)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features (shape {X.shape}), but {type(self).__name__} "
                f"was fitted with {self.n_features_in_} features"
            )
        return X @ self.coef_.T + self.intercept_

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Return the coefficient of determination R² of ``predict(X)`` against ``y``."""
        X, y, sample_weight = check_X_y(X, y, sample_weight)
        return r2_score(y, self.predict(X), sample_weight)


def _check_fit_intercept(params: dict[str, Any]) -> None:
    check_choice("fit_intercept", params["fit_intercept"], (True, False))


class LinearRegression(_LinearModel):
    """Ordinary least squares: minimise Σ sᵢ·(yᵢ − xᵢᵀw − b)² (sᵢ = 1 without weights).

    Solved with ``np.linalg.lstsq`` (an SVD) on the centred data, so a
    rank-deficient X gets the minimum-norm solution.

    Attributes: ``coef_`` (n_features,) or (n_targets, n_features),
    ``intercept_`` (float or (n_targets,)), ``rank_`` and ``singular_``
    (rank and singular values of the centred, weighted X),
    ``n_features_in_``.
    """

    def __init__(self, fit_intercept: bool = True):
        self.fit_intercept = fit_intercept

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_fit_intercept(params)
        return dict(params)

    def _fit_centred(self, X, Y, params, sqrt_sw):
        coef, _, rank, singular = np.linalg.lstsq(X, Y, rcond=None)
        return coef.T, {"rank_": int(rank), "singular_": singular}


def _check_alpha_array(alpha: Any) -> np.ndarray:
    """A scalar alpha or one per target, each >= 0, as a 1-D float array."""
    if np.ndim(alpha) == 0:
        return np.array([check_nonnegative("alpha", alpha)])
    values = check_finite_array("alpha", alpha, ndim=1)
    return np.array([check_nonnegative(f"alpha[{i}]", a) for i, a in enumerate(values)])


class Ridge(_LinearModel):
    """Ridge regression: minimise Σ sᵢ·(yᵢ − xᵢᵀw − b)² + alpha·‖w‖² (scikit-learn's objective).

    Solvers (``solver=``):

    * ``"cholesky"``: the normal equations by Cholesky factorization, in the
      primal form (XᵀX + αI)·w = Xᵀy when n ≥ p and in the dual form
      w = Xᵀ(XXᵀ + αI)⁻¹y when p > n (so the system is min(n, p) square).
      No inverse is ever formed: two triangular solves. If the matrix is
      singular or too ill-conditioned for the normal equations (e.g.
      alpha = 0 and X rank-deficient; see ``_cholesky_solve``), it warns and
      falls back to ``"svd"``.
    * ``"svd"``: w = V·diag(s/(s² + α))·Uᵀy from the thin SVD of X; the
      most robust, and alpha = 0 gives the minimum-norm least squares fit.
    * ``"auto"``: Cholesky, silently falling back to SVD.

    ``alpha`` may be an array with one value per target column of a 2-D y.
    Sample weights multiply the squared residuals (they are not normalized).
    For n ≫ p the cost is dominated by forming XᵀX (n·p² flops, by BLAS).

    Attributes: ``coef_`` (n_features,) or (n_targets, n_features),
    ``intercept_``, ``n_features_in_``, ``solver_`` (the solver actually
    used: "cholesky" or "svd"), ``n_iter_`` (None: the solvers are direct).
    """

    def __init__(
        self, alpha: float | ArrayLike = 1.0, fit_intercept: bool = True, solver: str = "auto"
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_fit_intercept(params)
        return {
            **params,
            "alpha": _check_alpha_array(params["alpha"]),
            "solver": check_choice("solver", params["solver"], ("auto", "cholesky", "svd")),
        }

    def _fit_centred(self, X, Y, params, sqrt_sw):
        alphas = params["alpha"]
        n_targets = Y.shape[1]
        if alphas.size == 1:
            alphas = np.full(n_targets, alphas[0])
        elif alphas.size != n_targets:
            raise ValueError(
                f"alpha has {alphas.size} values but y has {n_targets} target(s) "
                f"(y has shape {Y.shape}); give one alpha or one per target"
            )
        coef, solver = _ridge_solve(X, Y, alphas, params["solver"])
        return coef, {"solver_": solver, "n_iter_": None}


def _loo_eigenbasis(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (U, λ) with XXᵀ = U·diag(λ)·Uᵀ, U orthonormal, λ > 0 (numerically).

    Computed from the smaller of the two Gram matrices: eigh(XXᵀ) when
    n ≤ p; otherwise eigh(XᵀX) = V·diag(λ)·Vᵀ and U = XV/√λ. Eigenvalues
    below ``max(n, p)·eps·λ_max`` are dropped: their directions carry a hat
    matrix weight λ/(λ + α) ≈ 0.
    """
    n, p = X.shape
    if n <= p:
        lam, U = np.linalg.eigh(X @ X.T)
    else:
        lam, V = np.linalg.eigh(X.T @ X)
        U = None
    kept = lam > max(n, p) * _EPS * max(lam.max(initial=0.0), 0.0)
    lam = lam[kept]
    U = U[:, kept] if U is not None else (X @ V[:, kept]) / np.sqrt(lam)
    return U, lam


class RidgeCV(_LinearModel):
    """Ridge with alpha chosen by exact leave-one-out (LOO) cross-validation.

    For each alpha in ``alphas`` the LOO error is computed without refitting:
    ridge with an unpenalized intercept is a linear smoother ŷ = H·y, and for
    such penalized least squares the prediction for sample i from the model
    fitted without i satisfies yᵢ − ŷ₋ᵢ = (yᵢ − ŷᵢ)/(1 − Hᵢᵢ). The hat
    matrix of the augmented design [1, X] whose intercept column is not
    penalized splits into the intercept's projection plus ridge on the
    centred data: H = 11ᵀ/n + Xc(XcᵀXc + αI)⁻¹Xcᵀ. With one eigendecomposition
    XcXcᵀ = U·diag(λ)·Uᵀ, for every alpha

        ŷ = ȳ + U·diag(λ/(λ + α))·Uᵀyc,    Hᵢᵢ = 1/n + Σₖ Uᵢₖ²·λₖ/(λₖ + α).

    With sample weights s the same holds on the √s-scaled problem, with the
    intercept's share sᵢ/Σs; like scikit-learn the stored squared error of
    sample i is then sᵢ·(yᵢ − ŷ₋ᵢ)², which is the error of a fit with
    sample i's weight removed.

    Attributes: ``alpha_`` (the alpha with the smallest mean squared LOO
    error; the first one on ties), ``best_score_`` (minus that error, as in
    scikit-learn), ``cv_results_`` (squared LOO errors, shape
    (n_samples, n_alphas) or (n_samples, n_targets, n_alphas); only with
    ``store_cv_results=True``), and ``coef_``, ``intercept_``,
    ``n_features_in_`` of the ridge fit at ``alpha_``. A 2-D y gets one
    alpha for all targets (the mean error over all of them).
    """

    def __init__(
        self,
        alphas: ArrayLike = (0.1, 1.0, 10.0),
        fit_intercept: bool = True,
        store_cv_results: bool = False,
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.store_cv_results = store_cv_results

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_fit_intercept(params)
        check_choice("store_cv_results", params["store_cv_results"], (True, False))
        alphas = check_finite_array("alphas", np.atleast_1d(params["alphas"]), ndim=1)
        if alphas.size == 0:
            raise ValueError("alphas must contain at least one value")
        alphas = np.array([check_positive(f"alphas[{i}]", a) for i, a in enumerate(alphas)])
        return {**params, "alphas": alphas}

    def _fit_centred(self, X, Y, params, sqrt_sw):
        n = X.shape[0]
        if n < 2:
            raise ValueError(f"leave-one-out needs at least 2 samples, X has shape {X.shape}")
        alphas = params["alphas"]
        if not params["fit_intercept"]:
            h_intercept = np.zeros(n)
        elif sqrt_sw is None:
            h_intercept = np.full(n, 1.0 / n)
        else:
            h_intercept = sqrt_sw**2 / float(sqrt_sw @ sqrt_sw)

        U, lam = _loo_eigenbasis(X)
        UtY, U2 = U.T @ Y, U**2
        errors = np.empty((*Y.shape, alphas.size))
        for i, alpha in enumerate(alphas):
            shrink = lam / (lam + alpha)
            residual = Y - U @ (shrink[:, None] * UtY)
            leverage = h_intercept + U2 @ shrink
            errors[..., i] = (residual / (1.0 - leverage)[:, None]) ** 2
        mean_errors = errors.mean(axis=(0, 1))
        best = int(np.argmin(mean_errors))
        alpha_ = float(alphas[best])

        coef, _ = _ridge_solve(X, Y, np.full(Y.shape[1], alpha_), "auto")
        attributes = {"alpha_": alpha_, "best_score_": -float(mean_errors[best])}
        if params["store_cv_results"]:
            attributes["cv_results_"] = errors[:, 0, :] if Y.shape[1] == 1 else errors
        return coef, attributes


class ElasticNet(_LinearModel):
    """Elastic net: minimise over (w, b)

        (1/(2n))·Σ sᵢ(yᵢ − xᵢᵀw − b)² + alpha·l1_ratio·‖w‖₁ + (alpha·(1 − l1_ratio)/2)·‖w‖²

    (scikit-learn's objective; sample weights s, if given, are rescaled to
    sum to n, and sᵢ = 1 otherwise). l1_ratio = 1 is the lasso, l1_ratio = 0
    ridge with ``Ridge(alpha·n)``.

    Solvers (``solver=``), both stopping on the same duality-gap test and
    reaching the same minimiser:

    * ``"cd"``: cyclic coordinate descent, scikit-learn's algorithm with
      the same iterates. When n ≥ p it precomputes the Gram matrix XᵀX and
      Xᵀy and keeps the gradient Xᵀ(y − Xw) up to date with one rank-one
      update, O(p), per coefficient change; when p > n it keeps the
      residual y − Xw instead, O(n) per change. Zero coefficients that
      cannot move are skipped with vectorized tests, so the Python loop only
      runs over coefficients that change (see ``_cd_sweep``).
    * ``"fista"``: accelerated proximal gradient with step 1/L,
      L = ‖X‖₂²/n + alpha·(1 − l1_ratio). Its iterations are cheaper than
      sweeps but more are needed; ``max_iter`` counts iterations.

    Stopping rule (scikit-learn's): with ``tol``, converged when the
    duality gap of the objective above is at most ``tol·‖yc‖²/n`` (yc the
    centred, weighted y). Coordinate descent checks the gap only after a
    sweep whose largest change of a coefficient is at most ``tol`` times the
    largest coefficient; FISTA checks it every iteration. Reaching
    ``max_iter`` first gives a :class:`ConvergenceWarning`.

    ``warm_start=True`` starts from the previous ``coef_`` (if its shape fits).

    Attributes: ``coef_`` (n_features,) or (n_targets, n_features),
    ``intercept_``, ``n_iter_`` (sweeps or iterations; a list for 2-D y),
    ``dual_gap_`` (duality gap of the objective above at the solution; an
    array for 2-D y), ``n_features_in_``.
    """

    _normalize_sample_weight = True

    def __init__(
        self,
        alpha: float = 1.0,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        solver: str = "cd",
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.solver = solver

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_fit_intercept(params)
        check_choice("warm_start", params["warm_start"], (True, False))
        return {
            **params,
            "alpha": check_nonnegative("alpha", params["alpha"]),
            # Lasso has no l1_ratio parameter; it is fixed to 1 there.
            "l1_ratio": check_in_range("l1_ratio", params.get("l1_ratio", 1.0), 0.0, 1.0),
            "max_iter": check_int("max_iter", params["max_iter"]),
            "tol": check_positive("tol", params["tol"]),
            "solver": check_choice("solver", params["solver"], tuple(_ENET_SOLVERS)),
        }

    def _fit_centred(self, X, Y, params, sqrt_sw):
        n, p = X.shape
        l1 = n * params["alpha"] * params["l1_ratio"]
        l2 = n * params["alpha"] * (1.0 - params["l1_ratio"])
        n_targets = Y.shape[1]
        coef = np.zeros((n_targets, p))
        previous = getattr(self, "coef_", None)
        if params["warm_start"] and previous is not None and previous.size == coef.size:
            coef = np.array(previous, dtype=np.float64).reshape(n_targets, p)

        solve = _ENET_SOLVERS[params["solver"]]
        gram = X.T @ X if _use_gram(n, p) else None  # shared by every solve on X
        gaps, n_iters = np.empty(n_targets), []
        for k in range(n_targets):
            form = _make_form(X, Y[:, k], coef[k], gram)
            coef[k], gap, n_iter = solve(form, l1, l2, params["max_iter"], params["tol"])
            gaps[k] = gap / n  # back to the objective's own (1/(2n)) scale
            n_iters.append(n_iter)
        if n_targets == 1:
            return coef, {"n_iter_": n_iters[0], "dual_gap_": float(gaps[0])}
        return coef, {"n_iter_": n_iters, "dual_gap_": gaps}


class Lasso(ElasticNet):
    """Lasso: minimise (1/(2n))·Σ sᵢ(yᵢ − xᵢᵀw − b)² + alpha·‖w‖₁.

    The elastic net with ``l1_ratio = 1`` (see :class:`ElasticNet` for the
    solvers, the stopping rule, ``warm_start`` and the attributes).
    """

    def __init__(
        self,
        alpha: float = 1.0,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        solver: str = "cd",
    ):
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            solver=solver,
        )


# ---------------------------------------------------------------------------
# Regularization paths
# ---------------------------------------------------------------------------


def enet_path(
    X: ArrayLike,
    y: ArrayLike,
    *,
    l1_ratio: float = 0.5,
    eps: float = 1e-3,
    n_alphas: int = 100,
    alphas: ArrayLike | int | None = None,
    max_iter: int = 1000,
    tol: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elastic net solutions along a decreasing grid of alphas (scikit-learn's ``enet_path``).

    Each point minimises (1/(2n))‖y − Xw‖² + alpha·l1_ratio‖w‖₁ +
    (alpha(1 − l1_ratio)/2)‖w‖² by coordinate descent, started from the
    previous solution (warm start). **No intercept is fitted and the data
    are not centred**, as in scikit-learn's path functions: centre X and y
    first if you want an intercept (that is what the estimators do).

    The default grid is scikit-learn's: ``n_alphas`` values spaced
    geometrically from alpha_max = max|Xᵀy| / (n·l1_ratio), the smallest
    alpha whose solution is w = 0, down to ``eps·alpha_max``. Given
    ``alphas`` (a sequence; or an int, scikit-learn ≥ 1.7's way of asking for
    that many grid points) are sorted in decreasing order.

    Returns ``(alphas, coefs, dual_gaps)`` of shapes (n_alphas,),
    (n_features, n_alphas), (n_alphas,); the gaps are on the objective above.
    ``y`` must be 1-D (scikit-learn's multi-task path is not provided).
    """
    X, y, _ = check_X_y(X, y)
    if y.ndim != 1:
        raise ValueError(f"enet_path needs a 1-D y, got shape {y.shape}")
    X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    l1_ratio = check_in_range("l1_ratio", l1_ratio, 0.0, 1.0)
    max_iter = check_int("max_iter", max_iter)
    tol = check_positive("tol", tol)
    n, p = X.shape

    if alphas is None or isinstance(alphas, (int, np.integer)):
        n_alphas = check_int("n_alphas", n_alphas if alphas is None else alphas)
        eps = check_positive("eps", eps)
        if l1_ratio == 0:
            raise ValueError("the automatic alpha grid needs l1_ratio > 0; pass alphas=")
        alpha_max = float(np.max(np.abs(X.T @ y), initial=0.0)) / (n * l1_ratio)
        resolution = float(np.finfo(np.float64).resolution)
        if alpha_max <= resolution:  # y is orthogonal to every column: w = 0 throughout
            grid = np.full(n_alphas, resolution)
        else:
            grid = np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)
    else:
        values = check_finite_array("alphas", alphas, ndim=1)
        grid = np.sort([check_nonnegative(f"alphas[{i}]", a) for i, a in enumerate(values)])[::-1]

    form = _make_form(X, y, np.zeros(p), X.T @ X if _use_gram(n, p) else None)
    coefs = np.empty((p, grid.size))
    gaps = np.empty(grid.size)
    for i, alpha in enumerate(grid):
        l1, l2 = n * alpha * l1_ratio, n * alpha * (1.0 - l1_ratio)
        w, gap, _ = _enet_coordinate_descent(form, l1, l2, max_iter, tol)  # warm: form.w
        coefs[:, i], gaps[i] = w, gap / n
    return grid, coefs, gaps


def lasso_path(
    X: ArrayLike,
    y: ArrayLike,
    *,
    eps: float = 1e-3,
    n_alphas: int = 100,
    alphas: ArrayLike | int | None = None,
    max_iter: int = 1000,
    tol: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lasso solutions along a decreasing grid of alphas: ``enet_path`` with l1_ratio = 1.

    Minimises (1/(2n))‖y − Xw‖² + alpha·‖w‖₁ at each alpha, without an
    intercept (see :func:`enet_path` for the grid, warm starts and shapes).
    """
    return enet_path(
        X, y, l1_ratio=1.0, eps=eps, n_alphas=n_alphas, alphas=alphas, max_iter=max_iter, tol=tol
    )
