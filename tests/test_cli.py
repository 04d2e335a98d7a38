"""``python -m tinyreg``: the demo's table is honest, and bad arguments fail cleanly."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tinyreg.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run_demo(capsys, *args):
    assert main(["--quiet", "--epochs", "40", *args]) == 0
    return capsys.readouterr().out


def table_rows(out):
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.match(r"^[\d.]+$", cells[1]):
            rows[cells[0]] = cells
    return rows


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_demo_lasso_drops_irrelevant_features_and_keeps_real_ones(capsys, seed):
    out = run_demo(capsys, "--seed", str(seed))
    rows = table_rows(out)
    assert len(rows) == 9, out
    lasso = next(cells for name, cells in rows.items() if name.startswith("linear: Lasso"))
    zeros, total = (int(v) for v in lasso[3].split("/"))
    assert total == 13 and zeros >= 5
    match = re.search(r"Lasso set (\d+) of the (\d+) irrelevant features to exactly zero", out)
    dropped, irrelevant = int(match.group(1)), int(match.group(2))
    assert irrelevant == 10
    assert dropped >= irrelevant / 2
    assert "kept every real one" in out
    # least squares never gives an exact zero
    ols = rows["linear: no penalty"]
    assert ols[3].startswith("0 /")
    # the L1-penalized network zeroes most weights, and whole input features
    zeros, total = (int(v) for v in rows["MLP: L1 penalty"][3].split("/"))
    assert zeros > total / 2
    assert rows["MLP: L2 penalty"][3].startswith("0 /")  # a gradient step never lands on 0
    match = re.search(r"that is (\d+) of the 10 irrelevant features, and no real one", out)
    assert match and int(match.group(1)) >= 5, out


def test_demo_options_change_the_problem(capsys):
    out = run_demo(capsys, "--samples", "60", "--noise-features", "4", "--seed", "3")
    assert "60 houses" in out and "7 features of which 3 matter" in out


def test_demo_plot_writes_a_png(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "demo.png"
    out = run_demo(capsys, "--plot", str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(path) in out


def test_tour_runs(capsys):
    assert main(["tour"]) == 0
    out = capsys.readouterr().out
    assert ">>> print(tinyreg.gradcheck(f, [w1, w2]))" in out
    assert out.rstrip().endswith("True")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--samples", "5"], "at least 20"),
        (["--samples", "many"], "whole number"),
        (["--seed", "-1"], "at least 0"),
        (["--epochs", "0"], "at least 1"),
        (["--bogus"], "unrecognized arguments"),
        (["fly"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, message):
    done = subprocess.run(
        [sys.executable, "-m", "tinyreg", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert message in lines[0] and "Traceback" not in done.stderr


def test_help_explains_the_options():
    done = subprocess.run(
        [sys.executable, "-m", "tinyreg", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0
    for option in ("--seed", "--samples", "--noise-features", "--plot", "--quiet", "tour"):
        assert option in done.stdout


class FakeTerminal:
    """A stderr that says it is a terminal, and records what is written to it."""

    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_line_only_on_a_terminal_and_not_with_quiet(monkeypatch, capsys):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--epochs", "3"]) == 0
    assert "\r" in terminal.text and "epoch 3/3" in terminal.text
    assert terminal.text.endswith("\r\033[K")  # the line is cleared before the table is printed
    quiet = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["--epochs", "3", "--quiet"]) == 0
    assert quiet.text == ""
    capsys.readouterr()
