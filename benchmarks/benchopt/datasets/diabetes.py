"""scikit-learn's diabetes data: 442 patients, 10 features (already centred and scaled)."""

from __future__ import annotations

from benchopt import BaseDataset
from sklearn.datasets import load_diabetes


class Dataset(BaseDataset):
    name = "diabetes"
    requirements = ["pip::scikit-learn"]

    def get_data(self) -> dict:
        X, y = load_diabetes(return_X_y=True)
        return {"X": X, "y": y}
