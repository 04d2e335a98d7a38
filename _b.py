import sys, os
sys.path.insert(0, "benchmarks")
import numpy as np
from bench_engine import ENGINES
from _common import time_interleaved
for size in ("small", "mnist"):
    fns = {e: ENGINES[e](size) for e in ["tinyreg", "tinyreg compiled", "numpy", "matmul"]}
    times, _, _ = time_interleaved(fns, budget=8)
    med = {k: np.median(v) for k, v in times.items()}
    mn = {k: np.min(v) for k, v in times.items()}
    for k in fns:
        print(size, k, f"{med[k]*1e6:.1f}us  x numpy {med[k]/med['numpy']:.3f} (min {mn[k]/mn['numpy']:.3f})  x matmul {med[k]/med['matmul']:.3f} (min {mn[k]/mn['matmul']:.3f})")
