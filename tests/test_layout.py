"""The package's layout: which module imports which.

README promises that data flows one way (the engine imports no op; the
linear solvers stand beside the engine and import nothing of it). These
tests read the import statements of every module in ``tinyreg/`` (those a
function runs when called included; those under ``if TYPE_CHECKING:`` are
read by type checkers only and do not count) and check the promise.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import tinyreg

PACKAGE = Path(tinyreg.__file__).parent


def module_file(name: str) -> Path | None:
    """The source file of tinyreg module ``name`` (``tinyreg.linear.ridge``), or None."""
    parts = name.split(".")[1:]
    candidates = [
        PACKAGE.joinpath(*parts).with_suffix(".py"),
        PACKAGE.joinpath(*parts, "__init__.py"),
    ]
    return next((path for path in candidates if parts and path.is_file()), None)


def all_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] != "__init__":
            names.append(".".join(("tinyreg", *parts)))
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@functools.cache
def runtime_imports(name: str, on_load: bool = False) -> frozenset[str]:
    """The tinyreg modules that module ``name`` imports when it runs (not its parent packages).

    With ``on_load``, only those it imports as it is loaded: not the imports
    that a function makes when it is called.
    """
    path = module_file(name)
    assert path is not None, name
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if on_load and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.orelse:
                    visit(statement)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: from . import x, from .moments import y
                    anchor = package.rsplit(".", child.level - 1)[0]
                    base = f"{anchor}.{base}" if base else anchor
                for alias in child.names:  # `from tinyreg import ops` imports a module
                    submodule = f"{base}.{alias.name}"
                    found.add(submodule if module_file(submodule) else base)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return frozenset(m for m in found if m.split(".")[0] == "tinyreg" and module_file(m))


def reachable(name: str, on_load: bool = False) -> set[str]:
    """Every tinyreg module that ``name`` runs, through its imports (``name`` too)."""
    seen, stack = set(), [name]
    while stack:
        module = stack.pop()
        if module not in seen:
            seen.add(module)
            stack.extend(runtime_imports(module, on_load))
    return seen


# ---------------------------------------------------------------------------
# The import reader itself
# ---------------------------------------------------------------------------


def test_the_reader_finds_imports_of_every_form():
    assert "tinyreg.autograd" in runtime_imports("tinyreg.ops")  # from tinyreg.autograd import op
    assert "tinyreg.ops" in runtime_imports("tinyreg.sugar")  # from tinyreg import ops
    assert "tinyreg.autograd" in reachable("tinyreg.nn")  # through functional
    # what autograd imports for type checkers alone is not a run-time import
    source = (PACKAGE / "autograd.py").read_text(encoding="utf-8")
    assert "from tinyreg.sugar import" in source
    assert "tinyreg.sugar" not in runtime_imports("tinyreg.autograd")


# ---------------------------------------------------------------------------
# The engine, the ops and the sugar
# ---------------------------------------------------------------------------


def test_the_engine_imports_no_op():
    loads = reachable("tinyreg.autograd", on_load=True)
    assert loads == {"tinyreg.autograd", "tinyreg.grad_mode", "tinyreg.validation"}
    assert not reachable("tinyreg.autograd") & {"tinyreg.ops", "tinyreg.sugar"}


def test_tensor_operators_are_the_ops_installed_by_sugar():
    x = tinyreg.tensor([1.0, 2.0], requires_grad=True)
    assert (x * x).op is tinyreg.mul and (x @ x).op is tinyreg.matmul
    assert tinyreg.Tensor.__add__ is tinyreg.sugar.TensorMethods.__add__


def test_no_function_in_the_engine_has_more_than_30_lines_of_code():
    source = (PACKAGE / "autograd.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    too_long = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            body = node.body
            docstring = (
                range(body[0].lineno, body[0].end_lineno + 1)
                if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                else range(0)
            )
            code = [
                i
                for i in range(node.lineno, node.end_lineno + 1)
                if i not in docstring
                and lines[i - 1].strip()
                and not lines[i - 1].strip().startswith("#")
            ]
            if len(code) > 30:
                too_long[node.name] = len(code)
    assert too_long == {}


# ---------------------------------------------------------------------------
# The linear solvers stand beside the engine
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [m for m in all_modules() if m.startswith("tinyreg.linear.")])
def test_the_linear_solvers_reach_nothing_of_the_engine(name):
    engine = {"tinyreg.autograd", "tinyreg.grad_mode", "tinyreg.ops", "tinyreg.sugar"}
    assert reachable(name) & engine == set()


# ---------------------------------------------------------------------------
# Data flows one way
# ---------------------------------------------------------------------------


def test_no_module_imports_itself_back_as_it_loads():
    """The modules load in one order, each after what it imports: no cycle among their imports.

    (A function may import, when called, a module that imports its own:
    ``Moments.of`` reaches the dispatch to dask that way.)
    """
    cycles = [
        (name, other)
        for name in all_modules()
        for other in runtime_imports(name, on_load=True)
        if other != name and name in reachable(other, on_load=True)
    ]
    assert cycles == []
    assert "tinyreg.linear.data" in reachable("tinyreg.linear.moments")
    assert "tinyreg.linear.data" not in reachable("tinyreg.linear.moments", on_load=True)


def test_nothing_but_the_package_imports_the_tracer():
    """``tinyreg.tracing`` patches the engine while it traces: the engine never imports it."""
    assert [m for m in all_modules() if "tinyreg.tracing" in runtime_imports(m)] == []
    assert "tinyreg.tracing" not in reachable("tinyreg.optim")
