"""Correlated Gaussian designs: rows with covariance ρ^|i−j| (Toeplitz), a sparse truth.

Each row of X is N(0, Σ) with Σᵢⱼ = ρ^|i−j|, drawn as an AR(1) sequence
across the features: x₁ = z₁, xⱼ = ρ·xⱼ₋₁ + √(1 − ρ²)·zⱼ. The true w has
10% nonzero coefficients (at least one), ±1 at random places; y = Xw + ε
with ε Gaussian, scaled so that ‖Xw‖ = 3‖ε‖ (signal-to-noise ratio 3).
"""

from __future__ import annotations

import numpy as np
from benchopt import BaseDataset


class Dataset(BaseDataset):
    name = "simulated"
    requirements = []
    parameters = {
        "n_samples, n_features": [(100, 10_000), (500, 600), (10_000, 100)],
        "rho": [0.0, 0.6],
    }
    test_parameters = {"n_samples, n_features": [(50, 80)], "rho": [0.6]}

    def get_data(self) -> dict:
        rng = np.random.default_rng(self.get_seed(use_repetition=True))
        n, p, rho = self.n_samples, self.n_features, self.rho
        X = rng.standard_normal((n, p))
        for j in range(1, p):  # AR(1) across the columns: corr(xᵢ, xⱼ) = ρ^|i−j|
            X[:, j] = rho * X[:, j - 1] + np.sqrt(1.0 - rho**2) * X[:, j]
        w = np.zeros(p)
        support = rng.choice(p, size=max(1, p // 10), replace=False)
        w[support] = rng.choice([-1.0, 1.0], size=support.size)
        signal = X @ w
        noise = rng.standard_normal(n)
        y = signal + noise * np.linalg.norm(signal) / (3.0 * np.linalg.norm(noise))
        return {"X": X, "y": y}
