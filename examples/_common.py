"""What every example shares: the fast mode, and "save a figure if matplotlib is installed".

Run any example from the repository root with ``python examples/NAME.py``
(tinyreg installed with ``pip install -e .``, or ``PYTHONPATH=.`` set). Each
prints its numbers and, when matplotlib is installed, writes ``NAME.png``
into the current working directory.

Each example imports this module first (``import _common as common``), before
numpy, because importing it limits numpy's BLAS library to one thread --
unless you have set ``OPENBLAS_NUM_THREADS`` (or ``OMP_``/``MKL_NUM_THREADS``)
yourself. The examples' matrices are tiny (a few dozen rows by at most 128
columns); for those, BLAS threads cost more than they give, and on a busy
two-core machine they made ``l2_plus_dropout.py`` run 14 times slower (71 s
instead of 5 s). The setting only takes effect if numpy is not loaded yet.

* ``FAST`` -- True when the environment variable ``TINYREG_EXAMPLES_FAST`` is
  set (to anything but ``0``). The test suite sets it to run every example
  in seconds; :func:`by_mode` picks the smaller workload then. The numbers
  printed in fast mode are rougher than in a full run.
* :func:`header` -- print an underlined section title.
* :func:`pyplot` -- ``matplotlib.pyplot``, or ``None`` (after a one-line note)
  when matplotlib is not installed. Unless ``MPLBACKEND`` says otherwise,
  the non-interactive Agg backend is used: the examples write files and
  never open windows.
* :func:`save_figure` -- write a figure to ``NAME.png``, NAME being the
  example's file name (``NAME_SUFFIX.png`` for an example's second figure).
* :class:`NoPlot` -- a stand-in for ``pyplot`` whose functions do nothing, so
  that plotting lines written for matplotlib run unchanged without it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

FAST = os.environ.get("TINYREG_EXAMPLES_FAST", "0").strip() not in ("", "0")


def by_mode(full: Any, fast: Any) -> Any:
    """``fast`` in fast mode, ``full`` otherwise: ``epochs = by_mode(3000, 300)``."""
    return fast if FAST else full


def header(title: str) -> None:
    """Print a section title, underlined."""
    print(f"\n{title}\n{'-' * len(title)}")


def pyplot() -> Any:
    """``matplotlib.pyplot`` (Agg backend unless MPLBACKEND is set), or None with a note."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no figure (pip install matplotlib, or tinyreg[plot])")
        return None
    if "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
    return plt


def save_figure(fig: Any, example_file: str, suffix: str = "") -> Path:
    """Save ``fig`` as ``<example name><suffix>.png`` in the current directory; print the path."""
    path = Path.cwd() / (Path(example_file).stem + suffix + ".png")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"figure saved to {path}")
    return path


class NoPlot:
    """Does nothing, whatever is called: ``NoPlot().scatter(x, y)`` returns None."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None
