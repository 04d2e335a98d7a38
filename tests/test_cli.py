"""``python -m tinyreg``: the demo's table is honest, and bad arguments fail cleanly."""

import inspect
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinyreg
from tinyreg import cli, penalties
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


@pytest.mark.parametrize(
    "args, message",
    [
        (["--samples", "5"], "at least 20"),
        (["--samples", "many"], "whole number"),
        (["--seed", "-1"], "at least 0"),
        (["--epochs", "0"], "at least 1"),
        (["--bogus"], "unrecognized arguments"),
        (["fly"], "invalid choice"),
        (["tour", "--epochs", "3"], "tour takes only --seed; --epochs is an option of the demo"),
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


# -- the tour -----------------------------------------------------------------------


def run_tour(capsys, *args):
    assert main(["tour", *args]) == 0
    return capsys.readouterr().out


def numbers(text):
    """The numbers of a printed array such as ``[ 0.1257, -0.1321]``."""
    return np.array([float(v) for v in text.strip().strip("[]").split(",")])


def printed(out, label):
    """The arrays printed on the line starting with ``label``, in order."""
    (line,) = [line for line in out.splitlines() if line.strip().startswith(label)]
    return [numbers(a) for a in re.findall(r"\[[^\]]*\]", line)]


ROUNDING = 0.5e-4 + 1e-12  # the tour prints 4 decimals: a printed value is within this


@pytest.mark.parametrize("seed", [0, 3])
def test_tour_prints_the_analytic_gradients_of_its_loss(capsys, seed):
    out = run_tour(capsys, "--seed", str(seed))
    leaves = cli.tour_problem(seed)  # the tour's data and weights for this seed
    x, y, w, b = (leaves[name].data for name in ("x", "y", "w", "b"))
    r = x @ w + b - y
    # loss = mean(r²) + 0.1·Σw², so ∇w = (2/n)·xᵀr + 0.2·w and ∇b = (2/n)·Σr
    analytic = {"w.grad": 2 / len(r) * x.T @ r + 0.2 * w, "b.grad": [2 / len(r) * r.sum()]}
    for label, expected in analytic.items():
        engine, by_hand = printed(out, label)
        np.testing.assert_array_equal(engine, by_hand)
        assert np.all(np.abs(engine - expected) <= ROUNDING), (label, engine, expected)
    (shown_w,) = [numbers(a) for a in re.findall(r"with w = (\[[^\]]*\])", out)]
    assert np.all(np.abs(shown_w - w) <= ROUNDING)  # --seed chose the weights


def test_tour_prints_the_recorded_graph_from_the_loss_to_its_leaves(capsys):
    out = run_tour(capsys)
    graph = out[out.index("t.inputs indented") :].split("\n\n")[1].splitlines()
    assert graph[0].split() == ["add", "shape", "()"]  # the loss's own op comes first
    ops = [line.split()[0] for line in graph if "shape" in line and "data" not in line]
    assert {"matmul", "sub", "power", "mean", "sum", "mul"} <= set(ops)
    leaves = [line.strip() for line in graph if line.split()[0] in ("x", "y", "w", "b")]
    assert "x  shape (3, 2)  data" in leaves and "y  shape (3,)  data" in leaves
    # w feeds the data term and the penalty: the walk reaches it twice
    weights = [leaf for leaf in leaves if leaf[0] in "wb"]
    assert [leaf[0] for leaf in weights] == ["w", "b", "w"]
    assert all(leaf.endswith("requires_grad: a leaf the gradient reaches") for leaf in weights)
    # each input is indented one level under the op that used it
    depth = [(len(line) - len(line.lstrip())) // 4 for line in graph]
    assert depth[0] == 1 and all(b <= a + 1 for a, b in itertools.pairwise(depth))


def test_tour_shows_an_op_with_its_vjp_and_gradchecks_it(capsys):
    out = run_tour(capsys)
    source = inspect.getsource(cli.make_softplus)
    assert source in out and "@tinyreg.op" in source and "softplus.defvjp(" in source
    engine, by_hand = printed(out, "z.grad")
    np.testing.assert_array_equal(engine, by_hand)
    assert "tinyreg.gradcheck(softplus, [z]) = True" in out
    # the op the tour shows is a working op: its VJP is the derivative, σ(z)
    softplus = cli.make_softplus()
    z = tinyreg.tensor([-3.0, 0.0, 2.0], requires_grad=True)
    softplus(z).sum().backward()
    np.testing.assert_allclose(z.grad, 1 / (1 + np.exp(-z.data)), rtol=4 * np.finfo(float).eps)


def test_tour_prox_step_prints_exact_zeros_where_the_weight_is_within_the_threshold(capsys):
    out = run_tour(capsys)
    (before,) = printed(out, "before:")
    (after,) = printed(out, "after:")
    alpha, t = 0.5, 0.2
    match = re.search(r"penalties\.L1\(([\d.]+)\)\.prox\(w, t=([\d.]+)\)", out)
    assert (float(match.group(1)), float(match.group(2))) == (alpha, t)
    zeroed = [int(i) for i in re.findall(r"w\[(\d+)\] = \S+ became exactly 0\.0:", out)]
    exact = penalties.L1(alpha).prox(before, t)  # the printed weights are exact decimals
    assert zeroed == list(np.flatnonzero(np.abs(before) <= t * alpha)) == [1, 3, 4]
    assert np.all(exact[zeroed] == 0.0) and np.all(exact[np.abs(before) > t * alpha] != 0.0)
    assert np.all(np.abs(after - exact) <= ROUNDING)


def test_tour_ends_with_the_files_to_read_next_in_order(capsys):
    out = run_tour(capsys)
    reading = out[out.index("(d) Where to read next") :].splitlines()[1:]
    listed = [line.split()[0] for line in reading]
    assert listed == [
        "tinyreg/autograd.py",
        "tinyreg/ops.py",
        "tinyreg/penalties.py",
        "tinyreg/optim.py",
        "docs/internals.md",
        "docs/regularization.md",
    ]
    assert all((ROOT / path).is_file() for path in listed)


def test_tour_is_deterministic_and_its_seed_changes_the_weights(capsys):
    first, again, other = run_tour(capsys), run_tour(capsys), run_tour(capsys, "--seed", "1")
    assert first == again
    assert first != other
    assert len(first.splitlines()) <= 80  # two screens


def demo_only_options():
    """Every option the parser accepts that is not the tour's (nor --help or --version)."""
    return [
        action
        for action in build_parser()._actions
        if action.option_strings and action.dest not in ("help", "version", *cli.TOUR_OPTIONS)
    ]


@pytest.mark.parametrize("action", demo_only_options(), ids=lambda action: action.dest)
@pytest.mark.parametrize("where", ["after", "before"])
def test_tour_rejects_every_option_of_the_demo(capsys, action, where):
    flag = action.option_strings[0]
    option = [flag] if action.nargs == 0 else [flag, str(action.default or "demo.png")]
    argv = ["tour", *option] if where == "after" else [*option, "tour"]
    with pytest.raises(SystemExit) as exit_:  # given even at its default value
        main(argv)
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"error: tour takes only --seed; {flag} is an option of the demo" in captured.err


def test_tour_names_every_demo_option_it_was_given(capsys):
    with pytest.raises(SystemExit):
        main(["tour", "--quiet", "--ep", "3", "--seed", "2"])  # abbreviations count too
    assert "--epochs, --quiet are options of the demo" in capsys.readouterr().err


def test_the_demo_takes_its_options_and_their_defaults():
    args = cli.parse_args(build_parser(), ["--epochs", "3"])
    assert (args.command, args.epochs, args.samples, args.plot, args.quiet) == (
        "demo",
        3,
        200,
        None,
        False,
    )


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


def test_a_reader_that_stops_early_gets_no_traceback():
    """``python -m tinyreg tour | head -3``: a closed pipe ends the program quietly."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tinyreg", "tour"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr and b"BrokenPipeError" not in done.stderr
