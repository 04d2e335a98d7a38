r"""The elastic net by semismooth Newton steps on its dual, for an L2 part and p > n.

The primal problem (as in ``enet_solvers.py``), with l2 > 0,

    P(w) = ½‖y − Xw‖² + l1·‖w‖₁ + (l2/2)·‖w‖²      (optionally with w ≥ 0),

has n-dimensional residuals r = y − Xw, and its Fenchel dual is a smooth
problem in r. Minimising the Lagrangian over w, coordinate by coordinate,
gives w(r) = S(Xᵀr)/l2 with the soft threshold S(u)_j = sign(u_j)·max(|u_j| − l1, 0)
(max(u_j − l1, 0) when w ≥ 0), and the dual is: minimise

    φ(r) = ½‖r‖² − yᵀr + (1/(2·l2))·‖S(Xᵀr)‖²,

whose minimiser is the residual of the primal minimiser w* = w(r*). φ is
strongly convex (its Hessian is at least I) and has the gradient

    ∇φ(r) = r − y + X·w(r),

which is piecewise linear in r: where the active set A = {j : |(Xᵀr)_j| > l1}
({(Xᵀr)_j > l1} when w ≥ 0) stays the same, ∇φ has the Jacobian

    H = I + X_A·X_Aᵀ/l2.

**Newton steps.** From r, the direction Δ solves H·Δ = −∇φ(r) (a
semismooth Newton method: H is a generalised Jacobian of ∇φ; Li, Sun and
Toh, 2018, build their lasso solver on it). Of the two ways to solve it,
the smaller system is used: H itself (n × n), or, when |A| < n, Woodbury's
identity H⁻¹g = g − X_A·(l2·I + X_AᵀX_A)⁻¹·X_Aᵀg (|A| × |A|). Once A is
the active set of the minimiser, one step lands on it (∇φ is linear
there). Every step is followed by an exact line search: along r + t·Δ, φ
is convex and piecewise quadratic, so its derivative is increasing and
piecewise linear (:func:`_line_search`), and φ decreases at every step.

**Start.** From the residual R₀ of the starting point w (y itself from
zero), scaled by the t ≥ 0 that minimises φ(t·R₀), the same line search
from r = 0.

**Certificate.** At each iterate the primal point w(r) has residual
R = y − X·w(r) = r − ∇φ(r); its duality gap, computed by the gap function
all the solvers stop on (:func:`~tinyreg.linear.enet_solvers._duality_gap`),
is at most ``tol·‖y‖²`` at the end. As l2 > 0, every r is a point of the
dual, and P(w(r)) − D(r) needs no pass over the data (:func:`_certified`):
the reported gap, one pass, is computed once that one is small. It is
computed at the point that solves the primal's optimality conditions for
A and the signs of S(Xᵀr), (X_AᵀX_A + l2·I)·w_A = X_Aᵀy − l1·s_A, when its
signs are those (then, A and s being right, it is the minimiser itself,
where w(r) is only near it), else at w(r). A step costs one pass (XᵀΔ, for
the line search) and one linear solve.

**Speed.** Active sets change little from one step to the next. With
|A| < n, X_A and X_AᵀX_A are read from columns (as rows) and Gram rows
kept across the steps (:class:`~tinyreg.linear.homotopy._TrackedGram`);
with |A| ≥ n, X_AX_Aᵀ is kept and changed by the columns that enter and
leave (:class:`_ActiveOuter`). Both are tested against forming them at
each step.
"""

from __future__ import annotations

import numpy as np

from tinyreg.linear.enet_solvers import (
    _duality_gap,
    _GramForm,
    _ResidualForm,
    _warn_not_converged,
)
from tinyreg.linear.homotopy import _excess, _TrackedGram
from tinyreg.linear.working_set import _enet_working_set
from tinyreg.prox import soft_threshold


def _shrink(u: np.ndarray, l1: float, positive: bool) -> np.ndarray:
    """S(u): the soft threshold at l1 (its positive part when ``positive``)."""
    return np.maximum(u - l1, 0.0) if positive else soft_threshold(u, l1)


def _active(u: np.ndarray, l1: float, positive: bool) -> np.ndarray:
    """The indices j where S(u)_j ≠ 0."""
    return np.flatnonzero(_excess(u, positive) > l1)


def _spread(values: np.ndarray, pos: np.ndarray, size: int) -> np.ndarray:
    """A vector of ``size`` zeros with ``values`` at ``pos``."""
    out = np.zeros(size)
    out[pos] = values
    return out


def _certified(
    r: np.ndarray, y: np.ndarray, R: np.ndarray, w: np.ndarray, l1: float, l2: float, tol_gap: float
) -> bool:
    """Whether P(w) − D(r) ≤ tol_gap (to rounding): the gap that asks for no pass over the data.

    With l2 > 0 every r is a point of the dual, D(r) = −φ(r), and
    P(w(r)) − D(r) = ½‖R‖² + l1‖w‖₁ + l2‖w‖² + ½‖r‖² − yᵀr (R = y − X·w(r),
    ‖S(Xᵀr)‖² = l2²‖w‖²) bounds P(w(r)) − P*. When it is small the gap all
    solvers report (from the dual point R) is computed, one pass; the loop
    stops on that one. Its rounding (a difference of terms as large as ‖y‖²)
    counts as small.
    """
    terms = (
        0.5 * float(R @ R),
        l1 * float(np.abs(w).sum()),
        l2 * float(w @ w),
        0.5 * float(r @ r),
        -float(y @ r),
    )
    return sum(terms) <= max(tol_gap, 16 * np.finfo(float).eps * sum(map(abs, terms)))


def _line_search(
    a0: float,
    a1: float,
    f0: float,
    u: np.ndarray,
    v: np.ndarray,
    l1: float,
    l2: float,
    positive: bool,
) -> float:
    """The t ≥ 0 that minimises φ(r + t·Δ), given its derivative's pieces.

    With a0 = Δᵀ(r − y), a1 = ΔᵀΔ, u = Xᵀr and v = XᵀΔ, the derivative is
    f(t) = a0 + a1·t + vᵀS(u + t·v)/l2: increasing (φ is convex along the
    line, and strongly: a1 > 0) and linear wherever no u_j + t·v_j crosses
    ±l1. f0 = f(0) = Δᵀ∇φ(r) = a0 + vᵀw(r) (the caller knows w(r)).
    0 if f0 ≥ 0 (no descent along Δ). As vᵀS(u + t·v) does not
    decrease, f(t) ≥ f(0) + a1·t, so the root is at most T = −f(0)/a1, and
    only the features active somewhere on [0, T] take part (at either end:
    u_j + t·v_j is monotone in t). Newton's method on f, from min(1, T),
    lands on the root as soon as it stays on one piece: it stops when a
    step ends on the piece it was computed on (then f(t) = 0 up to
    rounding). A bracket [lo, hi] of the root (f(lo) ≤ 0 ≤ f(hi)) keeps
    every step inside it, halving it when Newton's step would leave.
    """

    def pieces(t: float) -> tuple[np.ndarray, np.ndarray]:
        """The piece t is on -- each feature's sign where active, else 0 -- and u + t·v."""
        s = u + t * v
        piece = np.sign(s) * (np.abs(s) > l1) if not positive else (s > l1).astype(float)
        return piece, s

    def slope_at(t: float, piece: np.ndarray, s: np.ndarray) -> tuple[float, float]:
        """f(t) and its slope, on ``piece``, ``s`` = pieces(t): S(s) = s − l1·sign(s) there."""
        on = piece != 0
        v_on = v[on]
        value = a0 + a1 * t + float(v_on @ (s[on] - l1 * piece[on])) / l2
        return value, a1 + float(v_on @ v_on) / l2

    if f0 >= 0:
        return 0.0
    hi = -f0 / a1
    somewhere = (_excess(u, positive) > l1) | (_excess(u + hi * v, positive) > l1)
    u, v = u[somewhere], v[somewhere]
    lo, t = 0.0, min(1.0, hi)
    piece, s = pieces(t)
    for _ in range(100):
        f, slope = slope_at(t, piece, s)
        if f == 0:
            return t
        if f < 0:
            lo = t
        else:
            hi = t
        step = t - f / slope
        newton = lo < step < hi
        if not newton:  # Newton would leave the bracket: halve it
            step = 0.5 * (lo + hi)
        if step == t:
            return t
        following, s = pieces(step)
        if newton and np.array_equal(following, piece):
            return step  # on the piece f was linearised on: the root
        t, piece = step, following
    return t


def _enet_dual_newton(
    form: _GramForm | _ResidualForm,
    l1: float,
    l2: float,
    max_iter: int,
    tol: float,
    positive: bool = False,
) -> tuple[np.ndarray, float, int]:
    """Minimise P(w) by semismooth Newton steps on its dual (the module docstring); l2 > 0.

    An entry of ``_ENET_SOLVERS``: goes from the start ``form.w`` to the
    solution, left in ``form.w``, and returns ``(w, gap, n_iter)`` with the
    duality gap at w. Done once gap ≤ tol·‖y‖² (tested before any step as
    well); a ConvergenceWarning with the gap if ``max_iter`` Newton steps,
    each one or two passes over the data, end first. ``n_iter`` counts them.
    Without an L2 part (then φ is not smooth) or on the Gram form (there are
    no rows to take residuals of) it runs the working sets
    (:func:`~tinyreg.linear.working_set._enet_working_set`) instead; they
    also finish from w(r) if a line search finds no descent (rounding, near
    the minimiser, with a tol below what it allows).
    """
    if l2 == 0 or not isinstance(form, _ResidualForm):
        return _enet_working_set(form, l1, l2, max_iter, tol, positive)
    X, y = form.X, form.y
    n, p = X.shape
    tol_gap = tol * form.yy
    # start: the best multiple t·R₀ of the residual of form.w (the line search from r = 0)
    R0 = form.R
    v0 = X.T @ R0
    a0 = -float(R0 @ y)  # from r = 0, where w(r) = 0
    t0 = _line_search(a0, float(R0 @ R0), a0, np.zeros(p), v0, l1, l2, positive)
    r, u = t0 * R0, t0 * v0  # u = Xᵀr throughout
    gram, outer = _TrackedGram(form), _ActiveOuter(X)
    gap = np.inf
    n_iter = 0
    while True:
        A = _active(u, l1, positive)
        w = np.zeros(p)
        w[A] = _shrink(u[A], l1, positive) / l2
        tracked = A.size < n  # speed: then X_A and X_AᵀX_A come from rows kept across steps
        if tracked:
            gram.track(A)
            assert gram.Xt is not None  # the residual form keeps the tracked columns
            rows, pos = gram.Xt[: gram.size], gram.pos[A]  # the tracked columns, as rows
            Xw = _spread(w[A], pos, gram.size) @ rows
            K = gram.G[pos][:, pos]  # l2·I + X_AᵀX_A
            K.flat[:: A.size + 1] += l2
        else:  # speed: X_AX_Aᵀ changed by the columns that enter and leave A
            Xw = X @ w
        R = y - Xw
        grad = r - R
        if _certified(r, y, R, w, l1, l2, tol_gap) or n_iter == max_iter:
            point, R_point = w, R
            if tracked:  # speed: the minimiser for A and the signs of S(Xᵀr), if they hold there
                signs = np.ones(A.size) if positive else np.sign(u[A])
                w_A = np.linalg.solve(K, gram.q[pos] - l1 * signs)
                if np.array_equal(np.sign(w_A), signs):
                    point = _spread(w_A, A, p)
                    R_point = y - _spread(w_A, pos, gram.size) @ rows
            c = X.T @ R_point
            gap = _duality_gap(
                point, c, float(R_point @ R_point), float(R_point @ y), l1, l2, positive
            )
            if gap <= tol_gap or n_iter == max_iter:
                w = point
                break
        if tracked:  # Woodbury: H⁻¹g = g − X_A·(l2·I + X_AᵀX_A)⁻¹·X_Aᵀg
            solved = np.linalg.solve(K, (rows @ grad)[pos])
            delta: np.ndarray = _spread(solved, pos, gram.size) @ rows - grad
        else:
            H = outer.at(A) / l2
            H.flat[:: n + 1] += 1.0
            delta = np.linalg.solve(H, -grad)
        v = X.T @ delta
        a0 = float(delta @ (r - y))
        t = _line_search(a0, float(delta @ delta), a0 + float(v[A] @ w[A]), u, v, l1, l2, positive)
        if t == 0.0:  # no descent along Δ (rounding, near the minimiser): the working sets finish
            form.w = w
            w, gap, more = _enet_working_set(form, l1, l2, max_iter - n_iter, tol, positive)
            return w, gap, n_iter + more
        n_iter += 1
        r = r + t * delta
        u = u + t * v
    if gap > tol_gap:
        _warn_not_converged(gap, tol_gap, max_iter)
    form.w = w
    return w, gap, n_iter


# ---------------------------------------------------------------------------
# Speed: the n × n matrix of the Newton steps kept across them
# ---------------------------------------------------------------------------


class _ActiveOuter:
    """Speed: M = X_A·X_Aᵀ (n × n) for the last active set A, kept across steps.

    From one A to the next, the outer products of the columns that enter
    are added and those of the columns that leave subtracted, n²·(|N| + |R|)
    flops instead of n²·|A|; M is formed afresh when that is not fewer
    columns. Tested against forming it at every step.
    """

    def __init__(self, X: np.ndarray) -> None:
        self.X = X
        self.held = np.zeros(X.shape[1], dtype=bool)
        self.M: np.ndarray | None = None

    def at(self, A: np.ndarray) -> np.ndarray:
        """X_A·X_Aᵀ (the array kept: not to be changed by the caller)."""
        wanted = np.zeros_like(self.held)
        wanted[A] = True
        enter = np.flatnonzero(wanted & ~self.held)
        leave = np.flatnonzero(self.held & ~wanted)
        if self.M is None or enter.size + leave.size >= A.size:
            X_A = self.X[:, A]
            self.M = X_A @ X_A.T
        else:
            for columns, sign in ((enter, 1.0), (leave, -1.0)):
                if columns.size:
                    X_C = self.X[:, columns]
                    self.M += sign * (X_C @ X_C.T)
        self.held = wanted
        return self.M
