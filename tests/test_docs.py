"""The documentation's code runs, and its links to source lines point at what they name."""

import importlib.util
import linecache
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import tinyreg

ROOT = Path(__file__).resolve().parent.parent


def load_relink():
    """``docs/relink.py``, the one place where a source-line link's target is judged."""
    spec = importlib.util.spec_from_file_location("relink", ROOT / "docs" / "relink.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


relink = load_relink()
DOCS = relink.DOCS


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


def test_readme_classification_block_fits_the_moons():
    """What the Classification block prints: every training point classified right."""
    (block,) = [b for b in python_blocks(ROOT / "README.md") if "make_moons" in b]
    namespace: dict = {"__name__": "classification"}
    exec(compile(block, "<README.md, classification>", "exec"), namespace)
    accuracy_score, y, pred = namespace["accuracy_score"], namespace["y"], namespace["pred"]
    assert accuracy_score(y, pred) == 1.0 == (pred == y).mean()
    probabilities = namespace["F"].softmax(namespace["model"](namespace["X"]), dim=1).data
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=0, atol=4 * np.finfo(float).eps)


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
    group_lasso = namespace["FeatureGroupLasso"](0.05)
    w = np.array([[0.01, 3.0], [0.02, -4.0]])
    steps = np.array([[0.1, 0.5], [0.3, 0.2]])
    shrunk = group_lasso.prox(w, steps)
    np.testing.assert_array_equal(shrunk, group_lasso.prox(w, 0.5))
    assert np.all(shrunk[:, 0] == 0.0) and np.all(shrunk[:, 1] != 0.0)


def test_internals_python_blocks_run(capsys):
    run_blocks(ROOT / "docs" / "internals.md")
    out = capsys.readouterr().out
    assert "mean ['power']" in out and out.count("digraph") == 1


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_source_line_links_point_at_their_symbol(doc):
    """A link like [`backward`](../tinyreg/autograd.py#L250) lands on a line naming it."""
    problems = relink.drifted(doc.read_text(encoding="utf-8"))
    assert not problems, f"{doc.name}: " + "; ".join(problems)


def test_a_link_landing_on_its_name_inside_another_word_is_rejected_and_relinked(tmp_path):
    """``op`` inside ``options`` is not ``op``: the check rejects the link, and relink moves
    it to the line defining ``op``, past a nearer line that names it in passing."""
    source = tmp_path / "tinyreg" / "engine.py"
    source.parent.mkdir()
    lines = ["def op(forward):", "    pass", "# op records nothing", "options[name] = value"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = "The [`op`](../tinyreg/engine.py#L4) decorator."
    (problem,) = relink.drifted(doc, root=tmp_path)
    assert "options[name] = value" in problem
    assert relink.relinked(doc, root=tmp_path) == "The [`op`](../tinyreg/engine.py#L1) decorator."
    for line in (1, 3):  # a line that names `op` as a word passes, and relink keeps it
        kept = f"The [`op`](../tinyreg/engine.py#L{line}) decorator."
        assert relink.drifted(kept, root=tmp_path) == []
        assert relink.relinked(kept, root=tmp_path) == kept
    past_the_end = "[`op`](../tinyreg/engine.py#L5)"
    assert "past the end" in relink.drifted(past_the_end, root=tmp_path)[0]


def public_modules() -> list[str]:
    """tinyreg's public modules: all but the private ones (a name with a leading underscore)
    and the command line, ``python -m tinyreg``, which ``--help`` documents."""
    found = pkgutil.walk_packages(tinyreg.__path__, "tinyreg.")
    names = [m.name for m in found if not any(p.startswith("_") for p in m.name.split("."))]
    return ["tinyreg", *(name for name in names if name != "tinyreg.cli")]


def test_every_public_module_has_an_api_reference_page_in_the_nav():
    """docs/api/<module>.md renders the module (``::: <module>``) and mkdocs.yml lists it."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {page.stem for page in (ROOT / "docs" / "api").glob("*.md")}
    assert pages == set(public_modules())
    for name in pages:
        page = ROOT / "docs" / "api" / f"{name}.md"
        assert page.read_text(encoding="utf-8").splitlines()[0] == f"::: {name}", page.name
        assert f": api/{name}.md\n" in nav, f"mkdocs.yml's nav does not list api/{name}.md"


def test_the_changelog_has_an_entry_for_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[(\d[^\]]*)\]", changelog, flags=re.M)
    assert releases and releases[0] == tinyreg.__version__
