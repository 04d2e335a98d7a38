"""``python -m tinyreg``: the demo's table is honest, and bad arguments fail cleanly."""

import ast
import builtins
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tinyreg import cli
from tinyreg.cli import build_parser, main

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
    # end-to-end checks of what the demo claims, for three seeds (deterministic runs whose
    # counts rounding cannot change): Lasso drops most irrelevant features, keeps the real ones
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


def test_help_states_every_default_and_minimum():
    done = subprocess.run(
        [sys.executable, "-m", "tinyreg", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # argparse wraps lines
    parser = build_parser()
    for action in parser._actions:
        if action.dest in ("help", "version"):
            continue
        names = action.option_strings or ["{" + ",".join(action.choices or ()) + "}"]
        assert any(name in text for name in names), names
        assert "default" in (action.help or ""), action.dest
        if action.default not in (None, False):
            assert f"default {action.default}" in text or f"default: {action.default}" in text
    for option, minimum in [
        ("--seed", 0),
        ("--samples", 20),
        ("--noise-features", 0),
        ("--epochs", 1),
    ]:
        assert re.search(rf"{option} N .*?at least {minimum}\)", text), option
    for setting in (cli.TEST_FRACTION, cli.CV_FOLDS, cli.HIDDEN, cli.MLP_LR, cli.MLP_L2):
        assert f"{setting:g}" in text or f"{setting:.0%}" in text


def test_tour_shows_where_every_name_comes_from(capsys):
    """Each name the tour uses is imported or assigned in a line it shows before (or a builtin)."""
    assert main(["tour"]) == 0
    shown = [line[4:] for line in capsys.readouterr().out.splitlines() if line.startswith(">>> ")]
    assert shown == cli.TOUR.splitlines()
    bound = set(dir(builtins))
    for line in shown:
        nodes = list(ast.walk(ast.parse(line)))
        local = {
            arg.arg for node in nodes if isinstance(node, ast.Lambda) for arg in node.args.args
        }
        for node in nodes:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                assert node.id in bound | local, f"{node.id!r} is used before it is shown"
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)


def run_cli(*args, pythonpath_first=None):
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    if pythonpath_first is not None:
        paths.insert(0, str(pythonpath_first))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    return subprocess.run(
        [sys.executable, "-m", "tinyreg", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def assert_fails_in_one_line_before_training(done, *fragments):
    assert done.returncode in (1, 2)
    assert done.stdout == ""  # the demo prints its first line before any training
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    ("target", "fragments"),
    [
        ("missing/dir/demo.png", ["does not exist", "missing"]),
        (".", ["is a directory"]),
        ("demo.unknown", ["figure format", ".png"]),
    ],
)
def test_plot_path_problems_fail_in_one_line_before_training(tmp_path, target, fragments):
    pytest.importorskip("matplotlib")
    path = tmp_path if target == "." else tmp_path / target
    done = run_cli("--plot", str(path))
    assert_fails_in_one_line_before_training(done, "--plot", *fragments)


def test_plot_without_matplotlib_fails_in_one_line_before_training(tmp_path):
    hidden = tmp_path / "hidden" / "matplotlib"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text('raise ImportError("hidden by tests/test_cli.py")\n')
    done = run_cli("--plot", str(tmp_path / "demo.png"), pythonpath_first=hidden.parent)
    assert_fails_in_one_line_before_training(done, "matplotlib", 'pip install ".[plot]"')
    assert '".[plot]"' in (ROOT / "README.md").read_text(encoding="utf-8")  # the same spelling


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
