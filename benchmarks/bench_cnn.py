"""One training step of a toy CNN: tinyreg vs the same step hand-written in numpy vs PyTorch.

The network, written as a PyTorch user writes it::

    Conv2d(1, c1, k) - ReLU - MaxPool2d(2) - Conv2d(c1, c2, k) - ReLU - MaxPool2d(2)
    - Flatten - Linear(·, 10)

and the step: forward, ``cross_entropy`` on ten classes, backward, plain SGD
(lr 0.01), float64. Two sizes:

* digits: batch 64, 1×8×8 images, 3×3 convolutions (padding 1) of 8 and
  16 channels -- the size of ``tinyreg.datasets.load_digits``;
* mnist: batch 64, 1×28×28 images, 5×5 convolutions (no padding) of 16
  and 32 channels.

Engines, all in one process, taking turns round after round (so a change of
load on a busy machine hits them alike):

* ``tinyreg`` -- ``nn.Conv2d``, ``nn.MaxPool2d``, ``F.cross_entropy``,
  ``backward()``, ``optim.SGD``;
* ``numpy`` -- the same step written by hand: im2col with strided windows,
  one matrix product per convolution, the backward written out, in-place
  updates. The floor for a numpy engine built on im2col;
* ``torch`` -- PyTorch on the CPU, if it is installed.

Every engine starts from the same parameters and the same batch, so one
step of each gives the same parameters (``tests/test_benchmarks_smoke.py``
checks that the hand-written step and tinyreg's agree). The run uses one
BLAS thread by default (``--threads``), and PyTorch as many.

Prints the table (minimum and median time per step over the rounds; ratios
of the minimums); then tinyreg alone in two fresh processes, with glibc's
malloc thresholds raised as ``import tinyreg`` does and left at glibc's
defaults (``TINYREG_KEEP_FREED_MEMORY=0``, see ``tinyreg/_allocator.py``);
then the resident-memory growth of 1,000 tinyreg steps at
the digits size. ``--json PATH`` writes the numbers; ``--quick`` shrinks the
work (a smoke test, not a measurement).

Run: ``python benchmarks/bench_cnn.py``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import _common as C  # puts the checkout on sys.path
import numpy as np

#: size -> (batch, image side, kernel, padding, channels 1, channels 2)
SIZES = {"digits": (64, 8, 3, 1, 8, 16), "mnist": (64, 28, 5, 0, 16, 32)}
CLASSES, LR = 10, 0.01


def _flat_features(size: str) -> int:
    _, side, kernel, padding, _, c2 = SIZES[size]
    side = (side + 2 * padding - kernel + 1) // 2
    side = (side + 2 * padding - kernel + 1) // 2
    return c2 * side * side


def make_data(size: str) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """A batch, its labels, and the parameters [w1, b1, w2, b2, w3, b3] (PyTorch's init)."""
    batch, side, kernel, _, c1, c2 = SIZES[size]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 1, side, side))
    y = rng.integers(0, CLASSES, batch)

    def uniform(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape)

    flat = _flat_features(size)
    params = [
        uniform((c1, 1, kernel, kernel), kernel * kernel),
        uniform((c1,), kernel * kernel),
        uniform((c2, c1, kernel, kernel), c1 * kernel * kernel),
        uniform((c2,), c1 * kernel * kernel),
        uniform((CLASSES, flat), flat),
        uniform((CLASSES,), flat),
    ]
    return x, y, params


def network(nn: Any, size: str) -> Any:
    """The network, written once for ``nn`` = ``tinyreg.nn`` or ``torch.nn``."""
    _, _, kernel, padding, c1, c2 = SIZES[size]
    return nn.Sequential(
        nn.Conv2d(1, c1, kernel, padding=padding),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, kernel, padding=padding),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(_flat_features(size), CLASSES),
    )


# ---------------------------------------------------------------------------
# tinyreg
# ---------------------------------------------------------------------------


def make_tinyreg(size: str) -> Callable[[], None]:
    import tinyreg
    from tinyreg import functional as F
    from tinyreg import nn, optim

    x, y, params = make_data(size)
    model = network(nn, size)
    for p, value in zip(model.parameters(), params, strict=True):
        p.data[...] = value
    opt = optim.SGD(model.parameters(), lr=LR)
    xt = tinyreg.tensor(x)

    def step() -> None:
        opt.zero_grad()
        F.cross_entropy(model(xt), y).backward()
        opt.step()

    step.params = [p.data for p in model.parameters()]  # type: ignore[attr-defined]
    return step


# ---------------------------------------------------------------------------
# numpy by hand: channels-last im2col, one matmul per convolution
# ---------------------------------------------------------------------------


def _im2col(x: np.ndarray, kernel: int, padding: int) -> np.ndarray:
    """(N, H, W, C) -> (N·Ho·Wo, C·k·k): each row one window, in the weight's (C, k, k) order."""
    if padding:
        x = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel, kernel), axis=(1, 2))
    n, ho, wo = windows.shape[:3]
    return windows.reshape(n * ho * wo, -1)  # (N, Ho, Wo, C, k, k): the reshape copies


def _col2im(cols: np.ndarray, shape: tuple[int, ...], kernel: int, padding: int) -> np.ndarray:
    """im2col's adjoint: add each window's row back onto the (N, H, W, C) image."""
    n, h, w, c = shape
    ho, wo = h + 2 * padding - kernel + 1, w + 2 * padding - kernel + 1
    cols = cols.reshape(n, ho, wo, c, kernel, kernel)
    image = np.zeros((n, h + 2 * padding, w + 2 * padding, c))
    for i in range(kernel):
        for j in range(kernel):
            image[:, i : i + ho, j : j + wo, :] += cols[..., i, j]
    return image[:, padding : padding + h, padding : padding + w, :]


def _pool(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2×2 max pooling of (N, H, W, C) with even H, W; and where each maximum came from."""
    n, h, w, c = a.shape
    blocks = a.reshape(n, h // 2, 2, w // 2, 2, c)
    pooled = blocks.max(axis=(2, 4))
    return pooled, blocks == pooled[:, :, None, :, None, :]


def make_numpy(size: str) -> Callable[[], None]:
    _, _, kernel, padding, c1, c2 = SIZES[size]
    x, y, params = make_data(size)
    w1, b1, w2, b2, w3, b3 = params
    x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))  # channels last
    batch = x.shape[0]
    cols1 = _im2col(x, kernel, padding)  # the input never changes

    def step() -> None:
        # forward
        h1 = cols1 @ w1.reshape(c1, -1).T
        h1 += b1
        np.maximum(h1, 0.0, out=h1)
        side1 = int(np.sqrt(h1.shape[0] // batch))
        p1, where1 = _pool(h1.reshape(batch, side1, side1, c1))
        cols2 = _im2col(p1, kernel, padding)
        h2 = cols2 @ w2.reshape(c2, -1).T
        h2 += b2
        np.maximum(h2, 0.0, out=h2)
        side2 = int(np.sqrt(h2.shape[0] // batch))
        p2, where2 = _pool(h2.reshape(batch, side2, side2, c2))
        flat = p2.transpose(0, 3, 1, 2).reshape(batch, -1)  # PyTorch's (C, H, W) order
        logits = flat @ w3.T
        logits += b3
        # cross-entropy: d/dlogits = (softmax - onehot) / batch
        logits -= logits.max(axis=1, keepdims=True)
        g = np.exp(logits)
        g /= g.sum(axis=1, keepdims=True)
        g[np.arange(batch), y] -= 1.0
        g /= batch
        # backward
        gw3, gb3 = g.T @ flat, g.sum(axis=0)
        gp2 = (g @ w3).reshape(p2.shape[0], p2.shape[3], p2.shape[1], p2.shape[2])
        gh2 = where2 * gp2.transpose(0, 2, 3, 1)[:, :, None, :, None, :]
        gh2 = gh2.reshape(-1, c2) * (h2 > 0)
        gw2, gb2 = gh2.T @ cols2, gh2.sum(axis=0)
        gp1 = _col2im(gh2 @ w2.reshape(c2, -1), p1.shape, kernel, padding)
        gh1 = (where1 * gp1[:, :, None, :, None, :]).reshape(-1, c1) * (h1 > 0)
        gw1, gb1 = gh1.T @ cols1, gh1.sum(axis=0)
        # SGD
        for p, gp in zip(params, (gw1, gb1, gw2, gb2, gw3, gb3), strict=True):
            p -= LR * gp.reshape(p.shape)

    step.params = params  # type: ignore[attr-defined]
    return step


# ---------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------


def make_torch(size: str) -> Callable[[], None]:
    import torch

    x, y, params = make_data(size)
    nn = torch.nn
    model = network(nn, size).double()
    with torch.no_grad():
        for p, value in zip(model.parameters(), params, strict=True):
            p.copy_(torch.from_numpy(value))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> None:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()

    step.params = [p.detach().numpy() for p in model.parameters()]  # type: ignore[attr-defined]
    return step


ENGINES: dict[str, Callable[[str], Callable[[], None]]] = {
    "tinyreg": make_tinyreg,
    "numpy": make_numpy,
    "torch": make_torch,
}


def measure(size: str, engines: list[str], budget: float) -> dict[str, dict]:
    """Seconds per step of each engine (min, median), in interleaved rounds."""
    steps = {name: ENGINES[name](size) for name in engines}
    for step in steps.values():
        for _ in range(3):
            step()
    times, _, _ = C.time_interleaved(steps, budget=budget)
    return {name: C.stats(t) for name, t in times.items()}


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_growth(steps: int) -> int:
    """Resident memory growth (bytes) over ``steps`` tinyreg steps at the digits size."""
    step = make_tinyreg("digits")
    for _ in range(100):
        step()
    before = rss_bytes()
    for _ in range(steps):
        step()
    return rss_bytes() - before


def tinyreg_alone(budget: float) -> dict[str, float]:
    """tinyreg's minimum seconds per step at each size, this process running nothing else."""
    times = {}
    for size in SIZES:
        step = make_tinyreg(size)
        for _ in range(3):
            step()
        measured, _, _ = C.time_interleaved({size: step}, budget=budget)
        times[size] = min(measured[size])
    return times


def allocator_rows(quick: bool) -> list[list[str]]:
    """tinyreg alone in two fresh processes: glibc's thresholds raised (the default) or not."""
    rows, alone = [], {}
    for setting in ("1", "0"):
        env = {**os.environ, "TINYREG_KEEP_FREED_MEMORY": setting}
        command = [sys.executable, __file__, "--alone", *(["--quick"] if quick else [])]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        alone[setting] = json.loads(done.stdout.splitlines()[-1])
    for size in SIZES:
        kept, default = alone["1"][size], alone["0"][size]
        rows.append([size, C.fmt_time(kept), C.fmt_time(default), C.fmt_ratio(default, kept)])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = C.make_parser(
        __doc__.split("\n")[0],
        quick="as many rounds (5 to 25) as fit in 0.5 s per size instead of 20 s, 0.3 s for "
        "tinyreg alone instead of 5 s, 50 memory steps instead of 1000",
        plot=False,
    )
    parser.add_argument("--alone", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(threads=1)
    args = parser.parse_args(argv)
    if args.alone:
        print(json.dumps(tinyreg_alone(budget=0.3 if args.quick else 5.0)))
        return 0
    code = C.reexec_with_threads(args.threads, __file__, sys.argv[1:] if argv is None else argv)
    if code is not None:
        return code
    C.announce(args)
    info = C.machine_info()
    torch = C.optional_import("torch")
    engines = ["tinyreg", "numpy"]
    if torch is not None:
        torch.set_num_threads(args.threads)
        engines.append("torch")
        info["torch"] = torch.__version__
    print(f"One CNN training step ({C.machine_line(info)}, torch {info.get('torch', '–')})\n")
    results: dict = {"machine": info, "sizes": {}}
    rows = []
    for size in SIZES:
        C.progress(f"one step at the {size} size")
        timings = measure(size, engines, budget=0.5 if args.quick else 20.0)
        results["sizes"][size] = timings
        batch, side, kernel, _, c1, c2 = SIZES[size]
        label = f"{size}: {batch}×1×{side}×{side}, {kernel}×{kernel} × ({c1}, {c2})"
        for name, t in timings.items():
            torch_min = timings["torch"]["min"] if "torch" in timings else None
            rows.append(
                [
                    label,
                    name,
                    C.fmt_time(t["min"]),
                    C.fmt_time(t["median"]),
                    C.fmt_ratio(t["min"], torch_min),
                    C.fmt_ratio(t["min"], timings["numpy"]["min"]),
                ]
            )
    print(C.table(["size", "engine", "min / step", "median / step", "× torch", "× numpy"], rows))
    print(
        "\ntinyreg alone in a fresh process (min / step), with glibc's malloc thresholds "
        "raised at import (the default) and left as they are (TINYREG_KEEP_FREED_MEMORY=0):\n"
    )
    C.progress("tinyreg alone, two fresh processes")
    rows = allocator_rows(args.quick)
    results["allocator"] = rows
    print(C.table(["size", "thresholds raised", "glibc defaults", "× raised"], rows))
    steps = 50 if args.quick else 1000
    C.progress(f"memory growth over {steps} steps")
    growth = memory_growth(steps)
    results["memory_growth_bytes"], results["memory_steps"] = growth, steps
    print(
        f"\nResident memory growth over {steps} tinyreg steps (digits size): "
        f"{growth / 2**20:.2f} MiB"
    )
    C.finish_info(info)
    if args.json:
        C.write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
