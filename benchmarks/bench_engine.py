"""One training step of Linear-ReLU-Dropout-Linear: tinyreg vs numpy by hand vs PyTorch.

The step: forward, MSE loss, backward, SGD update with an L2 penalty of 1e-4
(PyTorch: ``weight_decay=1e-4``), float64, dropout p = 0.5. Two sizes:

* small: batch 100, 1 -> 64 -> 1 (the examples' SimpleNN; pure overhead)
* mnist: batch 128, 784 -> 256 -> 10 (matrix products start to matter)

Engines, each timed in its own subprocess in the same run:

* ``tinyreg``  -- ``model(x)``, ``F.mse_loss``, ``backward()``, ``opt.step()``;
* ``tinyreg unchecked`` -- the same with ``nonfinite="ignore"``: the
  difference is the cost of the optimizer's non-finite check;
* ``tinyreg compiled`` -- the same step under ``tinyreg.compile``: traced
  once, then its recorded numpy calls replayed;
* ``numpy``    -- the same step written by hand with in-place updates: the
  floor for any numpy-based engine;
* ``matmul``   -- the step's five matrix products alone: the floor of floors;
* ``matmul + sgd`` -- the five products, then the numpy calls of SGD + L2's
  update on their results (interleaved table only): the floor of any
  replay that makes eager's calls, which the compiled step is;
* ``torch``    -- PyTorch on the CPU, if it is installed.

A second table takes ``tinyreg``, ``tinyreg compiled``, ``numpy``,
``matmul`` and ``matmul + sgd`` again, in one process and in interleaved rounds
(``_common.time_interleaved``), so that a change of load on a shared machine
hits them alike: the ratios to compare with targets.

A third table times ``optimizer.step()`` alone on the MNIST-size
parameters (gradients set once): SGD + L2 and Adam, checked and unchecked,
and Adam's formulas written with numpy temporaries (what tinyreg's Adam
would cost without its work arrays).

Prints the tables (median time per step; ratios), then the resident-memory
growth of 10,000 tinyreg steps at the small size. ``--json PATH`` writes the
numbers; ``--quick`` shrinks the work (a smoke test, not a measurement).

Run: ``python benchmarks/bench_engine.py``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import _common as C  # puts the checkout on sys.path (for this process and the engines')
import numpy as np

SIZES = {"small": (100, 1, 64, 1), "mnist": (128, 784, 256, 10)}
LR, ALPHA, P = 0.01, 1e-4, 0.5


def _data(size):
    batch, n_in, hidden, n_out = SIZES[size]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, n_in))
    y = rng.standard_normal((batch, n_out))
    bound1, bound2 = 1 / np.sqrt(n_in), 1 / np.sqrt(hidden)
    params = [
        rng.uniform(-bound1, bound1, (hidden, n_in)),
        rng.uniform(-bound1, bound1, hidden),
        rng.uniform(-bound2, bound2, (n_out, hidden)),
        rng.uniform(-bound2, bound2, n_out),
    ]
    return x, y, params


def make_tinyreg(size, nonfinite="raise", compiled=False):
    import tinyreg
    from tinyreg import functional as F
    from tinyreg import nn, optim, penalties

    x, y, params = _data(size)
    _, n_in, hidden, n_out = SIZES[size]
    tinyreg.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(n_in, hidden), nn.ReLU(), nn.Dropout(P), nn.Linear(hidden, n_out)
    )
    for p, value in zip(model.parameters(), params, strict=True):
        p.data[...] = value
    opt = optim.SGD(model.parameters(), lr=LR, penalty=penalties.L2(ALPHA), nonfinite=nonfinite)
    xt, yt = tinyreg.tensor(x), tinyreg.tensor(y)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(model(xt), yt)
        loss.backward()
        opt.step()

    step = tinyreg.compile(step) if compiled else step
    step.model = model  # for the test that compiled and eager steps agree
    return step


def make_numpy(size):
    x, y, (w1, b1, w2, b2) = _data(size)
    rng = np.random.default_rng(0)
    scale = 1.0 / (1.0 - P)

    def step():
        h = x @ w1.T
        h += b1
        relu_mask = h > 0
        a = np.maximum(h, 0.0)
        drop = (rng.random(a.shape) >= P) * scale
        a *= drop
        out = a @ w2.T
        out += b2
        g = out - y
        g *= 2.0 / g.size  # d mean((out - y)^2) / d out
        gw2 = g.T @ a
        gb2 = g.sum(axis=0)
        ga = g @ w2
        ga *= drop
        ga *= relu_mask
        gw1 = ga.T @ x
        gb1 = ga.sum(axis=0)
        for w, gw in ((w1, gw1), (w2, gw2)):  # SGD with L2: w -= lr * (g + alpha * w)
            gw += ALPHA * w
            gw *= LR
            w -= gw
        b1[...] -= LR * gb1
        b2[...] -= LR * gb2

    return step


def make_matmul(size):
    x, _, (w1, _, w2, _) = _data(size)
    a = np.maximum(x @ w1.T, 0)
    g = np.ones((x.shape[0], w2.shape[0]))

    def step():
        a_ = x @ w1.T
        a_ @ w2.T
        g.T @ a
        ga = g @ w2
        ga.T @ x

    return step


def make_matmul_sgd(size):
    """The five products, then SGD + L2's numpy calls on the gradients they give.

    The calls of the compiled step's update (``fast_replay._sgd_step``):
    d = alpha·w, d += grad, d *= lr (d = lr·grad for the biases, which L2
    leaves out), one ``isfinite`` over all the d, then w −= d. It updates
    copies of the parameters, so that the products' operands stay as they
    are. A replay that makes eager's calls makes at least these: this is
    its floor, as ``matmul`` is eager's.
    """
    x, _, (w1, b1, w2, b2) = _data(size)
    a = np.maximum(x @ w1.T, 0)
    g = np.ones((x.shape[0], w2.shape[0]))
    params = [w1.copy(), b1.copy(), w2.copy(), b2.copy()]
    flat = np.empty(sum(p.size for p in params))
    ends = np.cumsum([p.size for p in params]).tolist()
    works = [flat[e - p.size : e].reshape(p.shape) for p, e in zip(params, ends, strict=True)]
    ok = np.empty(flat.shape, bool)

    def update(grads):
        for k, (p, grad, d) in enumerate(zip(params, grads, works, strict=True)):
            if k % 2 == 0:  # a weight (the biases are not penalized)
                np.multiply(ALPHA, p, d)
                np.add(grad, d, d)
                np.multiply(d, LR, d)
            else:
                np.multiply(grad, LR, d)
        if np.isfinite(flat, out=ok).all():
            for p, d in zip(params, works, strict=True):
                np.subtract(p, d, p)

    def step():
        a_ = x @ w1.T
        a_ @ w2.T
        gw2 = g.T @ a
        ga = g @ w2
        gw1 = ga.T @ x
        update((gw1, ga.sum(axis=0), gw2, g.sum(axis=0)))

    step.params, step.update = params, update  # for the test that it is SGD's update
    return step


def make_torch(size):
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
    x, y, params = _data(size)
    _, n_in, hidden, n_out = SIZES[size]
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(
        nn.Linear(n_in, hidden), nn.ReLU(), nn.Dropout(P), nn.Linear(hidden, n_out)
    ).double()
    with torch.no_grad():
        for p, value in zip(model.parameters(), params, strict=True):
            p.copy_(torch.from_numpy(value))
    opt = torch.optim.SGD(model.parameters(), lr=LR, weight_decay=ALPHA)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = nn.MSELoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()

    return step


def make_optimizer_step(name):
    """``optimizer.step()`` alone on the MNIST-size parameters, their gradients set once."""
    from tinyreg import nn, optim, penalties

    params = _data("mnist")[2]
    rng = np.random.default_rng(1)
    tensors = [nn.Parameter(value) for value in params]
    for t in tensors:
        t.grad = rng.standard_normal(t.shape) * 1e-3
    kind, _, check = name.partition(" ")
    nonfinite = "ignore" if check == "unchecked" else "raise"
    if kind == "sgd":
        return optim.SGD(tensors, lr=LR, penalty=penalties.L2(ALPHA), nonfinite=nonfinite).step
    return optim.Adam(tensors, lr=1e-3, nonfinite=nonfinite).step


def make_adam_with_temporaries():
    """Adam's update as its formulas read, each operation making a new array."""
    params = _data("mnist")[2]
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal(p.shape) * 1e-3 for p in params]
    state = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    beta1, beta2, eps, lr, count = 0.9, 0.999, 1e-8, 1e-3, [0]

    def step():
        count[0] += 1
        t = count[0]
        for p, g, (m, v) in zip(params, grads, state, strict=True):
            m *= beta1
            m += (1.0 - beta1) * g
            v *= beta2
            v += (1.0 - beta2) * (g * g)
            denom = np.sqrt(v) / np.sqrt(1.0 - beta2**t) + eps
            p -= (lr / (1.0 - beta1**t)) * m / denom
            lr / denom  # the proximal step, which tinyreg's Adam also returns

    step.params = params  # for the test that it agrees with tinyreg's Adam
    return step


ENGINES = {
    "tinyreg": make_tinyreg,
    "tinyreg unchecked": lambda size: make_tinyreg(size, nonfinite="ignore"),
    "tinyreg compiled": lambda size: make_tinyreg(size, compiled=True),
    "numpy": make_numpy,
    "matmul": make_matmul,
    "matmul + sgd": make_matmul_sgd,
    "torch": make_torch,
}
OPTIMIZER_ENGINES = ["sgd", "sgd unchecked", "adam", "adam unchecked", "adam with temporaries"]


def make_finiteness_check():
    """The non-finite check alone: all_finite over the MNIST-size gradients."""
    from tinyreg.validation import all_finite

    rng = np.random.default_rng(1)
    grads = [rng.standard_normal(p.shape) * 1e-3 for p in _data("mnist")[2]]
    return lambda: all(all_finite(g) for g in grads)


def measure_optimizers(repeats, number):
    """Seconds per call of each optimizer step (and of the check alone), interleaved.

    All variants live in one process and take turns, round after round, so
    that a change of load on a busy machine hits them alike; min and median
    over the rounds.
    """
    steps = {
        name: make_adam_with_temporaries()
        if name == "adam with temporaries"
        else make_optimizer_step(name)
        for name in OPTIMIZER_ENGINES
    }
    steps["the check alone"] = make_finiteness_check()
    times = {name: [] for name in steps}
    for step in steps.values():
        for _ in range(3):
            step()
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(number):
                step()
            times[name].append((time.perf_counter() - start) / number)
    return {name: {"min": min(t), "median": float(np.median(t))} for name, t in times.items()}


INTERLEAVED = ["tinyreg", "tinyreg compiled", "numpy", "matmul", "matmul + sgd"]


def measure_interleaved(size, budget):
    """Min and median seconds per step of the INTERLEAVED engines, taking turns in one process."""
    steps = {engine: ENGINES[engine](size) for engine in INTERLEAVED}
    for step in steps.values():
        for _ in range(3):  # the compiled step traces on its first call
            step()
    times, _, plan = C.time_interleaved(steps, budget=budget, min_repeats=7, max_repeats=2000)
    return {name: C.stats(t) for name, t in times.items()} | {"repeats": plan["repeats"]}


def measure(engine, size, repeats, number):
    """Median seconds per step over ``repeats`` batches of ``number`` steps (after a warm-up)."""
    step = ENGINES[engine](size)
    for _ in range(max(number // 5, 3)):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            step()
        times.append((time.perf_counter() - start) / number)
    return float(np.median(times))


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_growth(steps):
    """Resident memory growth (bytes) over ``steps`` tinyreg steps at the small size."""
    step = make_tinyreg("small")
    for _ in range(200):
        step()
    before = rss_bytes()
    for _ in range(steps):
        step()
    return rss_bytes() - before


def child(args):
    """Run one measurement and print its JSON (called in a subprocess)."""
    if args.engine == "memory":
        print(json.dumps({"growth": memory_growth(args.number)}))
    elif args.engine == "interleaved":
        print(json.dumps(measure_interleaved(args.size, args.number)))
    elif args.engine == "optimizers":
        print(json.dumps(measure_optimizers(args.repeats, args.number)))
    else:
        print(json.dumps({"seconds": measure(args.engine, args.size, args.repeats, args.number)}))


def run_child(engine, size, repeats, number):
    cmd = [
        sys.executable,
        __file__,
        "--child",
        engine,
        "--size",
        size,
        "--repeats",
        str(repeats),
        "--number",
        str(number),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return json.loads(done.stdout.strip().splitlines()[-1]), None


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv=None):
    parser = C.make_parser(
        __doc__.split("\n")[0],
        quick="3 runs instead of 7, of 20 and 3 steps instead of 2000 and 100 (small, mnist); "
        "1 s instead of 10 per size interleaved; 5 optimizer rounds of 2 steps instead of 40 of "
        "20; 500 memory steps instead of 10,000",
        plot=False,
        threads=False,
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="BLAS (and torch) threads in every engine's process; default: the libraries' own",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", default="small", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=7, help=argparse.SUPPRESS)
    parser.add_argument("--number", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads:
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[variable] = str(args.threads)  # inherited by the engines' processes
    if args.child:
        args.engine = args.child
        child(args)
        return 0

    C.announce(args)
    engines = ["tinyreg", "tinyreg unchecked", "tinyreg compiled", "numpy", "matmul"]
    engines += ["torch"] if torch_available() else []
    repeats = 3 if args.quick else 7
    numbers = {"small": 20 if args.quick else 2000, "mnist": 3 if args.quick else 100}
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, "
        f"numpy {np.__version__}, BLAS threads: {args.threads or 'default'}",
        "sizes": {},
    }
    rows = []
    for size in SIZES:
        timings = {}
        for engine in engines:
            C.progress(f"{engine} at {size}")
            value, error = run_child(engine, size, repeats, numbers[size])
            timings[engine] = value["seconds"] if value else None
            if error:
                print(f"{engine} at {size}: {error}", file=sys.stderr)
        results["sizes"][size] = timings
        base, floor = timings["numpy"], timings["matmul"]
        for engine in engines:
            t = timings[engine]
            if t is None:
                continue
            rows.append(
                f"| {size} {SIZES[size]} | {engine} | {t * 1e6:10.1f} | {t / base:6.2f} | "
                f"{t / floor:6.2f} |"
            )
    print(f"One training step, median of {repeats} runs ({results['machine']})\n")
    print("| size (batch, in, hidden, out) | engine | µs / step | × numpy step | × matmul floor |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(rows))
    budget = 1 if args.quick else 10
    print(
        f"\nInterleaved in one process ({budget} s per size): ratios of the mins "
        "(of the medians in brackets)\n"
    )
    print("| size | engine | min µs / step | × numpy step | × matmul floor |")
    print("|---|---|---:|---:|---:|")
    for size in SIZES:
        C.progress(f"interleaved at {size}")
        value, error = run_child("interleaved", size, 1, budget)
        if error:
            print(f"interleaved at {size}: {error}", file=sys.stderr)
            continue
        results.setdefault("interleaved", {})[size] = value
        base, floor = value["numpy"], value["matmul"]
        for engine in INTERLEAVED:
            t = value[engine]
            print(
                f"| {size} | {engine} | {t['min'] * 1e6:10.1f} | "
                f"{t['min'] / base['min']:6.2f} ({t['median'] / base['median']:.2f}) | "
                f"{t['min'] / floor['min']:6.2f} ({t['median'] / floor['median']:.2f}) |"
            )
    rounds = 5 if args.quick else 40
    C.progress("optimizer.step() alone")
    value, error = run_child("optimizers", "mnist", rounds, 2 if args.quick else 20)
    if error:
        print(f"optimizers: {error}", file=sys.stderr)
    else:
        results["optimizer_step"] = value
        print(
            f"\noptimizer.step() alone, MNIST-size parameters, {rounds} interleaved rounds; "
            "ratios of the mins\n"
        )
        print("| optimizer | min µs / step | median µs / step | × unchecked |")
        print("|---|---:|---:|---:|")
        for name, t in value.items():
            base = value.get(name.split(" ")[0] + " unchecked")
            ratio = f"{t['min'] / base['min']:6.2f}" if base else ""
            print(f"| {name} | {t['min'] * 1e6:10.1f} | {t['median'] * 1e6:10.1f} | {ratio} |")
    steps = 500 if args.quick else 10_000
    C.progress(f"memory growth over {steps} steps")
    value, error = run_child("memory", "small", 1, steps)
    if value:
        results["memory_growth_bytes"] = value["growth"]
        results["memory_steps"] = steps
        print(
            f"\nResident memory growth over {steps} tinyreg steps (small size): "
            f"{value['growth'] / 2**20:.2f} MiB"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
