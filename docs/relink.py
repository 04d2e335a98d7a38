"""Move the ``file.py#L<n>`` links in the docs to where their symbols are now.

After editing the source, run ``python docs/relink.py``: each link such as
[`backward`](../tinyreg/autograd.py#L263) is pointed at the line that names
its symbol (the last word of the link text) -- a ``def``/``class`` line if
there is one, else the nearest line that mentions it. ``tests/test_docs.py``
fails when a link has drifted.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"(\[`?([^\]`]+?)`?\]\((?:\.\./)?(tinyreg/[\w/]+\.py)#L)(\d+)\)")


def best_line(lines: list[str], symbol: str, old: int) -> int:
    named = [i for i, line in enumerate(lines, 1) if re.search(rf"\b(def|class) {symbol}\b", line)]
    mentions = [i for i, line in enumerate(lines, 1) if symbol in line]
    candidates = named or mentions
    if not candidates:
        raise SystemExit(f"{symbol!r} is no longer in the source")
    return min(candidates, key=lambda i: abs(i - old))


def relink(doc: Path) -> None:
    def fix(match: re.Match) -> str:
        prefix, label, path, line = match.groups()
        source = (ROOT / path).read_text(encoding="utf-8").splitlines()
        symbol = re.findall(r"\w+", label)[-1]
        old = int(line)
        if 1 <= old <= len(source) and symbol in source[old - 1]:
            return match.group(0)
        return f"{prefix}{best_line(source, symbol, old)})"

    text = doc.read_text(encoding="utf-8")
    doc.write_text(LINK.sub(fix, text), encoding="utf-8")


if __name__ == "__main__":
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        relink(path)
