"""Moments of dask arrays: one task per block of rows, merged in a tree, in one pass.

The dask side of :mod:`tinyreg.linear.data`: :class:`OnDask` answers, for
dask arrays, what the estimators ask of their data (the moments of all of
it or of each fold, a second pass over the rows), as
:class:`~tinyreg.linear.data.InMemory` does for arrays in memory. The
solvers never see a dask array. Dask is optional: this module imports it
only inside the functions that receive dask arrays, and
:func:`is_dask_input` recognises them without importing it (if
``dask.array`` has not been imported, nothing can be a dask array).

How the moments of (X, y, sample_weight) are computed:

1. Check what the arrays' metadata say (dimensions, dtypes, numbers of
   rows where known) before any computation.
2. Line the blocks up. A block of rows needs all of its features to give
   its XᵀX, so X is rechunked to a single block of columns (a block of rows
   stays where it is; its column pieces are joined). y and the weights are
   rechunked to X's row blocks. When chunk sizes are unknown (after boolean
   masking), arrays with as many row blocks are paired block by block and
   each task checks that its pieces have the same rows; otherwise, or if
   that check fails, the chunk sizes are computed first (an extra pass).
3. One task per row block checks its block (finite values, non-negative
   weights) and computes its moments where the block lives. Tasks of
   ``_FAN_IN`` blocks' results merge them (the pairwise update), then
   tasks merge those, and so on: a tree reduction in which only p×p
   matrices travel.
4. The active scheduler runs the graph: dask's threads by default, the
   ``distributed.Client`` when one is active. Nothing is gathered but the
   final moments.

K-fold cross-validation (:meth:`OnDask.fold_moments`) splits the row
blocks at the fold boundaries (contiguous folds, as scikit-learn's
``KFold``), so that each block belongs to one fold, and reduces each fold's
blocks separately, all in the same pass.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import Any

import numpy as np

from tinyreg.linear.moments import Moments, _centre, _finite_moments, _kfold_edges
from tinyreg.validation import check_n_features, check_X_y

#: how many results one merge task combines
_FAN_IN = 8


def is_dask_input(*arrays: Any) -> bool:
    """Whether any argument is a dask array (never imports dask)."""
    array_module = sys.modules.get("dask.array")
    if array_module is None:
        return False
    return any(isinstance(a, array_module.Array) for a in arrays)


class OnDask:
    """Dask arrays ``X``, ``y`` and ``sample_weight``, summarised block by block where they live.

    Any of the three may be a numpy array beside dask ones. The methods are
    those of :class:`tinyreg.linear.data.InMemory`, which says what each
    returns; each checks what the arrays' metadata say before any
    computation, and every block as it is summarised.
    """

    def __init__(self, X: Any, y: Any, sample_weight: Any = None):
        self.X, self.y, self.sample_weight = X, y, sample_weight

    def moments(self) -> tuple[Moments, int]:
        """The :class:`Moments` of all the data, in one pass; ``(moments, y.ndim)``."""
        X, y, sample_weight, y_ndim = _check_metadata(self.X, self.y, self.sample_weight)

        def run(X: Any, y: Any, sample_weight: Any) -> Moments:
            groups = [range(X.numblocks[0])]
            return _map_reduce(X, y, sample_weight, groups, _block_moments, (), _merge)[0]

        result = _run_aligned(run, X, y, sample_weight)
        if result.n_samples == 0:
            raise ValueError(f"X has no samples (shape {X.shape})")
        return result, y_ndim

    def summary(self, expected: tuple[int, str] | None = None) -> tuple[Moments, None, int]:
        """``(moments, None, y.ndim)``: the rows stay where they are."""
        if expected is not None and getattr(self.X, "ndim", 0) == 2:
            check_n_features(self.X, *expected)  # the shape of a dask array is known
        moments, y_ndim = self.moments()
        return moments, None, y_ndim

    def centred(self) -> None:
        """None: the rows stay where they are (see :meth:`map_reduce` for a pass over them)."""
        return None

    def fold_moments(self, n_folds: int) -> tuple[list[Moments], int]:
        """The moments of each of ``n_folds`` contiguous folds, in one pass; ``(folds, y.ndim)``."""
        X, y, sample_weight, y_ndim = _check_metadata(self.X, self.y, self.sample_weight)
        X, y, sample_weight = _known_chunks(X, y, sample_weight)
        n = X.shape[0]
        if n < n_folds:
            raise ValueError(f"cannot split {n} samples into cv={n_folds} folds")
        edges = _kfold_edges(n, n_folds)
        rows = _refine(X.chunks[0], edges)
        X, y = X.rechunk({0: rows}), y.rechunk({0: rows})
        if sample_weight is not None:
            sample_weight = sample_weight.rechunk({0: rows})
        starts = np.cumsum((0, *rows[:-1]))
        fold_of_block = np.searchsorted(edges, starts, side="right") - 1
        groups = [np.flatnonzero(fold_of_block == f).tolist() for f in range(n_folds)]
        folds = _map_reduce(X, y, sample_weight, groups, _block_moments, (), _merge)
        return folds, y_ndim

    def split_moments(self, cv: Any) -> tuple[list[tuple[Moments, Moments]], Moments, int]:
        """Refused: a splitter's index arrays would pick rows all over the blocks."""
        raise ValueError(
            "on dask arrays cv must be None or an integer (contiguous folds, one pass); "
            f"got {type(cv).__name__}"
        )

    def map_reduce(self, block_fn: Any, args: tuple, combine: Any) -> Any:
        """``combine`` of ``block_fn(X_b, y_b, weights_b, where, *args)`` over all row blocks.

        A second pass over data whose moments are known (leave-one-out errors
        need each sample's leverage). ``block_fn`` and ``combine`` must be
        module-level functions, so that they pickle to the workers.
        """
        X, y, sample_weight, _ = _check_metadata(self.X, self.y, self.sample_weight)

        def run(X: Any, y: Any, sample_weight: Any) -> Any:
            groups = [range(X.numblocks[0])]
            return _map_reduce(X, y, sample_weight, groups, block_fn, args, combine)[0]

        return _run_aligned(run, X, y, sample_weight)


# ---------------------------------------------------------------------------
# Checking and lining up the blocks
# ---------------------------------------------------------------------------


def _check_metadata(X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any, int]:
    """Dask versions of the arguments, checked as far as their metadata allow."""
    import dask.array as da

    def as_dask(name: str, a: Any, ndims: tuple[int, ...]) -> Any:
        if not isinstance(a, da.Array):
            a = np.asarray(a)  # in memory already: a numpy argument beside a dask one
            a = da.from_array(a, chunks=a.shape or (), name=False)
        if a.ndim not in ndims:
            want = " or ".join(f"{d}-D" for d in ndims)
            raise ValueError(f"{name} must be {want}, got a {a.ndim}-D array of shape {a.shape}")
        kind = np.dtype(a.dtype).kind
        if kind == "c":  # the message of validation.check_finite_array
            raise ValueError(
                f"Complex data not supported: {name} has dtype {a.dtype}; pass {name}.real "
                "if its imaginary part is zero"
            )
        if kind not in "fiub":
            raise TypeError(f"{name} must be numeric, got an array of dtype {a.dtype}")
        return a

    X = as_dask("X", X, (2,))
    y = as_dask("y", y, (1, 2))
    arrays = {"y": y}
    if sample_weight is not None:
        sample_weight = as_dask("sample_weight", sample_weight, (1,))
        arrays["sample_weight"] = sample_weight
    for name, a in arrays.items():
        if not (math.isnan(X.shape[0]) or math.isnan(a.shape[0])) and a.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and {name} have different numbers of samples: "
                f"X has shape {X.shape}, {name} has shape {a.shape}"
            )
    if X.shape[0] == 0:
        raise ValueError(f"X has no samples (shape {X.shape})")
    y_ndim = y.ndim
    # Whole rows in each block: one block of columns for X (and for a 2-D y).
    X = X.rechunk({1: -1})
    if y.ndim == 2:
        y = y.rechunk({1: -1})
    return X, y, sample_weight, y_ndim


def _unknown(a: Any) -> bool:
    return a is not None and any(math.isnan(c) for c in a.chunks[0])


def _known_chunks(X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any]:
    """The arrays with all chunk sizes known (computed if need be), y and weights on X's rows."""
    arrays = [a.compute_chunk_sizes() if _unknown(a) else a for a in (X, y, sample_weight)]
    X, y, sample_weight = arrays
    rows = {0: X.chunks[0]}
    return X, y.rechunk(rows), None if sample_weight is None else sample_weight.rechunk(rows)


def _run_aligned(run: Any, X: Any, y: Any, sample_weight: Any) -> Any:
    """``run(X, y, sample_weight)`` on arrays whose row blocks pair up.

    With known chunk sizes y and the weights are rechunked to X's. With
    unknown ones, arrays with the same number of row blocks are paired as
    they are (each task checks its rows match); if they do not, or the
    numbers of blocks differ, the chunk sizes are computed and it runs again.
    """
    arrays = [a for a in (X, y, sample_weight) if a is not None]
    if not any(_unknown(a) for a in arrays):
        return run(*_known_chunks(X, y, sample_weight))
    if len({a.numblocks[0] for a in arrays}) == 1:
        try:
            return run(X, y, sample_weight)
        except _MisalignedBlocks:
            pass
    return run(*_known_chunks(X, y, sample_weight))


def _refine(chunks: tuple[int, ...], edges: np.ndarray) -> tuple[int, ...]:
    """Chunk sizes that also break at every offset in ``edges``."""
    bounds = np.union1d(np.cumsum((0, *chunks)), edges)
    return tuple(int(size) for size in np.diff(bounds))


# ---------------------------------------------------------------------------
# The graph: one task per block, a tree of merges
# ---------------------------------------------------------------------------


class _MisalignedBlocks(ValueError):
    """Blocks of X, y or the weights paired by position hold different numbers of rows."""


def _run_block(
    block_fn: Any,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    where: str,
    *args: Any,
) -> Any:
    """``block_fn(X, y, sample_weight, where, *args)`` once the blocks are known to pair up."""
    for name, a in (("y", y), ("sample_weight", sample_weight)):
        if a is not None and a.shape[0] != X.shape[0]:
            raise _MisalignedBlocks(
                f"{where}: the block of X has {X.shape[0]} rows but the block of {name} paired "
                f"with it has {a.shape[0]}"
            )
    return block_fn(X, y, sample_weight, where, *args)


def _block_moments(
    X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None, where: str
) -> Moments:
    """Check one block of rows and return its moments."""
    if X.shape[0] == 0:  # e.g. a block that boolean masking emptied
        Y = np.zeros((0, 1 if y.ndim == 1 else y.shape[1]))
        return _centre(np.zeros((0, X.shape[1])), Y, None).moments()
    # A block may weigh nothing (the whole array may not: the estimator checks it),
    # so its weights are checked on their own when they are all zero.
    weighs_nothing = sample_weight is not None and not np.any(sample_weight)
    try:
        X, y, checked = check_X_y(
            X, y, None if weighs_nothing else sample_weight, defer_finite_check=True
        )
        return _finite_moments(X, y, sample_weight if weighs_nothing else checked)
    except ValueError as error:
        raise ValueError(f"{error} (in {where} of the dask arrays)") from None


def _merge(*parts: Moments) -> Moments:
    return functools.reduce(Moments.merge, parts)


def _map_reduce(
    X: Any,
    y: Any,
    sample_weight: Any,
    groups: list[Any],
    block_fn: Any,
    args: tuple,
    combine: Any,
) -> list[Any]:
    """For each group of row blocks, ``combine`` of the blocks' ``block_fn``; in one pass.

    One task per block; tasks combining ``_FAN_IN`` results at a time,
    level by level, up to one root per group; all roots computed together
    by the active scheduler.
    """
    import dask

    xs = X.to_delayed(optimize_graph=False)[:, 0]
    ys = y.to_delayed(optimize_graph=False)
    ys = ys if y.ndim == 1 else ys[:, 0]
    ws = (
        [None] * len(xs)
        if sample_weight is None
        else sample_weight.to_delayed(optimize_graph=False)
    )
    stops = np.cumsum(X.chunks[0])
    starts = stops - X.chunks[0]
    block = dask.delayed(_run_block, pure=True)
    merge = dask.delayed(combine, pure=True)
    parts = []
    for i in range(len(xs)):
        where = f"block {i}"
        if not math.isnan(stops[i]):
            where += f" (rows {int(starts[i])} to {int(stops[i]) - 1})"
        parts.append(block(block_fn, xs[i], ys[i], ws[i], where, *args))
    roots = []
    for group in groups:
        level = [parts[i] for i in group]
        while len(level) > 1:
            level = [merge(*level[i : i + _FAN_IN]) for i in range(0, len(level), _FAN_IN)]
        roots.append(level[0])
    return list(dask.compute(*roots))
