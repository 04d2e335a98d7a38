"""``python -m tinyreg``: regularization on a house-price problem, measured.

House prices from size, bedrooms and a location score, plus features that
have nothing to do with the price. On a held-out split it fits

* linear models: no penalty, Ridge (L2), Lasso (L1) and ElasticNet, each
  penalty strength chosen by cross-validation on the training half only;
* a small MLP (Linear-ReLU-Dropout-Linear) trained with no regularization,
  with an L2 penalty, with dropout, with both, and with an L1 penalty;

and prints train and test error, how many weights are exactly zero, which
features Lasso kept against the ones that really drive the price, and which
input features the L1-penalized MLP dropped (all their first-layer weights
exactly zero: the optimizer's proximal step).

``python -m tinyreg tour`` shows the autograd engine at work: the graph a
loss records and its gradients, an op defined with its VJP, and a proximal
L1 step that gives exact zeros; then where to read next.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

import tinyreg
from tinyreg import datasets, linear, nn, optim, penalties
from tinyreg import functional as F
from tinyreg.autograd import Op, Tensor
from tinyreg.train import fit

__all__ = ["main"]

# The demo's fixed settings (``--help`` prints them).
TEST_FRACTION = 0.5  # of the houses, held out
CV_FOLDS = 5  # to choose each linear model's alpha on the training half
HIDDEN = 64  # units of the MLP's hidden layer
MLP_LR = 1e-2  # Adam's learning rate
MLP_L2 = 1e-2  # alpha of the MLP's L2 penalty
MLP_DROPOUT = 0.3  # dropout probability
MLP_L1 = 0.1  # alpha of the MLP's L1 penalty


@dataclass
class Result:
    """One row of the comparison table."""

    name: str
    train_rmse: float
    test_rmse: float
    zeros: int
    n_weights: int
    coef: np.ndarray = field(default_factory=lambda: np.empty(0))  # linear models only
    first_layer: np.ndarray | None = None  # an MLP's input weights, (hidden, n_features)
    curves: dict[str, list[float]] = field(default_factory=dict)


class Progress:
    """A single progress line on stderr, only when stderr is a terminal and not --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()

    def __call__(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K" + text)
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _rmse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.ravel(y) - np.ravel(pred)) ** 2)))


def _cv_alpha(
    make: Callable[[float], Any],
    alphas: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    folds: int,
    seed: int,
) -> float:
    """The alpha with the lowest k-fold cross-validated squared error (training data only)."""
    order = np.random.default_rng(seed).permutation(len(y))
    parts = np.array_split(order, folds)
    errors = np.zeros(len(alphas))
    for k in range(folds):
        test = parts[k]
        train = np.concatenate([parts[j] for j in range(folds) if j != k])
        for i, alpha in enumerate(alphas):
            model = make(alpha).fit(X[train], y[train])
            errors[i] += np.sum((model.predict(X[test]) - y[test]) ** 2)
    return float(alphas[int(np.argmin(errors))])


def linear_models(X_train, y_train, X_test, y_test, seed: int) -> list[Result]:
    """Unpenalized, Ridge, Lasso and ElasticNet fits, alphas chosen by CV on the training set."""
    ridge_cv = linear.RidgeCV(alphas=np.logspace(-3, 3, 25))
    ridge_cv.fit(X_train, y_train)
    # Grids down from the smallest alpha that zeroes every weight, max|Xᵀy|/(n·l1_ratio).
    alpha_max = np.max(np.abs(X_train.T @ (y_train - y_train.mean()))) / len(y_train)
    lasso_alpha = _cv_alpha(
        lambda a: linear.Lasso(alpha=a, max_iter=5000),
        alpha_max * np.logspace(-3, 0, 25),
        X_train,
        y_train,
        folds=CV_FOLDS,
        seed=seed,
    )
    enet_alpha = _cv_alpha(
        lambda a: linear.ElasticNet(alpha=a, l1_ratio=0.5, max_iter=5000),
        2 * alpha_max * np.logspace(-6, 0, 40),
        X_train,
        y_train,
        folds=CV_FOLDS,
        seed=seed,
    )
    models = [
        ("linear: no penalty", linear.LinearRegression()),
        (f"linear: Ridge (alpha={ridge_cv.alpha_:.3g})", linear.Ridge(alpha=ridge_cv.alpha_)),
        (
            f"linear: Lasso (alpha={lasso_alpha:.3g})",
            linear.Lasso(alpha=lasso_alpha, max_iter=5000),
        ),
        (
            f"linear: ElasticNet (alpha={enet_alpha:.3g}, l1_ratio=0.5)",
            linear.ElasticNet(alpha=enet_alpha, l1_ratio=0.5, max_iter=5000),
        ),
    ]
    results = []
    for name, model in models:
        model.fit(X_train, y_train)
        results.append(
            Result(
                name,
                _rmse(y_train, model.predict(X_train)),
                _rmse(y_test, model.predict(X_test)),
                int(np.sum(model.coef_ == 0.0)),
                model.coef_.size,
                coef=model.coef_.copy(),
            )
        )
    return results


def mlp_models(
    X_train, y_train, X_test, y_test, *, epochs: int, seed: int, progress: Progress
) -> list[Result]:
    """The MLP with no regularization, L2, dropout, both, and L1 (targets standardized)."""
    y_mean, y_scale = float(y_train.mean()), float(y_train.std())
    yt_train = ((y_train - y_mean) / y_scale).reshape(-1, 1)
    yt_test = ((y_test - y_mean) / y_scale).reshape(-1, 1)
    variants = [
        ("MLP: no regularization", 0.0, None),
        ("MLP: L2 penalty", 0.0, penalties.L2(MLP_L2)),
        (f"MLP: dropout {MLP_DROPOUT}", MLP_DROPOUT, None),
        ("MLP: L2 + dropout", MLP_DROPOUT, penalties.L2(MLP_L2)),
        ("MLP: L1 penalty", 0.0, penalties.L1(MLP_L1)),
    ]
    results = []
    for name, p, penalty in variants:
        tinyreg.manual_seed(seed)
        model = nn.Sequential(
            nn.Linear(X_train.shape[1], HIDDEN), nn.ReLU(), nn.Dropout(p), nn.Linear(HIDDEN, 1)
        )
        opt = optim.Adam(model.parameters(), lr=MLP_LR, penalty=penalty)
        started = time.perf_counter()

        def report(epoch: int, _name: str = name, _started: float = started) -> None:
            progress(
                f"training {_name}: epoch {epoch}/{epochs} ({time.perf_counter() - _started:.1f} s)"
            )

        history = fit(
            model,
            F.mse_loss,
            opt,
            X_train,
            yt_train,
            epochs=epochs,
            validation=(X_test, yt_test),
            generator=seed,
            callback=report,
        )
        model.eval()
        with tinyreg.no_grad():
            pred_train = model(tinyreg.tensor(X_train)).data * y_scale + y_mean
            pred_test = model(tinyreg.tensor(X_test)).data * y_scale + y_mean
        weights = [p for p in model.parameters() if p.regularize]
        results.append(
            Result(
                name,
                _rmse(y_train, pred_train),
                _rmse(y_test, pred_test),
                sum(int(np.sum(w.data == 0.0)) for w in weights),
                sum(w.size for w in weights),
                curves={"train": history.train_loss, "test": history.val_loss},
                first_layer=model[0].weight.data.copy(),
            )
        )
    progress.done()
    return results


def format_table(results: Sequence[Result], unit: float = 1000.0) -> str:
    """A markdown table of the results, errors in thousands of dollars."""
    lines = [
        "| model | train RMSE ($k) | test RMSE ($k) | exact-zero weights |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.train_rmse / unit:.1f} | {r.test_rmse / unit:.1f} | "
            f"{r.zeros} / {r.n_weights} |"
        )
    return "\n".join(lines)


def feature_report(names: Sequence[str], true_coef: np.ndarray, lasso_coef: np.ndarray) -> str:
    """Which features Lasso kept, against those with a nonzero true coefficient."""
    true = {n for n, c in zip(names, true_coef, strict=True) if c != 0}
    kept = [n for n, c in zip(names, lasso_coef, strict=True) if c != 0]
    irrelevant = len(names) - len(true)
    dropped = sum(1 for n, c in zip(names, lasso_coef, strict=True) if c == 0 and n not in true)
    missed = sorted(true - set(kept))
    return (
        f"Lasso kept {len(kept)} of {len(names)} features: {', '.join(kept)}\n"
        f"The price really depends on: {', '.join(n for n in names if n in true)}\n"
        f"Lasso set {dropped} of the {irrelevant} irrelevant features to exactly zero"
        + (f"; it missed {', '.join(missed)}" if missed else ", and kept every real one")
    )


def network_feature_report(names: Sequence[str], true_coef: np.ndarray, result: Result) -> str:
    """Which input features an MLP dropped: those whose first-layer weights are all exactly 0."""
    assert result.first_layer is not None
    dropped = [n for n, column in zip(names, result.first_layer.T, strict=True) if not column.any()]
    real = {n for n, c in zip(names, true_coef, strict=True) if c != 0}
    noise = [n for n in dropped if n not in real]
    lost = [n for n in dropped if n in real]
    return (
        f"{result.name} dropped {len(dropped)} input features (every first-layer weight "
        f"exactly 0): {', '.join(dropped) or 'none'}\n"
        f"that is {len(noise)} of the {len(names) - len(real)} irrelevant features"
        + (f", and the real {', '.join(lost)}" if lost else ", and no real one")
    )


def check_plot(path: str) -> str | None:
    """Why the figure could not be written to ``path`` (None if it can): checked before training."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return 'needs matplotlib, which is not installed: pip install ".[plot]"'

    directory = os.path.dirname(os.path.abspath(path))
    formats = Figure().canvas.get_supported_filetypes()
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    if os.path.isdir(path):
        return f"{path!r} is a directory; give a file name such as {path.rstrip('/')}/demo.png"
    if not os.path.isdir(directory):
        return f"cannot write {path!r}: the directory {directory!r} does not exist"
    if not os.access(directory, os.W_OK):
        return f"cannot write {path!r}: the directory {directory!r} is not writable"
    if suffix not in formats:
        known = ", ".join(f".{f}" for f in sorted(formats))
        return f"cannot tell the figure format of {path!r}: end it with one of {known}"
    return None


def plot(
    path: str,
    names: Sequence[str],
    true_coef: np.ndarray,
    scale: np.ndarray,
    linear_results: Sequence[Result],
    mlp_results: Sequence[Result],
) -> None:
    """Train/test curves of the MLPs beside the linear models' coefficients."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    fig, (curves, coefs) = plt.subplots(1, 2, figsize=(14, 5.5))
    for r, color in zip(mlp_results, ["C0", "C1", "C2", "C3", "C4"], strict=False):
        curves.plot(
            r.curves["train"], color=color, linestyle="--", alpha=0.8, label=f"{r.name} (train)"
        )
        curves.plot(r.curves["test"], color=color, label=f"{r.name} (test)")
    top = max(max(r.curves["test"]) for r in mlp_results)
    curves.set_ylim(0, 1.1 * top)
    curves.set_xlabel("epoch")
    curves.set_ylabel("MSE (standardized price)")
    curves.set_title("MLP: train (dashed) vs test (solid)")
    curves.legend(fontsize=7)
    positions = np.arange(len(names))
    width = 0.8 / (len(linear_results) + 1)
    coefs.bar(positions, true_coef * scale, width, color="black", label="true")
    for k, r in enumerate(linear_results, start=1):
        coefs.bar(positions + k * width, r.coef, width, label=r.name.split(" (")[0])
    coefs.set_xticks(
        positions + width * len(linear_results) / 2, names, rotation=60, ha="right", fontsize=8
    )
    coefs.set_ylabel("coefficient on standardized feature ($)")
    coefs.set_title("Linear models: Lasso's exact zeros, Ridge's shrinkage")
    coefs.axhline(0, color="grey", linewidth=0.5)
    coefs.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def demo(args: argparse.Namespace) -> int:
    """Run the comparison and print the table."""
    start = time.perf_counter()
    progress = Progress(args.quiet)
    data = datasets.make_house_prices(
        n_samples=args.samples, n_noise_features=args.noise_features, generator=args.seed
    )
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        data.X, data.y, test_size=TEST_FRACTION, generator=args.seed
    )
    scaler = datasets.Standardizer().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    print(
        f"House prices: {args.samples} houses ({len(y_train)} to train, {len(y_test)} held out), "
        f"{len(data.feature_names)} features of which {int(np.sum(data.coef != 0))} matter; "
        f"seed {args.seed}.\n"
    )
    progress("fitting linear models ...")
    linear_results = linear_models(X_train, y_train, X_test, y_test, args.seed)
    mlp_results = mlp_models(
        X_train, y_train, X_test, y_test, epochs=args.epochs, seed=args.seed, progress=progress
    )
    print(format_table([*linear_results, *mlp_results]))
    print()
    print(feature_report(data.feature_names, data.coef, linear_results[2].coef))
    print(network_feature_report(data.feature_names, data.coef, mlp_results[-1]))
    if args.plot:
        plot(args.plot, data.feature_names, data.coef, scaler.scale_, linear_results, mlp_results)
        print(f"\nFigure written to {args.plot}")
    print(f"\n({time.perf_counter() - start:.1f} s)")
    return 0


# -- the tour: the engine at work, in four parts ----------------------------------
# The two functions below are printed by the tour, source and all (inspect.getsource).


def tour_loss(x: Tensor, y: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """Mean squared error of the linear model x·w + b, plus the L2 penalty 0.1·Σw²."""
    return ((x @ w + b - y) ** 2).mean() + 0.1 * (w**2).sum()


def make_softplus() -> Op:
    """softplus(x) = log(1 + eˣ), defined as an op: a forward on arrays and its VJP."""

    @tinyreg.op
    def softplus(x):
        return np.logaddexp(0.0, x)  # log(1 + eˣ), without overflow for large x

    # d/dx log(1 + eˣ) = 1/(1 + e⁻ˣ): the VJP turns g = d(loss)/d(out) into d(loss)/dx
    softplus.defvjp(lambda g, out, x: g / (1.0 + np.exp(-x)))
    return softplus


TOUR_LEAVES = ("x", "y", "w", "b")  # the names the tour gives the leaves of its loss

READ_NEXT = [
    ("tinyreg/autograd.py", "the engine: Tensor, op and defvjp, the backward walk"),
    ("tinyreg/ops.py", "every op as a forward and its VJPs: a table of derivatives"),
    ("tinyreg/penalties.py", "the penalty protocol: value, grad and prox"),
    ("tinyreg/optim.py", "the optimizers: an update, then the penalty's proximal step"),
    ("docs/internals.md", "a guided walk through the engine, linked line by line"),
    ("docs/regularization.md", "penalties, proximal steps and why they give exact zeros"),
]


def _fmt(values: Any) -> str:
    """An array on one line, 4 decimals (the tour's one number format)."""
    return np.array2string(np.asarray(values), precision=4, floatmode="fixed", separator=", ")


def tour_problem(seed: int) -> dict[str, Tensor]:
    """The tour's data x, y (constants) and weights w, b (leaves that require grad)."""
    tinyreg.manual_seed(seed)
    return {
        "x": tinyreg.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]),
        "y": tinyreg.tensor([1.0, 0.0, 2.0]),
        "w": tinyreg.randn(2, requires_grad=True),
        "b": tinyreg.zeros(1, requires_grad=True),
    }


def graph_lines(t: Any, names: dict[int, str], depth: int = 0) -> list[str]:
    """The graph recorded under ``t``, one node a line, inputs indented under their op."""
    pad = "    " * (depth + 1)
    if not isinstance(t, Tensor):
        return [f"{pad}{t!r}  (a constant)"]
    if t.op is None:
        role = "requires_grad: a leaf the gradient reaches" if t.requires_grad else "data"
        return [f"{pad}{names.get(id(t), 'leaf')}  shape {t.shape}  {role}"]
    lines = [f"{pad}{t.op.name}  shape {t.shape}"]
    for node in t.inputs or ():
        lines += graph_lines(node, names, depth + 1)
    return lines


def _tour_graph(seed: int) -> None:
    """(a): the recorded graph of a small loss, backward, and the gradients against the math."""
    leaves = tour_problem(seed)
    x, y, w, b = (leaves[name] for name in TOUR_LEAVES)
    loss = tour_loss(x, y, w, b)
    print("(a) A loss records its graph. The loss:\n")
    print(inspect.getsource(tour_loss))
    print(f"with w = {_fmt(w.data)}, b = {_fmt(b.data)} (seed {seed}). From the loss back to")
    print("the leaves (t.op.name, t.shape, then t.inputs indented):\n")
    print("\n".join(graph_lines(loss, {id(t): n for n, t in leaves.items()})))
    residual = x.data @ w.data + b.data - y.data
    by_hand = {
        "w": 2 / len(residual) * x.data.T @ residual + 0.2 * w.data,
        "b": np.atleast_1d(2 / len(residual) * residual.sum()),
    }
    loss.backward()  # walks the graph from the loss to the leaves, then frees it
    print("\nloss.backward() walks it in reverse; w is used twice, so its gradient is a sum:")
    print(f"    w.grad = {_fmt(w.grad):<18}  by hand (2/n)·xᵀr + 0.2·w = {_fmt(by_hand['w'])}")
    print(f"    b.grad = {_fmt(b.grad):<18}  by hand (2/n)·Σr          = {_fmt(by_hand['b'])}")
    print("    (r = x·w + b − y, the residual; x and y are data and get no gradient)\n")


def _tour_op(seed: int) -> None:
    """(b): an op defined with ``tinyreg.op`` and ``defvjp``, used, and checked by gradcheck."""
    print("(b) Every operation is a forward on numpy arrays plus one VJP per input:\n")
    print(inspect.getsource(make_softplus))
    softplus = make_softplus()
    tinyreg.manual_seed(seed)
    z = tinyreg.randn(4, requires_grad=True)
    softplus(z).sum().backward()
    print(f"z = {_fmt(z.data)}; softplus(z).sum().backward() gives")
    print(f"    z.grad = {_fmt(z.grad)}  by hand 1/(1 + e⁻ᶻ) = {_fmt(1 / (1 + np.exp(-z.data)))}")
    checked = tinyreg.gradcheck(softplus, [z])
    print(f"tinyreg.gradcheck(softplus, [z]) = {checked}: the VJP agrees with finite differences\n")


def _tour_prox() -> None:
    """(c): one proximal L1 step, which sets the small weights to exactly 0.0."""
    alpha, t = 0.5, 0.2
    w = np.array([0.8, -0.05, 0.3, -0.1, 0.02, -0.6])
    after = penalties.L1(alpha).prox(w, t)
    print(f"(c) One proximal step of L1: penalties.L1({alpha}).prox(w, t={t}), a soft threshold")
    print(f"at t·alpha = {t * alpha:g}: prox(w, t) = argmin_z alpha·Σ|z| + ‖z − w‖²/(2t).")
    print(f"    before: w = {_fmt(w)}")
    print(f"    after:      {_fmt(after)}")
    for i in np.flatnonzero(after == 0.0):
        print(f"    w[{i}] = {w[i]:g} became exactly {float(after[i])!r}: |{w[i]:g}| ≤ t·alpha")
    print("The others moved t·alpha towards 0. z = 0 is the minimiser exactly when |w| ≤ t·alpha")
    print("(alpha·|z| has every slope in [−alpha, alpha] at 0). optim.SGD(..., penalty=L1(alpha))")
    print("takes this step after each gradient step (t = lr): a gradient step never lands on 0.0")
    print("by itself, this step does.\n")


def tour(seed: int = 0) -> int:
    """Print the tour of the engine: graph and backward, an op and its VJP, a prox step."""
    print(f"tinyreg {tinyreg.__version__}: the autograd engine at work\n")
    with np.printoptions(precision=4, suppress=True):
        _tour_graph(seed)
        _tour_op(seed)
        _tour_prox()
    print("(d) Where to read next, in this order:")
    for path, what in READ_NEXT:
        print(f"    {path:<24}{what}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m tinyreg",
        description="Fit unregularized, L2, L1 and ElasticNet linear models and an MLP with and "
        "without L2, dropout and L1 on a synthetic house-price data set with irrelevant "
        f"features, and compare them on held-out data. Fixed settings: {TEST_FRACTION:.0%} of "
        f"the houses held out; each linear model's alpha chosen by {CV_FOLDS}-fold "
        f"cross-validation on the training houses; the MLP has one hidden layer of {HIDDEN} "
        f"units and is trained by Adam (lr {MLP_LR:g}) with L2 alpha {MLP_L2:g}, dropout p "
        f"{MLP_DROPOUT:g} or L1 alpha {MLP_L1:g}.",
        epilog="Commands: 'demo' (the default) runs the comparison; 'tour' shows the autograd "
        "engine at work (a recorded graph and its gradients, an op and its VJP, a proximal L1 "
        "step) and where to read next; it takes --seed only.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="demo",
        choices=["demo", "tour"],
        help="what to run (default: demo)",
    )
    counts = [
        ("--seed", 0, 0, "random seed for data, split and training (the tour: its weights)"),
        ("--samples", 200, 20, "number of houses"),
        ("--noise-features", 10, 0, "irrelevant features added to the three real ones"),
        ("--epochs", 500, 1, "MLP training epochs"),
    ]
    for flag, default, minimum, text in counts:
        parser.add_argument(
            flag,
            type=_at_least(minimum),
            default=default,
            metavar="N",
            help=f"{text} (default {default}; at least {minimum})",
        )
    parser.add_argument(
        "--plot",
        metavar="PATH",
        help="also write a figure of curves and coefficients to PATH, e.g. demo.png "
        "(default: none; needs matplotlib)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress line on stderr (default: shown)"
    )
    parser.add_argument("--version", action="version", version=f"tinyreg {tinyreg.__version__}")
    return parser


# The options the tour honours; the parser's other options are the demo's, an error for the tour.
TOUR_OPTIONS = ("seed",)


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """The parsed command line; a usage error when the tour is given an option of the demo.

    The demo's options start unset, so that an option given at its default
    value is still seen as given; those left unset then take their defaults.
    """
    unset = object()
    demo_only = [
        action
        for action in parser._actions
        if action.option_strings and action.dest not in ("help", "version", *TOUR_OPTIONS)
    ]
    args = parser.parse_args(argv, argparse.Namespace(**{a.dest: unset for a in demo_only}))
    given = [a.option_strings[0] for a in demo_only if getattr(args, a.dest) is not unset]
    if args.command == "tour" and given:
        parser.error(
            f"tour takes only {', '.join('--' + name for name in TOUR_OPTIONS)}; "
            f"{', '.join(given)} {'is an option' if len(given) == 1 else 'are options'} "
            "of the demo"
        )
    for action in demo_only:
        if getattr(args, action.dest) is unset:
            setattr(args, action.dest, action.default)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m tinyreg``; returns the exit status."""
    parser = build_parser()
    args = parse_args(parser, argv)
    if args.command == "tour":
        return tour(args.seed)
    if args.plot:
        problem = check_plot(args.plot)
        if problem is not None:
            parser.exit(2, f"{parser.prog}: error: --plot {problem}\n")
    return demo(args)


if __name__ == "__main__":
    sys.exit(main())
