"""The blocks of ``examples/`` that are code written for scikit-learn or PyTorch.

Three examples open with code written for another library and run on
tinyreg with only its import lines changed; the block is marked in the
example by a ``# ---- code written for LIBRARY`` line and an ``# ---- end of``
line. Tests read it from there, so that what they check is what the
examples run.
"""

from __future__ import annotations

import re
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"

# example -> (the library it was written for, that library's import lines, tinyreg's)
LIBRARY_IMPORTS = {
    "house_prices_linear": (
        "sklearn",
        "import numpy as np\n"
        "from sklearn.linear_model import LinearRegression, Lasso, Ridge\n"
        "from sklearn.metrics import mean_squared_error\n",
        "import numpy as np\n"
        "from tinyreg.linear import LinearRegression, Lasso, Ridge\n"
        "from tinyreg.metrics import mean_squared_error\n",
    ),
    "dropout_mlp": (
        "torch",
        "import torch\nimport torch.nn as nn\n",
        "import tinyreg\nfrom tinyreg import nn\n",
    ),
    "visualize_regularization": (
        "sklearn",
        "import numpy as np\nfrom sklearn.linear_model import Lasso, LinearRegression, Ridge\n",
        "import numpy as np\nfrom tinyreg.linear import Lasso, LinearRegression, Ridge\n",
    ),
}


def library_block(example: str) -> str:
    """The marked block of ``examples/<example>.py``, as written there."""
    source = (EXAMPLES_DIR / f"{example}.py").read_text(encoding="utf-8")
    match = re.search(
        r"^# ---- code written for [\w-]+: only the imports above differ -+\n(.*?)^# ---- end of",
        source,
        flags=re.MULTILINE | re.DOTALL,
    )
    assert match, f"examples/{example}.py has no marked block of library code"
    return match.group(1)
