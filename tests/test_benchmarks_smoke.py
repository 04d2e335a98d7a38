"""The per-op benchmark runs and prints its table (a smoke test: no timing is ever asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_ops_quick_prints_a_table_and_writes_json(tmp_path):
    out_json = tmp_path / "ops.json"
    script = ROOT / "benchmarks" / "bench_ops.py"
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--json", str(out_json)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # the script must not depend on the working directory
    )
    assert done.returncode == 0, done.stderr[-2000:]

    lines = done.stdout.splitlines()
    headers = [line for line in lines if line.startswith("| op | graph | K | tinyreg µs/op")]
    assert len(headers) == 3  # small with K ops, small single op, large single op
    for op in ("add", "matmul", "sum(axis=1)", "exp", "tanh", "relu", "getitem [::-1]", "softmax"):
        rows = [line for line in lines if line.startswith(f"| {op} |")]
        assert len(rows) == 3, f"{op}: {rows}"

    results = json.loads(out_json.read_text())
    assert results["info"]["quick"] is True
    assert {row["group"] for row in results["rows"]} == {
        "small, K ops per backward",
        "small, single op",
        "large, single op",
    }
    for row in results["rows"]:
        assert row["tinyreg_us"] > 0 and row["numpy_us"] > 0
        assert row["overhead_us"] == row["tinyreg_us"] - row["numpy_us"]
