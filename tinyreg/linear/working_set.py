r"""Working sets: coordinate descent with Newton steps and Anderson extrapolation, for long paths.

The homotopy (``homotopy.py``) walks the solution path knot by knot; where
the solution has hundreds of active features the path has hundreds of knots.
This solver goes straight to the minimiser of the same objective,

    P(w) = ½‖y − Xw‖² + l1·‖w‖₁ + (l2/2)·‖w‖²      (optionally with w ≥ 0),

by solving a sequence of small problems, as skglm (Bertrand et al., 2022)
and celer (Massias, Gramfort and Salmon, 2018) do.

**Outer loop: working sets.** At the current w (zero outside a set W), the
full correlation c = Xᵀ(y − Xw) -- one pass over the data -- gives the
duality gap of the whole problem (:func:`~tinyreg.linear.enet_solvers._duality_gap`,
whose dual point is the rescaled residual v = s·(y − Xw)); the loop stops
when it is at most ``tol·‖y‖²``. Otherwise each feature gets a *violation
score*: how far it is from its optimality condition. A feature with
w_j = 0 is optimal when |c_j| ≤ l1 (c_j ≤ l1 with w ≥ 0), and the score is
(|c_j| − l1)/‖X_j‖, the signed distance from the dual point to the j-th
constraint {|X_jᵀv| ≤ l1} (celer's score; large = violated most). Features
with w_j ≠ 0 score +∞: they stay. The next working set W is the
max(30, ⌊1.5·|support|⌋) best-scoring features (all if fewer), so it grows
geometrically while the support does (skglm doubles; 1.5 builds smaller
Gram blocks, benchmarks/README.md).

**Inner loop: the subproblem on W.** Minimise P over w_W with the other
coefficients at zero, from the Gram statistics of W alone, G = X_WᵀX_W and
b = X_Wᵀy. G is grown on demand and reused across outer iterations
(:class:`~tinyreg.linear.homotopy._TrackedGram`). The subproblem stops when
its own duality gap is at most a fraction ``_INNER`` of the last full gap,
or at most that gap's own rounding (large coefficients on nearly collinear
columns: no point can be certified closer, and the outer loop goes on to
``max_iter`` and warns with the gap it reached).
Speed: it is first tried by Newton steps (below) alone, on the data
(:func:`_newton_subproblem`): a step needs the Gram block of its active
guess only, and the correlations over W come with the full gap from one
pass over the data, so G is formed only for features that become active,
and a step that solves the subproblem leaves the next outer iteration its
gap. Where it falls short (a singular system, a step that does not lower
P, or ``_NEWTON_TRIES`` steps), the plain route takes over for the rest of
the fit -- it is tested against that route alone. There, each
iteration first tries an *active-set Newton step* (below); when that
does not lower P, coordinate descent takes over for the iteration: a
cyclic epoch where a step on j costs O(|W|) (c_W −= δ·G_j), so an epoch
touches only |W|-sized arrays, followed by the support and Anderson steps.

**Speed: active-set Newton steps** (the primal-dual active set method of
Ito and Kunisch, 2008, globalised by a line search). At w, with
z_j = c_j + G_jj·w_j, guess the active set A = {j : |z_j| > l1} and the
signs s = sign(z_A) (what one CD epoch would make nonzero), and solve
(G_AA + l2·I)·w⁺_A = b_A − l1·s_A. If A and s are the minimiser's, w⁺
*is* the minimiser, in one solve; once the working set holds the support,
that is what happens, and the subproblem needs no epoch at all. Otherwise
the step takes w⁺ if it lowers P; else the target solved again without the
features whose coefficient in w⁺ has the other sign than guessed, if that
lowers P; else the minimiser of P on the segment from w to w⁺ (P is convex
and piecewise quadratic along it: an exact line search). Tested against
the same solver without these steps.

**Anderson extrapolation** (Anderson, 1965; for coordinate descent,
Bertrand and Massias, 2021). Cyclic CD is a fixed-point iteration
w ↦ T(w) whose iterates converge linearly; every K = ``_ANDERSON`` epochs,
with the last K + 1 iterates w₀, …, w_K and their differences
U = [w₁ − w₀, …, w_K − w_{K−1}], the extrapolated point is
Σ_k a_k·w_k with weights a = z/Σz, z solving (UᵀU)·z = 1 (the affine
combination of the iterates whose combined difference is smallest). It is
projected onto w ≥ 0 when ``positive`` and **accepted only if it lowers the
subproblem's objective**; otherwise CD goes on from its own iterate.

**Support steps.** After each epoch, with S and s the support and signs of
w, the subproblem restricted to them is a quadratic whose minimiser solves
one small linear system (the homotopy's equation for a fixed active set);
the step goes towards it as far as no coefficient changes sign (P is that
quadratic there, so P decreases) -- CD finds the support, the linear solve
finishes the values. It, too, is accepted only if it lowers P.

The result, as for the other solvers, is certified by the full problem's
duality gap; coefficients on all-zero columns stay zero (they score −∞).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from tinyreg.linear.enet_solvers import (
    _duality_gap,
    _GramForm,
    _ResidualForm,
    _warn_not_converged,
)
from tinyreg.linear.homotopy import _excess, _TrackedGram

# The first working set has this many features; the next ones _GROW times the support.
_FIRST = 30
_GROW = 1.5
# Anderson extrapolation every this many epochs, from this many differences.
_ANDERSON = 5
# A subproblem is solved to this fraction of the last full duality gap ...
_INNER = 0.3
# ... in at most this many epochs.
_EPS = float(np.finfo(np.float64).eps)
_MAX_EPOCHS = 10_000
# Speed: at most this many Newton steps on the data before the Gram-matrix subproblem.
_NEWTON_TRIES = 4


def _objective(
    G: np.ndarray | None,
    b: np.ndarray,
    yy: float,
    w: np.ndarray,
    l1: float,
    l2: float,
    Gw: np.ndarray | None = None,
) -> float:
    """P restricted to W: ½wᵀGw − bᵀw + ½yᵀy + l1‖w‖₁ + (l2/2)‖w‖² (``Gw``: G·w, if known)."""
    if Gw is None:
        assert G is not None
        Gw = G @ w
    return (
        0.5 * float(w @ Gw)
        - float(b @ w)
        + 0.5 * yy
        + l1 * float(np.abs(w).sum())
        + (0.5 * l2 * float(w @ w))
    )


def _subproblem_gap(G, b, yy, w, c, l1, l2, positive) -> float:
    """The duality gap of P restricted to W at w, given c = b − Gw."""
    Ry = yy - float(w @ b)
    return _duality_gap(w, c, Ry - float(w @ c), Ry, l1, l2, positive)


def _gap_rounding(
    abs_G: np.ndarray, b: np.ndarray, yy: float, w: np.ndarray, c: np.ndarray, l1: float, l2: float
) -> float:
    """A bound on the rounding of :func:`_subproblem_gap` at w (``abs_G`` = |G|, c = b − Gw).

    With γ = (m + 2)·eps for m = |W|: each computed c_j is off by at most
    δ_j = γ·(|b_j| + (|G||w|)_j) + l2·γ·|w_j|, and (y − Xw)ᵀy and
    ‖y − Xw‖² = (y − Xw)ᵀy − wᵀc by at most γ·(yᵀy + 2|b|ᵀ|w| + |w|ᵀ|G||w|).
    The dual point scales the residual by s = l1/‖c − l2·w‖∞ (when below 1);
    a correlation off by max δ moves s by at most max δ/l1 and the dual
    objective by (‖w‖₁ + (1 − s)·‖y − Xw‖²/l1)·max δ. Large coefficients on
    nearly collinear columns make this far larger than tol·‖y‖²: no point
    can then be certified closer, and the subproblem stops there.
    """
    gamma = (w.size + 2) * _EPS
    aw = np.abs(w)
    Gw = abs_G @ aw
    delta = gamma * (np.abs(b) + Gw + l2 * aw)
    sums = gamma * (yy + 2 * float(np.abs(b) @ aw) + float(aw @ Gw))
    if l1 == 0:
        return sums
    RR = yy - float(w @ b) - float(w @ c) + l2 * float(w @ w)
    top = float(np.max(np.abs(c - l2 * w), initial=0.0))
    s = min(1.0, l1 / top) if top > 0 else 1.0
    moved = float(aw.sum()) + (1.0 - s) * max(RR, 0.0) / l1
    return sums + moved * float(np.max(delta, initial=0.0))


def _cd_epoch(
    G: np.ndarray,
    diag: list[float],
    w: np.ndarray,
    c: np.ndarray,
    l1: float,
    l2: float,
    positive: bool,
) -> None:
    """One cyclic pass of coordinate descent on W, in place: w and c = b − Gw.

    The update of ``enet_solvers._cd_sweep``: z = c_j + G_jj·w_j, then
    w_j = sign(z)·max(|z| − l1, 0)/(G_jj + l2) (positive part if
    ``positive``), and c −= δ·G_j.
    """
    for j, d in enumerate(diag):
        if d == 0.0:
            continue
        w_old = w.item(j)
        z = c.item(j) + d * w_old
        if z > l1:
            w_new = (z - l1) / (d + l2)
        elif z < -l1 and not positive:
            w_new = (z + l1) / (d + l2)
        else:
            w_new = 0.0
        if w_new != w_old:
            w[j] = w_new
            c -= (w_new - w_old) * G[j]


def _anderson(iterates: np.ndarray) -> np.ndarray | None:
    """The Anderson extrapolation of K + 1 iterates (rows), or None if it is undefined.

    With U the K differences of consecutive iterates (rows), z solves
    (UUᵀ)·z = 1 and the result is Σ_k a_k·w_k over the last K iterates with
    a = z/Σz.
    """
    U = np.diff(iterates, axis=0)
    try:
        z = np.linalg.solve(U @ U.T, np.ones(U.shape[0]))
    except np.linalg.LinAlgError:
        return None
    total = float(z.sum())
    if not math.isfinite(total) or total == 0.0:
        return None
    return (z / total) @ iterates[1:]


def _solve_block(G: np.ndarray, S: np.ndarray, l2: float, r: np.ndarray) -> np.ndarray:
    """(G_SS + l2·I)⁻¹·r, by LU; LinAlgError if the block is singular."""
    H = G[S][:, S]  # speed: rows, then columns -- twice as fast as G[np.ix_(S, S)]
    H.flat[:: S.size + 1] += l2
    return np.linalg.solve(H, r)


def _support_step(
    G: np.ndarray, b: np.ndarray, w: np.ndarray, l1: float, l2: float
) -> np.ndarray | None:
    """A step from w towards the minimiser on w's support S with w's signs s.

    With S and s fixed, P restricted to W is the quadratic whose minimiser
    w⁺ solves (G_SS + l2·I)·w⁺_S = b_S − l1·s_S (zero off S). P agrees with
    that quadratic while no coefficient changes sign, so the step goes from
    w to w + t·(w⁺ − w) with the largest t ≤ 1 at which none has: P decreases,
    and the coefficients reaching zero there are set to zero. None if the
    system is singular or the step is empty.
    """
    S = np.flatnonzero(w)
    if S.size == 0:
        return None
    try:
        target = _solve_block(G, S, l2, b[S] - l1 * np.sign(w[S]))
    except np.linalg.LinAlgError:
        return None
    w_S = w[S]
    crossing = np.sign(target) != np.sign(w_S)
    ratios = np.full(S.size, np.inf)  # where each coefficient would reach zero
    ratios[crossing] = w_S[crossing] / (w_S[crossing] - target[crossing])
    t = min(1.0, float(ratios.min()))
    step = w_S + t * (target - w_S)
    step[ratios <= t] = 0.0
    out = np.zeros_like(w)
    out[S] = step
    return out


def _newton_step(
    G: np.ndarray,
    b: np.ndarray,
    yy: float,
    w: np.ndarray,
    c: np.ndarray,
    now: float,
    l1: float,
    l2: float,
    positive: bool,
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """:func:`_newton_move` with the Gram matrix G of W at hand."""

    def solve(A: np.ndarray, signs: np.ndarray) -> np.ndarray:
        return _solve_block(G, A, l2, b[A] - l1 * signs)

    def correlation(x: np.ndarray) -> np.ndarray:
        return b - G @ x

    return _newton_move(solve, correlation, np.diag(G), b, yy, w, c, now, l1, l2, positive)


def _newton_move(
    solve: Callable[[np.ndarray, np.ndarray], np.ndarray],
    correlation: Callable[[np.ndarray], np.ndarray],
    diag: np.ndarray,
    b: np.ndarray,
    yy: float,
    w: np.ndarray,
    c: np.ndarray,
    now: float,
    l1: float,
    l2: float,
    positive: bool,
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Speed: an active-set Newton step from w (P(w) = ``now``), with an exact line search.

    The primal-dual active set guess at w (Ito and Kunisch, 2008): with
    z = c + G_jj·w_j (the correlation that leaves j out, as in a CD step;
    ``diag`` = the G_jj), A = {j : |z_j| > l1} ({z_j > l1} if ``positive``)
    and s = sign(z_A). The target w⁺ is zero off A and solves
    (G_AA + l2·I)·w⁺_A = b_A − l1·s_A (``solve(A, s)`` returns w⁺_A, or
    raises LinAlgError if the system is singular), the minimiser of P if A
    and s are the minimiser's support and signs; then the step lands on it
    exactly. The step is w⁺ (projected onto w ≥ 0 if ``positive``) when
    P(w⁺) < P(w). Otherwise the guess was wrong somewhere; where w⁺_j does
    not have the sign s_j it was solved with, j is dropped from A (the
    feature-sign correction of Lee et al., 2007) and the system solved again
    on the rest B: the step is that target if it lowers P. Otherwise, P
    being convex along the segment from w to w⁺, the minimiser of P on that
    segment (:func:`_line_search`).

    Returns (point, b − G·point, P(point)); a target costs one call
    ``correlation(x)`` = b − G·x (and c is affine along the segment). None
    if the system is singular, or singular to rounding: with d = w⁺ − w, the
    curvature dᵀ(G + l2·I)·d of P along the segment is at most its rounding
    (bounded by 16·eps·m²·max G_jj·‖d‖² for m = |W|, as ‖d‖₁² ≤ m·‖d‖²);
    then w⁺ has been thrown along a direction where X_W·d is zero, to
    rounding, and comparisons of P there mean nothing. None also if no point
    of the segment is lower than w.
    """
    Gw = b - c
    ceiling = 16 * _EPS * w.size**2 * float(np.max(diag, initial=0.0))

    def aim(A: np.ndarray, signs: np.ndarray):
        """The target for guess (A, signs), G·target and P(target); None if singular."""
        target = np.zeros_like(w)
        if A.size:
            try:
                target[A] = solve(A, signs)
            except np.linalg.LinAlgError:
                return None
        if positive:
            np.maximum(target, 0.0, out=target)
        Gt = b - correlation(target)
        d = target - w
        curvature = float(d @ (Gt - Gw)) + l2 * float(d @ d)
        if not curvature > ceiling * float(d @ d):  # flat to rounding (or not finite)
            return None
        return target, Gt, _objective(None, b, yy, target, l1, l2, Gt)

    z = c + diag * w
    A = np.flatnonzero(_excess(z, positive) > l1)
    signs = np.ones(A.size) if positive else np.sign(z[A])
    first = aim(A, signs)
    if first is None:
        return None
    target, Gt, value = first
    if value < now:
        return target, b - Gt, value
    keep = target[A] * signs > 0  # the guessed sign held
    if 0 < np.count_nonzero(keep) < A.size:
        second = aim(A[keep], signs[keep])
        if second is not None and second[2] < now:
            return second[0], b - second[1], second[2]
    d, Gd = target - w, Gt - Gw
    t = _line_search(c, w, d, Gd, l1, l2, positive)
    if t == 0.0:
        return None
    point, Gp = w + t * d, Gw + t * Gd
    if positive:
        np.maximum(point, 0.0, out=point)
    return point, b - Gp, _objective(None, b, yy, point, l1, l2, Gp)


def _line_search(
    c: np.ndarray,
    w: np.ndarray,
    d: np.ndarray,
    Gd: np.ndarray,
    l1: float,
    l2: float,
    positive: bool,
) -> float:
    """The t in [0, 1] at which w + t·d minimises P on the segment (0: w itself).

    ``c`` = b − Gw and ``Gd`` = G·d. f(t) = P(w + t·d) is convex and
    piecewise quadratic: the smooth part has slope a·t − dᵀc + l2·wᵀd with
    a = dᵀ(G + l2·I)·d, and each l1·|w_j + t·d_j| adds l1·|d_j| to the slope
    where w_j + t·d_j has the sign of d_j, −l1·|d_j| where it has the other
    sign: the slope jumps by 2·l1·|d_j| at the knot t_j = −w_j/d_j. The
    minimiser is where the (increasing) slope changes sign. With w ≥ 0
    (``positive``; then d_j ≥ 0 wherever w_j = 0), t stops where the first
    coordinate reaches zero.
    """
    a = float(d @ Gd) + l2 * float(d @ d)
    moving = d != 0
    # sign of w_j + t·d_j just after t = 0, relative to the sign of d_j
    ahead = np.where(w != 0, np.sign(w) * np.sign(d), 1.0)
    slope = -float(d @ c) + l2 * float(w @ d) + l1 * float(np.abs(d[moving]) @ ahead[moving])
    if slope >= 0 or a <= 0:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        knots = np.where(moving & (ahead < 0), -w / np.where(moving, d, 1.0), np.inf)
    order = np.argsort(knots)
    knots = knots[order]
    jumps = 2 * l1 * np.abs(d[order])
    for k in np.flatnonzero(knots < 1.0).tolist():
        t_k = knots.item(k)
        if a * t_k + slope >= 0:  # the slope turns positive before this knot
            return -slope / a
        if positive:  # w + t·d would leave w ≥ 0 here
            return t_k
        slope += jumps.item(k)
        if a * t_k + slope >= 0:  # ... or at it
            return t_k
    return min(1.0, -slope / a)


def _solve_subproblem(
    G: np.ndarray,
    b: np.ndarray,
    yy: float,
    w: np.ndarray,
    l1: float,
    l2: float,
    positive: bool,
    tol_gap: float,
) -> tuple[np.ndarray, int]:
    """Minimise P restricted to W (Gram G, b = X_Wᵀy) from w: Newton steps, CD as the safeguard.

    Each iteration first tries an active-set Newton step
    (:func:`_newton_step`). When it does not lower P, a coordinate-descent
    epoch runs instead, then a support step (:func:`_support_step`) and,
    after every ``_ANDERSON`` epochs without an accepted step, an Anderson
    step (:func:`_anderson`). Every step is accepted only if it lowers P,
    so P decreases at every iteration. Returns (w, iterations); stops when
    the subproblem's gap is at most ``tol_gap``, or at most its own
    rounding (:func:`_gap_rounding`): no point can be certified closer, and
    the outer loop's gap says how far w is from the minimiser.
    """
    diag = np.diag(G).tolist()
    w = w.copy()
    c = b - G @ w
    iterates = np.empty((_ANDERSON + 1, w.size))
    iterates[0] = w
    count = 0
    best = _objective(G, b, yy, w, l1, l2)
    abs_G = np.abs(G)
    for epoch in range(1, _MAX_EPOCHS + 1):
        newton = _newton_step(G, b, yy, w, c, best, l1, l2, positive)
        if newton is not None and newton[2] < best:
            w, c, best = newton
            iterates[0], count = w, 0
        else:
            _cd_epoch(G, diag, w, c, l1, l2, positive)
            count += 1
            iterates[count] = w
            candidates = [_support_step(G, b, w, l1, l2)]
            if count == _ANDERSON:
                candidates.append(_anderson(iterates))
            best, jumped = _objective(G, b, yy, w, l1, l2), False
            for candidate in candidates:
                if candidate is None:
                    continue
                if positive:
                    np.maximum(candidate, 0.0, out=candidate)
                value = _objective(G, b, yy, candidate, l1, l2)
                if value < best:
                    w, best, jumped = candidate, value, True
            if jumped or count == _ANDERSON:
                iterates[0], count = w, 0
            c = b - G @ w  # also clears the rounding of the rank-one updates
        gap = _subproblem_gap(G, b, yy, w, c, l1, l2, positive)
        if gap <= tol_gap or gap <= _gap_rounding(abs_G, b, yy, w, c, l1, l2):
            return w, epoch
    return w, _MAX_EPOCHS


def _newton_subproblem(
    form: _GramForm | _ResidualForm,
    gram: _TrackedGram,
    W: np.ndarray,
    b: np.ndarray,
    w: np.ndarray,
    c: np.ndarray,
    l1: float,
    l2: float,
    positive: bool,
    tol_gap: float,
) -> tuple[np.ndarray, tuple[np.ndarray, float, float] | None]:
    """Speed: the subproblem on W by Newton steps on the data, without the Gram matrix of W.

    A Newton step (:func:`_newton_move`) needs G_AA of its active guess A
    only, and the correlations b − G·x over W (``b`` = X_Wᵀy, ``c`` = b − G·w
    at the start), which come from the data: ``form.stats()`` at x (zero
    off W) gives them over all features, with the rest of the full
    problem's duality gap. So the tracked Gram matrix holds the features
    that are ever active, not the whole working sets, and a Newton target
    costs one pass over the data. Up to ``_NEWTON_TRIES`` steps, while each
    lowers P. Returns (w, stats): stats = ``form.stats()`` at w when the
    subproblem's gap is at most ``tol_gap`` and w is a target (``form.w``
    is then w), None otherwise; then w is the last point reached (P no
    higher than at the start), for :func:`_solve_subproblem` to go on from.
    """
    p = form.w.size
    last: tuple[np.ndarray, tuple[np.ndarray, float, float]] | None = None  # x, stats at x

    def solve(A: np.ndarray, signs: np.ndarray) -> np.ndarray:
        features = W[A]
        gram.track(features)
        tracked = gram.G[: gram.size, : gram.size]  # speed: rows as long as the tracked ones
        return _solve_block(tracked, gram.pos[features], l2, b[A] - l1 * signs)

    def correlation(x: np.ndarray) -> np.ndarray:
        nonlocal last
        form.w = np.zeros(p)
        form.w[W] = x
        last = x, _full_stats(form, gram)
        return last[1][0][W]

    diag, yy = form.col_sq[W], form.yy
    now = _objective(None, b, yy, w, l1, l2, b - c)
    for _ in range(_NEWTON_TRIES):
        step = _newton_move(solve, correlation, diag, b, yy, w, c, now, l1, l2, positive)
        if step is None or not step[2] < now:
            break
        w, c, now = step
        if _subproblem_gap(None, b, yy, w, c, l1, l2, positive) <= tol_gap:
            return w, last[1] if last is not None and w is last[0] else None
    return w, None


def _full_stats(
    form: _GramForm | _ResidualForm, gram: _TrackedGram
) -> tuple[np.ndarray, float, float]:
    """``form.stats()`` at ``form.w``: (c, ‖y − Xw‖², (y − Xw)ᵀy) of the full problem.

    Speed: on the residual form, when every nonzero of w is tracked, the
    residual comes from the tracked columns
    (:meth:`~tinyreg.linear.homotopy._TrackedGram.stats_at`), O(n·|support|)
    instead of a pass over X (the Gram form's statistics need none).
    """
    if isinstance(form, _ResidualForm):
        nonzero = np.flatnonzero(form.w)
        pos = gram.pos[nonzero]
        if np.all(pos >= 0):
            return gram.stats_at(pos, form.w[nonzero])
    return form.stats()


def _scores(
    c: np.ndarray,
    w: np.ndarray,
    inverse_norms: np.ndarray,
    dead: np.ndarray,
    l1: float,
    positive: bool,
) -> np.ndarray:
    """The violation score of every feature (see the module docstring).

    ``inverse_norms`` holds 1/‖X_j‖ (0 where X_j = 0), ``dead`` marks the
    all-zero columns: they score −∞.
    """
    scores = ((c if positive else np.abs(c)) - l1) * inverse_norms
    scores[dead] = -np.inf
    scores[w != 0] = np.inf
    return scores


def _enet_working_set(
    form: _GramForm | _ResidualForm,
    l1: float,
    l2: float,
    max_iter: int,
    tol: float,
    positive: bool = False,
) -> tuple[np.ndarray, float, int]:
    """Minimise P(w) by working sets (the algorithm of the module docstring).

    An entry of ``_ENET_SOLVERS``: goes from the start ``form.w`` to the
    solution, left in ``form.w``, and returns ``(w, gap, n_iter)`` with the
    full problem's duality gap at w. Done once gap ≤ tol·‖y‖² (tested before
    any work as well); a ConvergenceWarning with the gap if ``max_iter``
    outer iterations, each one pass over the data, end first. ``n_iter``
    counts them.
    """
    p = form.w.size
    tol_gap = tol * form.yy
    stats = form.stats()
    gap = _duality_gap(form.w, *stats, l1, l2, positive)
    gram = _TrackedGram(form)
    if isinstance(form, _GramForm):
        Xy = form.q
    else:  # at w = 0 the correlation c is Xᵀy
        Xy = stats[0].copy() if not form.w.any() else form.X.T @ form.y
    norms = np.sqrt(form.col_sq)
    dead = norms == 0
    inverse_norms = 1.0 / np.where(dead, 1.0, norms)
    inverse_norms[dead] = 0.0
    n_iter, on_data = 0, True
    while gap > tol_gap and n_iter < max_iter:
        scores = _scores(stats[0], form.w, inverse_norms, dead, l1, positive)
        support = int(np.count_nonzero(form.w))
        size = min(p, max(_FIRST, int(_GROW * support)))
        W = np.argpartition(-scores, size - 1)[:size] if size < p else np.arange(p)
        W = np.sort(W[scores[W] > -np.inf])  # never the all-zero columns
        w_W, done = form.w[W], None
        if on_data:
            w_W, done = _newton_subproblem(
                form, gram, W, Xy[W], w_W, stats[0][W], l1, l2, positive, _INNER * gap
            )
            on_data = done is not None  # once it falls short, the plain route to the end
        if done is not None:  # form.w is w_W, and done its statistics
            stats = done
        else:
            gram.track(W)
            pos = gram.pos[W]
            G = np.ascontiguousarray(gram.G[np.ix_(pos, pos)])
            w_W, _ = _solve_subproblem(G, gram.q[pos], form.yy, w_W, l1, l2, positive, _INNER * gap)
            form.w = np.zeros(p)
            form.w[W] = w_W
            stats = _full_stats(form, gram)
        gap = _duality_gap(form.w, *stats, l1, l2, positive)
        n_iter += 1
    if gap > tol_gap:
        _warn_not_converged(gap, tol_gap, max_iter)
    return form.w, gap, n_iter
