"""What regularization buys on ``make_house_prices``'s defaults, over many seeds.

For each seed: the default data set (200 houses, 3 real and 10 noise
features), a 50/50 split, features standardized on the training half, and
the four linear models of ``python -m tinyreg`` (least squares; Ridge,
Lasso and ElasticNet with alpha chosen by cross-validation on the training
half). Prints the mean train and test R² of each model, its test RMSE
relative to least squares, how many of the 10 noise coefficients it sets to
exactly zero, and in how many seeds it drops a real feature; then seed 0's
largest least-squares coefficient on a noise column.

Not a timing: the numbers are the same on every machine (up to rounding).
``--seeds N`` (default 30), ``--quick`` (2 seeds), ``--json PATH``.

Run: ``python benchmarks/bench_house_prices.py``
"""

from __future__ import annotations

import sys

import _common as C  # puts the checkout on sys.path
import numpy as np

from tinyreg import datasets
from tinyreg.cli import TEST_FRACTION, linear_models

SEEDS, QUICK_SEEDS = 30, 2


def one_seed(seed: int) -> list[dict]:
    data = datasets.make_house_prices(generator=seed)
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        data.X, data.y, test_size=TEST_FRACTION, generator=seed
    )
    scaler = datasets.Standardizer().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    noise = data.coef == 0
    rows = []
    for result in linear_models(X_train, y_train, X_test, y_test, seed):
        coef = result.coef
        rows.append(
            {
                "model": result.name.split(" (")[0].removeprefix("linear: "),
                "test_rmse": result.test_rmse,
                "train_r2": 1 - result.train_rmse**2 / np.var(y_train),
                "test_r2": 1 - result.test_rmse**2 / np.var(y_test),
                "noise_zeros": int(np.sum(coef[noise] == 0.0)),
                "dropped_real": int(np.sum(coef[~noise] == 0.0)),
                "max_noise_coef": float(np.abs(coef[noise]).max()),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = C.make_parser(
        __doc__.split("\n")[0],
        quick=f"{QUICK_SEEDS} seeds instead of {SEEDS} (unless --seeds says otherwise)",
        plot=False,
        threads=False,
    )
    parser.add_argument("--seeds", type=int, help=f"number of seeds (default {SEEDS})")
    args = parser.parse_args(argv)
    if args.seeds is None:
        args.seeds = QUICK_SEEDS if args.quick else SEEDS
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    C.announce(args)

    runs = []
    for seed in range(args.seeds):
        C.progress(f"seed {seed + 1} of {args.seeds}")
        runs.append(one_seed(seed))
    models = [row["model"] for row in runs[0]]
    table = []
    summary = {}
    for k, model in enumerate(models):
        rows = [run[k] for run in runs]
        ols = [run[0]["test_rmse"] for run in runs]
        entry = {
            "train_r2": float(np.mean([r["train_r2"] for r in rows])),
            "test_r2": float(np.mean([r["test_r2"] for r in rows])),
            "test_rmse_vs_ols": float(
                np.mean([r["test_rmse"] / o for r, o in zip(rows, ols, strict=True)])
            ),
            "noise_zeros": float(np.mean([r["noise_zeros"] for r in rows])),
            "seeds_dropping_a_real_feature": int(sum(r["dropped_real"] > 0 for r in rows)),
        }
        summary[model] = entry
        table.append(
            [
                model,
                f"{entry['train_r2']:.3f}",
                f"{entry['test_r2']:.3f}",
                f"{entry['test_rmse_vs_ols']:.3f}",
                f"{entry['noise_zeros']:.1f} / 10",
                f"{entry['seeds_dropping_a_real_feature']} / {args.seeds}",
            ]
        )
    print(
        f"make_house_prices defaults (200 houses, 3 real + 10 noise features), 50/50 split, "
        f"features standardized; means over {args.seeds} seeds\n"
    )
    header = [
        "model",
        "train R²",
        "test R²",
        "test RMSE / least squares",
        "noise coefficients exactly 0",
        "seeds dropping a real feature",
    ]
    print(C.table(header, table, align="lrrrrr"))
    seed0 = runs[0][0]["max_noise_coef"]
    print(
        f"\nSeed 0: least squares' largest coefficient on a noise column is ${seed0:,.0f} per "
        "standard deviation of that column."
    )
    if args.json:
        results = {"seeds": args.seeds, "quick": args.quick, "models": summary, "seed0": seed0}
        C.write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
