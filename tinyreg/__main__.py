"""``python -m tinyreg``: runs :func:`tinyreg.cli.main`."""

import sys

from tinyreg.cli import main

if __name__ == "__main__":
    sys.exit(main())
