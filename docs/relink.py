"""Point the ``file.py#L<n>`` links in the docs at the lines that name their symbols.

A link such as [`backward`](../tinyreg/autograd.py#L263) stands for its
symbol, the last word of its text (``Tensor.backward`` stands for
``backward``), and must land on a line that holds that symbol as a whole
word: a link for ``op`` may not land on ``options[name] = value``.

After editing the source, run ``python docs/relink.py``: each link whose line
does not name its symbol is pointed at the nearest ``def``/``class`` line of
that symbol, or, if there is none, at the nearest line that names it.
``tests/test_docs.py`` checks the links with :func:`drifted`.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# groups: the link up to its line number, its text, the source file, the line number
LINK = re.compile(r"(\[`?([^\]`]+?)`?\]\((?:\.\./)?(tinyreg/[\w/]+\.py)#L)(\d+)\)")


def symbol_of(label: str) -> str:
    """The name a link's text stands for: its last word."""
    return re.findall(r"\w+", label)[-1]


def names(line: str, symbol: str) -> bool:
    """Whether ``line`` holds ``symbol`` as a whole word (``op`` is not in ``options``)."""
    return re.search(rf"\b{re.escape(symbol)}\b", line) is not None


def best_line(lines: list[str], symbol: str, old: int) -> int:
    """The line (from 1) for a link to ``symbol``: a ``def``/``class`` line, else a line
    naming it, the one nearest to ``old`` among them."""
    defining = rf"\b(?:def|class) {re.escape(symbol)}\b"
    defined = [i for i, line in enumerate(lines, 1) if re.search(defining, line)]
    mentioned = [i for i, line in enumerate(lines, 1) if names(line, symbol)]
    candidates = defined or mentioned
    if not candidates:
        raise SystemExit(f"{symbol!r} is not in the source")
    return min(candidates, key=lambda i: abs(i - old))


def drifted(text: str, root: Path = ROOT) -> list[str]:
    """One message per link in ``text`` whose line does not name its symbol."""
    problems = []
    for _, label, path, line in LINK.findall(text):
        source = (root / path).read_text(encoding="utf-8").splitlines()
        number = int(line)
        if not 1 <= number <= len(source):
            problems.append(f"link '{label}' -> {path}#L{line} is past the end of the file")
        elif not names(source[number - 1], symbol_of(label)):
            landing = source[number - 1].strip()
            problems.append(f"link '{label}' -> {path}#L{line} lands on {landing!r}")
    return problems


def relinked(text: str, root: Path = ROOT) -> str:
    """``text`` with every link that does not name its symbol pointed at :func:`best_line`."""

    def fix(match: re.Match) -> str:
        prefix, label, path, line = match.groups()
        source = (root / path).read_text(encoding="utf-8").splitlines()
        symbol, old = symbol_of(label), int(line)
        if 1 <= old <= len(source) and names(source[old - 1], symbol):
            return match.group(0)
        return f"{prefix}{best_line(source, symbol, old)})"

    return LINK.sub(fix, text)


if __name__ == "__main__":
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        if relinked(text) != text:
            doc.write_text(relinked(text), encoding="utf-8")
            print(f"relinked {doc.relative_to(ROOT)}")
