"""Running a benchmark script as a user does: ``--quick``, in a subprocess, from elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_quick(
    name: str, tmp_path: Path, *options: str, timeout: float = 300
) -> tuple[str, str, dict[str, Any]]:
    """Run ``benchmarks/<name>.py --quick --json`` from ``tmp_path``: (stdout, stderr, JSON).

    The script must succeed, must not depend on the working directory, and
    must say first what ``--quick`` shrinks (``--quick: 2 seeds instead of 30``).
    """
    out_json = tmp_path / f"{name}.json"
    script = ROOT / "benchmarks" / f"{name}.py"
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--json", str(out_json), *options],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    first = done.stdout.splitlines()[0]
    assert first.startswith("--quick: ") and "instead of" in first, first
    return done.stdout, done.stderr, json.loads(out_json.read_text())
