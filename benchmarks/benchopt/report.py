"""A benchopt run's results as a table and a figure: time to a relative suboptimality.

    python benchmarks/benchopt/report.py [RESULTS.parquet] [--figure PATH] [--level 1e-6]

Reads a results file that ``benchopt run benchmarks/benchopt`` wrote (by
default the newest in ``benchmarks/benchopt/outputs/``). For each data set,
"best" is the least objective any solver found there; a sampled fit's
relative suboptimality is (objective − best)/|best|. Prints, as a markdown
table, each solver's least wall time among its fits at or below ``--level``
("–" if none), and with ``--figure`` draws each data set's curves --
relative suboptimality (floored at 1e-16) against seconds, both axes
logarithmic, one line per solver -- into one PNG (needs matplotlib).
Needs pandas, which benchopt installs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

OUTPUTS = Path(__file__).resolve().parent / "outputs"
FLOOR = 1e-16  # where an exact result sits on a logarithmic axis


def suboptimality(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` with the column ``subopt``: (objective − best)/|best| per data set."""
    best = results.groupby("dataset_name")["objective_value"].transform("min")
    return results.assign(subopt=(results["objective_value"] - best) / best.abs())


def time_to(results: pd.DataFrame, level: float) -> pd.DataFrame:
    """Each solver's least time among its fits at relative suboptimality ≤ ``level``.

    Rows: data sets; columns: solvers; NaN where no fit got there.
    """
    reached = results[results["subopt"] <= level]
    table = reached.groupby(["dataset_name", "solver_name"])["time"].min().unstack()
    solvers = list(dict.fromkeys(results["solver_name"]))
    datasets = list(dict.fromkeys(results["dataset_name"]))
    return table.reindex(index=datasets, columns=solvers)


def markdown(table: pd.DataFrame, level: float) -> str:
    """The table of :func:`time_to` in markdown, times in ms."""

    def cell(seconds: float) -> str:
        return "–" if pd.isna(seconds) else f"{1e3 * seconds:.1f} ms"

    header = [f"data set (time to {level:g})", *table.columns]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * len(table.columns) + "|"]
    for name, row in table.iterrows():
        lines.append("| " + " | ".join([str(name), *map(cell, row)]) + " |")
    return "\n".join(lines)


def figure(results: pd.DataFrame, path: Path) -> None:
    """Each data set's suboptimality curves, one panel per data set, into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(results["dataset_name"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 3.6), squeeze=False)
    for ax, name in zip(axes[0], datasets, strict=True):
        for solver, run in results[results["dataset_name"] == name].groupby(
            "solver_name", sort=False
        ):
            run = run.sort_values("stop_val")
            ax.loglog(run["time"], run["subopt"].clip(lower=FLOOR), marker=".", label=solver)
        ax.set_title(name.replace(",", ", "), fontsize=8)
        ax.set_xlabel("seconds")
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].set_ylabel("relative suboptimality")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, help="a benchopt results file")
    parser.add_argument("--figure", type=Path, help="write the curves to this PNG")
    parser.add_argument("--level", type=float, default=1e-6, help="the suboptimality to reach")
    parser.add_argument("--datasets", nargs="*", help="only data set names containing these")
    args = parser.parse_args(argv)
    path = args.results
    if path is None:
        found = sorted(OUTPUTS.glob("*.parquet"), key=lambda p: p.stat().st_mtime)
        if not found:
            parser.error(f"no results file in {OUTPUTS}: run `benchopt run benchmarks/benchopt`")
        path = found[-1]
    results = suboptimality(pd.read_parquet(path))
    print(markdown(time_to(results, args.level), args.level))
    if args.figure is not None:
        shown = results
        if args.datasets:
            keep = results["dataset_name"].map(lambda n: any(d in n for d in args.datasets))
            shown = results[keep]
        figure(shown, args.figure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
