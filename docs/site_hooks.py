"""The site's two additions to mkdocs: source pages for the guides' links, and cross-references.

The guides are written to be read in the repository, where a link such as
[`backward`](../tinyreg/autograd.py#L263) opens the source at that line and
``tests/test_docs.py`` checks that the line names ``backward``. The site has
no repository beside it, so each file a page links to outside ``docs/`` is
added to the site as a page of its own, under ``source/``: the file's text,
highlighted, each line an anchor (``#L263``); a linked folder becomes a page
listing its files. The link is pointed at that page, and mkdocs then checks it
as any other link: the page must exist and hold the anchor.

The docstrings name other objects with Sphinx roles (:func:`name`);
:class:`SphinxMarkup`, a griffe extension, turns them into mkdocstrings
cross-references, so the API reference links them and the strict build fails
on one that names nothing; it also reads the docstrings' literal blocks and
tables as markdown.
"""

import posixpath
import re
from pathlib import Path

import griffe
from mkdocs.structure.files import File, Files, InclusionLevel
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound

ROOT = Path(__file__).resolve().parent.parent
# an inline link's target: [text](target); the target has no spaces or parentheses
LINK_TARGET = re.compile(r"(?<=\]\()([^()\s]+)(?=\))")
# a Sphinx role in a docstring: :func:`name`, :class:`~tinyreg.linear.Ridge`, :meth:`step()`
ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):`(~?)([\w.]+?)(\(\))?`")
# a simple table: a rule of columns of `=`, a header, the same rule, rows, the same rule
TABLE = re.compile(r"^( *=+(?: +=+)+) *\n(?:.*\n)*?\1 *\n(?:.*\n)*?\1 *$", re.M)
# line numbers apart from the code, and the line a link points at (#L263) highlighted
SOURCE_STYLE = (
    "<style>.highlight .linenos { margin-right: 1.5em; user-select: none; opacity: 0.5; }"
    " .highlight span:target { background: var(--md-code-hl-color); }</style>"
)


def folder_files(path: str) -> list[str]:
    """The repository paths of the files in the folder ``path`` (not of its subfolders)."""
    return sorted(f"{path}/{p.name}" for p in (ROOT / path).iterdir() if p.is_file())


def repository_target(page_uri: str, target: str) -> str | None:
    """The repository path (``tinyreg/autograd.py``) that a relative link from the docs page
    ``page_uri`` reaches outside ``docs/``, or None for any other link."""
    if re.match(r"[a-z][a-z0-9+.-]*:|/|#", target):  # a URL, an absolute path, an anchor
        return None
    path = target.split("#")[0]
    within = posixpath.normpath(posixpath.join("docs", posixpath.dirname(page_uri), path))
    if within.startswith(("../", "docs/")) or not (ROOT / within).exists():
        return None
    return within


def source_page_uri(path: str) -> str:
    """Where the site shows the repository file or folder ``path``."""
    return f"source/{path}.md" if (ROOT / path).is_file() else f"source/{path}/index.md"


def file_page(path: str) -> str:
    """A page showing the file ``path``, highlighted, line n with the anchor ``Ln``."""
    text = (ROOT / path).read_text(encoding="utf-8")
    try:
        lexer = get_lexer_for_filename(path)
    except ClassNotFound:
        lexer = get_lexer_for_filename("plain.txt")
    formatter = HtmlFormatter(linenos="inline", linespans="L", wrapcode=True)
    code = re.sub(r'<span id="L-(\d+)">', r'<span id="L\1">', highlight(text, lexer, formatter))
    return f"# `{path}`\n\n{SOURCE_STYLE}\n\n{code}\n"


def folder_page(path: str) -> str:
    """A page listing the files of the folder ``path``, each linked to its page."""
    here = posixpath.dirname(source_page_uri(path))
    lines = [f"# `{path}/`", ""]
    for file in folder_files(path):
        link = posixpath.relpath(source_page_uri(file), here)
        lines.append(f"* [`{posixpath.basename(file)}`]({link})")
    return "\n".join(lines) + "\n"


def linked_paths(files: Files) -> set[str]:
    """Every repository path that a page of the docs links to, and the folders' files."""
    paths = set()
    for file in files.documentation_pages():
        if file.abs_src_path is None:
            continue
        text = Path(file.abs_src_path).read_text(encoding="utf-8")
        for target in LINK_TARGET.findall(text):
            path = repository_target(file.src_uri, target)
            if path is not None:
                paths.add(path)
    for path in list(paths):
        if (ROOT / path).is_dir():
            paths.update(folder_files(path))
    return paths


def on_files(files: Files, config) -> Files:
    for path in sorted(linked_paths(files)):
        content = file_page(path) if (ROOT / path).is_file() else folder_page(path)
        page = File.generated(
            config, source_page_uri(path), content=content, inclusion=InclusionLevel.NOT_IN_NAV
        )
        files.append(page)
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    def to_source_page(match: re.Match) -> str:
        target = match.group(1)
        path = repository_target(page.file.src_uri, target)
        if path is None:
            return target
        anchor = target[len(target.split("#")[0]) :]
        here = posixpath.dirname(page.file.src_uri)
        return posixpath.relpath(source_page_uri(path), here or ".") + anchor

    return LINK_TARGET.sub(to_source_page, markdown)


class SphinxMarkup(griffe.Extension):
    """Read the docstrings' reStructuredText markup as markdown.

    * A Sphinx role (:func:`name`) naming a public object of tinyreg becomes a
      link, resolved in the docstring's scope, and a missing target fails the
      strict build; one naming a private object (not in the reference) or an
      object outside tinyreg (``numpy.random.Generator``) is shown as code.
    * A paragraph ending in ``::`` ends in ``:``; the indented block after it
      is code in markdown too.
    * A simple table (columns between rules of ``=``) is shown as code, its
      columns aligned as written.
    """

    def on_object(self, *, obj: griffe.Object, **kwargs: object) -> None:
        if obj.docstring is not None:
            text = ROLE.sub(cross_reference, obj.docstring.value)
            text = re.sub(r"::$", ":", text, flags=re.M)
            obj.docstring.value = TABLE.sub(indented_table, text)


def indented_table(table: re.Match) -> str:
    """A simple table, indented by four more spaces: a markdown code block."""
    return re.sub(r"^", "    ", table.group(0), flags=re.M)


def cross_reference(role: re.Match) -> str:
    """A Sphinx role as markdown: a link ``[`name`][path]``, or the name as code."""
    short, path, call = role.groups()
    shown = (path.rsplit(".", 1)[-1] if short else path) + (call or "")
    parts = path.split(".")
    outside = len(parts) > 1 and parts[0] != "tinyreg"
    private = any(part.startswith("_") and not part.startswith("__") for part in parts)
    return f"`{shown}`" if outside or private else f"[`{shown}`][{path}]"
