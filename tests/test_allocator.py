"""The allocator setting applied at import: glibc's thresholds raised, or nothing elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinyreg import _allocator

ROOT = Path(__file__).resolve().parents[1]
GLIBC = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION") is not None


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_keep_freed_memory_is_taken_by_glibc():
    assert _allocator.keep_freed_memory() is True


def test_the_environment_variable_turns_it_off(monkeypatch):
    monkeypatch.setenv("TINYREG_KEEP_FREED_MEMORY", "0")
    assert _allocator.apply_default() is False


def test_other_platforms_are_left_alone(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert _allocator.keep_freed_memory() is False


def test_a_training_step_gives_the_same_numbers_either_way():
    """Only where memory comes from changes: the same step from the same start, to the bit."""
    code = (
        "import numpy as np, tinyreg as tr; from tinyreg import nn, optim, functional as F\n"
        "tr.manual_seed(0); m = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(),"
        " nn.Linear(4 * 6 * 6, 3)); opt = optim.SGD(m.parameters(), lr=0.1)\n"
        "x = tr.tensor(np.random.default_rng(0).standard_normal((64, 1, 8, 8)))\n"
        "for _ in range(3):\n"
        "    opt.zero_grad(); F.cross_entropy(m(x), np.arange(64) % 3).backward(); opt.step()\n"
        "print(repr(np.concatenate([p.data.ravel() for p in m.parameters()]).tobytes().hex()))\n"
    )
    outputs = []
    for setting in ("1", "0"):
        env = {**os.environ, "TINYREG_KEEP_FREED_MEMORY": setting, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
