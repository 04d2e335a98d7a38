"""The command line: ``python -m tinyreg``.

``tour`` (the default for now) prints the version and a worked example: a
two-layer graph, its loss, and the gradients backward() computes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

import tinyreg


def tour() -> None:
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
    print("\nCheck it against finite differences:")
    ok = tinyreg.gradcheck(lambda a, b: (((x @ a).relu() @ b - y) ** 2).mean(), [w1, w2])
    print(f"tinyreg.gradcheck(...) -> {ok}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m tinyreg``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tinyreg",
        description="tinyreg: a small numpy-only autograd framework built around regularization.",
    )
    parser.add_argument("command", nargs="?", default="tour", choices=["tour"],
                        help="what to run (default: tour)")
    parser.add_argument("--version", action="version", version=f"tinyreg {tinyreg.__version__}")
    args = parser.parse_args(argv)
    if args.command == "tour":
        tour()
    return 0


if __name__ == "__main__":
    sys.exit(main())
