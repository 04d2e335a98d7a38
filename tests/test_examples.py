"""Run every script in ``examples/`` in fast mode and check what it prints and saves.

Each example runs in a subprocess, as a user would run it, with
``TINYREG_EXAMPLES_FAST=1`` (small workloads), ``MPLBACKEND=Agg``, the
current directory set to a fresh temporary directory (where the figure must
appear) and ``PYTHONPATH`` pointing at this checkout. BLAS is held to one
thread: the examples' matrices are tiny, and on a busy 2-core machine
OpenBLAS threads make them many times slower, not faster.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _library_code import LIBRARY_IMPORTS, library_block
from _tolerances import EPS, gamma

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "examples"
SCRIPTS = sorted(p for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))
EXPECTED_EXAMPLES = {
    "house_prices_linear",
    "dropout_mlp",
    "visualize_regularization",
    "choose_alpha",
    "l2_plus_dropout",
    "custom_op_and_gradcheck",
    "exact_zeros",
    "streaming_ridge",
    "gradient_penalty",
    "classify_moons",
    "digits_cnn",
}
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
HAVE_HYPOTHESIS = importlib.util.find_spec("hypothesis") is not None
HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None

# Lines each example must print (regular expressions, searched in stdout).
EXPECTED_OUTPUT = {
    "house_prices_linear": [
        r"Linear Regression Coefficients: \[200\.\]",
        r"Lasso Coefficients: \[199\.99\d*\]",
        r"Ridge Coefficients: \[199\.99\d*\]",
        r"Lasso would set the slope to 0 only for alpha ≥ \|Σxy\|/n = 1e\+08",
        r"OLS  : noise coefficients exactly 0: 0 of 10",
        r"Ridge: noise coefficients exactly 0: 0 of 10",
        r"Lasso: noise coefficients exactly 0: ([5-9]|10) of 10",
    ],
    "dropout_mlp": [
        r"SimpleNN\(\n  \(network\): Sequential\(\n    \(0\): Linear\(in_features=1, "
        r"out_features=64, bias=True\)\n    \(1\): ReLU\(\)\n    \(2\): Dropout\(p=0\.5\)",
        r"identical: True",
        r"no dropout  : after \d+ epochs  train MSE [\d.]+  test MSE [\d.]+",
        r"dropout 0\.5 : after \d+ epochs  train MSE [\d.]+  test MSE [\d.]+",
    ],
    "visualize_regularization": [
        r"no regularization : slope 1\.9\d+",
        r"The three fits are nearly identical: their predictions differ by at most 0\.0\d+",
        r"no regularization  : train MSE +[\d.]+ +test MSE +[\d.]+",
        r"Lasso: [1-9]\d* of 12 coefficients exactly zero",
    ],
    "choose_alpha": [
        r"RidgeCV\.alpha_ = [\d.]+",
        r"5-fold cross-validation on the training houses picks alpha = [\d.e+]+",
        r"size_sqft \(real \) from alpha",
        *(
            [r"GridSearchCV picks alpha = [\d.e+-]+, dropout = [\d.]+ \(CV RMSE [\d.]+k"]
            if HAVE_SKLEARN
            else [r"scikit-learn is not installed: grid search skipped"]
        ),
    ],
    "l2_plus_dropout": [
        r"none +[\d.]+ +[\d.]+",
        r"L2 \+ dropout +[\d.]+ +[\d.]+",
        r"L2: [\d.]+ vs [\d.]+ \([+-]\d+%\) -> ",
        r"best final test MSE: ",
    ],
    "custom_op_and_gradcheck": [
        r"d sum\(huber\)/dx = \[-1\. +-1\. +-0\.5 +0\. +0\.5 +1\. *\]",
        r"gradcheck\(huber, \[4x5 array in \[-3, 3\]\]\) -> True",
        r"gradgradcheck\(huber, \[the same array\]\) -> True",
        r"gradcheck\(huber_wrong, \.\.\.\) raised GradcheckError:\n  gradcheck failed for input 0",
        r'digraph "graph" \{',
        r'label="huber\\nshape \(8,\)"',
        *(
            [
                r"huber: gradcheck passed on \d+ random arrays",
                r"huber\(prediction - target\): passed on \d+ random broadcastable pairs",
                r"huber_wrong: hypothesis found failing inputs",
            ]
            if HAVE_HYPOTHESIS
            else [r"hypothesis is not installed: property tests skipped"]
        ),
    ],
    "exact_zeros": [
        r"exact zeros: subgradient \d+, proximal \d+, coordinate descent \d+",
        r"same zero pattern as coordinate descent: proximal True",
    ],
    "gradient_penalty": [
        r"max \|w_gp − w_L2\| = \d\.\de-1[5-9], max \|w_gp − w_ridge\| = \d\.\de-1[5-9]",
        r"gradient penalty\(1e-3\) +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+",
    ],
}

EXPECTED_OUTPUT["classify_moons"] = [
    r"moons +none +[\d.]+ +[\d.]+",
    r"spirals +dropout 0\.3 +[\d.]+ +[\d.]+",
    r"MLPClassifier on the moons: \d+ epochs, train accuracy [\d.]+, test accuracy [\d.]+",
    r"score\(X, y\) == accuracy_score\(y, predict\(X\)\): True",
]

EXPECTED_OUTPUT["digits_cnn"] = [
    r"\d+ training images of 1797, \d+ epochs",
    *(
        rf"{name} +[\d.]+ ± [\d.]+ +[\d.]+ ± [\d.]+"
        for name in ("none", "BatchNorm", "group lasso")
    ),
    r"group lasso removed [\d.]+ of 24 filters on average",
    r"augment: [\d.]+ vs [\d.]+ \([+-][\d.]+\)",
]

EXPECTED_OUTPUT["streaming_ridge"] = [
    r"moments of 16,000 houses: XtX \(13, 13\), Xty \(13, 1\)",
    # The stream equals the in-memory fit to rounding: the same moments, summed in
    # another order, and (lasso) the exact solution path on them.
    r"Ridge from 8 chunks vs in-memory fit: max relative difference \d\.\de-1[3-7]",
    r"Lasso from 8 chunks vs in-memory fit: max relative difference \d\.\de-(0[89]|1\d)",
    (
        r"Ridge on a dask array \(8 blocks\) vs the stream: max relative difference "
        r"(0\.0e\+00|\d\.\de-1[3-7])\nRidgeCV\(cv=5\) on the dask array: alpha_ = "
        if importlib.util.find_spec("dask") is not None
        else r"dask is not installed: skipped"
    ),
    r"mean 1e6: raw sums keep [3-6] digits, merged centred moments keep 1\d",
]

# What an example may leave in its working directory besides its own figure.
EXTRA_FILES = {
    "custom_op_and_gradcheck": {"custom_op_and_gradcheck_graph.png"},
    "choose_alpha": {"choose_alpha_mlp_grid.png"},
}


def run_example(script: Path, cwd: Path, pythonpath_first: Path | None = None):
    """Run ``script`` in fast mode in ``cwd``; returns the CompletedProcess."""
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    if pythonpath_first is not None:
        paths.insert(0, str(pythonpath_first))
    env = {
        **os.environ,
        "TINYREG_EXAMPLES_FAST": "1",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """``fast_run(name)`` -> (CompletedProcess, cwd): each example runs once per module."""
    runs = {}

    def run(name):
        if name not in runs:
            cwd = tmp_path_factory.mktemp(name)
            runs[name] = (run_example(EXAMPLES_DIR / f"{name}.py", cwd), cwd)
        return runs[name]

    return run


def test_examples_are_exactly_the_expected_ones():
    assert {p.stem for p in SCRIPTS} == EXPECTED_EXAMPLES
    assert set(EXPECTED_OUTPUT) == EXPECTED_EXAMPLES


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_runs_and_reports(script, fast_run):
    result, cwd = fast_run(script.stem)
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    assert "Warning" not in result.stderr, result.stderr
    for pattern in EXPECTED_OUTPUT[script.stem]:
        assert re.search(pattern, result.stdout), f"{pattern!r} not in the output:\n{result.stdout}"

    figure = cwd / f"{script.stem}.png"
    if HAVE_MATPLOTLIB:
        assert figure.is_file(), f"{figure.name} was not written"
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"figure saved to {figure}" in result.stdout
    written = {p.name for p in cwd.iterdir()}
    assert written <= {figure.name, *EXTRA_FILES.get(script.stem, ())}, written


def test_exact_zeros_only_from_the_proximal_step(fast_run):
    result, _ = fast_run("exact_zeros")
    assert result.returncode == 0, result.stderr
    match = re.search(
        r"exact zeros: subgradient (\d+), proximal (\d+), coordinate descent (\d+)", result.stdout
    )
    subgradient, proximal, coordinate_descent = map(int, match.groups())
    assert proximal > 0
    assert subgradient < proximal
    assert proximal == coordinate_descent


def test_l2_and_dropout_beat_no_regularization_in_fast_mode_too(fast_run):
    result, _ = fast_run("l2_plus_dropout")
    assert result.returncode == 0, result.stderr
    final_test = {
        name: float(test)
        for name, test in re.findall(
            r"^ *(none|L2|dropout|L2 \+ dropout) +[\d.]+ +([\d.]+)",
            result.stdout,
            flags=re.MULTILINE,
        )
    }
    assert set(final_test) == {"none", "L2", "dropout", "L2 + dropout"}
    assert final_test["L2"] < final_test["none"]
    assert final_test["dropout"] < final_test["none"]


def test_classify_moons_fits_both_data_sets_in_fast_mode_too(fast_run):
    result, _ = fast_run("classify_moons")
    assert result.returncode == 0, result.stderr
    rows = re.findall(
        r"^(moons|spirals) +(none|L2 1e-2|dropout 0\.3) +([\d.]+) +([\d.]+)$",
        result.stdout,
        flags=re.MULTILINE,
    )
    accuracy = {(data, name): (float(train), float(test)) for data, name, train, test in rows}
    assert len(accuracy) == 6
    # A linear classifier gets about 0.85 on these moons and below 0.5 on three spirals; the
    # unregularized 128-128 network can fit the training points of either (up to a few that
    # the noise puts inside another class), and each setting stays well above chance.
    for data in ("moons", "spirals"):
        assert accuracy[data, "none"][0] >= 0.95
    for (data, _), (train, test) in accuracy.items():
        assert train >= 0.85 and test >= 0.8, (data, train, test)


def test_digits_cnn_learns_the_digits_in_fast_mode_too(fast_run):
    result, _ = fast_run("digits_cnn")
    assert result.returncode == 0, result.stderr
    rows = re.findall(
        r"^ *(none|L2|Dropout2d|BatchNorm|augment|group lasso) +([\d.]+) ± [\d.]+ +([\d.]+) ±",
        result.stdout,
        flags=re.MULTILINE,
    )
    assert len(rows) == 6
    # Ten classes: chance is 0.1. Even a dozen epochs on 150 images take every version far
    # above it (a linear classifier on the raw pixels reaches about 0.9 on these digits).
    for name, train, test in rows:
        assert float(train) >= 0.6 and float(test) >= 0.5, (name, train, test)
    removed = re.search(
        r"removed [\d.]+ of 24 filters on average \(per seed: \[([\d, ]+)\]\)", result.stdout
    )
    assert removed and all(0 <= int(n) <= 24 for n in removed.group(1).split(","))


def hide_package(directory: Path, name: str) -> Path:
    """A directory holding a package ``name`` that fails to import, to put first on PYTHONPATH."""
    (directory / name).mkdir(parents=True)
    (directory / name / "__init__.py").write_text(
        f'raise ImportError("{name} hidden by tests/test_examples.py")\n'
    )
    return directory


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_runs_without_matplotlib(script, tmp_path):
    hidden = hide_package(tmp_path / "hidden", "matplotlib")
    cwd = tmp_path / "run"
    cwd.mkdir()
    result = run_example(script, cwd, pythonpath_first=hidden)
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    assert re.search(r"^matplotlib is not installed: no figure", result.stdout, flags=re.MULTILINE)
    assert not (cwd / f"{script.stem}.png").exists()


@pytest.mark.skipif(
    not (HAVE_SKLEARN and HAVE_MATPLOTLIB), reason="needs scikit-learn and matplotlib"
)
def test_choose_alpha_draws_the_mlp_grid_and_picks_its_best_cell(fast_run):
    result, cwd = fast_run("choose_alpha")
    assert result.returncode == 0, result.stderr
    assert (cwd / "choose_alpha_mlp_grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    section = result.stdout[result.stdout.index("GridSearchCV (scikit-learn)") :]
    rows = re.findall(r"^ +(\de[+-]\d\d)((?: +[\d.]+)+)$", section, flags=re.MULTILINE)
    grid = {float(alpha): [float(v) for v in values.split()] for alpha, values in rows}
    alpha, dropout, best = re.search(
        r"picks alpha = ([\d.e+-]+), dropout = ([\d.]+) \(CV RMSE ([\d.]+)k", section
    ).groups()
    header = re.search(r"^ +((?:dropout [\d.]+ *)+)$", section, flags=re.MULTILINE).group(1)
    dropouts = [float(d) for d in re.findall(r"dropout ([\d.]+)", header)]
    chosen = grid[float(alpha)][dropouts.index(float(dropout))]
    assert chosen == float(best) == min(min(row) for row in grid.values())


def test_custom_op_example_runs_without_hypothesis(tmp_path):
    hidden = hide_package(tmp_path / "hidden", "hypothesis")
    cwd = tmp_path / "run"
    cwd.mkdir()
    result = run_example(EXAMPLES_DIR / "custom_op_and_gradcheck.py", cwd, pythonpath_first=hidden)
    assert result.returncode == 0, result.stderr
    assert "hypothesis is not installed: property tests skipped" in result.stdout
    assert "raised GradcheckError" in result.stdout  # the rest still runs


# Three examples open with code written for scikit-learn or PyTorch, run on tinyreg
# with only its import lines changed (tests/_library_code.py reads the marked block).


@pytest.mark.parametrize("example", sorted(LIBRARY_IMPORTS))
def test_library_code_in_the_examples_names_nothing_of_tinyreg(example):
    block = library_block(example)
    assert "tinyreg" not in block
    compile(block, f"{example}.py", "exec")
    # and the example imports exactly the names the block needs, from tinyreg
    _, _, ours = LIBRARY_IMPORTS[example]
    source = (EXAMPLES_DIR / f"{example}.py").read_text(encoding="utf-8")
    for line in ours.splitlines():
        assert re.search(rf"^{re.escape(line)}$", source, flags=re.MULTILINE), line


class _NoPlot:
    """pyplot's functions, doing nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


# What each block needs from the lines before it in its example.
PRELUDES = {
    "house_prices_linear": "",
    "dropout_mlp": "",
    "visualize_regularization": (
        "lr = LinearRegression()\nlasso = Lasso(alpha=0.1)\nridge = Ridge(alpha=0.1)\n"
        "np.random.seed(0)\n"
    ),
}


def run_library_block(example, imports):
    """Run the block after ``imports`` (and its prelude); returns its namespace and output."""
    namespace = {"plt": _NoPlot()}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(imports + PRELUDES[example] + library_block(example), namespace)
    return namespace, out.getvalue()


@pytest.mark.parametrize("example", ["house_prices_linear", "visualize_regularization"])
def test_linear_model_blocks_give_scikit_learns_results(example):
    library, theirs_imports, ours_imports = LIBRARY_IMPORTS[example]
    pytest.importorskip(library)
    theirs, _ = run_library_block(example, theirs_imports)
    ours, _ = run_library_block(example, ours_imports)
    # One feature: every solver's answer is a closed form (coordinate descent on one
    # coordinate minimizes exactly in its first update) of the centred sums, each within
    # γ_n·(1 + |mean|/spread) of its value: centring cancels the mean's leading digits.
    # The intercept ȳ − x̄·w cancels too: it inherits x̄·w's error, absolutely.
    X, y = ours["X"][:, 0], ours["y"]
    n = len(y)
    cancellation = 1 + abs(X.mean()) / X.std() + abs(y.mean()) / y.std()
    rtol = 4 * gamma(n + 4) * cancellation  # two libraries, a few operations each
    for name in ("lr", "lasso", "ridge"):
        w = float(ours[name].coef_[0])
        np.testing.assert_allclose(ours[name].coef_, theirs[name].coef_, rtol=rtol)
        atol = abs(X.mean() * w) * rtol + 4 * EPS * (abs(y.mean()) + abs(X.mean() * w))
        np.testing.assert_allclose(ours[name].intercept_, theirs[name].intercept_, atol=atol)


def test_pytorch_block_prints_what_pytorch_prints():
    library, theirs_imports, ours_imports = LIBRARY_IMPORTS["dropout_mlp"]
    pytest.importorskip(library)
    _, theirs = run_library_block("dropout_mlp", theirs_imports)
    _, ours = run_library_block("dropout_mlp", ours_imports)
    # the one difference: tinyreg's dropout has no in-place mode to print
    assert ours == theirs.replace("Dropout(p=0.5, inplace=False)", "Dropout(p=0.5)")
    assert ours.startswith("SimpleNN(\n  (network): Sequential(")
