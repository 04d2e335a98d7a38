r"""Dense linear algebra for ridge, in numpy alone: Cholesky, the dual form, SVD and eigh.

Ridge's coefficients solve (XᵀX + αI)·w = Xᵀy, a symmetric positive
definite p×p system. This module solves it, for several targets (and one
alpha each) at once, by four routes:

* **primal Cholesky** (:func:`_ridge_primal`): factorise XᵀX + αI = LLᵀ and
  solve two triangular systems; needs only XᵀX and Xᵀy, so it runs from
  moments;
* **dual Cholesky** (:func:`_ridge_dual`): (XᵀX + αI)⁻¹Xᵀ = Xᵀ(XXᵀ + αI)⁻¹,
  so w = Xᵀa with (XXᵀ + αI)·a = y, an n×n system, smaller when p > n;
* **SVD** (:func:`_ridge_svd`): w = V·diag(s/(s² + α))·Uᵀy from X =
  U·diag(s)·Vᵀ, the fallback when the normal equations are too
  ill-conditioned (it never squares the condition number of X);
* **eigh** (:func:`_ridge_eigh`): the same formula from XᵀX = V·diag(s²)·Vᵀ,
  the fallback when only the moments are known.

numpy has no triangular solver and tinyreg does not use scipy, so the
triangular solves are written here (:func:`_forward_substitution`, with a
blocked speed path). :func:`_cholesky_solve` refuses a system whose
equilibrated pivots say the normal equations would lose more than half of
the digits; the callers then take the SVD or eigh route.
"""

from __future__ import annotations

import math

import numpy as np

_EPS = float(np.finfo(np.float64).eps)


# ---------------------------------------------------------------------------
# Triangular solves and Cholesky, without scipy
# ---------------------------------------------------------------------------


def _forward_substitution(L: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve ``L @ X = B`` for lower-triangular ``L``, one row at a time.

    Row i of the system reads Σ_{j ≤ i} L_ij·X_j = B_i, and every X_j with
    j < i is known by then: X_i = (B_i − Σ_{j < i} L_ij·X_j) / L_ii.
    Backward stable. This is the algorithm; ``_forward_substitution_blocked``
    computes the same thing faster.
    """
    X = np.array(B, dtype=np.float64, copy=True)
    for i in range(L.shape[0]):
        X[i] = (X[i] - L[i, :i] @ X[:i]) / L[i, i]
    return X


def _forward_substitution_blocked(L: np.ndarray, B: np.ndarray, block: int = 64) -> np.ndarray:
    """Speed path of :func:`_forward_substitution`: the same solve, by blocks of rows.

    numpy has no triangular solver, and a Python loop over p rows is slow
    for large p. Here the rows are cut into blocks of ``block``: each small
    diagonal block is solved densely (``np.linalg.solve``) and the rest of
    the work is matrix products (``L[j:, i:j] @ X[i:j]``), which BLAS runs
    fast. The timings that justify it are in ``benchmarks/README.md``.
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
    safe route: the factorisation fails (a pivot ≤ 0: A is not positive
    definite to working precision), or some pivot L_kk² is at most √eps
    times the diagonal entry A_kk it came from. L_kk²/A_kk is the k-th
    pivot of the equilibrated matrix D^(−½)·A·D^(−½), D = diag(A), whose
    diagonal is all ones; its smallest eigenvalue is at most any pivot and
    its largest at least one, so its condition number is at least
    A_kk/L_kk². The accuracy of a Cholesky solve depends on the condition
    number of that equilibrated matrix, not on the scales of the columns
    (van der Sluis; Demmel), so features of very different sizes do not
    trigger the test, while nearly collinear ones do: past 1/√eps the
    solution would lose more than half of its digits (an exactly singular
    A, e.g. alpha = 0 with collinear columns, gives a pivot of rounding
    size), and a solver that does not square the condition number is the
    right tool.

    Cholesky rather than numpy's LU solve: it is backward stable for SPD
    matrices and, unlike LU, certifies positive definiteness and exposes the
    pivots that this test reads. Both triangular solves use the blocked
    speed path (see ``benchmarks/README.md``).
    """
    L = np.linalg.cholesky(A)  # raises LinAlgError if a pivot is <= 0
    if np.min(np.diag(L) ** 2 / np.diag(A), initial=1.0) <= math.sqrt(_EPS):
        raise np.linalg.LinAlgError("the normal equations are too ill-conditioned")
    Z = _forward_substitution_blocked(L, B)
    # Lᵀ x = z is an upper-triangular system. Reversing the order of the
    # unknowns and of the equations turns it into a lower-triangular one.
    upside_down = np.ascontiguousarray(L.T[::-1, ::-1])
    return _forward_substitution_blocked(upside_down, Z[::-1])[::-1]


# ---------------------------------------------------------------------------
# Ridge: the primal and dual systems, the SVD and the eigendecomposition
# ---------------------------------------------------------------------------


def _solve_shifted(K: np.ndarray, B: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Solve (K + α_k·I)·z_k = b_k for each column k of ``B`` by Cholesky.

    ``K`` is a Gram matrix (XᵀX, or XXᵀ for the dual form); columns sharing
    an alpha share a factorisation. Raises ``LinAlgError`` (see
    ``_cholesky_solve``) when a system is too ill-conditioned for it.
    """
    solution = np.empty(B.shape)
    for alpha in np.unique(alphas):
        targets = alphas == alpha
        K_alpha = K.copy()
        K_alpha.flat[:: K.shape[0] + 1] += alpha
        solution[:, targets] = _cholesky_solve(K_alpha, B[:, targets])
    return solution


def _ridge_primal(G: np.ndarray, B: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Ridge coefficients ``(n_targets, p)`` from the normal equations (G + αI)·W = B.

    ``G`` is XᵀX (p×p), ``B`` is Xᵀy (p × n_targets); target k uses
    ``alphas[k]``. Raises ``LinAlgError`` when the system is too
    ill-conditioned for Cholesky.
    """
    return _solve_shifted(G, B, alphas).T


def _ridge_eigh(G: np.ndarray, B: np.ndarray, alphas: np.ndarray, n_rows: int) -> np.ndarray:
    """Ridge coefficients ``(n_targets, p)`` from the eigendecomposition G = V·diag(λ)·Vᵀ.

    w = V·diag(1/(λ + α))·Vᵀ·b for every alpha and target: the SVD formula
    with λ = s², for when only G = XᵀX and B = Xᵀy are known. Eigenvalues
    at or below ``max(n_rows, p)·eps·λ_max`` are rounding (forming G and
    its eigendecomposition err by about that much) and are treated as zero,
    so alpha = 0 gives the minimum-norm least squares solution. It squares
    the condition number of X, as the normal equations do.
    """
    V, lam = _gram_eigenbasis(G, n_rows)
    return (V @ ((V.T @ B) / (lam[:, None] + alphas[None, :]))).T


def _ridge_dual(X: np.ndarray, Y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Ridge coefficients ``(n_targets, p)`` from the dual (kernel) form, for p > n.

    The identity (XᵀX + αI)⁻¹Xᵀ = Xᵀ(XXᵀ + αI)⁻¹ gives w = Xᵀa with
    (XXᵀ + αI)·a = y: an n×n system, factorised by Cholesky.
    """
    return (X.T @ _solve_shifted(X @ X.T, Y, alphas)).T  # X @ X.T: BLAS syrk


def _ridge_cholesky(X: np.ndarray, Y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Ridge by Cholesky on the smaller system: primal (p×p) when n ≥ p, dual (n×n) when n < p."""
    n, p = X.shape
    if n >= p:
        return _ridge_primal(X.T @ X, X.T @ Y, alphas)  # X.T @ X: BLAS syrk
    return _ridge_dual(X, Y, alphas)


def _ridge_svd(X: np.ndarray, Y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Ridge coefficients ``(n_targets, p)`` from the thin SVD X = U·diag(s)·Vᵀ.

    w = V·diag(s / (s² + α))·Uᵀy, one formula for every alpha and target.
    Singular values at or below ``max(n, p)·eps·s_max`` (numpy's ``lstsq``
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
    """Ridge from the rows of X: Cholesky (unless ``solver="svd"``), else the SVD.

    Returns ``(coef, name_of_solver_used)``.
    """
    if solver in ("auto", "cholesky"):
        try:
            return _ridge_cholesky(X, Y, alphas), "cholesky"
        except np.linalg.LinAlgError:
            pass
    return _ridge_svd(X, Y, alphas), "svd"


def _gram_eigenbasis(G: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(V, λ) with G = V·diag(λ)·Vᵀ, leaving out eigenvalues at rounding level (``_ridge_eigh``)."""
    lam, V = np.linalg.eigh(G)
    kept = lam > max(n_rows, G.shape[0]) * _EPS * max(lam.max(initial=0.0), 0.0)
    return V[:, kept], lam[kept]
