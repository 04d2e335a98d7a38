"""tinyreg.viz: the DOT text is a well-formed digraph that tells the truth about the graph."""

import os
import re
import stat

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyreg
from tinyreg.viz import render, to_dot

ATTRIBUTE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
NODE = re.compile(r"^\s*(\w+) \[(.*)\];$")
EDGE = re.compile(r"^\s*(\w+) -> (\w+);$")


def parse(dot):
    """A tiny check of the subset of DOT that to_dot writes; returns (nodes, edges).

    nodes maps a node id to its attributes (label lines split on DOT's \\n);
    edges is a list of (source, target) pairs.
    """
    text = dot.strip()
    assert text.startswith("digraph ")
    # Braces balance outside quoted strings, and the body is one { ... } block.
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    depth = 0
    for char in unquoted:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0 and unquoted.count("{") == 1 and unquoted.endswith("}")

    nodes, edges = {}, []
    for line in text.splitlines()[1:-1]:
        if line.strip().startswith("node ["):  # the default-attributes statement
            continue
        if match := EDGE.match(line):
            edges.append(match.groups())
        elif match := NODE.match(line):
            attrs = dict(ATTRIBUTE.findall(match.group(2)))
            attrs["label"] = attrs["label"].split("\\n")
            assert match.group(1) not in nodes, f"node {match.group(1)} declared twice"
            nodes[match.group(1)] = attrs
        else:
            raise AssertionError(f"unexpected DOT line: {line!r}")
    for source, target in edges:
        assert source in nodes and target in nodes, f"edge {source} -> {target}: undeclared node"
    return nodes, edges


def small_graph():
    tinyreg.manual_seed(0)
    x = tinyreg.randn(4, 3, requires_grad=True)
    w = tinyreg.randn(3, 2, requires_grad=True)
    b = tinyreg.zeros(2, requires_grad=True)
    loss = ((x @ w + b).relu() ** 2).mean()
    return loss, x, w, b


def by_shape(nodes, shape):
    return [n for n in nodes.values() if n["shape"] == shape]


def test_small_graph_names_every_op_and_links_inputs_to_outputs():
    loss, *_ = small_graph()
    nodes, edges = parse(to_dot(loss))
    ops = sorted(n["label"][0] for n in by_shape(nodes, "ellipse"))
    assert ops == ["add", "matmul", "mean", "power", "relu"]
    assert len(by_shape(nodes, "box")) == 3
    assert len(nodes) == 8 and len(edges) == 7
    op_of = {node_id: attrs["label"][0] for node_id, attrs in nodes.items()}
    assert ("matmul", "add") in {(op_of[s], op_of[t]) for s, t in edges}
    assert ("power", "mean") in {(op_of[s], op_of[t]) for s, t in edges}
    assert nodes["t0"]["label"][0] == "mean" and nodes["t0"]["peripheries"] == "2"


def test_leaves_show_shape_and_requires_grad_and_no_grad_before_backward():
    loss, *_ = small_graph()
    nodes, _ = parse(to_dot(loss))
    leaves = [n["label"] for n in by_shape(nodes, "box")]
    assert sorted(label[0] for label in leaves) == ["shape (2,)", "shape (3, 2)", "shape (4, 3)"]
    assert all("requires_grad" in label for label in leaves)
    assert not any(line.startswith("grad") for label in leaves for line in label)
    results = [n["label"] for n in by_shape(nodes, "ellipse")]
    assert "shape ()" in results[0] and "shape (4, 2)" in results[1]


def test_grads_appear_after_backward_with_retain_graph():
    loss, x, w, b = small_graph()
    loss.backward(retain_graph=True)
    nodes, edges = parse(to_dot(loss))
    assert len(nodes) == 8 and len(edges) == 7
    labels = {tuple(n["label"]) for n in by_shape(nodes, "box")}
    for leaf in (x, w, b):
        line = f"grad shape {leaf.shape}, norm {np.linalg.norm(leaf.grad):.4g}"
        assert any(line in label for label in labels), (line, labels)


def test_freed_graph_is_drawn_as_a_lone_dashed_output():
    loss, *_ = small_graph()
    loss.backward()
    nodes, edges = parse(to_dot(loss))
    assert edges == [] and list(nodes) == ["t0"]
    assert nodes["t0"]["style"] == "dashed"
    assert any("freed" in line for line in nodes["t0"]["label"])


def test_reused_tensor_is_one_node_with_one_edge_per_use():
    x = tinyreg.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse(to_dot(x * x))
    assert len(nodes) == 2 and edges == [("t1", "t0"), ("t1", "t0")]

    y = x * 2.0
    z = y + y.exp()  # a diamond: y feeds add directly and through exp
    nodes, edges = parse(to_dot(z))
    assert sorted(n["label"][0] for n in nodes.values()) == ["add", "exp", "mul", "shape (2,)"]
    assert len(edges) == 4


def test_inputs_without_grad_are_not_drawn():
    x = tinyreg.tensor([1.0, 2.0], requires_grad=True)
    data = tinyreg.tensor([3.0, 4.0])
    nodes, edges = parse(to_dot(x * data))
    assert len(nodes) == 2 and len(edges) == 1

    nodes, edges = parse(to_dot(data))  # a plain tensor: one box, nothing else
    assert edges == [] and nodes["t0"]["shape"] == "box"
    assert nodes["t0"]["label"] == ["shape (2,)"]


def test_labels_name_the_tensors_and_odd_names_are_escaped():
    loss, x, w, _ = small_graph()
    dot = to_dot(loss, name='my "graph"', labels={"weight": w, 'the "x"\\': x})
    nodes, _ = parse(dot)
    assert dot.startswith('digraph "my \\"graph\\"" {')
    first_lines = sorted(n["label"][0] for n in by_shape(nodes, "box"))
    assert "weight" in first_lines and 'the \\"x\\"\\\\' in first_lines


def test_model_parameters_as_labels():
    from tinyreg import nn

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    out = model(tinyreg.ones(2, 3)).sum()
    nodes, _ = parse(to_dot(out, labels=dict(model.named_parameters())))
    names = {n["label"][0] for n in by_shape(nodes, "box")}
    assert names == {"0.weight", "0.bias", "2.weight", "2.bias"}


def test_retained_intermediate_grad_is_shown():
    x = tinyreg.tensor([1.0, -2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    loss = h.sum()
    loss.backward(retain_graph=True)
    nodes, _ = parse(to_dot(loss))
    mul = next(n for n in nodes.values() if n["label"][0] == "mul")
    assert "grad shape (2,), norm 1.414" in mul["label"]


def test_a_deep_chain_needs_no_recursion():
    x = tinyreg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    nodes, edges = parse(to_dot(y))
    assert len(nodes) == 5001 and len(edges) == 5000


UNARY = {"exp": lambda a: a.exp(), "tanh": lambda a: a.tanh(), "neg": lambda a: -a}
BINARY = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b}


@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(sorted(UNARY) + sorted(BINARY)), st.integers(0, 99), st.integers(0, 99)
        ),
        min_size=1,
        max_size=15,
    )
)
def test_random_graphs_parse_and_count_correctly(steps):
    pool = [tinyreg.tensor(v, requires_grad=True) for v in ([0.1, 0.2], [0.3, 0.4])]
    for name, i, j in steps:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        pool.append(UNARY[name](a) if name in UNARY else BINARY[name](a, b))
    root = pool[-1]
    # What the graph really holds, by a walk over the public `parents`.
    seen, stack, n_edges = {id(root)}, [root], 0
    while stack:
        node = stack.pop()
        n_edges += len(node.parents)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    nodes, edges = parse(to_dot(root))
    assert len(nodes) == len(seen) and len(edges) == n_edges
    assert {n["label"][0] for n in by_shape(nodes, "ellipse")} <= set(UNARY) | set(BINARY)


def test_to_dot_rejects_non_tensors():
    with pytest.raises(TypeError, match="Tensor"):
        to_dot(np.ones(3))


# -- render ---------------------------------------------------------------------------


def test_render_dot_suffix_writes_the_source(tmp_path):
    loss, *_ = small_graph()
    path = render(loss, tmp_path / "graph.dot")
    assert path.read_text(encoding="utf-8") == to_dot(loss)


def test_render_without_graphviz_says_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    loss, *_ = small_graph()
    with pytest.raises(RuntimeError, match=r"(?i)install graphviz"):
        render(loss, tmp_path / "graph.png")
    assert not (tmp_path / "graph.png").exists()


def fake_dot(directory, script):
    path = directory / "dot"
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.skipif(os.name != "posix", reason="the fake `dot` is a shell script")
def test_render_runs_dot_with_the_format_and_output(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # Our fake dot records its arguments and copies its input to the -o file.
    fake_dot(bin_dir, 'echo "$@" > "$(dirname "$0")/args"\ncat > "$3"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    loss, *_ = small_graph()
    out = render(loss, tmp_path / "graph.svg")
    assert out == tmp_path / "graph.svg"
    assert (bin_dir / "args").read_text().split() == ["-Tsvg", "-o", str(out)]
    assert out.read_text(encoding="utf-8") == to_dot(loss)


@pytest.mark.skipif(os.name != "posix", reason="the fake `dot` is a shell script")
def test_render_reports_dot_failures(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_dot(bin_dir, 'echo "Format: \\"nope\\" not recognized" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", str(bin_dir))
    loss, *_ = small_graph()
    with pytest.raises(RuntimeError, match="not recognized"):
        render(loss, tmp_path / "graph.nope")


def test_render_needs_a_suffix(tmp_path):
    loss, *_ = small_graph()
    with pytest.raises(ValueError, match="suffix"):
        render(loss, tmp_path / "graph")
