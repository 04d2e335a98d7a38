"""Per-op cost of tinyreg (forward + backward) against the same computation in plain numpy.

For each op, three implementations do the same work, in float64:

* ``tinyreg`` -- the op as a user writes it (``y @ w``, ``y.softmax(-1)``, ...)
  on tensors that require grad, then ``backward(upstream)``;
* ``numpy``   -- the forward result plus the hand-written VJPs, with nothing
  else: the floor for any engine built on numpy;
* ``torch``   -- the same computation in PyTorch on the CPU, when it is
  installed (never required).

Operands are small (10×10: the cost is the engine's own overhead) or large
(1000×1000: the cost is numpy's arithmetic). For small operands a graph of K
ops is timed with ONE backward and divided by K, so that backward's fixed
cost (sorting the graph, seeding, committing the gradients) is amortized as
in a real network; the single-op figure (K = 1) is reported too. Ops whose
output can be fed back in (``add``, ``tanh``, ``softmax``, ...) form a *chain*
y ← op(y); ops that change the shape or cannot be iterated (``sum``, ``exp``,
...) form a *fan-out*: K applications to the same input, all feeding one root
whose backward hands each branch the same upstream gradient (the numpy
version accumulates the K input gradients exactly as the engine does).
Leaves have their ``.grad`` reset before every run, so every run allocates
its gradients as a training step would.

Timing: one process; for each op the implementations alternate inside each
repeat (so drift hits all of them alike) and the minimum over the repeats is
kept. The gradients of the three implementations are compared once before
timing, so the table compares equal computations.

Reported per op: tinyreg µs, numpy µs, overhead (tinyreg − numpy, µs), ratio
(tinyreg / numpy) and, with PyTorch, torch µs -- all per op. The targets are
reported, never asserted: under 3 µs of overhead per op on small operands
(K ops per backward), and within 1.1× of numpy on large operands.

Run: ``python benchmarks/bench_ops.py [--quick] [--json PATH] [--ops add,matmul]``
(``--quick``: one repeat, K = 10 and 200×200 "large" operands -- a smoke
test, not a measurement).
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _common as C  # puts the checkout on sys.path
import numpy as np

import tinyreg as tr

try:  # optional column
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

SMALL_TARGET_US = 3.0
LARGE_TARGET_RATIO = 1.1


# ---------------------------------------------------------------------------
# The ops: tinyreg call, numpy forward + hand-written VJPs, torch call
# ---------------------------------------------------------------------------


@dataclass
class Case:
    """One op on concrete operands.

    ``tiny(y, *params)`` and ``torch_fn(y, *params)`` apply the op; ``fwd(y,
    *params) -> (out, saved)`` and ``bwd(g, saved) -> (grad_y, grads_params)``
    are the numpy forward and its VJPs. ``x`` is the input that a chain feeds
    back or a fan-out shares; ``params`` are further leaves that require grad.
    """

    x: np.ndarray
    params: tuple[np.ndarray, ...]
    tiny: Callable[..., Any]
    fwd: Callable[..., tuple[np.ndarray, Any]]
    bwd: Callable[..., tuple[np.ndarray, tuple[np.ndarray, ...]]]
    torch_fn: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Bench:
    name: str
    graph: str  # "chain" or "fan-out"
    make: Callable[[np.random.Generator, int], Case]


def _normal(rng, n):
    return rng.standard_normal((n, n))


def _near_one(rng, n):
    return rng.uniform(0.95, 1.05, (n, n))


def _add(rng, n):
    return Case(
        _normal(rng, n),
        (_normal(rng, n),),
        tiny=lambda y, b: y + b,
        fwd=lambda y, b: (y + b, None),
        bwd=lambda g, _: (g, (g,)),
        torch_fn=lambda y, b: y + b,
    )


def _mul(rng, n):
    return Case(
        _normal(rng, n),
        (_near_one(rng, n),),
        tiny=lambda y, b: y * b,
        fwd=lambda y, b: (y * b, (y, b)),
        bwd=lambda g, s: (g * s[1], (g * s[0],)),
        torch_fn=lambda y, b: y * b,
    )


def _div(rng, n):
    def fwd(y, b):
        out = y / b
        return out, (b, out)

    return Case(
        _normal(rng, n),
        (_near_one(rng, n),),
        tiny=lambda y, b: y / b,
        fwd=fwd,
        bwd=lambda g, s: (g / s[0], (-g * s[1] / s[0],)),
        torch_fn=lambda y, b: y / b,
    )


def _matmul(rng, n):
    w, _ = np.linalg.qr(_normal(rng, n))  # orthogonal: a chain keeps its scale
    return Case(
        _normal(rng, n),
        (w,),
        tiny=lambda y, w: y @ w,
        fwd=lambda y, w: (y @ w, (y, w)),
        bwd=lambda g, s: (g @ s[1].T, (s[0].T @ g,)),
        torch_fn=lambda y, w: y @ w,
    )


def _sum(rng, n):
    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.sum(axis=1),
        fwd=lambda y: (y.sum(axis=1), y.shape),
        bwd=lambda g, shape: (np.broadcast_to(g[:, None], shape), ()),
        torch_fn=lambda y: y.sum(1),
    )


def _mean(rng, n):
    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.mean(),
        fwd=lambda y: (y.mean(), y.shape),
        bwd=lambda g, shape: (np.broadcast_to(g / math.prod(shape), shape), ()),
        torch_fn=lambda y: y.mean(),
    )


def _max(rng, n):
    def fwd(y):
        m = y.max(axis=1, keepdims=True)
        return m[:, 0], (y, m)

    def bwd(g, s):
        y, m = s
        hits = y == m
        return hits * (g[:, None] / hits.sum(axis=1, keepdims=True)), ()

    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.max(axis=1),
        fwd=fwd,
        bwd=bwd,
        torch_fn=lambda y: y.amax(1),
    )


def _exp(rng, n):
    def fwd(y):
        out = np.exp(y)
        return out, out

    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.exp(),
        fwd=fwd,
        bwd=lambda g, out: (g * out, ()),
        torch_fn=lambda y: y.exp(),
    )


def _log(rng, n):
    return Case(
        rng.uniform(0.5, 2.0, (n, n)),
        (),
        tiny=lambda y: y.log(),
        fwd=lambda y: (np.log(y), y),
        bwd=lambda g, y: (g / y, ()),
        torch_fn=lambda y: y.log(),
    )


def _logsumexp(rng, n):
    def fwd(y):
        m = y.max(axis=1, keepdims=True)
        e = np.exp(y - m)
        s = e.sum(axis=1, keepdims=True)
        return (np.log(s) + m)[:, 0], (e, s)

    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.logsumexp(axis=1),
        fwd=fwd,
        bwd=lambda g, s: (g[:, None] * (s[0] / s[1]), ()),
        torch_fn=lambda y: y.logsumexp(1),
    )


def _tanh(rng, n):
    def fwd(y):
        out = np.tanh(y)
        return out, out

    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.tanh(),
        fwd=fwd,
        bwd=lambda g, out: (g * (1 - out * out), ()),
        torch_fn=lambda y: y.tanh(),
    )


def _sigmoid(rng, n):
    def fwd(y):
        e = np.exp(-np.abs(y))
        out = np.where(y >= 0, 1, e) / (1 + e)
        return out, out

    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.sigmoid(),
        fwd=fwd,
        bwd=lambda g, out: (g * out * (1 - out), ()),
        torch_fn=lambda y: y.sigmoid(),
    )


def _relu(rng, n):
    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.relu(),
        fwd=lambda y: (np.maximum(y, 0), y),
        bwd=lambda g, y: (g * (y > 0), ()),
        torch_fn=lambda y: y.relu(),
    )


def _getitem_slice(rng, n):
    def bwd(g, shape):
        grad = np.zeros(shape)
        grad[::-1] = g
        return grad, ()

    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y[::-1],
        fwd=lambda y: (y[::-1], y.shape),
        bwd=bwd,
        torch_fn=lambda y: y.flip(0),
    )  # torch has no negative-step slices


def _getitem_array(rng, n):
    index = rng.integers(0, n, n)  # rows picked at random, with repeats

    def bwd(g, shape):
        grad = np.zeros(shape)
        np.add.at(grad, index, g)
        return grad, ()

    torch_fn = None
    if torch is not None:
        torch_index = torch.as_tensor(index)
        torch_fn = lambda y: y[torch_index]  # noqa: E731
    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y[index],
        fwd=lambda y: (y[index], y.shape),
        bwd=bwd,
        torch_fn=torch_fn,
    )


def _softmax(rng, n):
    def fwd(y):
        e = np.exp(y - y.max(axis=-1, keepdims=True))
        s = e / e.sum(axis=-1, keepdims=True)
        return s, s

    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.softmax(-1),
        fwd=fwd,
        bwd=lambda g, s: (s * (g - (g * s).sum(axis=-1, keepdims=True)), ()),
        torch_fn=lambda y: y.softmax(-1),
    )


def _log_softmax(rng, n):
    def fwd(y):
        shifted = y - y.max(axis=-1, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return out, out

    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.log_softmax(-1),
        fwd=fwd,
        bwd=lambda g, out: (g - np.exp(out) * g.sum(axis=-1, keepdims=True), ()),
        torch_fn=lambda y: y.log_softmax(-1),
    )


def _transpose(rng, n):
    return Case(
        _normal(rng, n),
        (),
        tiny=lambda y: y.T,
        fwd=lambda y: (y.T, None),
        bwd=lambda g, _: (g.T, ()),
        torch_fn=lambda y: y.T,
    )


BENCHES = [
    Bench("add", "chain", _add),
    Bench("mul", "chain", _mul),
    Bench("div", "chain", _div),
    Bench("matmul", "chain", _matmul),
    Bench("sum(axis=1)", "fan-out", _sum),
    Bench("mean", "fan-out", _mean),
    Bench("max(axis=1)", "fan-out", _max),
    Bench("exp", "fan-out", _exp),
    Bench("log", "fan-out", _log),
    Bench("logsumexp(axis=1)", "fan-out", _logsumexp),
    Bench("tanh", "chain", _tanh),
    Bench("sigmoid", "chain", _sigmoid),
    Bench("relu", "chain", _relu),
    Bench("getitem [::-1]", "chain", _getitem_slice),
    Bench("getitem [int array]", "chain", _getitem_array),
    Bench("softmax", "chain", _softmax),
    Bench("log_softmax", "chain", _log_softmax),
    Bench("transpose (.T)", "chain", _transpose),
]


# ---------------------------------------------------------------------------
# The three implementations of "K ops, then one backward"
# ---------------------------------------------------------------------------


def _upstream(case: Case) -> np.ndarray:
    out, _ = case.fwd(case.x, *case.params)
    return np.random.default_rng(1).standard_normal(np.shape(out))


def _join(upstream: np.ndarray, k: int) -> Callable[..., tr.Tensor]:
    """A root for a fan-out: takes the K branch outputs, hands each ``upstream`` in backward."""

    @tr.op
    def join(*branches):
        return np.zeros(())

    join.defvjp(lambda g, out, *branches, argnum: upstream)
    return join


def make_tinyreg(case: Case, graph: str, k: int):
    x = tr.tensor(case.x, requires_grad=True)
    params = [tr.tensor(p, requires_grad=True) for p in case.params]
    leaves = [x, *params]
    upstream = _upstream(case)
    join = _join(upstream, k)
    op = case.tiny

    def run():
        for leaf in leaves:
            leaf.grad = None
        if graph == "chain" or k == 1:
            y = x
            for _ in range(k):
                y = op(y, *params)
            y.backward(upstream)
        else:
            join(*[op(x, *params) for _ in range(k)]).backward()

    def grads():
        run()
        return [leaf.grad for leaf in leaves]

    return run, grads


def make_numpy(case: Case, graph: str, k: int):
    x, params, fwd, bwd = case.x, case.params, case.fwd, case.bwd
    upstream = _upstream(case)

    def run():
        if graph == "chain" or k == 1:
            y, saved = x, []
            for _ in range(k):
                y, s = fwd(y, *params)
                saved.append(s)
            g, param_grads = upstream, None
            for s in reversed(saved):
                g, grads_k = bwd(g, s)
                param_grads = (
                    grads_k
                    if param_grads is None
                    else tuple(a + b for a, b in zip(param_grads, grads_k, strict=True))
                )
            return [g, *param_grads]
        saved = [fwd(x, *params)[1] for _ in range(k)]
        total = None
        for s in saved:
            g, grads_k = bwd(upstream, s)
            grads = (g, *grads_k)
            if total is not None:
                grads = tuple(a + b for a, b in zip(total, grads, strict=True))
            total = grads
        return list(total)

    return run, run


def make_torch(case: Case, graph: str, k: int):
    if torch is None or case.torch_fn is None:
        return None
    x = torch.tensor(case.x, dtype=torch.float64, requires_grad=True)
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in case.params]
    leaves = [x, *params]
    upstream = torch.tensor(_upstream(case), dtype=torch.float64)
    op = case.torch_fn

    def run():
        for leaf in leaves:
            leaf.grad = None
        if graph == "chain" or k == 1:
            y = x
            for _ in range(k):
                y = op(y, *params)
            y.backward(upstream)
        else:
            torch.autograd.backward([op(x, *params) for _ in range(k)], [upstream] * k)

    def grads():
        run()
        return [leaf.grad.numpy() for leaf in leaves]

    return run, grads


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def _calibrate(fn: Callable[[], Any], min_time: float) -> int:
    """How many calls of ``fn`` take at least ``min_time`` seconds (at least 1)."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, math.ceil(min_time / once))


def measure(runs: dict[str, Callable[[], Any]], repeats: int, min_time: float) -> dict[str, float]:
    """Seconds per call of each function: min over ``repeats``, implementations interleaved."""
    numbers = {name: _calibrate(fn, min_time) for name, fn in runs.items()}
    best = dict.fromkeys(runs, math.inf)
    for _ in range(repeats):
        for name, fn in runs.items():
            seconds = timeit.Timer(fn).timeit(numbers[name]) / numbers[name]
            best[name] = min(best[name], seconds)
    return best


def _check_same_gradients(name: str, reference: list, other: list, who: str) -> None:
    for i, (a, b) in enumerate(zip(reference, other, strict=True)):
        if not np.allclose(a, b, rtol=1e-9, atol=1e-9):
            raise AssertionError(f"{name}: {who} computes a different gradient for leaf {i}")


def bench_one(bench: Bench, n: int, k: int, repeats: int, min_time: float) -> dict[str, Any]:
    case = bench.make(np.random.default_rng(0), n)
    tiny_run, tiny_grads = make_tinyreg(case, bench.graph, k)
    numpy_run, numpy_grads = make_numpy(case, bench.graph, k)
    runs = {"tinyreg": tiny_run, "numpy": numpy_run}
    reference = numpy_grads()
    _check_same_gradients(bench.name, reference, tiny_grads(), "tinyreg")
    torch_impl = make_torch(case, bench.graph, k)
    if torch_impl is not None:
        runs["torch"] = torch_impl[0]
        _check_same_gradients(bench.name, reference, torch_impl[1](), "torch")

    seconds = measure(runs, repeats, min_time)
    per_op = {name: s / k * 1e6 for name, s in seconds.items()}
    return {
        "op": bench.name,
        "graph": bench.graph if k > 1 else "single op",
        "shape": [n, n],
        "k": k,
        "tinyreg_us": per_op["tinyreg"],
        "numpy_us": per_op["numpy"],
        "overhead_us": per_op["tinyreg"] - per_op["numpy"],
        "ratio": per_op["tinyreg"] / per_op["numpy"],
        "torch_us": per_op.get("torch"),
    }


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _fmt_us(us: float | None) -> str:
    if us is None:
        return "–"
    return f"{us:,.1f}" if abs(us) < 1000 else f"{us:,.0f}"


def table(rows: list[dict[str, Any]], with_torch: bool, title: str, target: str) -> str:
    head = ["op", "graph", "K", "tinyreg µs/op", "numpy µs/op", "overhead µs/op", "ratio"]
    if with_torch:
        head.append("torch µs/op")
    head.append(target)
    lines = [
        f"### {title}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|",
    ]
    for row in rows:
        cells = [
            row["op"],
            row["graph"],
            str(row["k"]),
            _fmt_us(row["tinyreg_us"]),
            _fmt_us(row["numpy_us"]),
            _fmt_us(row["overhead_us"]),
            f"{row['ratio']:.2f}×",
        ]
        if with_torch:
            cells.append(_fmt_us(row["torch_us"]))
        cells.append("yes" if row["meets_target"] else "no")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = C.make_parser(
        __doc__.split("\n")[0],
        quick="1 repeat instead of --repeats, K = 10 instead of --k, 200×200 large operands "
        "instead of 1000×1000, and no minimum time per timed block",
        plot=False,
        threads=False,
    )
    parser.add_argument("--ops", help="comma-separated op names to run (default: all)")
    parser.add_argument("--k", type=int, default=100, help="ops per backward on small operands")
    parser.add_argument("--repeats", type=int, default=7, help="timing repeats (min is kept)")
    parser.add_argument(
        "--torch-threads",
        type=int,
        metavar="N",
        help="torch.set_num_threads(N) (default: PyTorch's own choice)",
    )
    args = parser.parse_args(argv)
    if torch is not None and args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    C.announce(args)
    small, large, k = 10, 1000, args.k
    repeats, min_time, large_min_time = args.repeats, 0.02, 0.1
    if args.quick:
        large, k, repeats, min_time, large_min_time = 200, 10, 1, 0.0, 0.0
    benches = BENCHES
    if args.ops:
        wanted = [name.strip() for name in args.ops.split(",")]
        benches = [
            b for b in BENCHES if b.name in wanted or b.name.split("(")[0].split(" ")[0] in wanted
        ]
        if not benches:
            parser.error(f"no op matches {args.ops!r}; ops: {', '.join(b.name for b in BENCHES)}")

    rows = {"small, K ops per backward": [], "small, single op": [], "large, single op": []}
    for bench in benches:
        C.progress(bench.name)
        rows["small, K ops per backward"].append(bench_one(bench, small, k, repeats, min_time))
        rows["small, single op"].append(bench_one(bench, small, 1, repeats, min_time))
        rows["large, single op"].append(
            bench_one(bench, large, 1, max(1, repeats // 2), large_min_time)
        )
    for group, group_rows in rows.items():
        for row in group_rows:
            row["group"] = group
            if group.startswith("large"):
                row["meets_target"] = row["ratio"] <= LARGE_TARGET_RATIO
            else:
                row["meets_target"] = row["overhead_us"] <= SMALL_TARGET_US

    with_torch = torch is not None
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__ if with_torch else None,
        "torch_threads": torch.get_num_threads() if with_torch else None,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "small": [small, small],
        "large": [large, large],
        "k": k,
        "repeats": repeats,
        "quick": args.quick,
    }
    print(f"# tinyreg per-op cost (forward + backward), float64{' -- QUICK' if args.quick else ''}")
    print()
    torch_note = (
        f"torch {info['torch']} ({info['torch_threads']} threads)"
        if with_torch
        else ("torch not installed")
    )
    print(
        f"Python {info['python']}, numpy {info['numpy']}, {torch_note}, "
        f"{info['cpus']} CPUs. Minimum of {repeats} "
        "interleaved repeats. µs per op; overhead = tinyreg − numpy; ratio = tinyreg / numpy."
    )
    print()
    titles = {
        "small, K ops per backward": (
            f"{small}×{small} operands, K = {k} ops per backward "
            f"(target: overhead ≤ {SMALL_TARGET_US:g} µs/op)",
            f"≤ {SMALL_TARGET_US:g} µs",
        ),
        "small, single op": (
            f"{small}×{small} operands, one op + backward (K = 1)",
            f"≤ {SMALL_TARGET_US:g} µs",
        ),
        "large, single op": (
            f"{large}×{large} operands, one op + backward "
            f"(target: ratio ≤ {LARGE_TARGET_RATIO:g}×)",
            f"≤ {LARGE_TARGET_RATIO:g}×",
        ),
    }
    for group, group_rows in rows.items():
        title, target = titles[group]
        print(table(group_rows, with_torch, title, target))
        print()

    if args.json:
        all_rows = [row for group_rows in rows.values() for row in group_rows]
        results = {"info": info, "rows": all_rows}
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
