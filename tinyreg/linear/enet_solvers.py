r"""The elastic net's objective, its duality gap, and the two reference solvers.

Every solver here (and the fast paths in ``homotopy.py`` and
``working_set.py``) minimises the elastic net multiplied by n, as
scikit-learn's compiled solver does:

    P(w) = ½‖y − Xw‖² + l1·‖w‖₁ + (l2/2)·‖w‖²,   l1 = n·alpha·l1_ratio,
                                                  l2 = n·alpha·(1 − l1_ratio),

optionally subject to w ≥ 0 (``positive``). They stop on the same test: the
duality gap (:func:`_duality_gap`) at most ``tol·‖y‖²``.

What a solver needs to know about the data at a point w is the correlation
vector c = Xᵀ(y − Xw). Two classes keep it available: :class:`_GramForm`
holds the Gram statistics Q = XᵀX, q = Xᵀy, yᵀy and updates c itself (a
coordinate step costs O(p)); :class:`_ResidualForm` holds X and the
residual R = y − Xw (a step costs O(n)) and computes entries of c when
they are needed.

The solvers:

* :func:`_enet_coordinate_descent`: cyclic coordinate descent, the
  readable reference, with scikit-learn's iterates, stopping rule and gap
  safe screening;
* :func:`_enet_fista`: accelerated proximal gradient, a second, independent
  route to the same minimiser.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from tinyreg.base import ConvergenceWarning, PerformanceWarning
from tinyreg.prox import soft_threshold
from tinyreg.validation import user_stacklevel


def _duality_gap(
    w: np.ndarray, c: np.ndarray, RR: float, Ry: float, l1: float, l2: float, positive: bool = False
) -> float:
    """Duality gap of P(w) = ½‖y − Xw‖² + l1‖w‖₁ + (l2/2)‖w‖² (w ≥ 0 if ``positive``) at ``w``.

    ``c = Xᵀ(y − Xw)``, ``RR = ‖y − Xw‖²``, ``Ry = (y − Xw)ᵀy``. The gap
    P(w) − D(v) ≥ P(w) − min P bounds the suboptimality of w.

    * l1 > 0. The elastic net is a lasso on the augmented data
      X̃ = [X; √l2·I], ỹ = [y; 0], whose residual is R̃ = [R; −√l2·w], so
      X̃ᵀR̃ = c − l2·w, ‖R̃‖² = RR + l2‖w‖² and R̃ᵀỹ = Ry. The lasso dual is
      D(v) = ỹᵀv − ½‖v‖² on {‖X̃ᵀv‖∞ ≤ l1} (on {X̃ᵀv ≤ l1} with w ≥ 0); we
      take v = s·R̃ with the largest s ≤ 1 that makes v feasible
      (scikit-learn's choice).
    * l1 = 0 < l2 (ridge). Then D(v) = yᵀv − ½‖v‖² − ‖Xᵀv‖²/(2·l2) has no
      constraint and we take v = R.
    * l1 = l2 = 0 (least squares). There is no useful dual; like
      scikit-learn we return ‖Xᵀ(y − Xw)‖², zero exactly at a minimiser.
    """
    if l1 > 0:
        RR_aug = RR + l2 * float(w @ w)
        dual = c - l2 * w
        dual_norm = float(np.max(dual if positive else np.abs(dual), initial=0.0))
        s = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
        primal = 0.5 * RR_aug + l1 * float(np.abs(w).sum())
        return primal - (s * Ry - 0.5 * s * s * RR_aug)
    if l2 > 0:
        return RR + 0.5 * l2 * float(w @ w) - Ry + float(c @ c) / (2 * l2)
    return float(c @ c)


class _GramForm:
    """Coordinate-descent bookkeeping with the Gram statistics Q = XᵀX, q = Xᵀy and yᵀy.

    Holds the current coefficients ``w`` and keeps c = Xᵀ(y − Xw) = q − Qw up
    to date: a step w_k += δ is the rank-one update c −= δ·Q[k], O(p).
    These statistics are all it needs (glmnet's "covariance updates"),
    duality gap included: nothing of size n is touched, so they may come
    from X (n·p² flops, BLAS) or from moments accumulated chunk by chunk.
    """

    def __init__(self, Q: np.ndarray, q: np.ndarray, yy: float, w: np.ndarray):
        self.Q, self.q, self.yy = Q, q, float(yy)
        self.col_sq = np.diag(Q).copy()  # ‖X_j‖²
        self.w = w
        self.c = q - Q @ w

    def lipschitz(self) -> float:
        """‖X‖₂², the largest eigenvalue of XᵀX."""
        return float(np.linalg.eigvalsh(self.Q)[-1]) if self.Q.size else 0.0

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
    O(n); a correlation X_jᵀR is computed when it is needed. Nothing of
    size p×p is kept, so this is the form for p > n.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, w: np.ndarray):
        self.X, self.y = X, y
        self.yy = float(y @ y)
        self.w = w
        self.R = self._residual()

    @functools.cached_property
    def col_sq(self) -> np.ndarray:
        """‖X_j‖² (computed when first needed: one pass over X)."""
        return np.einsum("ij,ij->j", self.X, self.X)

    def _residual(self) -> np.ndarray:
        """y − Xw (no pass over X when w = 0)."""
        return self.y - self.X @ self.w if self.w.any() else self.y.copy()

    def lipschitz(self) -> float:
        """‖X‖₂², from the smaller of XᵀX and XXᵀ (same nonzero eigenvalues)."""
        n, p = self.X.shape
        G = self.X.T @ self.X if p <= n else self.X @ self.X.T
        return float(np.linalg.eigvalsh(G)[-1]) if G.size else 0.0

    def correlation(self, j: int) -> float:
        return float(self.X[:, j] @ self.R)

    def move(self, k: int, delta: float) -> None:
        self.R -= delta * self.X[:, k]

    def stats(self) -> tuple[np.ndarray, float, float]:
        self.R = self._residual()
        return self.X.T @ self.R, float(self.R @ self.R), float(self.R @ self.y)


def _make_form(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, gram: np.ndarray | None
) -> _GramForm | _ResidualForm:
    """The problem data for the solvers, holding a copy of the starting point ``w``.

    Gram form when ``gram`` (= XᵀX) is given, residual form otherwise.
    Coefficients on all-zero columns are set to zero: they do not affect the
    fit, and the penalty is smallest there.
    """
    if gram is not None:
        return _make_gram_form(gram, X.T @ y, float(y @ y), w)
    form = _ResidualForm(X, y, np.array(w, dtype=np.float64, copy=True))
    if form.w.any():
        form.w[form.col_sq == 0] = 0.0
        form.R = form._residual()
    return form


def _make_gram_form(Q: np.ndarray, q: np.ndarray, yy: float, w: np.ndarray) -> _GramForm:
    """The Gram form from the statistics alone, Q = XᵀX, q = Xᵀy and yᵀy (as ``_make_form``)."""
    form = _GramForm(Q, q, yy, np.array(w, dtype=np.float64, copy=True))
    form.w[form.col_sq == 0] = 0.0
    return form


def _use_gram(n_samples: int, n_features: int) -> bool:
    """Rule for the reference solvers' Gram form: n ≥ p (then XᵀX is no larger than X).

    Why: a coordinate step costs O(p) on the Gram form and O(n) on the
    residual form (benchmarks/README.md has the measurements).
    """
    return n_samples >= n_features


# ---------------------------------------------------------------------------
# Coordinate descent: the reference
# ---------------------------------------------------------------------------


def _cd_sweep(
    form: _GramForm | _ResidualForm,
    l1: float,
    l2: float,
    positive: bool,
    features: np.ndarray | None = None,
) -> tuple[float, float]:
    """One cyclic pass of coordinate descent over w = ``form.w``, in place.

    Visits the coordinates in ``features`` (increasing indices; None: all),
    and returns (max |Δw_j|, max |w_j|) over the pass.

    For coordinate j, z = X_jᵀ(y − Xw) + ‖X_j‖²·w_j is the correlation of
    X_j with the residual that leaves j out; minimising P over w_j alone,
    the others fixed, gives the proximal (soft-thresholded) value

        w_j = sign(z)·max(|z| − l1, 0) / (‖X_j‖² + l2),

    and with w ≥ 0 its positive part. All-zero columns are skipped (their
    coefficient stays 0).
    """
    w, col_sq = form.w, form.col_sq
    dw_max = w_max = 0.0
    for j in range(w.size) if features is None else features.tolist():
        if col_sq[j] == 0:
            continue
        w_old = float(w[j])
        z = form.correlation(j) + float(col_sq[j]) * w_old
        w_new = float(soft_threshold(z, l1)) / (float(col_sq[j]) + l2)
        if positive:
            w_new = max(w_new, 0.0)
        if w_new != w_old:
            w[j] = w_new
            form.move(j, w_new - w_old)
        dw_max = max(dw_max, abs(w_new - w_old))
        w_max = max(w_max, abs(w_new))
    return dw_max, w_max


#: the gap's margin for rounding in gap safe screening, relative to ‖y‖²
_GAP_SLACK = 1e-12


def _gap_safe_screen(
    form: _GramForm | _ResidualForm,
    c: np.ndarray,
    gap: float,
    l1: float,
    l2: float,
    features: np.ndarray,
    positive: bool,
) -> np.ndarray:
    """Gap safe screening: the ones of ``features`` whose coefficient may be nonzero at the optimum.

    In the lasso form of the elastic net (augmented data X̃ = [X; √l2·I],
    as in :func:`_duality_gap`), the dual objective is strongly concave
    with modulus one in v, so its maximiser v* lies within √(2·gap) of
    any feasible dual point v (Fercoq, Gramfort and Salmon, 2015; Ndiaye
    et al., 2017). ``_duality_gap``'s point is v = s·R̃ with
    s = min(1, l1/‖X̃ᵀR̃‖∞), and X̃ⱼᵀR̃ = cⱼ − l2·wⱼ. So

        |X̃ⱼᵀv*| ≤ s·|cⱼ − l2·wⱼ| + ‖X̃ⱼ‖·√(2·gap),   ‖X̃ⱼ‖² = ‖Xⱼ‖² + l2,

    and where the right side is below l1 the optimality conditions force
    wⱼ = 0 at every minimiser: feature j is discarded (with w ≥ 0 the
    bound on |X̃ⱼᵀv*| is a fortiori one on X̃ⱼᵀv*). A discarded coefficient
    that is not zero yet is set to zero (the residual or c follows). This
    is scikit-learn's rule, made safe against rounding: the gap is
    increased by ``_GAP_SLACK``·‖y‖². Near the optimum the computed gap is
    rounding (it may be 0 or negative) and an active feature has
    s·|cⱼ − l2·wⱼ| = l1 up to rounding, so without a margin it could be
    discarded. The margin ‖X̃ⱼ‖·√(2·10⁻¹²)·‖y‖ ≈ 1.4e-6·‖X̃ⱼ‖·‖y‖ exceeds the
    rounding of cⱼ (about n·eps·‖Xⱼ‖·(‖y‖ + ‖Xw‖), with ‖Xw‖ ≤ 2‖y‖ on
    iterates that do not increase P from P(0)) for any n below 10⁹.
    The duality gap that certifies the result is always computed over all
    features.
    """
    dual = c[features] - l2 * form.w[features]
    everywhere = c - l2 * form.w
    dual_norm = float(np.max(everywhere if positive else np.abs(everywhere), initial=0.0))
    s = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
    radius = math.sqrt(2 * (max(gap, 0.0) + _GAP_SLACK * form.yy))
    bound = s * np.abs(dual) + np.sqrt(form.col_sq[features] + l2) * radius
    keep = (bound >= l1) & (form.col_sq[features] > 0)
    for j in features[~keep & (form.w[features] != 0)].tolist():
        delta = -float(form.w[j])
        form.w[j] = 0.0
        form.move(j, delta)
    return features[keep]


#: coordinate steps (one Python iteration each, a few microseconds) after which
#: coordinate descent warns that it is slow: about a second's work
_SLOW_STEPS = 200_000


def _warn_slow(steps: int, n_features: int) -> None:
    """The PerformanceWarning of coordinate descent after ``steps`` coordinate steps."""
    warnings.warn(
        f"solver='cd' has taken {steps} coordinate steps over {n_features} features, each a "
        "Python iteration: it is the readable reference, not the fast route. solver='homotopy' "
        "(the default) reaches the same minimiser, certified by the same duality gap, "
        "with whole-vector numpy steps.",
        PerformanceWarning,
        stacklevel=user_stacklevel(),
    )


def _warn_not_converged(gap: float, tol_gap: float, max_iter: int) -> None:
    """The ConvergenceWarning of every solver, with the gap reached, shown at the user's call."""
    warnings.warn(
        f"Objective did not converge in max_iter={max_iter} iterations: duality gap "
        f"{gap:.3e} > tolerance {tol_gap:.3e} (both on the n-times-scaled objective). "
        "Increase max_iter, scale the features, or increase the regularization.",
        ConvergenceWarning,
        stacklevel=user_stacklevel(),
    )


def _enet_coordinate_descent(
    form: _GramForm | _ResidualForm,
    l1: float,
    l2: float,
    max_iter: int,
    tol: float,
    positive: bool = False,
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
    :class:`ConvergenceWarning` gives the gap reached.

    Each time the gap is computed and is still too large, gap safe
    screening (:func:`_gap_safe_screen`, also scikit-learn's) drops the
    features it proves to be zero at the optimum, and the next passes
    visit only the others. Past ``_SLOW_STEPS`` coordinate steps (with an
    L1 part) a :class:`~tinyreg.base.PerformanceWarning` points to the
    homotopy.
    """
    tol_gap = tol * form.yy
    features = np.arange(form.w.size)
    n_iter = steps = 0
    while True:
        stats = form.stats()
        gap = _duality_gap(form.w, *stats, l1, l2, positive)
        if gap <= tol_gap or n_iter == max_iter:
            break
        if l1 > 0:
            features = _gap_safe_screen(form, stats[0], gap, l1, l2, features, positive)
        while True:
            dw_max, w_max = _cd_sweep(form, l1, l2, positive, features)
            n_iter += 1
            steps += features.size
            if steps >= _SLOW_STEPS > steps - features.size and l1 > 0:
                _warn_slow(steps, form.w.size)
            if w_max == 0.0 or dw_max <= tol * w_max or n_iter == max_iter:
                break
    if gap > tol_gap:
        _warn_not_converged(gap, tol_gap, max_iter)
    return form.w, gap, n_iter


# ---------------------------------------------------------------------------
# FISTA
# ---------------------------------------------------------------------------


def _enet_fista(
    form: _GramForm | _ResidualForm,
    l1: float,
    l2: float,
    max_iter: int,
    tol: float,
    positive: bool = False,
) -> tuple[np.ndarray, float, int]:
    """Minimise the same P(w) as coordinate descent with FISTA (Beck and Teboulle, 2009).

    P = f + g with smooth f(w) = ½‖y − Xw‖² + (l2/2)‖w‖², whose gradient
    −Xᵀ(y − Xw) + l2·w is L-Lipschitz for L = ‖X‖₂² + l2, and g = l1‖w‖₁
    (plus the indicator of w ≥ 0 if ``positive``) whose proximal map is
    soft-thresholding at l1/L (then the positive part). Each iteration
    takes the proximal gradient step of length 1/L from the extrapolated
    point z = x + β·(x − x_prev), and restarts the momentum when it points
    uphill (O'Donoghue and Candès, 2015). Because c(w) = Xᵀ(y − Xw) is
    affine, c(z) = (1 + β)·c(x) − β·c(x_prev): the one product with X (or
    XᵀX) per iteration, at the new x, serves both the duality gap at x and
    the next gradient.

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
    gap = _duality_gap(x, c, RR, Ry, l1, l2, positive)
    if gap <= tol_gap or L == 0.0:
        return x, gap, 0
    x_prev, c_prev, t = x, c, 1.0
    for n_iter in range(1, max_iter + 1):
        t_next = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        beta = (t - 1.0) / t_next
        z = x + beta * (x - x_prev)
        c_z = c + beta * (c - c_prev)
        x_new = soft_threshold(z - (l2 * z - c_z) / L, l1 / L)  # gradient step, then prox
        if positive:
            np.maximum(x_new, 0.0, out=x_new)
        if (z - x_new) @ (x_new - x) > 0:  # the momentum points uphill: restart it
            t_next = 1.0
        x_prev, c_prev, t = x, c, t_next
        x = form.w = x_new
        c, RR, Ry = form.stats()
        gap = _duality_gap(x, c, RR, Ry, l1, l2, positive)
        if gap <= tol_gap:
            return x, gap, n_iter
    _warn_not_converged(gap, tol_gap, max_iter)
    return x, gap, max_iter
