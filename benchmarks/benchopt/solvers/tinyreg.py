"""tinyreg's ``linear.Lasso``, one solver per ``solver=`` choice: ``"auto"``
(the default, the route rule) and each route of ``_ENET_SOLVERS``.

Iteration sampling: ``max_iter`` is the stop value (passes over the data
for the homotopy, sweeps for coordinate descent, steps for FISTA, outer
iterations for working sets); with ``tol = 1e-14`` (the gap relative to
‖yc‖²/n) a fit stops first only at the solution, to rounding.
"""

from __future__ import annotations

from benchmark_utils import EstimatorSolver

from tinyreg.linear import Lasso
from tinyreg.linear.elastic_net import _SOLVER_CHOICES


class Solver(EstimatorSolver):
    name = "tinyreg"
    requirements = []
    parameters = {"solver": list(_SOLVER_CHOICES)}

    def make(self, n_iter: int) -> Lasso:
        return Lasso(
            self.lmbd,
            fit_intercept=self.fit_intercept,
            max_iter=n_iter,
            tol=1e-14,
            solver=self.solver,
        )
