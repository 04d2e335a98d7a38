"""Helpers shared by ``bench_ridge.py`` and ``bench_lasso.py``.

Nothing here is a benchmark itself: command-line options, the machine line,
interleaved timing, optional imports, markdown tables, JSON output, the
gradient-training loop both scripts run through ``tinyreg.optim``, and the
optional convergence plots.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing

_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_THREADS_MARK = "TINYREG_BENCH_THREADS"


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def make_parser(
    description: str,
    *,
    quick: str,
    shape: bool = False,
    plot: bool = True,
    threads: bool = True,
) -> argparse.ArgumentParser:
    """The options every benchmark shares: ``--json``, ``--quick``, and as asked the others.

    ``quick`` says what ``--quick`` shrinks (``"2 seeds instead of 30"``); it
    is the option's help and the first line a quick run prints
    (``announce``). ``shape`` adds ``--shape N P`` (run only that problem
    size: ``shapes``); ``plot`` adds ``--plot DIR`` and ``threads`` adds
    ``--threads N`` (``reexec_with_threads``).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", metavar="PATH", help="write every number as JSON to PATH")
    parser.add_argument(
        "--quick", action="store_true", help=f"a smoke test, not a measurement: {quick}"
    )
    parser.set_defaults(quick_means=quick)
    if shape:
        parser.add_argument(
            "--shape",
            nargs=2,
            type=int,
            metavar=("N", "P"),
            help="run only the problem of N samples and P features",
        )
    if plot:
        parser.add_argument(
            "--plot", metavar="DIR", help="write convergence plots (PNG) to DIR (needs matplotlib)"
        )
    if threads:
        parser.add_argument(
            "--threads",
            type=int,
            metavar="N",
            help="run with N BLAS threads (re-executes with OPENBLAS/OMP/MKL_NUM_THREADS=N); "
            "default: the BLAS library's own choice. N=1 gives stable numbers on a busy machine",
        )
    return parser


def announce(args: argparse.Namespace) -> None:
    """With ``--quick``, print what it shrinks: the run's first line."""
    if args.quick:
        print(f"--quick: {args.quick_means}\n", flush=True)


def shapes(args: argparse.Namespace, default: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The problem sizes to run: ``--shape N P`` alone when it is given, else ``default``."""
    if getattr(args, "shape", None) is None:
        return list(default)
    n, p = args.shape
    if n < 1 or p < 1:
        raise SystemExit(f"--shape N P: both must be at least 1, got N={n}, P={p}")
    return [(n, p)]


def fmt_shapes(shapes: Sequence[tuple[int, ...]]) -> str:
    """``[(1000, 10), (300, 300)]`` -> ``"1000×10, 300×300"``."""
    return ", ".join("×".join(str(d) for d in shape) for shape in shapes)


def progress(message: str) -> None:
    """One line on stderr, flushed: what a long run is starting (stdout keeps the tables)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def reexec_with_threads(threads: int | None, script: str, argv: Sequence[str]) -> int | None:
    """Re-run ``script`` with the BLAS thread count fixed, unless that is already done.

    BLAS libraries read their thread count once, when they are loaded, so
    the only dependable way to change it for numpy, scipy and scikit-learn
    alike is a fresh process. Returns the child's exit code, or None when
    the current process should go on (no ``--threads``, or we are the child).
    """
    if threads is None or os.environ.get(_THREADS_MARK) == str(threads):
        return None
    if threads < 1:
        raise SystemExit("--threads must be at least 1")
    env = dict(os.environ, **{name: str(threads) for name in _THREAD_VARIABLES})
    env[_THREADS_MARK] = str(threads)
    return subprocess.call([sys.executable, script, *argv], env=env)


def optional_import(name: str) -> Any:
    """The module ``name``, or None when it is not installed (or fails to import)."""
    try:
        return importlib.import_module(name)
    except Exception:  # an optional dependency may be broken in odd ways, too
        return None


# ---------------------------------------------------------------------------
# The machine line
# ---------------------------------------------------------------------------


def _version(name: str) -> str:
    module = optional_import(name)
    return getattr(module, "__version__", "?") if module is not None else "not installed"


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def machine_info() -> dict[str, Any]:
    """Platform, cores, versions, BLAS threads and the load average (1, 5, 15 min)."""
    threads = os.environ.get(_THREADS_MARK) or os.environ.get("OPENBLAS_NUM_THREADS")
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": _version("scipy"),
        "sklearn": _version("sklearn"),
        "matplotlib": _version("matplotlib"),
        "blas_threads": int(threads) if threads else "default",
        "loadavg_start": _loadavg(),
    }


def machine_line(info: dict[str, Any]) -> str:
    load = info.get("loadavg_start")
    load_text = "/".join(f"{x:.2f}" for x in load) if load else "?"
    return (
        f"{info['platform']}, {info['cores']} cores, Python {info['python']}, "
        f"numpy {info['numpy']}, scipy {info['scipy']}, scikit-learn {info['sklearn']}, "
        f"BLAS threads: {info['blas_threads']}, load average at start {load_text}"
    )


def busy_note(info: dict[str, Any]) -> str | None:
    """A warning when other processes load the machine and BLAS may use several threads."""
    load, cores = info.get("loadavg_start"), info.get("cores") or 1
    if info["blas_threads"] != "default" or not load or cores == 1 or load[0] < 0.5:
        return None
    return (
        f"Note: the machine is busy (load average {load[0]:.2f} on {cores} cores) and BLAS may "
        "run several threads: a multi-threaded BLAS call stalls whenever one of its threads is "
        "descheduled, so medians of BLAS-bound timings can be far above the mins. "
        "`--threads 1` gives stable numbers."
    )


def finish_info(info: dict[str, Any]) -> None:
    info["loadavg_end"] = _loadavg()


def print_targets(targets: dict[str, dict[str, Any]], info: dict[str, Any]) -> None:
    """The targets, MET or NOT MET with their numbers, then the load average at the end."""
    print("\n## Targets\n")
    for name, t in targets.items():
        shown = {k: v for k, v in t.items() if k != "met"}
        print(f"- {name}: {'MET' if t['met'] else 'NOT MET'} {shown}")
    finish_info(info)
    print(f"\nLoad average at end: {info['loadavg_end']}")


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def time_interleaved(
    functions: dict[str, Callable[[], Any]],
    *,
    min_repeats: int = 5,
    max_repeats: int = 25,
    budget: float = 10.0,
    min_block: float = 0.005,
    cooldown: float = 0.0,
) -> tuple[dict[str, list[float]], dict[str, Any], dict[str, Any]]:
    """Seconds per call of each function, measured in interleaved rounds.

    A first, untimed round calls every function once: a warm-up, and its
    return values are handed back (so the caller can check the results of
    exactly what was timed). Then each round calls every function in turn;
    a function faster than ``min_block`` seconds is called in a loop of
    ``number`` calls and the loop time divided by ``number``. Interleaving
    means a burst of load from other processes hits all candidates alike,
    and the order is shuffled in every round so that none always runs
    right after the same neighbour (whose big temporaries evicted the
    caches, or were handed back to the OS and must be faulted in again);
    report the median (typical) and the min (least disturbed) over rounds.
    The number of rounds is what fits in ``budget`` seconds by the warm-up
    round's estimate, clamped to [``min_repeats``, ``max_repeats``].

    ``cooldown`` seconds of sleep precede every timed block (outside the
    timing). numpy and scipy each bring their own OpenBLAS, and an OpenBLAS
    thread pool keeps spinning for ~0.1 s after a call: without a pause, a
    candidate that runs right after another one's BLAS work competes with
    its spinning threads for the cores. With one BLAS thread there is no
    pool and no need to pause.

    Returns ``(times, outputs, plan)`` with ``plan`` = {"repeats", "number"}.
    """
    outputs, warm = {}, {}
    for name, fn in functions.items():
        start = time.perf_counter()
        outputs[name] = fn()
        warm[name] = max(time.perf_counter() - start, 1e-7)
    number = {name: max(1, math.ceil(min_block / warm[name])) for name in functions}
    per_round = sum(number[name] * warm[name] for name in functions)
    repeats = int(min(max(min_repeats, budget // per_round), max_repeats))
    times: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    order = np.random.default_rng(0)  # a fixed seed: the same schedule on every run
    for _ in range(repeats):
        for i in order.permutation(len(names)):  # shuffled: no fixed neighbour
            name = names[i]
            fn = functions[name]
            if cooldown:
                time.sleep(cooldown)
            start = time.perf_counter()
            for _ in range(number[name]):
                fn()
            times[name].append((time.perf_counter() - start) / number[name])
    return times, outputs, {"repeats": repeats, "number": number}


def default_cooldown() -> float:
    """0.15 s when BLAS may run several threads (see ``time_interleaved``), else 0."""
    threads = os.environ.get(_THREADS_MARK) or os.environ.get("OPENBLAS_NUM_THREADS")
    return 0.0 if threads == "1" or os.cpu_count() == 1 else 0.15


def stats(times: Sequence[float] | None) -> dict[str, float] | None:
    if not times:
        return None
    return {"median": float(np.median(times)), "min": float(np.min(times)), "n": len(times)}


def fmt_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def fmt_num(x: float | None, spec: str = ".1e") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return format(x, spec)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> str:
    """A markdown table; ``align``: one letter per column, ``l`` or ``r`` (default l, then r)."""
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None  # JSON has no inf/nan
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_json(path: str, results: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(_jsonable(results), indent=1))


# ---------------------------------------------------------------------------
# Gradient training through tinyreg.optim
# ---------------------------------------------------------------------------


def hessian_bounds(X: np.ndarray, l2: float) -> tuple[float, float]:
    """(L, mu): largest and smallest eigenvalue of the Hessian of the training objective.

    The objective, in (w, b), is (1/(2n))‖y − Xw − b‖² + (l2/2)‖w‖²; its
    Hessian is [X 1]ᵀ[X 1]/n + diag(l2, ..., l2, 0). L is the Lipschitz
    constant of the gradient (lr = 1/L is the classic safe step); L/mu the
    condition number. For centred X the matrix is block-diagonal and
    L = max(λ_max(XᵀX/n) + l2, 1): the intercept has curvature 1.
    """
    n, p = X.shape
    A = np.empty((p + 1, p + 1))
    A[:p, :p] = X.T @ X
    A[:p, p] = A[p, :p] = X.sum(axis=0)
    A[p, p] = n
    A /= n
    A[np.arange(p), np.arange(p)] += l2
    eig = np.linalg.eigvalsh(A)
    return float(eig[-1]), float(max(eig[0], 0.0))


def train(
    step: Callable[[], None],
    monitor: Callable[[], float],
    *,
    tol: float,
    max_iter: int,
    check_every: int = 1,
) -> dict[str, Any]:
    """Run ``step()`` until ``monitor()`` ≤ ``tol`` (checked every ``check_every`` steps).

    Returns the iterations done, whether ``tol`` was reached, the wall time
    (monitoring included: it is the stopping rule), the curve
    [(iteration, monitored value), ...], starting at iteration 0, and the
    wall time at each of its points (``curve_seconds``).
    """
    curve = [(0, float(monitor()))]
    start = time.perf_counter()
    curve_seconds = [0.0]
    reached = curve[0][1] <= tol
    it = 0
    while not reached and it < max_iter:
        step()
        it += 1
        if it % check_every == 0 or it == max_iter:
            value = float(monitor())
            curve.append((it, value))
            curve_seconds.append(time.perf_counter() - start)
            reached = value <= tol
    seconds = time.perf_counter() - start
    return {
        "iterations": it,
        "reached": bool(reached),
        "seconds": seconds,
        "final": curve[-1][1],
        "best": min(v for _, v in curve),
        "curve": curve,
        "curve_seconds": curve_seconds,
    }


def linear_model_step(model: Any, opt: Any, Xt: Any, yt: Any, extra: Callable | None = None):
    """One full-batch step: loss = 0.5·mse_loss(model(X), y) [+ extra(model)]; backward; step."""
    from tinyreg import functional as F

    def step() -> None:
        opt.zero_grad()
        loss = 0.5 * F.mse_loss(model(Xt), yt)
        if extra is not None:
            loss = loss + extra(model)
        loss.backward()
        opt.step()

    return step


# ---------------------------------------------------------------------------
# Plots (matplotlib optional)
# ---------------------------------------------------------------------------


def plot_curves(
    path: Path,
    title: str,
    curves: dict[str, list[tuple[float, float]]],
    ylabel: str,
    tol: float,
    *,
    xlabel: str = "iteration (full-batch step)",
    logx: bool = False,
) -> bool:
    """A log-scale plot of monitored value against iteration (or ``xlabel``); False without
    matplotlib. ``curves``: label -> [(x, value), ...]; ``logx`` puts x on a log scale too."""
    matplotlib = optional_import("matplotlib")
    if matplotlib is None:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for label, curve in curves.items():
        if not curve:
            continue
        xs = [x for x, _ in curve]
        values = [max(v, 1e-300) for _, v in curve]
        (ax.loglog if logx else ax.semilogy)(xs, values, label=label, marker="." if logx else None)
    ax.axhline(tol, color="grey", linestyle=":", linewidth=1, label=f"target {tol:g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
