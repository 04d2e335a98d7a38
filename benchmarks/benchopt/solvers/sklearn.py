"""scikit-learn's ``Lasso`` (cyclic coordinate descent), iteration sampling on ``max_iter``."""

from __future__ import annotations

from benchmark_utils import EstimatorSolver
from sklearn.linear_model import Lasso


class Solver(EstimatorSolver):
    name = "sklearn"
    requirements = ["pip::scikit-learn"]

    def make(self, n_iter: int) -> Lasso:
        return Lasso(self.lmbd, fit_intercept=self.fit_intercept, max_iter=n_iter, tol=0.0)
