r"""Ridge regression in closed form: ``Ridge``.

Ridge needs the data only through their moments (:mod:`tinyreg.linear.moments`):
with the intercept fitted by centring, w solves the p×p system
(XᵀX + αI)·w = Xᵀy, where XᵀX and Xᵀy are the centred, weighted scatter
matrices. It is solved by a Cholesky factorisation. With the data
themselves at hand (an in-memory ``fit``) two more routes are open: the
dual system (XXᵀ + αI)·a = y, w = Xᵀa, which is n×n and so smaller when
p > n, and the SVD of X, the fallback when the normal equations are too
ill-conditioned. From moments alone the fallback is the eigendecomposition
of XᵀX. The linear algebra of these routes is in :mod:`tinyreg.linear.linalg`;
this module chooses between them and speaks scikit-learn's API.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tinyreg.linear.base import _check_fit_intercept, _MomentsModel
from tinyreg.linear.linalg import _ridge_eigh, _ridge_primal, _ridge_solve, _ridge_svd
from tinyreg.linear.moments import Moments, _Chunk, _RawChunk
from tinyreg.validation import (
    check_choice,
    check_finite_array,
    check_nonnegative,
    user_stacklevel,
)


class Ridge(_MomentsModel):
    """Ridge regression: minimise Σ sᵢ·(yᵢ − xᵢᵀw − b)² + alpha·‖w‖² (scikit-learn's objective).

    Solvers (``solver=``):

    * ``"cholesky"``: the normal equations (XᵀX + αI)·w = Xᵀy by a
      Cholesky factorisation of the moments' XᵀX, or, for an in-memory fit
      with fewer samples than features, of the dual system
      w = Xᵀ(XXᵀ + αI)⁻¹y (so the system is min(n, p) square). No inverse
      is ever formed: two triangular solves. If the matrix is singular or
      too ill-conditioned for the normal equations (e.g. alpha = 0 and X
      rank-deficient; see ``_cholesky_solve``), it warns and falls back to
      ``"svd"``.
    * ``"svd"``: w = V·diag(s/(s² + α))·Uᵀy from the thin SVD of X; the
      most robust, and alpha = 0 gives the minimum-norm least squares fit.
      When only the moments are known (after several ``partial_fit``
      chunks, or on dask arrays) the same formula comes from the
      eigendecomposition XᵀX = V·diag(s²)·Vᵀ; ``solver_`` is then
      ``"eigh"``. That route squares the condition number of X.
    * ``"auto"``: Cholesky, silently falling back to SVD (or eigh).

    ``alpha`` may be an array with one value per target column of a 2-D y.
    Sample weights multiply the squared residuals (they are not normalized).
    For n ≫ p the cost is dominated by forming XᵀX (n·p² flops, by BLAS).

    ``partial_fit(X, y, sample_weight)`` learns from data in chunks, and
    ``fit`` accepts dask arrays: see :class:`~tinyreg.linear.base._MomentsModel`.

    Attributes: ``coef_`` (n_features,) or (n_targets, n_features),
    ``intercept_``, ``n_features_in_``, ``solver_`` (the solver actually
    used: "cholesky", "svd" or "eigh"), ``n_iter_`` (None: the solvers are
    direct), ``moments_`` (the :class:`Moments` of the data seen).
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

    def _fit_summary(self, moments, chunk, params):
        summary = moments if moments is not None else chunk
        assert summary is not None
        alphas = _alpha_per_target(params["alpha"], summary.n_targets)
        coef, solver = _ridge_from_summary(
            moments, chunk, alphas, params["fit_intercept"], params["solver"]
        )
        if params["solver"] == "cholesky" and solver != "cholesky":
            warnings.warn(
                "Ridge: the Cholesky factorization failed (the system is singular or too "
                f"ill-conditioned for the normal equations); falling back to solver={solver!r}.",
                RuntimeWarning,
                stacklevel=user_stacklevel(),
            )
        return coef, {"solver_": solver, "n_iter_": None}


# ---------------------------------------------------------------------------
# The route: from the moments, or from the rows of one chunk
# ---------------------------------------------------------------------------


def _ridge_from_summary(
    moments: Moments | None,
    chunk: _Chunk | _RawChunk | None,
    alphas: np.ndarray,
    fit_intercept: bool,
    solver: str,
) -> tuple[np.ndarray, str]:
    """Ridge coefficients ``(n_targets, p)`` from the moments, or the chunk's rows when given.

    ``chunk`` is given when the data seen is one in-memory chunk; then its
    rows serve the solvers that need X: the dual form when n < p
    (``moments`` is then None), and the SVD. Otherwise Cholesky on the
    moments' normal equations, with the eigendecomposition of XᵀX as the
    fallback. Returns ``(coef, name_of_solver_used)``.
    """
    if chunk is not None and (moments is None or solver == "svd"):
        return _ridge_solve(*chunk.rows(fit_intercept), alphas, solver)
    assert moments is not None
    G, B, _ = moments.normal_equations(fit_intercept)
    if solver != "svd":
        try:
            return _ridge_primal(G, B, alphas), "cholesky"
        except np.linalg.LinAlgError:
            pass
    if chunk is not None:
        return _ridge_svd(*chunk.rows(fit_intercept), alphas), "svd"
    return _ridge_eigh(G, B, alphas, moments.n_samples), "eigh"


# ---------------------------------------------------------------------------
# alpha: one for all targets, or one per target
# ---------------------------------------------------------------------------


def _check_alpha_array(alpha: Any) -> np.ndarray:
    """A scalar alpha or one per target, each >= 0, as a 1-D float array."""
    if np.ndim(alpha) == 0:
        return np.array([check_nonnegative("alpha", alpha)])
    values = check_finite_array("alpha", alpha, ndim=1)
    return np.array([check_nonnegative(f"alpha[{i}]", a) for i, a in enumerate(values)])


def _alpha_per_target(alphas: np.ndarray, n_targets: int) -> np.ndarray:
    """One alpha for each target: a single alpha repeated, or exactly one per target."""
    if alphas.size == 1:
        return np.full(n_targets, alphas[0])
    if alphas.size != n_targets:
        raise ValueError(
            f"alpha has {alphas.size} values but y has {n_targets} target(s); "
            "give one alpha or one per target"
        )
    return alphas
