"""The documentation's code runs, and its links to source lines point at what they name."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_blocks_run_in_order():
    """Each README block runs (later blocks may use names from earlier ones, as a reader would)."""
    namespace: dict = {"__name__": "readme"}
    blocks = python_blocks(ROOT / "README.md")
    assert len(blocks) >= 4
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    # the property test defined in the README is a real hypothesis test: run it too
    namespace["test_softplus"]()


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
