"""The lasso, min over (w, b) of (1/(2n))‖y − Xw − b‖² + λ‖w‖₁, with λ = reg·λmax.

λmax = ‖Xcᵀyc‖∞/n (Xc, yc centred when the intercept is fitted, X and y
as they are otherwise) is the smallest λ for which w = 0 is a solution.
Reported for each result: the objective (``value``, the curve benchopt
draws), the duality gap, which bounds the suboptimality, and the number
of nonzero coefficients.

The gap is tinyreg's (``tinyreg.linear.enet_solvers._duality_gap``, the
test its solvers stop on), on the centred problem scaled by 1/n, plus the
intercept's own suboptimality ½(b − b*(w))², b*(w) = ȳ − x̄ᵀw: the
objective at (w, b) is its value at (w, b*(w)) plus that square.
"""

from __future__ import annotations

import numpy as np
from benchmark_utils import CHECKOUT  # noqa: F401  (puts this checkout's tinyreg on sys.path)
from benchopt import BaseObjective

from tinyreg.linear.enet_solvers import _duality_gap


class Objective(BaseObjective):
    name = "tinyreg lasso"
    min_benchopt_version = "1.10"
    requirements = []
    sampling_strategy = "iteration"  # every solver: fits capped at max_iter = stop value
    parameters = {"reg": [0.1, 0.05], "fit_intercept": [False, True]}
    test_config = {"dataset": {"name": "simulated"}}

    def set_data(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y = X, y
        n = X.shape[0]
        if self.fit_intercept:
            self.x_mean, self.y_mean = X.mean(axis=0), float(y.mean())
        else:
            self.x_mean, self.y_mean = np.zeros(X.shape[1]), 0.0
        self.Xc, self.yc = X - self.x_mean, y - self.y_mean
        self.lmbd = self.reg * float(np.max(np.abs(self.Xc.T @ self.yc))) / n

    def get_objective(self) -> dict:
        return {"X": self.X, "y": self.y, "lmbd": self.lmbd, "fit_intercept": self.fit_intercept}

    def evaluate_result(self, coef: np.ndarray, intercept: float) -> dict:
        if not self.fit_intercept and intercept != 0:
            raise ValueError(f"intercept must be 0 when fit_intercept is False, got {intercept}")
        n = self.X.shape[0]
        R = self.y - self.X @ coef - intercept
        value = 0.5 * float(R @ R) / n + self.lmbd * float(np.abs(coef).sum())
        Rc = self.yc - self.Xc @ coef  # the residual at the best intercept for coef
        gap = _duality_gap(
            coef, self.Xc.T @ Rc, float(Rc @ Rc), float(Rc @ self.yc), n * self.lmbd, 0.0
        )
        best_intercept = self.y_mean - float(self.x_mean @ coef)
        return {
            "value": value,
            "duality_gap": gap / n + 0.5 * (intercept - best_intercept) ** 2,
            "support_size": int(np.count_nonzero(coef)),
        }

    def get_one_result(self) -> dict:
        return {"coef": np.zeros(self.X.shape[1]), "intercept": 0.0}
