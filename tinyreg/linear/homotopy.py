r"""The fast path of the elastic net: the exact, piecewise-linear solution path.

``elastic_net.py`` holds the readable reference, cyclic coordinate descent,
one coordinate at a time. This module reaches the same minimiser (to
rounding, certified by the same duality gap) with whole-vector numpy steps
instead of a Python step per coordinate. It solves, as the reference does,

    P(w) = ½‖y − Xw‖² + l1·‖w‖₁ + (l2/2)·‖w‖²      (optionally with w ≥ 0)

**The path.** Write c = Xᵀ(y − Xw) and G = XᵀX. w is optimal exactly when
c_j − l2·w_j = l1·sign(w_j) where w_j ≠ 0, and |c_j| ≤ l1 where w_j = 0
(with w ≥ 0: c_j ≤ l1 there). On the active set A = {j : w_j ≠ 0} with
signs s, the first condition is the linear system

    (G_AA + l2·I)·w_A = Xᵀ_A·y − l1·s_A.

So while A and s stay the same, w moves *linearly* when l1 or y moves
linearly, and so do all the correlations c_j. The solution path is
piecewise linear (Osborne, Presnell and Turlach, 2000; Efron, Hastie,
Johnstone and Tibshirani, 2004: LARS-lasso; Zou and Hastie, 2005, with
l2): it bends only at *knots*, where

* an inactive feature's correlation reaches the boundary, |c_j| = l1 (it
  enters A with the sign of c_j), or
* an active coefficient reaches zero (it leaves A).

:func:`_follow` moves along one such straight piece to the next knot,
applies the event, and goes on. Each knot costs a few matrix-vector
products with the Gram rows of the active features; (G_AA + l2·I)⁻¹ is
kept up to date by a rank-one update when a feature enters (bordering)
and by a Schur-complement downdate when one leaves.

Two straight-line parametrisations serve:

* **the l1 homotopy** (a single fit, and ``lasso_path``): l1 decreases
  with l2 fixed; then dw_A/dt = (G_AA + l2·I)⁻¹·s_A per unit decrease;
* **the data homotopy** (``enet_path``, where l2 = ratio·l1 moves too):
  if w_k solves the problem at (l1_k, l2_k) with residual R_k, it also
  solves the one at the next grid point (l1, l2) = κ·(l1_k, l2_k) for the
  data y(κ) = X·w_k + κ·R_k; moving κ from l1/l1_k to 1 brings the data
  back to y, linearly.

**Tracked features (working sets).** A knot's cost grows with the
number of features whose correlations are followed, so only a *tracked*
set is followed: the active features and the inactive ones most
correlated with the residual (those likely to enter next). After each
stretch of path the full problem is checked once, c = Xᵀ(y − Xw) for all
p features: the stretch was right if no untracked feature exceeds the
boundary; otherwise it is redone with those features tracked as well.
Each check is one pass over the data, so the number of checks is this
solver's ``n_iter``. A single fit at l1 walks the path from
l1_max = max|Xᵀy| (where w = 0) down to l1 in a few such stretches, each
as long as the tracked features make safe (the sequential strong rule of
Tibshirani et al., 2012, decides how far).

**Rounding.** The final coefficients solve the linear system of the last
active set exactly (one step of iterative refinement), the duality gap
is computed from scratch, and if it exceeds ``tol`` -- rounding on an
ill-conditioned active set, say -- coordinate descent finishes from there.

Only the Gram rows of the tracked features are ever formed (from X, or
taken from a given XᵀX), so the solver runs equally on the data or on
their Gram statistics alone (:class:`~tinyreg.linear.elastic_net._GramForm`).
"""

from __future__ import annotations

import numpy as np

from tinyreg.linear.enet_solvers import (
    _duality_gap,
    _enet_coordinate_descent,
    _GramForm,
    _ResidualForm,
    _warn_not_converged,
)

# A feature that would enter with a Schur complement below this fraction of
# its own squared norm is (to rounding) a combination of the active ones:
# a duplicated column, say. It cannot enter; its correlation stays on the
# boundary with the active ones it copies.
_DEPENDENT = 1e-10
# Correlations this far (relatively) beyond the boundary count as violations
# of optimality in the full check; below it they are rounding.
_SLACK = 1e-9
# A stretch of the single-fit path tracks the active features plus at least
# this many candidates (and as many as there are active features).
_MIN_CANDIDATES = 100
# With candidates c_(1) ≥ c_(2) ≥ ... the strong rule makes tracking the top
# K safe down to l1 = (lam + c_(K+1))/2; this goes a little further
# (violations are caught by the check and cost a redone stretch).
_REACH = 0.8


class _TrackedGram:
    """Gram matrix G = XᵀX and q = Xᵀy of the tracked features, grown on demand.

    Tracked features get consecutive positions 0, 1, ...; ``pos[j]`` is the
    position of feature j (−1 if untracked), ``ids`` the inverse map, and
    ``G[:u, :u]``, ``q[:u]`` the statistics of the u tracked ones.
    """

    def __init__(self, form: _GramForm | _ResidualForm):
        self.form = form
        p = form.col_sq.size
        self.pos = np.full(p, -1, dtype=np.intp)
        self.ids = np.empty(0, dtype=np.intp)
        self.size = 0
        self.G = np.empty((0, 0))
        self.q = np.empty(0)
        # the residual form keeps the tracked columns of X, as rows, for the products
        self.rows = np.empty((0, form.X.shape[0])) if isinstance(form, _ResidualForm) else None

    def track(self, features: np.ndarray) -> None:
        """Add the untracked ones of ``features`` (feature indices)."""
        new = features[self.pos[features] < 0]
        if new.size == 0:
            return
        u, k = self.size, new.size
        if u + k > self.G.shape[0]:
            self._reserve(max(2 * self.G.shape[0], u + k, 16))
        form, G = self.form, self.G
        if isinstance(form, _ResidualForm):
            rows = self.rows
            assert rows is not None
            rows[u : u + k] = form.X[:, new].T
            block = rows[: u + k] @ rows[u : u + k].T  # (u + k) × k, one BLAS product
            self.q[u : u + k] = rows[u : u + k] @ form.y
        else:
            block = form.Q[np.ix_(np.concatenate([self.ids[:u], new]), new)]
            self.q[u : u + k] = form.q[new]
        G[: u + k, u : u + k] = block
        G[u : u + k, :u] = block[:u].T
        self.ids[u : u + k] = new
        self.pos[new] = np.arange(u, u + k)
        self.size = u + k

    def _reserve(self, capacity: int) -> None:
        u = self.size
        G = np.empty((capacity, capacity))
        G[:u, :u] = self.G[:u, :u]
        self.G = G
        for name in ("q", "ids"):
            old = getattr(self, name)
            new = np.empty(capacity, dtype=old.dtype)
            new[:u] = old[:u]
            setattr(self, name, new)
        if self.rows is not None:
            rows = np.empty((capacity, self.rows.shape[1]))
            rows[:u] = self.rows[:u]
            self.rows = rows


class _ActiveSet:
    """The active features (as tracked positions), their signs and values, and H⁻¹.

    H = G_AA + l2·I in the order of ``pos[:m]``; ``inverse[:m, :m]`` = H⁻¹.
    Arrays have spare capacity and grow by doubling.
    """

    def __init__(self, capacity: int = 16):
        self.m = 0
        self.pos = np.empty(capacity, dtype=np.intp)
        self.sign = np.empty(capacity)
        self.w = np.empty(capacity)
        self.inverse = np.empty((capacity, capacity))

    def reserve(self, capacity: int) -> None:
        if capacity <= self.pos.size:
            return
        m = self.m
        for name in ("pos", "sign", "w"):
            old = getattr(self, name)
            new = np.empty(capacity, dtype=old.dtype)
            new[:m] = old[:m]
            setattr(self, name, new)
        inverse = np.empty((capacity, capacity))
        inverse[:m, :m] = self.inverse[:m, :m]
        self.inverse = inverse

    def copy(self) -> _ActiveSet:
        other = _ActiveSet(self.pos.size)
        m = other.m = self.m
        other.pos[:m], other.sign[:m], other.w[:m] = self.pos[:m], self.sign[:m], self.w[:m]
        other.inverse[:m, :m] = self.inverse[:m, :m]
        return other

    def invert(self, gram: _TrackedGram, l2: float) -> None:
        """Recompute H⁻¹ from scratch (a new l2, or a warm start)."""
        m, pos = self.m, self.pos[: self.m]
        H = gram.G[np.ix_(pos, pos)]
        H[np.diag_indices(m)] += l2
        self.inverse[:m, :m] = np.linalg.inv(H) if m else H

    def refine(self, gram: _TrackedGram, l1: float, l2: float) -> None:
        """One step of iterative refinement of H·w_A = q_A − l1·s_A.

        The path reaches w_A through many small updates, each with its
        rounding; this makes w_A the solution of its system to working
        precision. If the correction is large, H⁻¹ has drifted: recompute it.
        """
        m = self.m
        if m == 0:
            return
        pos, w = self.pos[:m], self.w[:m]
        H = gram.G[np.ix_(pos, pos)]
        H[np.diag_indices(m)] += l2
        rhs = gram.q[pos] - l1 * self.sign[:m]
        correction = self.inverse[:m, :m] @ (rhs - H @ w)
        w += correction
        if np.max(np.abs(correction)) > 1e-8 * np.max(np.abs(w)):
            self.inverse[:m, :m] = np.linalg.inv(H)
            w[:] = self.inverse[:m, :m] @ rhs


def _follow(
    active: _ActiveSet,
    gram: _TrackedGram,
    c: np.ndarray,
    drift: np.ndarray | None,
    l1: float,
    l1_rate: float,
    length: float,
    l2: float,
    positive: bool,
) -> float:
    """Follow the solution path on the tracked features for ``length`` units of t.

    Along t the right-hand side of H·w_A = Xᵀ_A·y(t) − l1(t)·s_A moves
    linearly: Xᵀy(t) by ``drift`` per unit (None: 0) on the tracked
    features, l1(t) = ``l1`` + ``l1_rate``·t. ``c`` holds the correlations
    Xᵀ(y(t) − Xw) of the tracked features at t = 0 and is moved along. On
    a straight piece

        dw_A/dt = H⁻¹·(drift_A − l1_rate·s_A) = δ,   dc/dt = drift − G_{:,A}·δ = γ,

    and the piece ends at the first knot: an active w_j reaching 0, or an
    inactive c_j reaching ±l1(t). Returns l1 at the end.
    """
    u, m = gram.size, active.m
    G = gram.G
    diag = G.diagonal()[:u] + l2
    excluded = np.zeros(u)  # +inf: active, or dependent on the active set
    capacity = max(active.pos.size, 16)
    active.reserve(capacity)
    pos, sign, w, inverse = active.pos, active.sign, active.w, active.inverse
    rows = np.empty((capacity, u))  # G rows of the active features, over the tracked ones
    rows[:m] = G[pos[:m], :u]
    excluded[pos[:m]] = np.inf
    rate = np.empty(capacity)  # drift_A − l1_rate·s_A
    rate[:m] = -l1_rate * sign[:m] + (drift[pos[:m]] if drift is not None else 0.0)
    gamma, step_up, step_down = np.empty(u), np.empty(u), np.empty(u)
    inf = np.inf
    t = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        while True:
            delta = inverse[:m, :m] @ rate[:m]
            np.matmul(delta, rows[:m], out=gamma)
            np.negative(gamma, out=gamma)
            if drift is not None:
                gamma += drift
            # an inactive c_j reaches +l1(t) after (l1 − c_j)/(γ_j − l1_rate), if that rate is > 0
            approach = gamma - l1_rate
            np.subtract(l1, c, out=step_up)
            step_up /= approach
            step_up[approach <= 0] = inf
            if not positive:  # ... or −l1(t) after (l1 + c_j)/(−γ_j − l1_rate)
                approach = -gamma - l1_rate
                np.add(l1, c, out=step_down)
                step_down /= approach
                step_down[approach <= 0] = inf
                np.minimum(step_up, step_down, out=step_up)
            step_up += excluded
            j = int(step_up.argmin()) if u else -1
            t_enter = max(float(step_up[j]), 0.0) if u else inf
            # an active w_j reaches 0 after −w_j/δ_j, if δ_j points towards 0
            if m:
                to_zero = -w[:m] / delta
                to_zero[sign[:m] * delta >= 0] = inf
                i = int(to_zero.argmin())
                t_leave = max(float(to_zero[i]), 0.0)
            else:
                t_leave = inf
            remaining = length - t
            last_piece = min(t_enter, t_leave) >= remaining
            step = remaining if last_piece else min(t_enter, t_leave)
            t += step
            l1 += step * l1_rate
            w[:m] += step * delta
            c += step * gamma
            if last_piece:
                break
            if t_leave <= t_enter:  # active position i leaves: swap it to the end, drop it
                last = m - 1
                for a in (pos, sign, w, rate):
                    a[i], a[last] = a[last], a[i]
                rows[[i, last]] = rows[[last, i]]
                inverse[[i, last], :m] = inverse[[last, i], :m]
                inverse[:m, [i, last]] = inverse[:m, [last, i]]
                column = inverse[:last, last]
                inverse[:last, :last] -= np.outer(column, column / inverse[last, last])
                k = pos[last]
                c[k] = l1 * sign[last]  # it left from the boundary
                w[last] = 0.0
                excluded[k] = 0.0
                m = last
                continue
            # tracked position j enters: border H⁻¹ with its Gram column
            b = rows[:m, j]
            v = inverse[:m, :m] @ b
            schur = diag[j] - b @ v
            if schur <= _DEPENDENT * diag[j]:
                excluded[j] = inf
                continue
            if m == capacity:
                capacity *= 2
                active.m = m
                active.reserve(capacity)
                pos, sign, w, inverse = active.pos, active.sign, active.w, active.inverse
                rows = np.concatenate([rows[:m], np.empty((capacity - m, u))])
                rate = np.concatenate([rate[:m], np.empty(capacity - m)])
            s = 1.0 if positive or c[j] > 0 else -1.0
            v /= schur
            inverse[:m, :m] += np.outer(v * schur, v)
            inverse[m, :m] = inverse[:m, m] = -v
            inverse[m, m] = 1.0 / schur
            rows[m] = G[j, :u]
            pos[m], sign[m], w[m] = j, s, 0.0
            rate[m] = -l1_rate * s + (drift[j] if drift is not None else 0.0)
            c[j] = l1 * s
            excluded[j] = inf
            m += 1
    active.m = m
    return l1


def _dense(active: _ActiveSet, gram: _TrackedGram, p: int) -> np.ndarray:
    w = np.zeros(p)
    w[gram.ids[active.pos[: active.m]]] = active.w[: active.m]
    return w


def _check(form: _GramForm | _ResidualForm, w: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The full optimality check: (c, ‖y − Xw‖², (y − Xw)ᵀy) at ``w``, over all features."""
    form.w = w
    return form.stats()


def _start(
    form: _GramForm | _ResidualForm,
    gram: _TrackedGram,
    stats: tuple[np.ndarray, float, float],
    l2: float,
    positive: bool,
) -> tuple[_ActiveSet, float, np.ndarray, tuple[np.ndarray, float, float]]:
    """Where on the l1 path (l2 fixed) the start ``form.w`` lies: its active set and l1.

    ``stats`` = (c, ‖R‖², Rᵀy) at ``form.w``. A nonzero start is on the path
    if its correlations meet the optimality conditions for one l1 (to
    rounding): c_j − l2·w_j = l1·sign(w_j) where w_j ≠ 0, |c_j| ≤ l1
    elsewhere. Otherwise the path starts at w = 0, l1_max = max|c|.
    Returns (active set, its l1, the start point, its stats).
    """
    w = form.w
    c = stats[0]
    nonzero = np.flatnonzero(w)
    if nonzero.size:
        s = np.sign(w[nonzero])
        levels = s * (c[nonzero] - l2 * w[nonzero])
        level = float(np.max(levels))
        inactive = np.delete(c, nonzero)
        bound = float(np.max(inactive if positive else np.abs(inactive), initial=0.0))
        on_path = level > 0 and np.min(levels) >= level * (1 - _SLACK) and bound <= level
        if on_path and (not positive or np.all(s > 0)):
            active = _ActiveSet(max(16, 2 * nonzero.size))
            gram.track(nonzero)
            active.m = nonzero.size
            active.pos[: active.m] = gram.pos[nonzero]
            active.sign[: active.m] = s
            active.w[: active.m] = w[nonzero]
            active.invert(gram, l2)
            return active, level, w, stats
        w = np.zeros_like(w)
        stats = _check(form, w)
        c = stats[0]
    top = float(np.max(c, initial=0.0)) if positive else float(np.max(np.abs(c), initial=0.0))
    return _ActiveSet(), top, w, stats


def _stretch_tracking(
    c: np.ndarray, active: _ActiveSet, gram: _TrackedGram, lam: float, l1: float, positive: bool
) -> tuple[np.ndarray, float]:
    """Features to track for the next stretch of a single fit, and where it ends.

    The active features plus the K inactive ones with the largest
    correlations, K = max(100, number active). Going down, the stretch ends
    at max(l1, lam − 0.8·(lam − c_(K+1))), c_(K+1) the largest correlation
    left untracked; going up (a warm start from a smaller l1), at l1.
    """
    score = c.copy() if positive else np.abs(c)
    score[gram.ids[active.pos[: active.m]]] = np.inf
    K = active.m + max(_MIN_CANDIDATES, active.m)
    if score.size <= K:
        return np.arange(score.size), l1
    order = np.argpartition(-score, K)
    if l1 >= lam:
        return order[:K], l1
    return order[:K], max(l1, lam - _REACH * (lam - float(score[order[K]])))


def _untracked_violations(
    gram: _TrackedGram, c: np.ndarray, l1: float, positive: bool
) -> np.ndarray:
    """Untracked features whose correlation is beyond the boundary: the stretch missed them."""
    outside = np.flatnonzero(gram.pos < 0)
    excess = c[outside] if positive else np.abs(c[outside])
    return outside[excess > l1 * (1 + _SLACK)]


def _enet_homotopy(
    form: _GramForm | _ResidualForm,
    l1: float,
    l2: float,
    max_iter: int,
    tol: float,
    positive: bool = False,
) -> tuple[np.ndarray, float, int]:
    """Minimise P(w) by following its path in l1 (l2 fixed) from the start ``form.w``.

    The same contract as the reference ``_enet_coordinate_descent``:
    returns ``(w, gap, n_iter)`` with the duality gap at ``w``, leaves
    ``w`` in ``form.w``, stops when the gap is at most ``tol·‖y‖²`` (checked
    first at the start) and warns if ``max_iter`` passes over the data end
    before that. ``n_iter`` counts the passes (full optimality checks).
    Needs l1 > 0.
    """
    p = form.col_sq.size
    tol_gap = tol * form.yy
    stats = form.stats()
    gap = _duality_gap(form.w, *stats, l1, l2, positive)
    if gap <= tol_gap:
        return form.w, gap, 0
    gram = _TrackedGram(form)
    active, lam, w, stats = _start(form, gram, stats, l2, positive)
    n_iter = 0
    while lam != l1 and n_iter < max_iter:
        candidates, target = _stretch_tracking(stats[0], active, gram, lam, l1, positive)
        gram.track(candidates)
        rate = -1.0 if target < lam else 1.0
        before = active.copy()
        while True:
            c_tracked = stats[0][gram.ids[: gram.size]]
            _follow(active, gram, c_tracked, None, lam, rate, abs(lam - target), l2, positive)
            active.refine(gram, target, l2)
            w = _dense(active, gram, p)
            new_stats = _check(form, w)
            n_iter += 1
            late = _untracked_violations(gram, new_stats[0], target, positive)
            if late.size == 0 or n_iter >= max_iter:
                break
            gram.track(late)  # the stretch missed them: redo it with them tracked
            active = before.copy()
        stats, lam = new_stats, target
        if late.size:
            break
    gap = _duality_gap(w, *stats, l1, l2, positive)
    form.w = w
    if gap > tol_gap and n_iter < max_iter:
        # rounding defeated the path (an ill-conditioned active set): finish by the reference
        w, gap, more = _enet_coordinate_descent(form, l1, l2, max_iter - n_iter, tol, positive)
        return w, gap, n_iter + more
    if gap > tol_gap:
        _warn_not_converged(gap, tol_gap, max_iter)
    return w, gap, n_iter


def _enet_path_homotopy(
    form: _GramForm | _ResidualForm,
    l1s: np.ndarray,
    l2s: np.ndarray,
    max_iter: int,
    tol: float,
    positive: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Solutions at the decreasing (l1, l2) of a path grid, l2/l1 constant (or l2 = 0).

    From w = 0 the path is followed from grid point to grid point, each
    stretch tracking the features the sequential strong rule keeps
    (|c_j| ≥ 2·l1 − l1_prev), checked by a pass over the data and redone
    if it missed one. With l2 = 0 this is the l1 homotopy; with l2 > 0
    the data homotopy (H⁻¹ is recomputed for each new l2). Returns the
    coefficients (p, n_points) and duality gaps (n_points,). A point the
    path cannot certify to ``tol`` (rounding) is finished by coordinate
    descent, which then warm-starts the next one.
    """
    p = form.col_sq.size
    gram = _TrackedGram(form)
    coefs, gaps = np.zeros((p, l1s.size)), np.empty(l1s.size)
    form.w = np.zeros(p)
    active, lam, w, stats = _start(form, gram, form.stats(), 0.0, positive)
    lam_l2 = 0.0  # the l2 of the current point
    for k, (l1, l2) in enumerate(zip(l1s, l2s, strict=True)):
        if l1 < lam:
            c = stats[0]
            gram.track(np.flatnonzero((c if positive else np.abs(c)) >= 2 * l1 - lam))
            if l2 != lam_l2 and active.m:
                active.invert(gram, l2)
            before = active.copy()
            while True:
                c_tracked = c[gram.ids[: gram.size]]
                if l2 == 0:  # the l1 homotopy
                    _follow(active, gram, c_tracked, None, lam, -1.0, lam - l1, 0.0, positive)
                else:  # the data homotopy y(κ) = X·w_prev + κ·R_prev, κ from l1/lam to 1
                    kappa = l1 / lam
                    drift = c_tracked.copy()
                    c_tracked *= kappa
                    _follow(active, gram, c_tracked, drift, l1, 0.0, 1 - kappa, l2, positive)
                active.refine(gram, l1, l2)
                w = _dense(active, gram, p)
                new_stats = _check(form, w)
                late = _untracked_violations(gram, new_stats[0], l1, positive)
                if late.size == 0:
                    break
                gram.track(late)
                active = before.copy()
            stats, lam, lam_l2 = new_stats, l1, l2
        gap = _duality_gap(w, *stats, l1, l2, positive)
        if gap > tol * form.yy:
            form.w = w
            w, gap, _ = _enet_coordinate_descent(form, l1, l2, max_iter, tol, positive)
            coefs[:, k], gaps[k] = w, gap
            # go on from there if it is a point of the path, else from w = 0
            active, lam, w, stats = _start(form, gram, form.stats(), l2, positive)
            lam_l2 = l2
            continue
        coefs[:, k], gaps[k] = w, gap
    return coefs, gaps
