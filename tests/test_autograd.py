"""The engine's semantics: properties of backward, graph lifetime, gradient mode,
dtypes, errors, the custom-op mechanism, and who owns the gradient arrays.

Per-op correctness lives in ``test_ops.py`` (one registry for every op), and
gradcheck's own tests in ``test_gradcheck.py``; the tests here are about the
machinery that every op shares.
"""

from __future__ import annotations

import gc
import math
import tracemalloc
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyreg as tr
from tinyreg import gradcheck
from tinyreg.autograd import unbroadcast
from tinyreg.testing import arrays, broadcastable_arrays, broadcastable_shapes


def _grads(fn, values, upstream):
    """Input gradients of ``fn`` at ``values`` for one upstream gradient (fresh graph)."""
    xs = [tr.tensor(v, requires_grad=True) for v in values]
    fn(*xs).backward(upstream)
    return [x.grad for x in xs]


def _summed_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Reverse broadcasting the slow, obvious way: each input element collects every
    output element it was copied to (independent of ``autograd.unbroadcast``)."""
    owner = np.broadcast_to(np.arange(math.prod(shape)).reshape(shape), grad.shape)
    summed = np.bincount(owner.reshape(-1), weights=grad.reshape(-1), minlength=math.prod(shape))
    return summed.reshape(shape)


# ---------------------------------------------------------------------------
# Properties of backward
# ---------------------------------------------------------------------------

# A few composite functions, each of a domain of inputs (registry-like).
COMPOSITES = {
    "elementwise, broadcast": (
        lambda a, b: (a * b + tr.exp(a)) / (1.0 + b * b) - tr.tanh(b),
        broadcastable_arrays(2),
    ),
    "matmul, log_softmax, relu": (
        lambda x, w: tr.log_softmax(x @ w, axis=-1) * 2.0 - (x @ w).relu(),
        st.tuples(arrays((3, 4)), arrays((4, 2))),
    ),
    "index, reductions, where": (
        lambda x: (
            tr.where(x.data > 0, x[::-1] * x.var(axis=0, ddof=0), x.max(axis=0, keepdims=True))
            + x.sum(axis=-1, keepdims=True)
        ),
        arrays((3, 2), distinct=True).map(lambda x: (x,)),
    ),
}


@pytest.mark.parametrize("name", COMPOSITES)
@given(data=st.data())
def test_backward_is_linear_in_the_upstream_gradient(name, data):
    fn, domain = COMPOSITES[name]
    values = data.draw(domain, label="inputs")
    shape = fn(*[tr.tensor(v) for v in values]).shape
    u = data.draw(arrays(shape), label="u")
    v = data.draw(arrays(shape), label="v")
    alpha, beta = data.draw(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), label="alpha, beta")

    combined = _grads(fn, values, alpha * u + beta * v)
    for g, gu, gv in zip(combined, _grads(fn, values, u), _grads(fn, values, v), strict=True):
        # Each gradient entry comes out of a few dozen roundings (the composites' VJPs and the
        # sums of unbroadcast and matmul over at most 4 terms each), each of relative size ε,
        # so the three gradients differ from exact linearity by about 50·ε·scale ≈ 1e-14·scale:
        # 1e-12·(1 + scale) leaves two orders of magnitude (the 1 covers a zero scale).
        scale = abs(alpha) * np.abs(gu).max() + abs(beta) * np.abs(gv).max()
        np.testing.assert_allclose(g, alpha * gu + beta * gv, rtol=0, atol=1e-12 * (1 + scale))


def test_diamond_sums_both_paths():
    values = np.array([-1.5, 0.0, 0.5, 2.0])
    x = tr.tensor(values, requires_grad=True)
    (x * x + tr.exp(x)).backward(np.ones(4))
    # 2x is exact; exp(x) and the sum of the two paths each round once: a few ulps at most
    np.testing.assert_allclose(x.grad, 2 * values + np.exp(values), rtol=1e-14)


def test_same_tensor_twice_in_one_op():
    x = tr.tensor([3.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, -4.0])


def test_deeper_diamond():
    # a feeds b, c and e; b and c meet in d; d and a meet in e; e and a meet in f.
    def f(x):
        a = x * 2.0
        b = a.tanh()
        c = a.exp()
        d = b * c
        e = d + a
        return (e * a).sum()

    values = np.array([-0.7, 0.1, 0.4])
    x = tr.tensor(values, requires_grad=True)
    f(x).backward()
    a = 2 * values
    sech2 = 1 - np.tanh(a) ** 2
    # f = Σ (tanh(a)·eᵃ + a)·a  =>  df/da = (sech²(a)·eᵃ + tanh(a)·eᵃ + 1)·a + tanh(a)·eᵃ + a
    df_da = (sech2 * np.exp(a) + np.tanh(a) * np.exp(a) + 1) * a + np.tanh(a) * np.exp(a) + a
    # the same closed form evaluated in another order: ~20 roundings of values of order 10
    np.testing.assert_allclose(x.grad, 2 * df_da, rtol=1e-12)
    assert gradcheck(f, [values])


def test_intermediate_used_twice_receives_the_sum():
    x = tr.tensor([1.0, -2.0], requires_grad=True)
    a = x * 3.0
    a.retain_grad()
    (a * a + a).sum().backward()
    np.testing.assert_allclose(a.grad, 2 * a.data + 1)
    np.testing.assert_allclose(x.grad, 3 * (2 * a.data + 1))


def test_a_leaf_used_by_many_ops_gets_every_contribution():
    x = tr.tensor(2.0, requires_grad=True)
    total = x * 0.0
    for k in range(1, 51):
        total = total + x * float(k)
    total.backward()
    assert x.grad == sum(range(1, 51))  # sums of small integers are exact in binary


@given(data=st.data())
def test_broadcast_gradient_is_upstream_summed_over_broadcast_axes(data):
    a, b = data.draw(broadcastable_arrays(2), label="a, b")
    ta, tb = tr.tensor(a, requires_grad=True), tr.tensor(b, requires_grad=True)
    out_shape = np.broadcast_shapes(a.shape, b.shape)
    u = data.draw(arrays(out_shape), label="upstream")

    (ta + tb).backward(u)
    # Sums of at most 64 terms of size ≤ 9 in two different orders: the difference is at
    # most 64·ε·(64·9) ≈ 8e-12 in the worst case (usually far less).
    np.testing.assert_allclose(ta.grad, _summed_to(u, a.shape), rtol=0, atol=1e-11)
    np.testing.assert_allclose(tb.grad, _summed_to(u, b.shape), rtol=0, atol=1e-11)

    ta.zero_grad()
    (ta * tb).backward(u)
    np.testing.assert_allclose(
        ta.grad, _summed_to(u * np.broadcast_to(b, out_shape), a.shape), rtol=0, atol=1e-11
    )


@given(data=st.data())
def test_unbroadcast_sums_over_exactly_the_broadcast_axes(data):
    s0, s1 = data.draw(broadcastable_shapes(2), label="shapes")
    grad = data.draw(arrays(np.broadcast_shapes(s0, s1)), label="grad")
    for shape in (s0, s1):
        reduced = unbroadcast(grad, shape)
        assert reduced.shape == shape
        # two summation orders of at most 64 terms of size ≤ 3: at most 64·ε·192 ≈ 3e-12 apart
        np.testing.assert_allclose(reduced, _summed_to(grad, shape), rtol=0, atol=1e-11)


@given(data=st.data())
def test_inputs_are_not_mutated(data):
    x = data.draw(arrays((3, 4)), label="x")
    w = data.draw(arrays((4,)), label="w")
    c = data.draw(arrays((3, 1)), label="plain numpy operand")
    u = data.draw(arrays((3,)), label="upstream")
    copies = [a.copy() for a in (x, w, c, u)]
    tx, tw = tr.tensor(x, requires_grad=True), tr.tensor(w, requires_grad=True)

    h = (tx * tw + c).relu() - tx[:, ::-1].exp() / (1.0 + tw * tw)
    out = tr.concatenate([h, tr.stack([tw, tw, tw])], axis=1).softmax(axis=1).sum(axis=1)
    out.backward(u)

    for after, before in zip((x, w, c, u), copies, strict=True):
        np.testing.assert_array_equal(after, before)
    np.testing.assert_array_equal(tx.data, copies[0])
    np.testing.assert_array_equal(tw.data, copies[1])


def test_gradients_are_private_arrays():
    # add's VJPs pass the upstream array through unchanged: the leaves must not share it.
    a, b = tr.tensor([1.0, 2.0], requires_grad=True), tr.tensor([3.0, 4.0], requires_grad=True)
    upstream = np.array([1.0, 1.0])
    (a + b).backward(upstream)
    a.grad += 100.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(upstream, [1.0, 1.0])


def test_two_backward_passes_agree_and_leaves_accumulate_until_zeroed():
    x = tr.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    w = tr.tensor([1.5, -0.5], requires_grad=True)
    out = ((x * w).tanh() @ w).exp()
    u = np.array([0.3, -1.2])

    out.backward(u, retain_graph=True)
    first = (x.grad.copy(), w.grad.copy())
    x.zero_grad()
    w.zero_grad()
    assert x.grad is None and w.grad is None
    out.backward(u, retain_graph=True)
    np.testing.assert_array_equal(x.grad, first[0])  # identical, not just close
    np.testing.assert_array_equal(w.grad, first[1])

    out.backward(u, retain_graph=True)  # accumulates: now twice the gradient
    np.testing.assert_array_equal(x.grad, 2 * first[0])  # g + g = 2g exactly in binary
    np.testing.assert_array_equal(w.grad, 2 * first[1])

    x.zero_grad()
    w.zero_grad()
    out.backward(u)
    np.testing.assert_array_equal(x.grad, first[0])
    np.testing.assert_array_equal(w.grad, first[1])


def test_intermediates_keep_no_grad_unless_asked():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2.0
    b = a * 3.0
    b.retain_grad()
    b.sum().backward()
    assert a.grad is None
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_a_100000_op_chain_backpropagates():
    n = 100_000
    x = tr.tensor(1.5, requires_grad=True)
    w = tr.tensor(1.00001, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * w
    y.backward()  # recursion would fail far below this depth
    # 100,000 roundings of relative size ≤ ε/2 each (and a sum of n such products for
    # w): at most ~n·ε ≈ 2e-11 relative; 1e-9 is 50 times that.
    assert x.grad == pytest.approx(1.00001**n, rel=1e-9)
    assert w.grad == pytest.approx(n * 1.5 * 1.00001 ** (n - 1), rel=1e-9)


def test_dropping_a_long_unwalked_chain_is_fine():
    y = x = tr.tensor(np.ones(2), requires_grad=True)
    for _ in range(100_000):
        y = y + 1.0
    ref = weakref.ref(y)
    del y  # deallocating 100,000 nested nodes must not overflow the C stack
    assert ref() is None
    assert x.grad is None


# ---------------------------------------------------------------------------
# Gradient mode
# ---------------------------------------------------------------------------


def test_no_grad_as_context_manager():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    with tr.no_grad():
        assert not tr.is_grad_enabled()
        y = x * 2.0 + 1.0
    assert tr.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.op is None
    np.testing.assert_array_equal(y.data, [3.0, 5.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_as_decorator():
    @tr.no_grad()
    def double(t):
        assert not tr.is_grad_enabled()
        return t * 2.0

    x = tr.tensor([1.0], requires_grad=True)
    assert not double(x).requires_grad
    assert tr.is_grad_enabled()
    assert (x * 2.0).requires_grad


def test_no_grad_nests_and_restores_on_exceptions():
    with tr.no_grad():
        with tr.no_grad():
            assert not tr.is_grad_enabled()
        assert not tr.is_grad_enabled()  # the inner exit restores "off", not "on"
    assert tr.is_grad_enabled()
    with pytest.raises(KeyError), tr.no_grad():
        raise KeyError("boom")
    assert tr.is_grad_enabled()


def test_no_grad_is_reentrant():
    guard = tr.no_grad()
    x = tr.tensor([1.0, 2.0], requires_grad=True)

    @guard
    def depth(t, n):
        assert not tr.is_grad_enabled()
        result = t * 1.0 if n == 0 else depth(t, n - 1) + 1.0
        assert not tr.is_grad_enabled()  # still off after the inner call returned
        return result

    out = depth(x, 10)
    assert not out.requires_grad
    np.testing.assert_array_equal(out.data, [11.0, 12.0])
    with guard, guard:  # the same object entered twice
        assert not tr.is_grad_enabled()
    assert tr.is_grad_enabled()
    assert (x * 1.0).requires_grad


def test_enable_grad_inside_no_grad():
    x = tr.tensor([1.0, -2.0], requires_grad=True)

    @tr.enable_grad()
    def recorded(t):
        return t * t

    with tr.no_grad():
        with tr.enable_grad():
            assert tr.is_grad_enabled()
            y = x * 3.0
        assert not tr.is_grad_enabled()
        z = recorded(x)
        assert not tr.is_grad_enabled()
    assert y.requires_grad and z.requires_grad
    (y + z).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, -1.0])


# ---------------------------------------------------------------------------
# Memory: the graph is released with the loss
# ---------------------------------------------------------------------------


def _graph_nodes(root: tr.Tensor) -> list[tr.Tensor]:
    """Every tensor recorded behind ``root`` that an op made (found via ``.parents``)."""
    seen: dict[int, tr.Tensor] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(node.parents)
    return [node for node in seen.values() if not node.is_leaf]


def _problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    w = tr.tensor(np.zeros((3, 1)), requires_grad=True)
    b = tr.tensor(np.zeros(1), requires_grad=True)
    return x, y, w, b


def _loss(x, y, w, b):
    return ((tr.tensor(x) @ w + b - y) ** 2).mean() + 1e-3 * (w * w).sum()


def _step(x, y, w, b, lr=0.1):
    loss = _loss(x, y, w, b)
    loss.backward()
    with tr.no_grad():
        w.data[...] = (w - lr * w.grad).data
        b.data[...] = (b - lr * b.grad).data
    w.zero_grad()
    b.zero_grad()
    return loss


@pytest.mark.parametrize("walk", ["no backward", "backward", "backward(retain_graph=True)"])
def test_graph_is_freed_when_the_loss_is_dropped(walk):
    x, y, w, b = _problem()
    loss = _loss(x, y, w, b)
    refs = [weakref.ref(node) for node in _graph_nodes(loss)]
    assert len(refs) >= 8
    if walk == "backward":
        loss.backward()
    elif walk == "backward(retain_graph=True)":
        loss.backward(retain_graph=True)
    gc.disable()  # freed by reference counting alone: no cycles anywhere in the graph
    try:
        del loss
        alive = [r() for r in refs if r() is not None]
        assert not alive, f"{len(alive)} graph tensors outlive the loss: {[t.op for t in alive]}"
    finally:
        gc.enable()
    assert w.grad is None or w.grad.shape == (3, 1)


def test_backward_frees_the_intermediates_while_the_loss_is_alive():
    x, y, w, b = _problem()
    loss = _loss(x, y, w, b)
    refs = [weakref.ref(node) for node in _graph_nodes(loss) if node is not loss]
    loss.backward()
    assert all(r() is None for r in refs)
    assert loss.item() > 0  # the loss itself is still usable


def test_ten_thousand_training_steps_do_not_grow_memory():
    x, y, w, b = _problem()
    tracemalloc.start()
    try:
        first = [_step(x, y, w, b).item() for _ in range(1_000)]
        gc.collect()
        after_1000 = tracemalloc.get_traced_memory()[0]
        for _ in range(9_000):
            last = _step(x, y, w, b).item()
        gc.collect()
        after_10000 = tracemalloc.get_traced_memory()[0]

        # Control: the measurement notices a leak as small as keeping each step's
        # (already backpropagated, so graph-free) loss tensor.
        kept = [_step(x, y, w, b) for _ in range(1_000)]
        gc.collect()
        with_leak = tracemalloc.get_traced_memory()[0]
        del kept
    finally:
        tracemalloc.stop()
    assert after_10000 - after_1000 < 32 * 1024, (after_1000, after_10000)
    assert with_leak - after_10000 > 32 * 1024, (after_10000, with_leak)
    assert last < first[0] / 100  # it did train
    # The loss is a strongly convex quadratic in (w, b): gradient descent converges to its
    # minimiser at the rate max|1 − lr·λ| over the Hessian's eigenvalues λ; after 11,000
    # steps the remaining error is below 1e-12 (checked), so only rounding is left.
    design = np.hstack([x, np.ones((len(x), 1))])
    hessian = 2 * design.T @ design / len(x) + np.diag([2e-3, 2e-3, 2e-3, 0.0])
    rate = np.max(np.abs(1 - 0.1 * np.linalg.eigvalsh(hessian)))
    assert rate**11_000 < 1e-12
    minimiser = np.linalg.solve(hessian, 2 * design.T @ y[:, 0] / len(x))
    np.testing.assert_allclose(np.append(w.data.ravel(), b.data), minimiser, rtol=0, atol=1e-9)


# ---------------------------------------------------------------------------
# dtypes and tensor()
# ---------------------------------------------------------------------------


def test_float32_stays_float32_through_ops_and_gradients():
    rng = np.random.default_rng(1)
    x = tr.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    w = tr.tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    h = (x @ w + 0.5).relu() * 2 - (x.sum(axis=1, keepdims=True) / 3).tanh()
    out = tr.log_softmax(h, axis=1).mean() + h.var(ddof=0) + tr.sqrt(w * w + 1.0).max()
    out = out + x[[0, 0]].sum()
    assert h.dtype == np.float32 and out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_floating_inputs_keep_their_dtype(dtype):
    t = tr.tensor(np.array([1.5, 2.5], dtype=dtype))
    assert t.dtype == dtype
    assert tr.tensor(dtype(1.5)).dtype == dtype


@pytest.mark.parametrize(
    "value",
    [
        3,
        True,
        2.5,
        [1, 2],
        [[1.0, 0.0]],
        [True, False],
        np.arange(3),
        np.array([True]),
        np.int32(4),
        np.uint8(7),
    ],
    ids=repr,
)
def test_ints_bools_lists_and_numbers_become_float64(value):
    t = tr.tensor(value)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(value, dtype=np.float64))


def test_ops_on_non_float_operands_give_float64():
    assert tr.add(1, 2).dtype == np.float64
    assert tr.mul(np.arange(3), True).dtype == np.float64


def test_tensor_copies_its_input():
    source = np.array([1.0, 2.0])
    t = tr.tensor(source)
    source[0] = 99.0
    assert t.data[0] == 1.0
    u = tr.tensor(t)
    u.data[1] = -1.0
    assert t.data[1] == 2.0
    nested = [[1.0, 2.0]]
    assert tr.tensor(nested).data is not tr.tensor(nested).data


@pytest.mark.parametrize(
    "data, dtype, words",
    [
        ([1, 2], np.int64, ["int64", "floating"]),
        ([1, 2], "bool", ["bool", "floating"]),
        (np.array([1 + 2j]), None, ["complex128"]),
        (np.array(["a", "b"]), None, ["<U1"]),
        ([object()], None, ["object"]),
    ],
)
def test_dtype_validation(data, dtype, words):
    with pytest.raises(TypeError) as info:
        tr.tensor(data, dtype=dtype)
    for word in words:
        assert word in str(info.value)


# ---------------------------------------------------------------------------
# Errors: type and a message that names the problem
# ---------------------------------------------------------------------------


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\) and \(4, 5\)"):
        tr.tensor(np.ones((2, 3))) @ tr.tensor(np.ones((4, 5)))


def test_broadcasting_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"add.*\(2, 3\) and \(4,\)"):
        tr.tensor(np.ones((2, 3))) + tr.tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"mul.*\(3,\) and \(2, 2\)"):
        tr.mul(np.ones(3), tr.tensor(np.ones((2, 2)), requires_grad=True))


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = tr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"one-element.*\(2, 3\).*gradient"):
        (x * 2.0).backward()
    assert x.grad is None


def test_backward_of_a_one_element_tensor_seeds_one():
    x = tr.tensor([[2.0]], requires_grad=True)
    (x * 3.0).backward()
    np.testing.assert_array_equal(x.grad, [[3.0]])


def test_backward_with_a_wrongly_shaped_gradient():
    x = tr.tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2.0
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        y.backward(np.ones((3, 2)))
    assert x.grad is None
    y.backward(np.ones((2, 3)))  # nothing was freed by the failed call
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))


def test_backward_without_a_path_to_a_leaf():
    with pytest.raises(RuntimeError, match=r"does not require grad.*no path"):
        tr.tensor([1.0, 2.0]).exp().sum().backward()
    x = tr.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x.detach() * 2.0).sum().backward()


def test_second_backward_through_a_freed_graph():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"second time.*freed.*retain_graph=True"):
        y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])  # unchanged by the failed call

    x.zero_grad()
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


@pytest.mark.parametrize("fn", [tr.log, tr.sqrt], ids=["log", "sqrt"])
def test_log_and_sqrt_of_negative_follow_numpy(fn):
    with pytest.warns(RuntimeWarning, match="invalid value"):
        out = fn(tr.tensor([-1.0, 4.0]))
    assert np.isnan(out.data[0])
    assert np.isfinite(out.data[1])


# ---------------------------------------------------------------------------
# Backward is all-or-nothing
# ---------------------------------------------------------------------------


class Boom(Exception):
    pass


@tr.op
def explodes_in_backward(x):
    return x * 1.0


def _explode(g, out, x):
    raise Boom("this VJP always fails")


explodes_in_backward.defvjp(_explode)


def test_a_failing_vjp_changes_no_gradient():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    w = tr.tensor([0.5, -1.0], requires_grad=True)
    (x * w).sum().backward()  # both leaves now hold a gradient
    before = (x.grad.copy(), w.grad.copy())

    # The failing VJP sits deep in the graph, so the VJPs above it run first: h's
    # gradient and a contribution to w's are computed before it raises.
    h = explodes_in_backward(x * 3.0) * w
    h.retain_grad()
    loss = (h * 2.0).sum()
    with pytest.raises(Boom):
        loss.backward()
    np.testing.assert_array_equal(x.grad, before[0])
    np.testing.assert_array_equal(w.grad, before[1])
    assert h.grad is None
    with pytest.raises(Boom):  # the graph was not freed either: the same error again
        loss.backward()


# ---------------------------------------------------------------------------
# The custom-op mechanism
# ---------------------------------------------------------------------------


@tr.op
def hypot(a, b):
    """A user's op: the VJPs return gradients of the broadcast output's shape."""
    return np.hypot(a, b)


hypot.defvjp(lambda g, out, a, b: g * a / out, lambda g, out, a, b: g * b / out)


@given(pair=broadcastable_arrays(2, avoid=(0.0,), margin=0.1))
def test_custom_op_broadcasts_and_the_engine_unbroadcasts(pair):
    a, b = pair
    assert gradcheck(hypot, [a, b])
    ta, tb = tr.tensor(a, requires_grad=True), tr.tensor(b, requires_grad=True)
    out = hypot(ta, tb)
    np.testing.assert_array_equal(out.data, np.hypot(a, b))
    assert out.op is hypot and out.op.name == "hypot"
    out.backward(np.ones(out.shape))
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape


@tr.op
def scaled_sum(x, *, axis=None, scale=1.0):
    return scale * np.sum(x, axis=axis)


def _scaled_sum_vjp(g, out, x, *, axis, scale):
    kept = [1 if axis is None or i == axis % x.ndim else n for i, n in enumerate(x.shape)]
    return tr.broadcast_to(scale * g.reshape(kept), shape=x.shape)


scaled_sum.defvjp(_scaled_sum_vjp)


def test_extra_positional_arguments_fill_the_options():
    x = tr.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    np.testing.assert_array_equal(tr.sum(x, 0).data, tr.sum(x, axis=0).data)
    assert tr.sum(x, 1, True).shape == (2, 1)
    np.testing.assert_array_equal(scaled_sum(x, 1, 2.0).data, [6.0, 24.0])
    assert gradcheck(lambda t: scaled_sum(t, 0, -3.0), [x])
    with pytest.raises(TypeError, match="too many positional"):
        scaled_sum(x, 1, 2.0, 3.0)
    with pytest.raises(TypeError, match="multiple values for argument 'axis'"):
        tr.sum(x, 0, axis=1)


@tr.op
def wrong_shape(x):
    return x.sum(axis=0)


wrong_shape.defvjp(lambda g, out, x: np.ones((7,)))


def test_a_vjp_with_a_wrongly_shaped_gradient_raises_a_clear_error():
    x = tr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"'wrong_shape'.*\(7,\).*\(2, 3\)"):
        wrong_shape(x).sum().backward()
    assert x.grad is None


def test_vjps_of_inputs_not_requiring_grad_are_never_called():
    calls = []

    @tr.op
    def spied(a, b, c):
        return a * b + c

    def vjp_for(name, other):
        def vjp(g, out, a, b, c):
            calls.append(name)
            return g * {"a": b, "b": a, "c": 1.0}[other]

        return vjp

    spied.defvjp(vjp_for("a", "a"), vjp_for("b", "b"), vjp_for("c", "c"))

    a = tr.tensor([1.0, 2.0], requires_grad=True)
    b = tr.tensor([3.0, 4.0])  # a constant tensor
    spied(a, b, np.ones(2)).sum().backward()  # c is a plain array
    assert calls == ["a"]

    calls.clear()
    with tr.no_grad():
        out = spied(a, b, 1.0)
    assert not out.requires_grad
    assert calls == []


def test_a_forward_that_returns_a_tuple_is_told_to_use_defvjp():
    @tr.op
    def twice(x):
        return 2 * x, lambda g: 2 * g

    x = tr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"'twice' returned a tuple.*twice\.defvjp"):
        twice(x)
    assert x.grad is None and twice.vjps is None


# ---------------------------------------------------------------------------
# Gradient arrays belong to their tensor alone
# ---------------------------------------------------------------------------


def test_leaf_gradients_never_alias_each_other_or_the_seed():
    """The engine keeps a VJP's array as .grad without copying only when nobody else holds it."""
    a = tr.tensor(np.ones((3, 2)), requires_grad=True)
    b = tr.tensor(np.ones((3, 2)), requires_grad=True)
    seed = np.full((3, 2), 2.0)
    (a + b).backward(seed)  # add's VJPs pass the same upstream array to both inputs
    assert a.grad is not b.grad and a.grad is not seed and b.grad is not seed
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, seed)
    np.testing.assert_array_equal(seed, np.full((3, 2), 2.0))

    x = tr.tensor(np.arange(4.0), requires_grad=True)
    u = np.ones(4)
    x.backward(u)  # the root is itself a leaf: its gradient is the seed
    assert x.grad is not u
    x.grad += 1
    np.testing.assert_array_equal(u, np.ones(4))

    w = tr.tensor(np.ones(3), requires_grad=True)
    h = w * 2.0
    h.retain_grad()
    (h + w).sum().backward()  # h's retained grad and w's share one upstream array
    assert h.grad is not w.grad
    h.grad[:] = 0
    np.testing.assert_array_equal(w.grad, np.full(3, 3.0))

    s = tr.tensor(np.ones((2, 2)), requires_grad=True)
    s.sum().backward()  # sum's VJP is a read-only broadcast view: .grad must be writeable
    assert s.grad.flags.writeable
    s.grad += 1


def test_keeping_unshared_gradients_without_a_copy_changes_no_value(monkeypatch):
    """The speed trick (store a fresh gradient array as .grad without copying it) against
    always copying: the same gradients, and never shared memory."""
    from tinyreg import autograd

    def gradients():
        x = tr.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        b = tr.tensor(np.ones(3), requires_grad=True)
        s = tr.tensor(2.0, requires_grad=True)
        ((x @ x.T).tanh().sum() + (x + b).exp().mean() * s + b.sum()).backward()
        return [t.grad for t in (x, b, s)]

    kept = gradients()
    monkeypatch.setattr(autograd, "_unshared", lambda grad, handed_out: False)
    copied = gradients()
    for a, c in zip(kept, copied, strict=True):
        assert type(a) is np.ndarray and type(c) is np.ndarray
        np.testing.assert_array_equal(a, c)
    assert not any(np.shares_memory(a, b) for i, a in enumerate(kept) for b in kept[i + 1 :])


# ---------------------------------------------------------------------------
# Tensor.numpy(), retain_grad(), and backward() of what no_grad computed
# ---------------------------------------------------------------------------


def test_numpy_returns_the_tensors_own_array():
    t = tr.tensor([1.0, 2.0])
    assert t.numpy() is t.data
    t.numpy()[0] = 5.0
    assert t.data[0] == 5.0


def test_retain_grad_is_a_no_op_on_leaves_and_an_error_without_requires_grad():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    x.retain_grad()
    assert not x.retains_grad  # a leaf keeps its gradient anyway
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])  # once, not twice
    h = x * 2.0
    h.retain_grad()
    assert h.retains_grad
    with pytest.raises(RuntimeError, match=r"retain_grad.*does not require grad"):
        tr.tensor([1.0]).retain_grad()


def test_backward_on_a_result_of_no_grad_says_so():
    x = tr.tensor([1.0, 2.0], requires_grad=True)
    with tr.no_grad():
        y = (x * 2.0).sum()
        z = x * 3.0
    with pytest.raises(RuntimeError, match="computed under no_grad"):
        y.backward()
    with pytest.raises(RuntimeError, match="computed under no_grad"):
        (z + 1.0).sum().backward()  # computed outside the block, from a no_grad result
    with pytest.raises(RuntimeError, match="no path to any leaf"):
        tr.tensor([1.0]).sum().backward()  # nothing to do with no_grad
    with pytest.raises(RuntimeError, match="no path to any leaf"):
        with tr.no_grad():
            w = tr.tensor([1.0]) * 2.0  # no input required grad: no_grad changed nothing
        w.sum().backward()
