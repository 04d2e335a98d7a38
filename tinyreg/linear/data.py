r"""The data a linear model learns from: arrays in memory, or dask arrays where they live.

The solvers never see ``X``, ``y`` and ``sample_weight`` themselves, only
what they need of them:

* their :class:`~tinyreg.linear.moments.Moments`, of all the data or of
  each fold of a K-fold split (ridge, the lasso, the elastic net, K-fold
  cross-validation);
* their centred rows, when those are in memory and smaller than the
  moments, or when a solver needs them (ridge's dual form and SVD, the
  elastic net's residual form, exact leave-one-out per sample);
* a second pass over the rows, once the moments are known (the leverages
  of leave-one-out on data that stay where they live).

:func:`data_of` wraps the three arguments in an object that answers these
questions: :class:`InMemory` for numpy arrays (and anything ``np.asarray``
takes), :class:`~tinyreg.linear._dask.OnDask` for dask arrays, summarised
block by block where they live. It is the one place that tells the two
apart; the estimators ask the same questions of both, and dask is imported
only when the arguments are dask arrays. Every method checks the arguments
as ``fit`` does (finite values, matching numbers of rows, non-negative
weights not all zero) before it computes anything from them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinyreg.linear._dask import OnDask, is_dask_input
from tinyreg.linear.moments import (
    Moments,
    _centre,
    _Chunk,
    _chunk_moments,
    _finite_moments,
    _finite_rows,
    _kfold_edges,
    _RawChunk,
)
from tinyreg.validation import check_n_features, check_X_y

__all__ = ["Data", "InMemory", "data_of"]


def data_of(X: Any, y: Any, sample_weight: Any = None) -> Data:
    """``X``, ``y`` and ``sample_weight`` as the estimators read them: on dask if any of them is."""
    if is_dask_input(X, y, sample_weight):
        return OnDask(X, y, sample_weight)
    return InMemory(X, y, sample_weight)


class InMemory:
    """``X``, ``y`` and ``sample_weight`` in memory, checked by each method as it reads them.

    Each method returns ``y.ndim`` with its result: a 1-D y is one target,
    and the estimators give it back its shape.
    """

    def __init__(self, X: Any, y: Any, sample_weight: Any = None):
        self.X, self.y, self.sample_weight = X, y, sample_weight

    def moments(self) -> tuple[Moments, int]:
        """The :class:`Moments` of all the data; ``(moments, y.ndim)``."""
        X, y, sample_weight = check_X_y(self.X, self.y, self.sample_weight, defer_finite_check=True)
        return _finite_moments(X, y, sample_weight), y.ndim

    def summary(
        self, expected: tuple[int, str] | None = None
    ) -> tuple[Moments | _Chunk, _Chunk | _RawChunk | None, int]:
        """The smaller exact summary of the data, and their rows: ``(summary, rows, y.ndim)``.

        The summary is the data's :class:`Moments`, or, with fewer rows than
        features, their centred rows (:class:`~tinyreg.linear.moments._Chunk`,
        n·p numbers against p²). ``rows`` gives the solvers that need X the
        rows (None on dask, where they stay); unweighted, it also holds them
        as given, for a fit without intercept. ``expected`` = (number of
        features, estimator's name): checked before any pass over the data.
        """
        X, y, sample_weight = check_X_y(self.X, self.y, self.sample_weight, defer_finite_check=True)
        if expected is not None:
            check_n_features(X, *expected)
        Y = y.reshape(y.shape[0], -1)
        if X.shape[0] < X.shape[1]:
            rows = _finite_rows(X, y, sample_weight)
            return rows._replace(given=None), rows, y.ndim
        return _finite_moments(X, y, sample_weight), _RawChunk(X, Y, sample_weight), y.ndim

    def centred(self) -> tuple[_Chunk, int] | None:
        """The centred, weighted rows of all the data: ``(chunk, y.ndim)`` (None on dask)."""
        X, y, sample_weight = check_X_y(self.X, self.y, self.sample_weight)
        return _centre(X, y.reshape(X.shape[0], -1), sample_weight), y.ndim

    def fold_moments(self, n_folds: int) -> tuple[list[Moments], int]:
        """The moments of each of ``n_folds`` contiguous folds; ``(folds, y.ndim)``.

        The folds of scikit-learn's ``KFold(n_folds)`` without shuffling.
        """
        X, y, sample_weight = check_X_y(self.X, self.y, self.sample_weight, defer_finite_check=True)
        n = X.shape[0]
        if n < n_folds:
            raise ValueError(f"cannot split {n} samples into cv={n_folds} folds")
        Y = y.reshape(n, -1)
        edges = _kfold_edges(n, n_folds)
        folds = []
        for f in range(n_folds):
            rows = slice(edges[f], edges[f + 1])
            sw = None if sample_weight is None else sample_weight[rows]
            try:
                folds.append(_finite_moments(X[rows], Y[rows], sw))
            except ValueError:  # a NaN or an infinity: named by its place in the whole X or y
                check_X_y(self.X, self.y, self.sample_weight)
                raise
        return folds, y.ndim

    def split_moments(self, cv: Any) -> tuple[list[tuple[Moments, Moments]], Moments, int]:
        """The moments of each (train, test) split of ``cv``, and of all the data.

        ``cv`` is a splitter (an object with ``split(X, y)``, such as
        scikit-learn's ``KFold(k, shuffle=True)``) or an iterable of (train,
        test) index arrays. Returns ``([(train, test), ...], all, y.ndim)``.
        """
        X, y, sample_weight = check_X_y(self.X, self.y, self.sample_weight)
        Y = y.reshape(y.shape[0], -1)

        def moments_of(rows: Any) -> Moments:
            rows = np.asarray(rows)
            sw = None if sample_weight is None else sample_weight[rows]
            return _chunk_moments(X[rows], Y[rows], sw)

        pairs = cv.split(X, y) if hasattr(cv, "split") else cv
        splits = [(moments_of(train), moments_of(test)) for train, test in pairs]
        if not splits:
            raise ValueError("cv gave no (train, test) splits")
        return splits, _chunk_moments(X, Y, sample_weight), y.ndim

    def map_reduce(self, block_fn: Any, args: tuple, combine: Any) -> Any:
        """``combine(block_fn(X, y, sample_weight, where, *args))``: in memory, one block."""
        X, y, sample_weight = check_X_y(self.X, self.y, self.sample_weight)
        return combine(block_fn(X, y, sample_weight, "the data", *args))


#: what :func:`data_of` returns: the same methods, in memory or on dask
Data = InMemory | OnDask
