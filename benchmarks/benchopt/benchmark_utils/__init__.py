"""What the benchmark's files share: tinyreg from this checkout, and one solver wrapper.

benchopt makes this package importable from the benchmark's objective,
datasets and solvers. Importing it puts the checkout that holds the
benchmark first on ``sys.path`` (when it holds tinyreg), so
``benchopt run benchmarks/benchopt`` measures this checkout's tinyreg,
installed or not.
"""

from __future__ import annotations

import sys
import warnings
from abc import abstractmethod
from pathlib import Path
from typing import Any

import numpy as np
from benchopt import BaseSolver

CHECKOUT = Path(__file__).resolve().parents[3]
if (CHECKOUT / "tinyreg" / "__init__.py").exists() and str(CHECKOUT) not in sys.path:
    sys.path.insert(0, str(CHECKOUT))


class EstimatorSolver(BaseSolver):
    """A Lasso estimator with scikit-learn's interface, fitted from zero for each stop value.

    Subclasses say how to build the estimator for a number of iterations
    (``make``): the objective's iteration sampling, with a tolerance small
    enough never to stop a fit before its ``max_iter``. Stop value 0 is the
    starting point, w = 0 (with b = ȳ when the intercept is fitted). An
    estimator stopped by its cap warns that it did not converge: that is
    what the sampling asks of it, so the warning is silenced.
    """

    def set_objective(self, X: np.ndarray, y: np.ndarray, lmbd: float, fit_intercept: bool):
        self.X, self.y, self.lmbd, self.fit_intercept = X, y, lmbd, fit_intercept

    @abstractmethod
    def make(self, n_iter: int) -> Any:
        """The estimator capped at ``n_iter`` iterations (not fitted)."""

    def run(self, n_iter: int) -> None:
        if n_iter == 0:
            self.coef = np.zeros(self.X.shape[1])
            self.intercept = float(self.y.mean()) if self.fit_intercept else 0.0
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator = self.make(n_iter).fit(self.X, self.y)
        self.coef = np.ravel(estimator.coef_)
        self.intercept = float(estimator.intercept_)

    def get_result(self) -> dict[str, Any]:
        return {"coef": self.coef, "intercept": self.intercept}
