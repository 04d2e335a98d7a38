"""``python -m tinyreg``: the seed tutorial's story, measured.

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

``python -m tinyreg tour`` prints a one-screen tour of the autograd engine.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

import tinyreg
from tinyreg import datasets, linear, nn, optim, penalties
from tinyreg import functional as F
from tinyreg.train import fit

__all__ = ["main"]


@dataclass
class Result:
    """One row of the comparison table."""

    name: str
    train_rmse: float
    test_rmse: float
    zeros: int
    n_weights: int
    coef: np.ndarray | None = None
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
    ridge_cv = linear.RidgeCV(alphas=np.logspace(-3, 3, 25)).fit(X_train, y_train)
    # Grids down from the smallest alpha that zeroes every weight, max|Xᵀy|/(n·l1_ratio).
    alpha_max = np.max(np.abs(X_train.T @ (y_train - y_train.mean()))) / len(y_train)
    lasso_alpha = _cv_alpha(
        lambda a: linear.Lasso(alpha=a, max_iter=5000),
        alpha_max * np.logspace(-3, 0, 25),
        X_train,
        y_train,
        folds=5,
        seed=seed,
    )
    enet_alpha = _cv_alpha(
        lambda a: linear.ElasticNet(alpha=a, l1_ratio=0.5, max_iter=5000),
        2 * alpha_max * np.logspace(-6, 0, 40),
        X_train,
        y_train,
        folds=5,
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
        ("MLP: L2 penalty", 0.0, penalties.L2(1e-2)),
        ("MLP: dropout 0.3", 0.3, None),
        ("MLP: L2 + dropout", 0.3, penalties.L2(1e-2)),
        ("MLP: L1 penalty", 0.0, penalties.L1(0.1)),
    ]
    results = []
    for name, p, penalty in variants:
        tinyreg.manual_seed(seed)
        model = nn.Sequential(
            nn.Linear(X_train.shape[1], 64), nn.ReLU(), nn.Dropout(p), nn.Linear(64, 1)
        )
        opt = optim.Adam(model.parameters(), lr=1e-2, penalty=penalty)
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
            seed=seed,
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

    matplotlib.use("Agg")
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
        n_samples=args.samples, n_noise_features=args.noise_features, seed=args.seed
    )
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        data.X, data.y, test_size=0.5, seed=args.seed
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
    lasso_coef = linear_results[2].coef
    assert lasso_coef is not None  # linear models record their coefficients
    print(feature_report(data.feature_names, data.coef, lasso_coef))
    print(network_feature_report(data.feature_names, data.coef, mlp_results[-1]))
    if args.plot:
        try:
            plot(
                args.plot, data.feature_names, data.coef, scaler.scale_, linear_results, mlp_results
            )
        except ImportError:
            print('\n--plot needs matplotlib: pip install "tinyreg[plot]"', file=sys.stderr)
            return 1
        print(f"\nFigure written to {args.plot}")
    print(f"\n({time.perf_counter() - start:.1f} s)")
    return 0


def tour(args: argparse.Namespace | None = None) -> int:
    """Print a one-screen worked example of the engine."""
    print(f"tinyreg {tinyreg.__version__}: numpy-only autograd built around regularization\n")
    tinyreg.manual_seed(0)
    x = tinyreg.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = tinyreg.tensor([[1.0], [0.0]])
    w1 = tinyreg.randn(2, 3, requires_grad=True)
    w2 = tinyreg.randn(3, 1, requires_grad=True)
    print(">>> h = (x @ w1).relu(); pred = h @ w2")
    h = (x @ w1).relu()
    pred = h @ w2
    loss = ((pred - y) ** 2).mean() + 0.01 * (w1**2).sum()
    print(">>> loss = ((pred - y) ** 2).mean() + 0.01 * (w1 ** 2).sum()")
    print(f"loss = {loss.item():.6f}")
    print(">>> loss.backward()")
    loss.backward()
    with np.printoptions(precision=4, suppress=True):
        print(f"w1.grad =\n{w1.grad}\nw2.grad =\n{w2.grad}")
    ok = tinyreg.gradcheck(lambda a, b: (((x @ a).relu() @ b - y) ** 2).mean(), [w1, w2])
    print(f"\nChecked against finite differences: tinyreg.gradcheck(...) -> {ok}")
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
        "features, and compare them on held-out data.",
        epilog="Commands: 'demo' (the default) runs the comparison; 'tour' prints a one-screen "
        "tour of the autograd engine.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="demo",
        choices=["demo", "tour"],
        help="what to run (default: demo)",
    )
    parser.add_argument(
        "--seed", type=_at_least(0), default=0, help="random seed for data, split and training"
    )
    parser.add_argument(
        "--samples", type=_at_least(20), default=200, help="number of houses (default 200)"
    )
    parser.add_argument(
        "--noise-features",
        type=_at_least(0),
        default=10,
        help="irrelevant features added to the real ones (default 10)",
    )
    parser.add_argument(
        "--epochs", type=_at_least(1), default=500, help="MLP training epochs (default 500)"
    )
    parser.add_argument(
        "--plot", metavar="PATH", help="write a PNG of curves and coefficients (needs matplotlib)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    parser.add_argument("--version", action="version", version=f"tinyreg {tinyreg.__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m tinyreg``; returns the exit status."""
    args = build_parser().parse_args(argv)
    return tour(args) if args.command == "tour" else demo(args)


if __name__ == "__main__":
    sys.exit(main())
