r"""The fast path of the elastic net: the exact, piecewise-linear solution path.

``enet_solvers.py`` holds the readable reference, cyclic coordinate
descent, one coordinate at a time. This module reaches the same minimiser (to
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
their Gram statistics alone (:class:`~tinyreg.linear.enet_solvers._GramForm`).

**Speed.** Four tricks, each marked "Speed:" where it lives, measured in
``benchmarks/README.md`` and tested against the plain computation: the
rank-one changes of H⁻¹ are applied in batches (:class:`_ActiveSet`); a
stretch of many knots is first tried as a *jump* -- guess the active set
at its end, solve, check the optimality conditions (:func:`_jump`);
H⁻¹ for a new l2 is computed by blocks (:func:`_spd_inverse`); and a
lasso path on a grid is followed once, knot by knot, and every grid point
read off the knots around it (:func:`_lasso_path_by_knots`).
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
# this many candidates, as many as there are active features, and one in
# _CANDIDATE_SHARE of all features. Speed: at p ≫ n a pass over X reads all
# n·p values, while a candidate costs one Gram column (a BLAS product); more
# candidates make the stretches longer and the passes fewer (benchmarks/README.md).
_MIN_CANDIDATES = 100
_CANDIDATE_SHARE = 25
# With candidates c_(1) ≥ c_(2) ≥ ... the strong rule makes tracking the top
# K safe down to l1 = (lam + c_(K+1))/2; this goes a little further
# (violations are caught by the check and cost a redone stretch).
_REACH = 0.8
# Speed: rank-one changes of H⁻¹ are applied in batches of this many (one
# matrix product) once the active set has at least _BATCH_FROM features;
# below that, one at a time (benchmarks/README.md).
_BATCH = 16
_BATCH_FROM = 64
# Speed: _spd_inverse splits matrices larger than this.
_INVERSE_BLOCK = 64
# Speed: when every feature is tracked and at least _MANY of them may enter,
# the walk to l1 goes in steps of ×_STEP in l1, each first tried as a jump
# (at most _JUMP_TRIES guesses, active sets of at most _JUMP_MAX features).
_MANY = 32
_STEP = 0.3
_JUMP_TRIES = 3
_JUMP_MAX = 300


def _spd_inverse(H: np.ndarray) -> np.ndarray:
    """Speed: the inverse of a symmetric positive definite H, by 2×2 blocks.

    With H = [[A, B], [Bᵀ, D]] and the Schur complement S = D − Bᵀ·A⁻¹·B
    (positive definite too), H⁻¹ = [[A⁻¹ + E·Cᵀ, −E], [−Eᵀ, S⁻¹]] where
    C = A⁻¹·B and E = C·S⁻¹; A⁻¹ and S⁻¹ recursively, down to blocks of
    _INVERSE_BLOCK rows, which ``np.linalg.inv`` inverts. The work is in
    matrix products, about twice as fast as ``np.linalg.inv`` on the whole
    (benchmarks/README.md); ``np.linalg.inv`` is the reference it is tested
    against.
    """
    m = H.shape[0]
    if m <= _INVERSE_BLOCK:
        return np.linalg.inv(H)
    k = m // 2
    B = H[:k, k:]
    A_inv = _spd_inverse(H[:k, :k])
    C = A_inv @ B
    S_inv = _spd_inverse(H[k:, k:] - B.T @ C)
    E = C @ S_inv
    inverse = np.empty_like(H)
    inverse[:k, :k] = A_inv + E @ C.T
    inverse[:k, k:] = -E
    inverse[k:, :k] = -E.T
    inverse[k:, k:] = S_inv
    return inverse


def _excess(c: np.ndarray, positive: bool) -> np.ndarray:
    """What the boundary l1 bounds: |c| (or c itself when w ≥ 0)."""
    return c if positive else np.abs(c)


class _TrackedGram:
    """Gram matrix G = XᵀX and q = Xᵀy of the tracked features, grown on demand.

    Tracked features get consecutive positions 0, 1, ...; ``pos[j]`` is the
    position of feature j (−1 if untracked), ``ids`` the inverse map, and
    ``G[:u, :u]``, ``q[:u]`` the statistics of the u tracked ones. From X
    (the residual form) it also keeps the tracked columns, as rows ``Xt``.
    """

    def __init__(self, form: _GramForm | _ResidualForm):
        self.form = form
        p = form.w.size
        self.pos = np.full(p, -1, dtype=np.intp)
        self.ids = np.empty(0, dtype=np.intp)
        self.size = 0
        self.G = np.empty((0, 0))
        self.q = np.empty(0)
        self.Xt = np.empty((0, form.X.shape[0])) if isinstance(form, _ResidualForm) else None

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
            Xt = self.Xt
            assert Xt is not None
            Xt[u : u + k] = form.X[:, new].T
            block = Xt[: u + k] @ Xt[u : u + k].T  # (u + k) × k, one BLAS product
            self.q[u : u + k] = Xt[u : u + k] @ form.y
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
        if self.Xt is not None:
            Xt = np.empty((capacity, self.Xt.shape[1]))
            Xt[:u] = self.Xt[:u]
            self.Xt = Xt

    def check(self, active: _ActiveSet) -> tuple[np.ndarray, float, float]:
        """The full optimality check at the active set's w: :meth:`stats_at` its coefficients."""
        return self.stats_at(active.pos[: active.m], active.w[: active.m])

    def stats_at(self, pos: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float, float]:
        """(c, ‖y − Xw‖², (y − Xw)ᵀy) at w = ``w`` on tracked positions ``pos``, zero elsewhere.

        c = Xᵀ(y − Xw) over all p features: one pass over the data, with the
        residual y − Xw from the tracked columns alone (speed: as one product
        with all u tracked rows, w scattered to them, which costs less than
        gathering the rows of ``pos`` first). When every feature
        is tracked, or the statistics are all there is, from them:
        c = q − G_{:,A}·w_A, (y − Xw)ᵀy = yᵀy − w_Aᵀq_A and
        ‖y − Xw‖² = (y − Xw)ᵀy − w_Aᵀc_A.
        """
        form, u = self.form, self.size
        if isinstance(form, _ResidualForm) and u < self.pos.size:
            assert self.Xt is not None
            scattered = np.zeros(u)
            scattered[pos] = w
            R = form.y - scattered @ self.Xt[:u]
            return form.X.T @ R, float(R @ R), float(R @ form.y)
        if u == self.pos.size:
            c = np.empty(u)
            c[self.ids[:u]] = self.q[:u] - self.G[:u, pos] @ w
            Ry = form.yy - float(w @ self.q[pos])
        else:
            assert isinstance(form, _GramForm)
            ids = self.ids[pos]
            c = form.q - form.Q[:, ids] @ w
            Ry = form.yy - float(w @ form.q[ids])
        return c, Ry - float(w @ c[self.ids[pos]]), Ry


class _ActiveSet:
    """The active features (tracked positions), signs, values, Gram rows, and H⁻¹.

    H = G_AA + l2·I in the order of ``pos[:m]``; ``rows[:m, :u]`` = G_{A,:},
    the Gram rows of the active features over the u tracked ones.

    H⁻¹ = ``base`` + Σ coefᵢ·vᵢ·vᵢᵀ: a feature entering or leaving changes H⁻¹
    by a rank-one term (bordering; a Schur-complement downdate). Speed: the
    terms wait as columns of ``pending`` and are folded into ``base``
    together, one matrix product for a batch (see _BATCH); applying one
    term at once would rewrite all m² entries of ``base`` at every knot.
    """

    def __init__(self, capacity: int = 16, tracked: int = 16):
        self.m = 0  # number of active features
        self.u = 0  # number of tracked features covered by rows
        self.pos = np.empty(capacity, dtype=np.intp)
        self.sign = np.empty(capacity)
        self.w = np.empty(capacity)
        self.rows = np.empty((capacity, tracked))
        self.base = np.empty((capacity, capacity))
        self.pending = np.empty((capacity, _BATCH))
        self.coef = np.empty(_BATCH)
        self.k = 0  # number of pending terms

    def reserve(self, capacity: int, tracked: int) -> None:
        """Room for ``capacity`` active features and ``tracked`` tracked ones."""
        m, u = self.m, self.u
        if capacity > self.pos.size:
            for name in ("pos", "sign", "w"):
                old = getattr(self, name)
                new = np.empty(capacity, dtype=old.dtype)
                new[:m] = old[:m]
                setattr(self, name, new)
            base = np.empty((capacity, capacity))
            base[:m, :m] = self.base[:m, :m]
            pending = np.empty((capacity, _BATCH))
            pending[:m] = self.pending[:m]
            self.base, self.pending = base, pending
        if capacity > self.rows.shape[0] or tracked > self.rows.shape[1]:
            rows = np.empty((max(capacity, self.rows.shape[0]), max(tracked, self.rows.shape[1])))
            rows[:m, :u] = self.rows[:m, :u]
            self.rows = rows

    def cover(self, gram: _TrackedGram) -> None:
        """Extend the Gram rows to features tracked since they were formed."""
        u = gram.size
        if u > self.rows.shape[1]:
            self.reserve(self.pos.size, max(2 * self.rows.shape[1], u))
        if u > self.u:
            self.rows[: self.m, self.u : u] = gram.G[self.pos[: self.m], self.u : u]
            self.u = u

    def point(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions, signs, values) of the active features: enough to rebuild the set."""
        m = self.m
        return self.pos[:m].copy(), self.sign[:m].copy(), self.w[:m].copy()

    @classmethod
    def at(
        cls, point: tuple[np.ndarray, np.ndarray, np.ndarray], gram: _TrackedGram, l2: float
    ) -> _ActiveSet:
        """The active set of a point of the path (``point()``), with H⁻¹ computed afresh."""
        pos, sign, w = point
        active = cls(max(16, 2 * pos.size), gram.size)
        active.m = pos.size
        active.pos[: pos.size], active.sign[: pos.size], active.w[: pos.size] = pos, sign, w
        active.cover(gram)
        active.invert(gram, l2)
        return active

    # -- H⁻¹ ---------------------------------------------------------------

    def solve(self, r: np.ndarray) -> np.ndarray:
        """H⁻¹·r."""
        m, k = self.m, self.k
        x = self.base[:m, :m] @ r
        if k:
            V = self.pending[:m, :k]
            x += V @ (self.coef[:k] * (r @ V))
        return x

    def _push(self, v: np.ndarray, coef: float) -> None:
        """H⁻¹ += coef·v·vᵀ (v over the m active features)."""
        m, k = self.m, self.k
        self.pending[:m, k] = v
        self.coef[k] = coef
        self.k = k + 1
        if self.k == _BATCH or m < _BATCH_FROM:
            self.fold()

    def fold(self) -> None:
        """Apply the pending rank-one terms to ``base``: one matrix product."""
        m, k = self.m, self.k
        if k:
            V = self.pending[:m, :k]
            self.base[:m, :m] += (V * self.coef[:k]) @ V.T
            self.k = 0

    def invert(self, gram: _TrackedGram, l2: float) -> None:
        """Recompute H⁻¹ from scratch (a new l2, or a warm start)."""
        m, pos = self.m, self.pos[: self.m]
        H = gram.G[np.ix_(pos, pos)]
        H[np.diag_indices(m)] += l2
        self.base[:m, :m] = _spd_inverse(H) if m else H
        self.k = 0

    # -- the active set changes ----------------------------------------------

    def enter(self, j: int, sign: float, gram: _TrackedGram, l2: float) -> bool:
        """Tracked feature j enters with ``sign`` and value 0; False if it depends on A.

        Bordering: with b = G_{A,j}, v = H⁻¹·b and the Schur complement
        σ = G_jj + l2 − bᵀv, the new inverse is [[H⁻¹, 0], [0, 0]] + [v; −1]·[v; −1]ᵀ/σ.
        """
        m, k = self.m, self.k
        b = self.rows[:m, j]
        v = self.solve(b)
        diagonal = gram.G[j, j] + l2
        schur = diagonal - float(b @ v)
        if schur <= _DEPENDENT * diagonal:
            return False
        if m == self.pos.size:
            self.reserve(2 * m, self.rows.shape[1])
        self.rows[m, : self.u] = gram.G[j, : self.u]
        self.pos[m], self.sign[m], self.w[m] = j, sign, 0.0
        self.m = m + 1
        base = self.base
        if k == 0 and m < _BATCH_FROM:  # small: border H⁻¹ at once
            v /= schur
            base[:m, :m] += np.outer(v * schur, v)
            base[m, :m] = base[:m, m] = -v
            base[m, m] = 1.0 / schur
            return True
        base[m, : m + 1] = 0.0
        base[:m, m] = 0.0
        self.pending[m, :k] = 0.0
        self._push(np.append(v, -1.0), 1.0 / schur)
        return True

    def leave(self, i: int) -> None:
        """Active position i leaves (its w is 0): swap it to the end and drop it.

        Schur-complement downdate: with the last index ℓ, the inverse of H
        without ℓ is H⁻¹[:ℓ, :ℓ] − H⁻¹[:ℓ, ℓ]·H⁻¹[ℓ, :ℓ] / H⁻¹[ℓ, ℓ].
        """
        last, k = self.m - 1, self.k
        if i != last:
            for vector in (self.pos, self.sign, self.w):
                vector[i], vector[last] = vector[last], vector[i]
            for matrix in (self.rows, self.pending):
                matrix[[i, last]] = matrix[[last, i]]
            self.base[[i, last], : last + 1] = self.base[[last, i], : last + 1]
            self.base[: last + 1, [i, last]] = self.base[: last + 1, [last, i]]
        V = self.pending[: last + 1, :k]
        column = self.base[: last + 1, last] + V @ (self.coef[:k] * V[last])
        self.m = last
        self._push(column[:last], -1.0 / column[last])

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
        H = self.rows[:m, pos]
        rhs = gram.q[pos] - l1 * self.sign[:m]
        correction = self.solve(rhs - H @ w - l2 * w)
        w += correction
        if np.max(np.abs(correction)) > 1e-8 * np.max(np.abs(w)):
            self.invert(gram, l2)
            w[:] = self.solve(rhs)


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
    knots: list | None = None,
) -> None:
    """Follow the solution path on the tracked features for ``length`` units of t.

    Along t the right-hand side of H·w_A = Xᵀ_A·y(t) − l1(t)·s_A moves
    linearly: Xᵀy(t) by ``drift`` per unit (None: 0) on the tracked
    features, l1(t) = ``l1`` + ``l1_rate``·t. ``c`` holds the correlations
    Xᵀ(y(t) − Xw) of the tracked features at t = 0. On a straight piece

        dw_A/dt = H⁻¹·(drift_A − l1_rate·s_A) = δ,   dc/dt = drift − G_{:,A}·δ = γ,

    and the piece ends at the first knot: an active w_j reaching 0 (after
    −w_j/δ_j, if δ_j points towards 0), or an inactive c_j reaching ±l1(t).
    The loop keeps the distances to both boundaries, l1(t) ∓ c_j, which
    shrink at the rates ±γ_j − l1_rate: c_j gets there after
    (l1 ∓ c_j)/(±γ_j − l1_rate), when that rate is positive.

    With a list ``knots``, each knot passed and the end are appended to it
    as (l1, active positions, their values), after the knot's event.
    """
    active.cover(gram)
    u = gram.size
    excluded = np.zeros(u)  # +inf: active, or dependent on the active set
    excluded[active.pos[: active.m]] = np.inf
    both = np.array([[1.0], [-1.0]])[: 1 if positive else 2]  # the boundaries +l1, −l1
    distance = l1 - both * c  # l1 ∓ c_j, one row per boundary
    rates, steps, minus_gamma = np.empty_like(distance), np.empty_like(distance), np.empty(u)
    t = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        while True:
            m = active.m
            sign, w = active.sign[:m], active.w[:m]
            if drift is None:
                delta = active.solve(sign if l1_rate == -1.0 else -l1_rate * sign)
            else:
                delta = active.solve(drift[active.pos[:m]] - l1_rate * sign)
            np.matmul(delta, active.rows[:m, :u], out=minus_gamma)
            if drift is not None:
                minus_gamma -= drift
            np.multiply(both, minus_gamma, out=rates)  # ±γ_j − l1_rate, as −(∓(−γ_j) + l1_rate)
            rates += l1_rate
            np.negative(rates, out=rates)
            np.divide(distance, rates, out=steps)
            np.copyto(steps, np.inf, where=rates <= 0)
            steps += excluded
            j = int(steps.argmin())
            t_enter = max(float(steps.flat[j]), 0.0)
            boundary, j = divmod(j, u)
            to_zero = np.divide(w, delta)
            np.copyto(to_zero, -np.inf, where=sign * delta >= 0)
            i = int(to_zero.argmax()) if m else -1
            t_leave = max(-float(to_zero[i]), 0.0) if m else np.inf
            remaining = length - t
            last_piece = min(t_enter, t_leave) >= remaining
            step = remaining if last_piece else min(t_enter, t_leave)
            t += step
            l1 += step * l1_rate
            w += step * delta
            np.multiply(rates, step, out=steps)
            distance -= steps
            if not last_piece and t_leave <= t_enter:  # a knot: an active feature leaves
                k = int(active.pos[i])
                distance[:, k] = l1 - both[:, 0] * l1 * sign[i]  # it leaves from the boundary
                w[i] = 0.0
                excluded[k] = 0.0
                active.leave(i)
            elif not last_piece:  # a knot: an inactive feature reaches the boundary
                excluded[j] = np.inf  # entered, or cannot enter
                active.enter(j, -1.0 if boundary else 1.0, gram, l2)
            if knots is not None:
                knots.append((l1, active.pos[: active.m].copy(), active.w[: active.m].copy()))
            if last_piece:
                return


def _jump(
    active: _ActiveSet,
    gram: _TrackedGram,
    c: np.ndarray,
    l1: float,
    target: float,
    l2: float,
    positive: bool,
) -> _ActiveSet | None:
    """Speed: land at ``target`` in a few linear solves instead of knot by knot; None if not.

    Extrapolating the current straight piece of the path to ``target``
    predicts which features are active there, with which signs. For that
    guess, H·w_A = q_A − target·s_A is solved and the optimality conditions
    are checked on all tracked features: if they hold, w is the solution
    (and ``c`` is set to its correlations); if not, the guess is corrected
    -- coefficients of the wrong sign leave, violators enter -- and solved
    again (a primal-dual active-set step), at most _JUMP_TRIES times.
    """
    active.cover(gram)
    u, m = gram.size, active.m
    pos, sign = active.pos[:m], active.sign[:m]
    delta = active.solve(sign)  # dw_A per unit decrease of l1
    span = l1 - target
    keep = sign * (active.w[:m] + span * delta) > 0
    c_end = c - span * (delta @ active.rows[:m, :u])
    outside = np.ones(u, dtype=bool)
    outside[pos] = False
    entering = np.flatnonzero(outside & (_excess(c_end, positive) > target))
    A = np.concatenate([pos[keep], entering])
    s = np.concatenate([sign[keep], np.sign(c_end[entering])])
    G, q = gram.G, gram.q
    for _ in range(_JUMP_TRIES):
        if A.size > _JUMP_MAX:
            return None
        H = G[np.ix_(A, A)]
        H[np.diag_indices(A.size)] += l2
        try:
            inverse = _spd_inverse(H)
        except np.linalg.LinAlgError:
            return None
        w = inverse @ (q[A] - target * s)
        c_new = q[:u] - G[:u, A] @ w
        right = s * w > 0
        outside[:] = True
        outside[A] = False
        late = np.flatnonzero(outside & (_excess(c_new, positive) > target * (1 + _SLACK)))
        if right.all() and late.size == 0:
            landed = _ActiveSet(max(16, 2 * A.size), u)
            landed.m = A.size
            landed.pos[: A.size], landed.sign[: A.size], landed.w[: A.size] = A, s, w
            landed.cover(gram)
            landed.base[: A.size, : A.size] = inverse
            c[:] = c_new
            return landed
        A = np.concatenate([A[right], late])
        s = np.concatenate([s[right], np.sign(c_new[late])])
    return None


def _dense(active: _ActiveSet, gram: _TrackedGram, p: int) -> np.ndarray:
    w = np.zeros(p)
    w[gram.ids[active.pos[: active.m]]] = active.w[: active.m]
    return w


def _start(
    form: _GramForm | _ResidualForm,
    gram: _TrackedGram,
    stats: tuple[np.ndarray, float, float],
    l2: float,
    positive: bool,
) -> tuple[_ActiveSet, float, tuple[np.ndarray, float, float]]:
    """Where on the l1 path (l2 fixed) the start ``form.w`` lies: its active set and l1.

    ``stats`` = (c, ‖R‖², Rᵀy) at ``form.w``. A nonzero start is on the path
    if its correlations meet the optimality conditions for one l1 (to
    rounding): c_j − l2·w_j = l1·sign(w_j) where w_j ≠ 0, |c_j| ≤ l1
    elsewhere. Otherwise the path starts at w = 0, l1_max = max|c|.
    Returns (active set, its l1, the stats at its point).
    """
    w = form.w
    nonzero = np.flatnonzero(w)
    if nonzero.size:
        c = stats[0]
        s = np.sign(w[nonzero])
        levels = s * (c[nonzero] - l2 * w[nonzero])
        level = float(np.max(levels))
        inactive = np.delete(c, nonzero)
        bound = float(np.max(_excess(inactive, positive), initial=0.0))
        on_path = level > 0 and np.min(levels) >= level * (1 - _SLACK) and bound <= level
        if on_path and (not positive or np.all(s > 0)):
            gram.track(nonzero)
            return _ActiveSet.at((gram.pos[nonzero], s, w[nonzero]), gram, l2), level, stats
        form.w = np.zeros_like(w)
        stats = form.stats()
    c = stats[0]
    top = float(np.max(_excess(c, positive), initial=0.0))
    return _ActiveSet(), top, stats


def _stretch_tracking(
    c: np.ndarray, active: _ActiveSet, gram: _TrackedGram, lam: float, l1: float, positive: bool
) -> tuple[np.ndarray, float, bool]:
    """Features to track for the next stretch of a single fit, where it ends, and whether to jump.

    The active features plus the K inactive ones with the largest
    correlations, K = max(100, number active, p/25). Going down, the stretch ends
    at max(l1, lam − 0.8·(lam − c_(K+1))), c_(K+1) the largest correlation
    left untracked; going up (a warm start from a smaller l1), at l1. When
    that leaves nothing untracked, the stretch goes to l1 directly -- or,
    if many features may enter on the way, to max(l1, 0.3·lam), first
    tried as a jump (see :func:`_jump`).
    """
    score = _excess(c, positive).copy()
    score[gram.ids[active.pos[: active.m]]] = np.inf
    K = active.m + max(_MIN_CANDIDATES, active.m, score.size // _CANDIDATE_SHARE)
    if score.size <= K:
        if l1 < lam and np.count_nonzero(score > l1) >= _MANY:
            return np.arange(score.size), max(l1, _STEP * lam), True
        return np.arange(score.size), l1, False
    order = np.argpartition(-score, K)
    if l1 >= lam:
        return order[:K], l1, False
    return order[:K], max(l1, lam - _REACH * (lam - float(score[order[K]]))), False


_NONE = np.empty(0, dtype=np.intp)


def _untracked_violations(
    gram: _TrackedGram, c: np.ndarray, l1: float, positive: bool
) -> np.ndarray:
    """Untracked features whose correlation is beyond the boundary: the stretch missed them."""
    if gram.size == gram.pos.size:
        return _NONE
    outside = np.flatnonzero(gram.pos < 0)
    return outside[_excess(c[outside], positive) > l1 * (1 + _SLACK)]


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
    p = form.w.size
    tol_gap = tol * form.yy
    stats = form.stats()
    gap = _duality_gap(form.w, *stats, l1, l2, positive)
    if gap <= tol_gap:
        return form.w, gap, 0
    gram = _TrackedGram(form)
    active, lam, stats = _start(form, gram, stats, l2, positive)
    n_iter = 0
    late = np.empty(0, dtype=np.intp)
    while lam != l1 and n_iter < max_iter and late.size == 0:
        candidates, target, jump = _stretch_tracking(stats[0], active, gram, lam, l1, positive)
        gram.track(candidates)
        rate = -1.0 if target < lam else 1.0
        before = active.point()
        while True:
            c_tracked = stats[0][gram.ids[: gram.size]]
            landed = _jump(active, gram, c_tracked, lam, target, l2, positive) if jump else None
            if landed is not None:
                active = landed
            else:
                _follow(active, gram, c_tracked, None, lam, rate, abs(lam - target), l2, positive)
            active.refine(gram, target, l2)
            new_stats = gram.check(active)
            n_iter += 1
            late = _untracked_violations(gram, new_stats[0], target, positive)
            if late.size == 0 or n_iter >= max_iter:
                break
            gram.track(late)  # the stretch missed them: redo it with them tracked
            active = _ActiveSet.at(before, gram, l2)
        stats, lam = new_stats, target
    w = form.w = _dense(active, gram, p)
    gap = _duality_gap(w, *stats, l1, l2, positive)
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
    by_knots: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Solutions at the decreasing (l1, l2) of a path grid, l2/l1 constant (or l2 = 0).

    From w = 0 the path is followed from grid point to grid point, each
    stretch tracking the features the sequential strong rule keeps
    (|c_j| ≥ 2·l1 − l1_prev), checked by a pass over the data and redone
    if it missed one. With no more features than grid points all are
    tracked from the start (G costs at most one pass per grid point), and
    the checks use the Gram statistics. With l2 = 0 this is the l1 homotopy; with l2 > 0
    the data homotopy (H⁻¹ is recomputed for each new l2). Returns the
    coefficients (p, n_points) and duality gaps (n_points,). A point the
    path cannot certify to ``tol`` (rounding) is finished by coordinate
    descent, which then warm-starts the next one.

    Speed: a lasso path (l2 = 0 throughout) with every feature tracked is
    read off its knots instead (:func:`_lasso_path_by_knots`); ``by_knots=False``
    keeps to the point-by-point walk above, which it is tested against.
    """
    p = form.w.size
    if by_knots and p <= l1s.size and not np.any(l2s):
        return _lasso_path_by_knots(form, l1s, max_iter, tol, positive)
    gram = _TrackedGram(form)
    coefs, gaps = np.zeros((p, l1s.size)), np.empty(l1s.size)
    if p <= l1s.size:  # all of G costs at most a pass over the data per grid point
        gram.track(np.arange(p))
    w = form.w = np.zeros(p)
    active, lam, stats = _start(form, gram, form.stats(), 0.0, positive)
    lam_l2 = 0.0  # the l2 of the current point
    for k, (l1, l2) in enumerate(zip(l1s, l2s, strict=True)):
        if l1 < lam:
            c = stats[0]
            gram.track(np.flatnonzero(_excess(c, positive) >= 2 * l1 - lam))
            if l2 != lam_l2 and active.m:
                active.cover(gram)
                active.invert(gram, l2)
            previous = w
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
                new_stats = gram.check(active)
                late = _untracked_violations(gram, new_stats[0], l1, positive)
                if late.size == 0:
                    break
                gram.track(late)  # the stretch missed them: redo it from the previous point
                nonzero = np.flatnonzero(previous)
                start = (gram.pos[nonzero], np.sign(previous[nonzero]), previous[nonzero])
                active = _ActiveSet.at(start, gram, l2)
            stats, lam, lam_l2 = new_stats, l1, l2
        w = _dense(active, gram, p)
        gap = _duality_gap(w, *stats, l1, l2, positive)
        if gap > tol * form.yy:
            form.w = w
            w, gap, _ = _enet_coordinate_descent(form, l1, l2, max_iter, tol, positive)
            # go on from there if it is a point of the path, else from w = 0
            active, lam, stats = _start(form, gram, form.stats(), l2, positive)
            lam_l2 = l2
        coefs[:, k], gaps[k] = w, gap
    return coefs, gaps


def _lasso_path_by_knots(
    form: _GramForm | _ResidualForm,
    l1s: np.ndarray,
    max_iter: int,
    tol: float,
    positive: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Speed: the lasso path (l2 = 0) at the decreasing grid ``l1s``, read off its knots.

    Between two consecutive knots l1_k > l1_{k+1} the active set and its
    signs stay the same, so w is affine in l1 (see the module docstring):
    every grid point l1 in [l1_{k+1}, l1_k] has

        w(l1) = w_k + (l1_k − l1)/(l1_k − l1_{k+1})·(w_{k+1} − w_k).

    So the path is followed once, knot by knot, from l1_max = max|Xᵀy|
    (where w = 0) down to the last grid point, with every feature tracked
    (no untracked feature can be missed, so no check is needed on the way),
    and all grid points are read off the knots at once. The Python work is
    per knot, not per grid point and knot. Every point is then certified by
    its duality gap, computed from the Gram statistics for all points with
    one matrix product; a point whose gap exceeds ``tol·‖y‖²`` (rounding
    accumulated over many knots) is solved again by :func:`_enet_homotopy`,
    started from the point read off. Same returns as
    :func:`_enet_path_homotopy`, which is the point-by-point reference.
    """
    p = form.w.size
    gram = _TrackedGram(form)
    gram.track(np.arange(p))  # in order: tracked positions are feature indices
    form.w = np.zeros(p)
    active, lam, _ = _start(form, gram, form.stats(), 0.0, positive)
    knots = [(lam, active.pos[:0].copy(), active.w[:0].copy())]
    end = float(l1s[-1]) if l1s.size else lam
    if end < lam:
        c = gram.q[:p].copy()  # Xᵀ(y − Xw) at w = 0
        _follow(active, gram, c, None, lam, -1.0, lam - end, 0.0, positive, knots)
    levels = np.array([knot[0] for knot in knots])
    levels[-1] = min(levels[-1], end)  # the end, without the rounding of the steps to it
    values = np.zeros((p, levels.size))
    for k, (_, pos, w) in enumerate(knots):
        values[pos, k] = w
    coefs = np.zeros((p, l1s.size))  # w = 0 from l1_max up
    below = np.flatnonzero(l1s < lam)
    if below.size:
        # l1 between the knots `after - 1` and `after`: levels[after] ≤ l1 < levels[after - 1]
        l1 = l1s[below]
        after = np.searchsorted(-levels, -l1, side="left")
        upper, lower = levels[after - 1], levels[after]
        share = (upper - l1) / (upper - lower)
        coefs[:, below] = values[:, after - 1] + share * (values[:, after] - values[:, after - 1])
    # the duality gap of every point, from G = XᵀX, q = Xᵀy and yᵀy
    G, q = gram.G[:p, :p], gram.q[:p]
    C = q[:, None] - G @ coefs
    Ry = form.yy - q @ coefs
    RR = Ry - np.einsum("ij,ij->j", coefs, C)
    gaps = _lasso_gaps(coefs, C, RR, Ry, l1s, positive)
    for i in np.flatnonzero(gaps > tol * form.yy):
        form.w = coefs[:, i].copy()
        coefs[:, i], gaps[i], _ = _enet_homotopy(form, float(l1s[i]), 0.0, max_iter, tol, positive)
    form.w = coefs[:, -1].copy() if l1s.size else form.w
    return coefs, gaps


def _lasso_gaps(
    W: np.ndarray, C: np.ndarray, RR: np.ndarray, Ry: np.ndarray, l1s: np.ndarray, positive: bool
) -> np.ndarray:
    """Speed: :func:`~tinyreg.linear.enet_solvers._duality_gap` at l2 = 0 for many points at once.

    Column k of ``W`` is a point at l1 = ``l1s[k]``, with correlations
    ``C[:, k]``, ‖R‖² = ``RR[k]`` and Rᵀy = ``Ry[k]``; the dual point is
    v = s·R with s = min(1, l1/‖C[:, k]‖∞), and the gap is
    ½RR + l1·‖w‖₁ − (s·Ry − ½s²·RR), as there.
    """
    dual_norm = np.max(C if positive else np.abs(C), axis=0, initial=0.0)
    with np.errstate(divide="ignore"):
        s = np.where(dual_norm > 0, np.minimum(1.0, l1s / dual_norm), 1.0)
    primal = 0.5 * RR + l1s * np.abs(W).sum(axis=0)
    return primal - (s * Ry - 0.5 * s * s * RR)
