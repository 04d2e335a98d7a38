"""What a fresh interpreter has loaded after running some code: for the tests of imports.

``import tinyreg.X`` first runs ``tinyreg/__init__.py``, which imports the
whole package (the engine included) for ``import tinyreg as tr``. With
``bare_package=True`` tinyreg is instead an empty package object whose
``__init__.py`` does not run, so that what is loaded is what the imported
modules themselves need.
"""

from __future__ import annotations

import ast
import subprocess
import sys

_BARE_PACKAGE = (
    "import importlib.util, sys, types\n"
    "package = types.ModuleType('tinyreg')\n"
    "package.__path__ = importlib.util.find_spec('tinyreg').submodule_search_locations\n"
    "sys.modules['tinyreg'] = package\n"
)


def loaded_modules(code: str, *, bare_package: bool = False) -> list[str]:
    """The names in ``sys.modules`` after ``code`` has run in a new interpreter, sorted."""
    prelude = _BARE_PACKAGE if bare_package else ""
    script = f"{prelude}{code}\nimport sys\nprint(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout.splitlines()[-1])
