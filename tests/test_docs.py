"""The documentation's code runs, and its links to source lines point at what they name."""

import importlib.util
import linecache
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None
HAVE_DASK = importlib.util.find_spec("dask") is not None


def needs_missing_extra(block: str) -> bool:
    """Whether the block uses an optional extra (scikit-learn, dask) that is not installed."""
    return ("from sklearn" in block and not HAVE_SKLEARN) or (
        "import dask" in block and not HAVE_DASK
    )


def run_blocks(path: Path) -> dict:
    """Run a document's python blocks in order, in one namespace, as a reader would.

    A block that uses an optional extra (scikit-learn, dask) is skipped when
    the extra is not installed.
    """
    namespace: dict = {"__name__": path.stem}
    for i, block in enumerate(python_blocks(path)):
        if needs_missing_extra(block):
            continue
        # Each block gets a file name of its own in linecache, so that inspect (and
        # hypothesis, which reads a test's source) finds the block's lines.
        filename = f"<{path.name}, python block {i}>"
        linecache.cache[filename] = (len(block), None, block.splitlines(True), filename)
        exec(compile(block, filename, "exec"), namespace)
    return namespace


def test_readme_python_blocks_run_in_order():
    assert len(python_blocks(ROOT / "README.md")) >= 4
    namespace = run_blocks(ROOT / "README.md")
    # the tests defined in the README are real tests (one with hypothesis): run them too
    namespace["test_softplus_at_one_point"]()
    namespace["test_softplus"]()
    if HAVE_SKLEARN:  # the scikit-learn block's claims
        assert namespace["search"].best_params_ == {"lasso__alpha": 0.05}
        pairs = zip(namespace["names"], namespace["first_layer"], strict=True)
        assert [name for name, w in pairs if not w.any()] == [f"noise_{i}" for i in range(10)]


def test_readme_test_file_is_self_contained():
    """The README's test file runs on its own, in a fresh namespace."""
    (block,) = [b for b in python_blocks(ROOT / "README.md") if "def test_softplus" in b]
    namespace: dict = {"__name__": "test_softplus"}
    exec(compile(block, "test_softplus.py", "exec"), namespace)
    namespace["test_softplus_at_one_point"]()
    namespace["test_softplus"]()


def test_regularization_python_blocks_run(capsys):
    namespace = run_blocks(ROOT / "docs" / "regularization.md")
    assert "[False False False  True  True  True]" in capsys.readouterr().out
    # the page's group lasso takes Adam's array of per-coordinate steps: the largest of them
    group_lasso = namespace["GroupLasso"](0.05)
    w = np.array([[0.01, 3.0], [0.02, -4.0]])
    steps = np.array([[0.1, 0.5], [0.3, 0.2]])
    shrunk = group_lasso.prox(w, steps)
    np.testing.assert_array_equal(shrunk, group_lasso.prox(w, 0.5))
    assert np.all(shrunk[:, 0] == 0.0) and np.all(shrunk[:, 1] != 0.0)


def test_internals_python_blocks_run(capsys):
    run_blocks(ROOT / "docs" / "internals.md")
    out = capsys.readouterr().out
    assert "mean ['power']" in out and out.count("digraph") == 1


LINK = re.compile(r"\[`?([^\]`]+?)`?\]\((\.\./)?(tinyreg/[\w/]+\.py)#L(\d+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_source_line_links_point_at_their_symbol(doc):
    """A link like [`backward`](../tinyreg/autograd.py#L250) must land on a line naming it."""
    text = doc.read_text(encoding="utf-8")
    for label, _, path, line in LINK.findall(text):
        source = (ROOT / path).read_text(encoding="utf-8").splitlines()
        number = int(line)
        assert 1 <= number <= len(source), f"{doc.name}: {path}#L{line} is past the end of the file"
        symbol = re.findall(r"\w+", label)[-1]
        assert symbol in source[number - 1], (
            f"{doc.name}: link '{label}' -> {path}#L{line} lands on {source[number - 1].strip()!r}"
        )
