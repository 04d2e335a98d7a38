"""A speed setting of the C allocator, applied once when tinyreg is imported (glibc only).

A training step allocates the same large temporaries every time -- the
im2col columns of a convolution, activations, gradients -- and frees them
by the end of the step. glibc's ``malloc`` serves blocks above its *mmap
threshold* (128 KiB at first) with fresh pages from the kernel, and hands
the free memory at the top of its heap back to the kernel once it exceeds
its *trim threshold*; either way the next step's arrays land on new pages,
and the kernel zeroes every page on its first touch. That page-fault work
can cost as much as the arithmetic of the step itself.

:func:`keep_freed_memory` raises both thresholds (``mallopt``): blocks up to
32 MiB come from the heap, and up to 64 MiB of freed memory stays with the
process for the next step. Results are unchanged, bit for bit; the cost
is that the process keeps that much freed memory resident. Set the
environment variable ``TINYREG_KEEP_FREED_MEMORY=0`` before importing
tinyreg to leave the allocator as it is. On other C libraries (macOS,
Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3


def keep_freed_memory(mmap_threshold: int = 32 << 20, trim_threshold: int = 64 << 20) -> bool:
    """Raise glibc's mmap and trim thresholds (bytes); True if the C library took them.

    False (and nothing changed) where the C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        mallopt(_M_TRIM_THRESHOLD, trim_threshold)
    )


def apply_default() -> bool:
    """:func:`keep_freed_memory`, unless ``TINYREG_KEEP_FREED_MEMORY`` is ``0``."""
    if os.environ.get("TINYREG_KEEP_FREED_MEMORY", "1").strip() == "0":
        return False
    return keep_freed_memory()
