"""skglm's ``Lasso`` (working sets and Anderson extrapolation).

Iteration sampling: ``max_iter`` (outer working-set iterations) is the stop
value; ``tol = 1e-12`` (its optimality test is absolute) lets a fit go on far
below the suboptimality the curves are read at.
"""

from __future__ import annotations

from benchmark_utils import EstimatorSolver
from skglm import Lasso


class Solver(EstimatorSolver):
    name = "skglm"
    requirements = ["pip::skglm"]

    def warm_up(self) -> None:
        self.run_once()  # numba compiles on the first fit: not part of the timings

    def make(self, n_iter: int) -> Lasso:
        return Lasso(self.lmbd, fit_intercept=self.fit_intercept, max_iter=n_iter, tol=1e-12)
