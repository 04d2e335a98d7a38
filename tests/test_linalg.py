"""linear/linalg.py: the triangular solves, the Cholesky cut-off, and ridge's four routes.

The solves are checked against numpy's general solvers and against each
other (the blocked speed path against the row-by-row algorithm); the
cut-offs are checked exactly on either side of their thresholds, on
matrices whose factorisations are known in closed form.
"""

from __future__ import annotations

import numpy as np
import pytest
from _linear_reference import FEW, assert_close
from hypothesis import given
from hypothesis import strategies as st

from tinyreg.linear.linalg import (
    _cholesky_solve,
    _forward_substitution,
    _forward_substitution_blocked,
    _ridge_cholesky,
    _ridge_eigh,
    _ridge_svd,
)

# ---------------------------------------------------------------------------
# Triangular solves and the Cholesky cut-off
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", [1, 5, 64, 65, 150])
def test_blocked_forward_substitution_agrees_with_the_row_by_row_algorithm(p):
    """Both are backward stable on a well-conditioned L (κ ≈ 10): agreement to ~1e-13."""
    rng = np.random.default_rng(p)
    L = np.tril(rng.standard_normal((p, p)) / np.sqrt(p)) + 3 * np.eye(p)
    B = rng.standard_normal((p, 3))
    plain, blocked = _forward_substitution(L, B), _forward_substitution_blocked(L, B)
    np.testing.assert_allclose(blocked, plain, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(L @ plain, B, atol=1e-12)
    np.testing.assert_allclose(_forward_substitution_blocked(L, B[:, 0]), plain[:, 0], atol=1e-13)


@pytest.mark.parametrize(("pivot", "raises"), [(4.0, False), (0.25, True)])
@pytest.mark.parametrize("scale", [1.0, 1e-6])
def test_cholesky_cut_off_reads_the_equilibrated_pivot(pivot, raises, scale):
    """Refused exactly when some L_kk²/A_kk ≤ √eps, whatever the scales of the columns.

    A = D·[[1, c], [c, 1]]·D has second equilibrated pivot 1 − c²; it is set
    to pivot·√eps, on either side of the cut-off, for D = diag(1, scale).
    """
    root_eps = np.sqrt(np.finfo(float).eps)
    c = np.sqrt(1 - pivot * root_eps)
    D = np.diag([1.0, scale])
    A = D @ np.array([[1.0, c], [c, 1.0]]) @ D
    b = np.array([1.0, 2.0])
    if raises:
        with pytest.raises(np.linalg.LinAlgError, match="too ill-conditioned"):
            _cholesky_solve(A, b)
    else:
        # κ(equilibrated) ≈ 2/(pivot·√eps) ≈ 3e7: the solution keeps ~8 digits.
        np.testing.assert_allclose(_cholesky_solve(A, b), np.linalg.solve(A, b), rtol=1e-6)


# ---------------------------------------------------------------------------
# Ridge's routes: primal and dual Cholesky, SVD, eigh
# ---------------------------------------------------------------------------


@FEW
@given(st.integers(0, 10**6), st.integers(2, 8), st.integers(1, 20), st.floats(0.01, 10.0))
def test_ridge_dual_form_equals_primal_form(seed, n, extra, alpha):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n + extra))  # p > n: the dual form is used
    Y = rng.standard_normal((n, 2))
    primal = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ Y).T
    alphas = np.full(2, alpha)
    assert_close(_ridge_cholesky(X, Y, alphas), primal)
    assert_close(_ridge_svd(X, Y, alphas), primal)


@pytest.mark.parametrize(("factor", "kept"), [(2.0, True), (0.5, False)])
def test_svd_and_eigh_cut_offs_drop_directions_at_rounding_level(factor, kept):
    """A direction whose singular value is just above (below) the cut-off is kept (dropped).

    X is n×2 with the singular values 1 and σ = factor·max(n, p)·eps on its
    diagonal (an SVD that LAPACK computes exactly), y = e₁ + 1e-15·e₂, alpha = 0:
    the second coefficient is 1e-15/σ when the direction is kept, exactly 0
    when it is dropped. The same for the eigendecomposition of G = diag(1, λ).
    """
    n, eps = 5, np.finfo(float).eps
    small = factor * n * eps
    X = np.zeros((n, 2))
    X[0, 0], X[1, 1] = 1.0, small
    y = np.zeros((n, 1))
    y[0, 0], y[1, 0] = 1.0, 1e-15
    expected = pytest.approx(1e-15 / small, rel=1e-12) if kept else 0.0
    coef = _ridge_svd(X, y, np.zeros(1))[0]
    assert coef[0] == 1.0
    assert coef[1] == expected
    coef = _ridge_eigh(np.diag([1.0, small]), np.array([[1.0], [1e-15]]), np.zeros(1), n_rows=n)[0]
    assert coef[0] == 1.0
    assert coef[1] == (pytest.approx(1e-15 / small, rel=1e-12) if kept else 0.0)
