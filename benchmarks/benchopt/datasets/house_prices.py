"""``tinyreg.datasets.make_house_prices``: 3 real and 10 noise features.

The features are standardized and the prices divided by their standard
deviation, so the objective is of order one (in dollars it is of order
1e9, and solvers that stop on an absolute optimality test would chase
rounding errors).
"""

from __future__ import annotations

from benchmark_utils import CHECKOUT  # noqa: F401  (puts this checkout's tinyreg on sys.path)
from benchopt import BaseDataset

from tinyreg import datasets


class Dataset(BaseDataset):
    name = "house_prices"
    requirements = []
    parameters = {"n_samples": [200, 5000]}
    test_parameters = {"n_samples": [200]}

    def get_data(self) -> dict:
        data = datasets.make_house_prices(n_samples=self.n_samples, generator=self.get_seed())
        X = datasets.Standardizer().fit_transform(data.X)
        return {"X": X, "y": data.y / data.y.std()}
