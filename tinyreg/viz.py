"""Draw the computation graph behind a tensor (Graphviz DOT text, no dependency).

:func:`to_dot` walks back from a tensor through its recorded inputs and
writes one node per tensor and one edge per use of an input::

    leaves (parameters, inputs that require grad)   boxes:    shape, "requires_grad",
                                                              grad shape and norm (if any)
    results of operations                           ellipses: op name, shape

and the tensor you started from is drawn with a double outline. Paste the
text into any Graphviz viewer, or let :func:`render` run the ``dot``
program for you.

Two things the picture cannot show, because tinyreg does not record them:

* inputs that do not require grad (data, constants such as the ``2`` in
  ``x ** 2``) are not part of the graph -- only tensors that gradients flow
  to are;
* after ``loss.backward()`` the graph is freed (unless
  ``backward(retain_graph=True)``), so ``loss`` forgets its inputs.
  :func:`to_dot` then draws the lone output, dashed and marked "graph freed".
  To see the gradients on the leaves, call ``backward(retain_graph=True)``
  and draw afterwards.

Only public attributes of :class:`~tinyreg.autograd.Tensor` are used:
``op``, ``parents``, ``shape``, ``grad`` and ``requires_grad``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from tinyreg.autograd import Tensor

__all__ = ["render", "to_dot"]


def _quote(text: str) -> str:
    """A DOT double-quoted string; newlines become DOT's ``\\n`` line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _label(t: Tensor, name: str | None) -> list[str]:
    lines = [name] if name else []
    if t.op is not None:
        lines.append(t.op.name)
    lines.append(f"shape {t.shape}")
    if t.op is None and t.requires_grad:
        lines.append("requires_grad")
    if t.grad is not None:
        lines.append(f"grad shape {t.grad.shape}, norm {float(np.linalg.norm(t.grad)):.4g}")
    return lines


def to_dot(tensor: Tensor, name: str = "graph", labels: Mapping[str, Tensor] | None = None) -> str:
    """Graphviz DOT source of the graph that computed ``tensor``.

    Args:
        tensor: the output to start from, usually a loss.
        name: the graph's name in the DOT text.
        labels: optional names for tensors, written on their nodes; e.g.
            ``labels=dict(model.named_parameters())`` or ``{"w": w, "x": x}``.

    Nodes are named ``t0`` (``tensor`` itself), ``t1``, ... in the order
    they are reached; an input used twice by the same op (``x * x``) gets
    two edges. The walk is iterative, so deep graphs are fine.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot() draws a Tensor, got {type(tensor).__name__}")
    names = {id(t): label for label, t in (labels or {}).items()}
    ids: dict[int, str] = {id(tensor): "t0"}
    nodes: list[Tensor] = [tensor]
    edges: list[tuple[str, str]] = []
    stack = [tensor]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if id(parent) not in ids:
                ids[id(parent)] = f"t{len(ids)}"
                nodes.append(parent)
                stack.append(parent)
            edges.append((ids[id(parent)], ids[id(node)]))

    lines = [f"digraph {_quote(name)} {{", '  node [fontname="Helvetica", fontsize=11];']
    for node in nodes:
        label = _label(node, names.get(id(node)))
        attrs = {"shape": "ellipse" if node.op is not None else "box"}
        if node.op is not None and not node.parents:
            label.append("(graph freed by backward)")
            attrs["style"] = "dashed"
        if node is tensor:
            attrs["peripheries"] = "2"
        attrs["label"] = "\n".join(label)
        body = ", ".join(f"{key}={_quote(value)}" for key, value in attrs.items())
        lines.append(f"  {ids[id(node)]} [{body}];")
    lines += [f"  {src} -> {dst};" for src, dst in reversed(edges)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(tensor: Tensor, path: str | Path, labels: Mapping[str, Tensor] | None = None) -> Path:
    """Write a picture of ``tensor``'s graph to ``path``; returns the path.

    The format comes from the file's suffix: ``.dot`` or ``.gv`` writes the
    DOT text itself; anything else (``.png``, ``.svg``, ``.pdf``, ...) is
    passed to Graphviz's ``dot`` program as ``-T<suffix>``. That program must
    be installed (it is not a Python package): if it is not on the PATH, a
    RuntimeError says how to get it.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if not fmt:
        raise ValueError(
            f"cannot tell the image format of {str(path)!r}: give it a suffix like .png or .svg"
        )
    source = to_dot(tensor, labels=labels)
    if fmt in ("dot", "gv"):
        path.write_text(source, encoding="utf-8")
        return path
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "render() needs Graphviz's 'dot' program, which is not on the PATH. Install Graphviz "
            "(apt install graphviz / brew install graphviz / conda install graphviz), or save the "
            "DOT text with render(tensor, 'graph.dot') or to_dot(tensor) and view it elsewhere."
        )
    result = subprocess.run(
        [dot, f"-T{fmt}", "-o", str(path)],
        input=source.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"dot -T{fmt} failed (exit status {result.returncode}): "
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    return path
