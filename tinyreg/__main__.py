"""``python -m tinyreg``: runs :func:`tinyreg.cli.main`."""

import os
import sys

from tinyreg.cli import main

if __name__ == "__main__":
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped reading (``| head``): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        status = 1
    sys.exit(status)
