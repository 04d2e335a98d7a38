"""Run every script in ``examples/`` in fast mode and check what it prints and saves.

Each example runs in a subprocess, as a user would run it, with
``TINYREG_EXAMPLES_FAST=1`` (small workloads), ``MPLBACKEND=Agg``, the
current directory set to a fresh temporary directory (where the figure must
appear) and ``PYTHONPATH`` pointing at this checkout. BLAS is held to one
thread: the examples' matrices are tiny, and on a busy 2-core machine
OpenBLAS threads make them many times slower, not faster.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
    "gradient_penalty",
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


# The seed tutorial's code must run with only its import lines changed. The seed lives
# in shared/ beside the repository (where the project keeps it); without it, skip.
SEED = ROOT.parent / "shared" / "seed" / "000_6b439bdd6ba3919a.txt"
SEED_BLOCKS = [  # (example, where the seed's block starts after its imports)
    ("house_prices_linear", "# Dataset"),
    ("dropout_mlp", "# Define"),
    ("visualize_regularization", "# Generate"),
]


@pytest.mark.skipif(not SEED.is_file(), reason=f"seed tutorial not found at {SEED}")
@pytest.mark.parametrize(("example", "start"), SEED_BLOCKS, ids=[e for e, _ in SEED_BLOCKS])
def test_seed_code_is_kept_verbatim(example, start):
    def normalized(text):
        return re.sub(r"\s+", " ", text).strip()

    seed_blocks = [normalized(b) for b in re.findall(r"`(import [^`]+)`", SEED.read_text())]
    (seed_code,) = [b[b.index(start) :] for b in seed_blocks if start in b]
    source = (EXAMPLES_DIR / f"{example}.py").read_text()
    begin = source.index("\n", source.index("# ---- the seed's code, verbatim")) + 1
    end = source.index("# ---- end of the seed's code")
    assert normalized(source[begin:end]) == seed_code
