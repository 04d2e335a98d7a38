"""The benchmarks run and print their tables (smoke tests: no timing is ever asserted),
and the speed tricks they measure agree with the plain versions they are measured against."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest
from _benchmarks import ROOT, run_quick

SCRIPTS = (
    "bench_engine",
    "bench_ops",
    "bench_ridge",
    "bench_lasso",
    "bench_house_prices",
    "bench_stream",
    "bench_cnn",
)
WITH_SHAPES = ("bench_ridge", "bench_lasso", "bench_stream")


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_benchmark_has_a_quick_that_says_what_it_shrinks(name):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    help_text = " ".join(done.stdout.split())  # argparse wraps lines
    assert "--json" in help_text
    assert "--quick" in help_text and "instead of" in help_text
    assert ("--shape N P" in help_text) == (name in WITH_SHAPES)
    if name in ("bench_ridge", "bench_lasso"):
        assert "--plot DIR" in help_text and "--threads N" in help_text


def test_bench_ops_quick_prints_a_table_and_writes_json(tmp_path):
    stdout, _, results = run_quick("bench_ops", tmp_path)
    lines = stdout.splitlines()
    headers = [line for line in lines if line.startswith("| op | graph | K | tinyreg µs/op")]
    assert len(headers) == 3  # small with K ops, small single op, large single op
    for op in ("add", "matmul", "sum(axis=1)", "exp", "tanh", "relu", "getitem [::-1]", "softmax"):
        rows = [line for line in lines if line.startswith(f"| {op} |")]
        assert len(rows) == 3, f"{op}: {rows}"

    assert results["info"]["quick"] is True
    assert {row["group"] for row in results["rows"]} == {
        "small, K ops per backward",
        "small, single op",
        "large, single op",
    }
    for row in results["rows"]:
        assert row["tinyreg_us"] > 0 and row["numpy_us"] > 0
        assert row["overhead_us"] == row["tinyreg_us"] - row["numpy_us"]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_adam_with_work_arrays_agrees_with_adam_written_with_temporaries(monkeypatch):
    """The speed trick in tinyreg's Adam (two work arrays per parameter) changes no bit."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # bench_engine imports _common
    bench = _load("bench_engine")
    tinyreg_step = bench.make_optimizer_step("adam")
    reference_step = bench.make_adam_with_temporaries()
    for _ in range(3):
        tinyreg_step()
        reference_step()
    ours = [p.data for group in tinyreg_step.__self__.param_groups for p in group["params"]]
    for a, b in zip(ours, reference_step.params, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_compiled_engine_steps_as_the_eager_one():
    """bench_engine's ``tinyreg compiled`` is the ``tinyreg`` step, replayed bit for bit."""
    bench = _load("bench_engine")
    eager = bench.ENGINES["tinyreg"]("small")
    for _ in range(4):
        eager()
    compiled = bench.ENGINES["tinyreg compiled"]("small")  # reseeds: the same dropout masks
    for _ in range(4):
        compiled()
    assert compiled.traces == 1 and not compiled.fallback_reasons
    for p, q in zip(eager.model.parameters(), compiled.model.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_the_floor_of_a_replay_makes_sgds_update(monkeypatch):
    """bench_engine's ``matmul + sgd`` updates the parameters as tinyreg's SGD + L2, bit for bit."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    bench = _load("bench_engine")
    sgd = bench.make_optimizer_step("sgd")  # on the MNIST-size parameters
    sgd_params = [p for group in sgd.__self__.param_groups for p in group["params"]]
    for bias in sgd_params[1::2]:
        bias.regularize = False  # as nn.Linear's biases: L2 leaves them out
    floor = bench.make_matmul_sgd("mnist")
    for p, q in zip(floor.params, sgd_params, strict=True):
        p[...] = q.data
    for _ in range(2):
        floor.update([p.grad for p in sgd_params])
        sgd()
    for p, q in zip(floor.params, sgd_params, strict=True):
        np.testing.assert_array_equal(p, q.data)
    grads = [p.grad.copy() for p in sgd_params]
    grads[0][0, 0] = np.nan  # a non-finite gradient: neither changes anything
    before = [p.copy() for p in floor.params]
    floor.update(grads)
    for p, b in zip(floor.params, before, strict=True):
        np.testing.assert_array_equal(p, b)


def test_bench_house_prices_prints_its_table_and_writes_json(tmp_path):
    stdout, stderr, results = run_quick("bench_house_prices", tmp_path)
    assert "seed 2 of 2" in stderr  # progress
    for model in ("no penalty", "Ridge", "Lasso", "ElasticNet"):
        assert any(line.startswith(f"| {model} |") for line in stdout.splitlines())
    assert results["seeds"] == 2 and results["quick"] is True
    assert results["models"]["no penalty"]["test_rmse_vs_ols"] == 1.0
    assert results["models"]["no penalty"]["noise_zeros"] == 0.0  # least squares: no exact zeros


def test_bench_cnn_hand_written_step_is_the_step_tinyreg_takes(monkeypatch):
    """The numpy floor of bench_cnn computes the same training step as tinyreg's modules.

    Both start from the same parameters and batch; after three SGD steps
    every parameter agrees to rounding (the forward and backward are the
    same sums in another order: relative 1e-12 is far above their error).
    """
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # bench_cnn imports _common
    bench = _load("bench_cnn")
    for size in bench.SIZES:
        ours, hand = bench.make_tinyreg(size), bench.make_numpy(size)
        for _ in range(3):
            ours()
            hand()
        for a, b in zip(ours.params, hand.params, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_bench_cnn_quick_prints_its_table_and_writes_json(tmp_path):
    stdout, _, results = run_quick("bench_cnn", tmp_path)
    for size in ("digits", "mnist"):
        assert {"tinyreg", "numpy"} <= set(results["sizes"][size])
        assert any(line.startswith(f"| {size}:") for line in stdout.splitlines())
    assert results["memory_steps"] == 50


def test_bench_engine_quick_prints_its_tables_and_writes_json(tmp_path):
    """Every engine runs in its own process, from any directory (tinyreg from the checkout)."""
    _, stderr, results = run_quick("bench_engine", tmp_path, "--threads", "1")
    assert "tinyreg at small" in stderr  # progress
    for size in ("small", "mnist"):
        for engine in ("tinyreg", "tinyreg unchecked", "numpy", "matmul"):
            assert results["sizes"][size][engine] > 0, (size, engine)
    assert results["memory_steps"] == 500
