"""Ridge, RidgeCV, Lasso and ElasticNet on dask arrays: one pass, block by block.

Every fit on a dask array is compared with the same estimator's in-memory
fit on the computed arrays (whose correctness the tests of each model
establish: test_ridge.py, test_ridge_cv.py, test_elastic_net.py,
test_linear_base.py): both solve the same problem from moments that
differ only by the order of summation. Skipped when dask is not installed;
the LocalCluster test also needs distributed.
"""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from tinyreg.linear import ElasticNet, Lasso, Moments, Ridge, RidgeCV  # noqa: E402


def problem(seed=0, n=600, p=5, k=1, big_mean=True):
    """Gaussian features (one with mean 1e6 when big_mean), k targets, positive weights."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * np.linspace(0.5, 5, p)
    if big_mean:
        X[:, 0] += 1e6
    Y = (X - X.mean(axis=0)) @ rng.standard_normal((p, k)) + rng.standard_normal((n, k))
    s = rng.uniform(0.2, 2.0, n)
    return X, (Y[:, 0] if k == 1 else Y), s


def assert_same_fit(ours, reference, rtol):
    """coef_ and intercept_ agree relative to their largest entry (numpy arrays, not dask)."""
    assert type(ours.coef_) is np.ndarray
    scale = np.abs(reference.coef_).max()
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=rtol * scale)
    b_scale = np.abs(reference.intercept_).max()
    np.testing.assert_allclose(
        ours.intercept_, reference.intercept_, rtol=rtol, atol=rtol * b_scale
    )


@pytest.fixture(autouse=True)
def no_gathering(monkeypatch):
    """Fail if anything turns a dask array into a numpy array (np.asarray, np.array, ...)."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("a dask array was converted to numpy in one piece")

    monkeypatch.setattr(da.Array, "__array__", refuse)


# Ridge tolerance: 1e-9 in general, 1e-6 for a feature of mean 1e6 (its deviations are
# stored to about eps·1e6 ≈ 2e-10 absolute, and every chunking rounds them differently).
RIDGE_RTOL = 1e-6


@pytest.mark.parametrize(
    "chunks",
    [
        (97, 5),  # odd row blocks, whole rows
        (250, 2),  # features chunked too
        ((1, 599), (3, 2)),  # a one-row block; uneven feature blocks
        ((0, 300, 0, 300), 5),  # empty blocks
    ],
)
def test_ridge_on_oddly_chunked_arrays_equals_the_in_memory_fit(chunks):
    X, Y, s = problem(k=2)
    Xd = da.from_array(X, chunks=chunks)
    Yd = da.from_array(Y, chunks=(71, 1))  # other chunks than X, and a 2-D y
    sd = da.from_array(s, chunks=113)
    alphas = np.array([0.5, 20.0])
    ours = Ridge(alpha=alphas).fit(Xd, Yd, sd)
    assert_same_fit(ours, Ridge(alpha=alphas).fit(X, Y, s), RIDGE_RTOL)
    plain = Ridge(fit_intercept=False).fit(Xd, Yd[:, 0])  # no weights, no intercept
    assert_same_fit(plain, Ridge(fit_intercept=False).fit(X, Y[:, 0]), RIDGE_RTOL)


def test_unknown_chunk_sizes_after_boolean_masking():
    X, y, s = problem(1, big_mean=False)
    keep = np.random.default_rng(1).random(len(y)) > 0.4
    reference = Ridge().fit(X[keep], y[keep], s[keep])

    # Masked alike: the unknown row blocks pair up as they are.
    mask = da.from_array(keep, chunks=100)
    Xd, yd, sd = (da.from_array(a, chunks=100) for a in (X, y, s))
    assert np.isnan(Xd[mask].shape[0])
    assert_same_fit(Ridge().fit(Xd[mask], yd[mask], sd[mask]), reference, 1e-9)

    # Masked from different chunkings, with as many blocks: the first pairing is wrong,
    # noticed in a task, and the chunk sizes are computed.
    y_other = da.from_array(y, chunks=(150, 50, 150, 50, 150, 50))
    Xm = da.from_array(X, chunks=100)[mask]
    ym = y_other[da.from_array(keep, chunks=y_other.chunks)]
    assert Xm.numblocks == (6, 1) and ym.numblocks == (6,)
    assert_same_fit(Ridge().fit(Xm, ym, sd[mask]), reference, 1e-9)

    # Different numbers of blocks, and a numpy y beside a masked X.
    y_few = da.from_array(y, chunks=300)[da.from_array(keep, chunks=300)]
    assert_same_fit(Ridge().fit(Xd[mask], y_few, s[keep]), reference, 1e-9)


@pytest.mark.parametrize(
    "model",
    [Lasso(alpha=0.05, tol=1e-12), ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-12)],
    ids=["Lasso", "ElasticNet"],
)
def test_lasso_and_elastic_net_on_dask_arrays(model):
    """Same minimiser: both solves certified by a duality gap ≤ 1e-12·‖y‖² on the same moments."""
    X, Y, s = problem(2, k=2, big_mean=False)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    Xd = da.from_array(X, chunks=(77, 3))
    Yd = da.from_array(Y, chunks=(200, 2))
    ours = type(model)(**model.get_params()).fit(Xd, Yd, da.from_array(s, chunks=50))
    assert_same_fit(ours, model.fit(X, Y, s), 1e-7)
    assert ours.dual_gap_.shape == (2,)


@pytest.mark.parametrize("scoring", [None, "neg_mean_squared_error"])
@pytest.mark.parametrize("cv", [None, 4])
def test_ridgecv_on_dask_arrays(scoring, cv):
    X, y, s = problem(3, n=203, big_mean=False)
    alphas = np.logspace(-2, 3, 11)
    Xd = da.from_array(X, chunks=(37, 2))  # blocks straddle the fold boundaries
    yd = da.from_array(y, chunks=50)
    ours = RidgeCV(alphas, cv=cv, scoring=scoring).fit(Xd, yd, da.from_array(s, chunks=90))
    reference = RidgeCV(alphas, cv=cv, scoring=scoring).fit(X, y, s)
    assert ours.alpha_ == reference.alpha_
    assert ours.best_score_ == pytest.approx(reference.best_score_, rel=1e-9)
    assert_same_fit(ours, reference, 1e-9)


def test_ridgecv_kfold_with_unknown_chunk_sizes_and_2d_y():
    X, Y, _ = problem(4, n=300, k=2, big_mean=False)
    keep = np.arange(300) % 7 != 3
    mask = da.from_array(keep, chunks=64)
    Xd, Yd = da.from_array(X, chunks=64)[mask], da.from_array(Y, chunks=(64, 2))[mask]
    ours = RidgeCV(np.logspace(-2, 2, 5), cv=3).fit(Xd, Yd)
    reference = RidgeCV(np.logspace(-2, 2, 5), cv=3).fit(X[keep], Y[keep])
    assert ours.alpha_ == reference.alpha_
    assert ours.best_score_ == pytest.approx(reference.best_score_, rel=1e-9)


def test_moments_of_dask_arrays_and_partial_fit_mixing_both():
    X, y, s = problem(5, big_mean=False)
    Xd, yd = da.from_array(X, chunks=(128, 2)), da.from_array(y, chunks=64)
    in_memory = Moments.of(X, y, s)
    on_dask = Moments.of(Xd, yd, s)  # a numpy weight vector beside dask arrays
    for name in ("x_mean", "XtX", "Xty", "yty"):
        np.testing.assert_allclose(getattr(on_dask, name), getattr(in_memory, name), rtol=1e-12)
    model = Ridge().partial_fit(X[:200], y[:200]).partial_fit(Xd[200:], yd[200:])
    assert_same_fit(model, Ridge().fit(X, y), 1e-9)


def test_float32_blocks_are_summed_in_float64():
    X, y, _ = problem(6, big_mean=False)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    ours = Ridge().fit(da.from_array(X32, chunks=100), da.from_array(y32, chunks=100))
    assert ours.coef_.dtype == np.float64
    assert_same_fit(ours, Ridge().fit(X32, y32), 1e-9)


def test_bad_blocks_raise_and_change_nothing():
    X, y, s = problem(7, big_mean=False)
    model = Ridge().fit(X, y)
    coef = model.coef_.copy()
    bad = X.copy()
    bad[250, 3] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 non-finite.*block 2 \(rows 200 to 299\)"):
        model.fit(da.from_array(bad, chunks=100), da.from_array(y, chunks=100))
    negative = s.copy()
    negative[7] = -1.0
    with pytest.raises(ValueError, match=r"sample_weight must be >= 0 everywhere.*block 0"):
        model.partial_fit(da.from_array(X, chunks=100), y, da.from_array(negative, chunks=100))
    with pytest.raises(ValueError, match=r"X and y have different numbers of samples"):
        model.fit(da.from_array(X, chunks=100), da.from_array(y[:-1], chunks=100))
    with pytest.raises(ValueError, match="X must be 2-D"):
        model.fit(da.from_array(y, chunks=100), y)
    with pytest.raises(ValueError, match="X has 4 features, but Ridge is expecting 5"):
        model.partial_fit(da.from_array(X[:, :4], chunks=100), y)
    with pytest.raises(ValueError, match="Complex data not supported: X has dtype complex"):
        model.fit(da.from_array(X + 0j, chunks=100), y)
    np.testing.assert_array_equal(model.coef_, coef)


def test_the_active_scheduler_computes_the_blocks():
    """A custom scheduler set with dask.config is the one that runs the tasks."""
    X, y, _ = problem(8, big_mean=False)
    calls = []

    def scheduler(dsk, keys, **kwargs):
        calls.append(keys)
        return dask.get(dsk, keys, **kwargs)

    with dask.config.set(scheduler=scheduler):
        model = Ridge().fit(da.from_array(X, chunks=50), da.from_array(y, chunks=50))
    assert len(calls) == 1  # one pass: one graph computed
    assert_same_fit(model, Ridge().fit(X, y), 1e-9)


def test_on_a_local_cluster_of_two_worker_processes():
    """Real scheduler, real worker processes: block moments travel, data stays put."""
    distributed = pytest.importorskip("distributed")
    X, Y, s = problem(9, n=2000, k=2)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        Xd = da.from_array(X, chunks=(150, 5)).persist()
        Yd = da.from_array(Y, chunks=(400, 1)).persist()
        sd = da.from_array(s, chunks=333).persist()
        ridge = Ridge(alpha=[1.0, 3.0]).fit(Xd, Yd, sd)
        cv = RidgeCV(np.logspace(-2, 2, 5), cv=3).fit(Xd, Yd[:, 0], sd)
        lasso = Lasso(alpha=0.01, tol=1e-12).fit(Xd, Yd[:, 0])
    assert_same_fit(ridge, Ridge(alpha=[1.0, 3.0]).fit(X, Y, s), RIDGE_RTOL)
    reference_cv = RidgeCV(np.logspace(-2, 2, 5), cv=3).fit(X, Y[:, 0], s)
    assert cv.alpha_ == reference_cv.alpha_
    assert cv.best_score_ == pytest.approx(reference_cv.best_score_, rel=1e-9)
    assert_same_fit(lasso, Lasso(alpha=0.01, tol=1e-12).fit(X, Y[:, 0]), 1e-6)
