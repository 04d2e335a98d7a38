"""Correlated Gaussian designs, drawn as benchopt's public Lasso benchmark draws them.

The data are benchopt's ``make_correlated_data(n, p, rho=rho)`` with the
public benchmark's seed (``np.random.RandomState(27)``), so that these are
its ``Simulated`` designs value for value. Each row of X is N(0, Σ) with
Σᵢⱼ = ρ^|i−j| (an AR(1) sequence across the features; for ρ > 0 X comes in
Fortran order), the true w has 20% nonzero coefficients drawn N(0, 1), and
y = Xw + ε with ε Gaussian, scaled so that ‖Xw‖ = 3‖ε‖ (signal-to-noise
ratio 3).
"""

from __future__ import annotations

import numpy as np
from benchopt import BaseDataset
from benchopt.datasets.simulated import make_correlated_data

# The seed of the public benchmark's simulated datasets.
SEED = 27


class Dataset(BaseDataset):
    name = "simulated"
    requirements = []
    parameters = {
        "n_samples, n_features": [(100, 10_000), (500, 600), (10_000, 100)],
        "rho": [0.0, 0.6],
    }
    test_parameters = {"n_samples, n_features": [(50, 80)], "rho": [0.6]}

    def get_data(self) -> dict:
        rng = np.random.RandomState(SEED)
        X, y, _ = make_correlated_data(
            self.n_samples, self.n_features, rho=self.rho, random_state=rng
        )
        return {"X": X, "y": y}
