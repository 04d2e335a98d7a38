"""Layers and models: PyTorch's layout and semantics, gradients, state dicts.

The functions behind the layers -- linear, the losses, dropout -- are tested,
with the modules that call them, in ``test_functional.py``.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
import warnings
from collections import OrderedDict

import numpy as np
import pytest
from _library_code import library_block
from _tolerances import EPS, FUNCTION_ULPS, gamma, linear_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinyreg
from tinyreg import functional as F
from tinyreg import gradcheck, nn, optim, penalties
from tinyreg.testing import arrays

# examples/dropout_mlp.py's SimpleNN: code written for PyTorch, with tinyreg's import
# (``import torch`` / ``import torch.nn as nn`` -> ``from tinyreg import nn``).
SIMPLE_NN_CODE = "from tinyreg import nn\n" + library_block("dropout_mlp")

# What PyTorch prints for SimpleNN, but for the ", inplace=False" it adds to the Dropout
# line (tinyreg's dropout has no in-place mode; tests/test_examples.py compares the two).
PYTORCH_PRINTOUT = (
    "SimpleNN(\n"
    "  (network): Sequential(\n"
    "    (0): Linear(in_features=1, out_features=64, bias=True)\n"
    "    (1): ReLU()\n"
    "    (2): Dropout(p=0.5)\n"
    "    (3): Linear(in_features=64, out_features=1, bias=True)\n"
    "  )\n"
    ")"
)

SIMPLE_NN_SHAPES = {
    "network.0.weight": (64, 1),
    "network.0.bias": (64,),
    "network.3.weight": (1, 64),
    "network.3.bias": (1,),
}

# tmp_path with @given: each example overwrites the same file, so sharing it is fine
FILE_SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def run_simple_nn_code():
    namespace: dict = {}
    exec(compile(SIMPLE_NN_CODE, "<examples/dropout_mlp.py>", "exec"), namespace)
    return namespace


@pytest.fixture
def simple_nn_class():
    namespace = run_simple_nn_code()
    return namespace["SimpleNN"]


def snapshot(model):
    return {name: p.data.copy() for name, p in model.named_parameters()}


def assert_unchanged(model, before):
    after = snapshot(model)
    assert list(after) == list(before)
    for name in before:
        assert after[name].dtype == before[name].dtype
        assert after[name].tobytes() == before[name].tobytes(), name


# ---------------------------------------------------------------------------
# Modules: printout, state_dict, registry order, modes, zero_grad (the examples' model)
# ---------------------------------------------------------------------------


def test_simple_nn_code_runs_and_prints_like_pytorch(capsys):
    namespace = run_simple_nn_code()
    assert capsys.readouterr().out == PYTORCH_PRINTOUT + "\n"
    model = namespace["model"]
    assert repr(model) == PYTORCH_PRINTOUT
    assert str(model) == PYTORCH_PRINTOUT
    out = model(tinyreg.randn(100, 1))
    assert isinstance(out, tinyreg.Tensor)
    assert out.shape == (100, 1)


def test_simple_nn_state_dict_has_pytorch_keys_and_shapes(simple_nn_class):
    model = simple_nn_class()
    state = model.state_dict()
    assert list(state) == list(SIMPLE_NN_SHAPES)
    assert {k: v.shape for k, v in state.items()} == SIMPLE_NN_SHAPES
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in state.values())


def test_state_dict_holds_copies(simple_nn_class):
    model = simple_nn_class()
    state = model.state_dict()
    before = snapshot(model)
    state["network.0.weight"][:] = 123.0  # editing the dict does not touch the model
    assert_unchanged(model, before)
    model.network[0].weight.data[:] = -7.0  # and training the model does not touch the dict
    assert np.all(state["network.0.weight"] == 123.0)


def test_registry_walks_the_model_in_pytorch_order(simple_nn_class):
    model = simple_nn_class()
    seq = model.network
    assert [name for name, _ in model.named_parameters()] == list(SIMPLE_NN_SHAPES)
    expected = [seq[0].weight, seq[0].bias, seq[3].weight, seq[3].bias]
    assert list(model.parameters()) == expected
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    assert list(model.children()) == [seq]
    assert [type(m).__name__ for m in model.modules()] == [
        "SimpleNN",
        "Sequential",
        "Linear",
        "ReLU",
        "Dropout",
        "Linear",
    ]
    assert [name for name, _ in model.named_modules()] == [
        "",
        "network",
        "network.0",
        "network.1",
        "network.2",
        "network.3",
    ]
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2", "3"]
    assert list(model.parameters(recurse=False)) == []


def test_shared_parameters_and_modules_are_counted_once():
    tinyreg.manual_seed(0)
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.modules())) == 3  # Sequential, Linear, ReLU

    a, b = nn.Linear(4, 4), nn.Linear(4, 4)
    b.weight = a.weight  # tied weights
    tied = nn.Sequential(a, b)
    assert [name for name, _ in tied.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    # the gradient of a tied weight is the sum over both uses
    x = tinyreg.randn(5, 4)
    tied(x).sum().backward()
    grad_tied = a.weight.grad.copy()
    a.weight.grad = None
    w = tinyreg.tensor(a.weight.data, requires_grad=True)
    F.linear(F.linear(x, w, a.bias), w, b.bias).sum().backward()
    np.testing.assert_array_equal(grad_tied, w.grad)  # the same operations on the same arrays


def test_train_and_eval_are_recursive(simple_nn_class):
    model = simple_nn_class()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    assert model.train() is model
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not any(m.training for m in model.modules())
    # a child set on its own
    model.train()
    model.network[2].eval()
    assert [m.training for m in model.modules()] == [True, True, True, True, False, True]


def test_eval_mode_is_deterministic_and_train_mode_is_not(simple_nn_class):
    tinyreg.manual_seed(1)
    model = simple_nn_class()
    x = tinyreg.randn(50, 1)
    model.eval()
    a, b = model(x).data, model(x).data
    np.testing.assert_array_equal(a, b)
    seq = model.network
    w1, b1, w2, b2 = (p.data for p in seq.parameters())
    hidden = np.maximum(x.data @ w1.T + b1, 0)
    reference = hidden @ w2.T + b2
    # each layer within its rounding bound (ReLU is 1-Lipschitz), computed either way
    hidden_error = 2 * linear_error(x.data, w1, b1)
    bound = 2 * linear_error(hidden, w2, b2) + hidden_error @ np.abs(w2).T
    assert np.all(np.abs(a - reference) <= bound)
    model.train()
    assert not np.array_equal(model(x).data, model(x).data)


def test_zero_grad(simple_nn_class):
    model = simple_nn_class()
    model.eval()
    model(tinyreg.randn(8, 1)).sum().backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert all(g is not None and np.any(g) for g in grads.values())
    model.zero_grad(set_to_none=False)
    for name, p in model.named_parameters():
        assert p.grad is grads[name]  # filled in place
        assert not np.any(p.grad)
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_zero_grad_replaces_a_recorded_gradient_tensor():
    """After backward(create_graph=True) a gradient may be a Tensor: zeroing cuts it loose."""
    layer = nn.Linear(2, 3)
    layer.weight.grad = tinyreg.tensor(np.ones((3, 2)))
    layer.bias.grad = np.ones(3)
    bias_grad = layer.bias.grad
    layer.zero_grad(set_to_none=False)
    assert isinstance(layer.weight.grad, np.ndarray) and not layer.weight.grad.any()
    assert layer.weight.grad.shape == (3, 2) and layer.bias.grad is bias_grad
    assert not bias_grad.any()
    assert tinyreg.autograd.grad_array(layer.weight) is layer.weight.grad
    layer.weight.grad = tinyreg.tensor(np.full((3, 2), 2.0))
    assert tinyreg.autograd.grad_array(layer.weight) is layer.weight.grad.data


def test_zero_grad_sets_gradients_to_none_by_default():
    layer = nn.Linear(2, 3)
    layer(np.ones((1, 2))).sum().backward()
    layer.zero_grad()
    assert all(p.grad is None for p in layer.parameters())


@pytest.mark.parametrize("replacement", [None, np.zeros((3, 2)), "frozen"])
def test_replacing_a_parameter_by_a_plain_value_unregisters_it(replacement):
    layer = nn.Linear(2, 3)
    layer.weight = replacement
    assert [name for name, _ in layer.named_parameters()] == ["bias"]
    assert list(layer.state_dict()) == ["bias"]
    assert layer.weight is replacement or layer.weight == replacement
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    model.extra = nn.Linear(3, 1)
    model.extra = "not a module any more"
    assert [name for name, _ in model.named_children()] == ["0", "1"]
    assert "extra" not in repr(model)
    del model.extra
    assert not hasattr(model, "extra")


# ---------------------------------------------------------------------------
# Linear
# ---------------------------------------------------------------------------


@given(
    in_features=st.integers(1, 20),
    out_features=st.integers(1, 20),
    batch=st.lists(st.integers(1, 4), max_size=2),
    seed=st.integers(0, 2**32 - 1),
)
def test_linear_shapes_bounds_and_forward(in_features, out_features, batch, seed):
    layer = nn.Linear(in_features, out_features, generator=np.random.default_rng(seed))
    assert layer.weight.shape == (out_features, in_features)
    assert layer.bias.shape == (out_features,)
    bound = 1 / np.sqrt(in_features)
    assert np.all(np.abs(layer.weight.data) <= bound)
    assert np.all(np.abs(layer.bias.data) <= bound)
    assert layer.weight.regularize is True
    assert layer.bias.regularize is False
    x = np.random.default_rng(seed + 1).standard_normal((*batch, in_features))
    out = layer(x)
    assert out.shape == (*batch, out_features)
    reference = x @ layer.weight.data.T + layer.bias.data
    bound = 2 * linear_error(x, layer.weight.data, layer.bias.data)  # rounding, computed either way
    assert np.all(np.abs(out.data - reference) <= bound)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((-1, 3), ValueError, "in_features must be >= 1, got -1"),
        ((0, 3), ValueError, "in_features must be >= 1, got 0"),
        ((2.5, 3), TypeError, "in_features must be an integer, got float 2.5"),
        (("3", 2), TypeError, "in_features must be an integer, got str '3'"),
        ((True, 2), TypeError, "in_features must be an integer"),
        ((3, -2), ValueError, "out_features must be >= 1, got -2"),
        ((3, 2.0), TypeError, "out_features must be an integer, got float 2.0"),
        ((3, None), TypeError, "out_features must be an integer, got NoneType None"),
    ],
)
def test_linear_rejects_bad_sizes_naming_the_argument(args, error, message):
    with pytest.raises(error, match=re.escape(message)):
        nn.Linear(*args)


def test_linear_accepts_numpy_integer_sizes():
    layer = nn.Linear(np.int64(4), np.int32(2))
    assert layer.weight.shape == (2, 4) and type(layer.in_features) is int


def test_linear_init_is_uniform_on_the_pytorch_bound():
    tinyreg.manual_seed(0)
    layer = nn.Linear(400, 500)
    bound = 1 / np.sqrt(400)
    w = layer.weight.data.ravel()
    assert w.min() >= -bound and w.max() <= bound
    assert w.min() < -0.999 * bound and w.max() > 0.999 * bound  # fills the interval
    counts, _ = np.histogram(w, bins=10, range=(-bound, bound))
    expected = w.size / 10
    sigma = np.sqrt(w.size * 0.1 * 0.9)
    assert np.all(np.abs(counts - expected) < 5 * sigma), counts
    # variance of U(-a, a) is a²/3; the sample variance of n draws has relative standard
    # deviation √((kurtosis − 1)/n) = √(0.8/n) (kurtosis 9/5): 5 of them
    assert np.var(w) == pytest.approx(bound**2 / 3, rel=5 * np.sqrt(0.8 / w.size))
    assert np.all(np.abs(layer.bias.data) <= bound)
    assert np.ptp(layer.bias.data) > bound  # not all one value


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False)"
    x = np.arange(6.0).reshape(2, 3)
    bound = 2 * linear_error(x, layer.weight.data)  # rounding, computed either way
    assert np.all(np.abs(layer(x).data - x @ layer.weight.data.T) <= bound)


def test_linear_init_uses_the_given_generator_and_manual_seed():
    a = nn.Linear(5, 4, generator=np.random.default_rng(3))
    b = nn.Linear(5, 4, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    tinyreg.manual_seed(9)
    c = nn.Linear(5, 4)
    tinyreg.manual_seed(9)
    d = nn.Linear(5, 4)
    np.testing.assert_array_equal(c.weight.data, d.weight.data)
    np.testing.assert_array_equal(c.bias.data, d.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


@given(
    dims=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)),
    seed=st.integers(0, 1000),
)
def test_gradcheck_linear_module_parameters(dims, seed):
    in_f, out_f, b1, b2 = dims
    layer = nn.Linear(in_f, out_f, generator=np.random.default_rng(seed))
    x = np.random.default_rng(seed + 1).standard_normal((b1, b2, in_f))
    assert gradcheck(lambda x, w, b: F.linear(x, w, b), [x, layer.weight.data, layer.bias.data])
    # the module's own backward fills the parameters' grads with the same values
    out = layer(x)
    upstream = np.random.default_rng(seed + 2).standard_normal(out.shape)
    out.backward(upstream)
    rows, columns = upstream.reshape(-1, out_f), x.reshape(-1, in_f)
    expected = rows.T @ columns
    # sums over the b1·b2 samples, in whatever order: within 2γ of the sums of |terms|
    bound = 2 * gamma(len(rows)) * (np.abs(rows).T @ np.abs(columns))
    assert np.all(np.abs(layer.weight.grad - expected) <= bound)
    bias_bound = 2 * gamma(len(rows)) * np.abs(rows).sum(axis=0)
    assert np.all(np.abs(layer.bias.grad - rows.sum(axis=0)) <= bias_bound)


# ---------------------------------------------------------------------------
# Activations and small modules
# ---------------------------------------------------------------------------


def test_activation_modules_forward():
    x = np.linspace(-5, 5, 41).reshape(-1, 1)
    np.testing.assert_array_equal(nn.ReLU()(x).data, np.maximum(x, 0))
    np.testing.assert_array_equal(nn.Tanh()(x).data, np.tanh(x))  # np.tanh itself
    # two formulas for the sigmoid, each one exp (FUNCTION_ULPS) and two roundings away
    ulps = 2 * (FUNCTION_ULPS + 2)
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x)), rtol=ulps * EPS)
    big = np.array([-800.0, 800.0])
    np.testing.assert_array_equal(nn.Sigmoid()(big).data, [0.0, 1.0])  # no overflow warning/NaN
    for module in (nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Identity()):
        assert repr(module) == f"{type(module).__name__}()"


def test_identity_and_flatten():
    t = tinyreg.randn(2, 3, 4, requires_grad=True)
    assert nn.Identity()(t) is t
    flat = nn.Flatten()(t)
    assert flat.shape == (2, 12)
    np.testing.assert_array_equal(flat.data, t.data.reshape(2, 12))
    assert nn.Flatten(0)(t).shape == (24,)
    assert nn.Flatten(1, 1)(t).shape == (2, 3, 4)
    assert nn.Flatten(0, 1)(t).shape == (6, 4)
    flat.backward(np.arange(24.0).reshape(2, 12))
    np.testing.assert_array_equal(t.grad, np.arange(24.0).reshape(2, 3, 4))


ACTIVATIONS = {
    "relu": F.relu,
    "tanh": F.tanh,
    "sigmoid": F.sigmoid,
    "softmax": lambda x: F.softmax(x, axis=-1),
    "log_softmax": lambda x: F.log_softmax(x, axis=-1),
    "ReLU": nn.ReLU(),
    "Tanh": nn.Tanh(),
    "Sigmoid": nn.Sigmoid(),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@given(x=arrays(avoid=(0.0,), margin=1e-2))
def test_gradcheck_activations(name, x):
    assert gradcheck(ACTIVATIONS[name], [x])


# ---------------------------------------------------------------------------
# Sequential
# ---------------------------------------------------------------------------


def test_sequential_container():
    tinyreg.manual_seed(0)
    l0, act, l2 = nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)
    seq = nn.Sequential(l0, act, l2)
    assert len(seq) == 3
    assert seq[0] is l0 and seq[2] is l2
    assert seq[-1] is l2 and seq[-3] is l0
    assert list(seq) == [l0, act, l2]
    head = seq[:2]
    assert isinstance(head, nn.Sequential)
    assert list(head) == [l0, act]
    assert list(seq[::-1]) == [l2, act, l0]
    # a slice keeps the names, as in PyTorch, so its state dict keys match the full model's
    tail = seq[1:]
    assert [name for name, _ in tail.named_children()] == ["1", "2"]
    assert list(tail.state_dict()) == ["2.weight", "2.bias"]
    assert repr(tail) == (
        "Sequential(\n  (1): Tanh()\n  (2): Linear(in_features=3, out_features=1, bias=True)\n)"
    )
    assert len(seq[5:]) == 0
    with pytest.raises(IndexError):
        seq[3]
    x = np.random.default_rng(0).standard_normal((4, 2))
    # the same operations on the same arrays, whichever way they are called
    np.testing.assert_array_equal(seq(x).data, l2(np.tanh(l0(x).data)).data)
    np.testing.assert_array_equal(seq[1:](head[0](x)).data, seq(x).data)
    relu = nn.ReLU()
    assert seq.append(relu) is seq
    assert len(seq) == 4 and seq[3] is relu
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2", "3"]
    with pytest.raises(TypeError, match="Modules"):
        seq.append(lambda x: x)


def test_sequential_from_ordered_dict():
    tinyreg.manual_seed(0)
    seq = nn.Sequential(
        OrderedDict([("fc", nn.Linear(2, 4)), ("act", nn.ReLU()), ("out", nn.Linear(4, 1))])
    )
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias", "out.weight", "out.bias"]
    assert seq.fc is seq[0]
    assert repr(seq) == (
        "Sequential(\n"
        "  (fc): Linear(in_features=2, out_features=4, bias=True)\n"
        "  (act): ReLU()\n"
        "  (out): Linear(in_features=4, out_features=1, bias=True)\n"
        ")"
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda bad: nn.Sequential(nn.Linear(2, 2), bad),
        lambda bad: nn.Sequential(OrderedDict([("a", nn.Linear(2, 2)), ("b", bad)])),
        lambda bad: nn.Sequential(nn.Linear(2, 2)).append(bad),
    ],
    ids=["positional", "ordered-dict", "append"],
)
@pytest.mark.parametrize("bad", ["x", None, lambda x: x, nn.Linear], ids=str)
def test_sequential_rejects_what_is_not_a_module_in_every_form(make, bad):
    with pytest.raises(TypeError, match=r"Sequential holds Modules, got \w+ .* for '(1|b)'"):
        make(bad)


def test_plain_sequential_state_dict_keys():
    tinyreg.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 1))
    assert {k: v.shape for k, v in model.state_dict().items()} == {
        "0.weight": (64, 1),
        "0.bias": (64,),
        "3.weight": (1, 64),
        "3.bias": (1,),
    }


# ---------------------------------------------------------------------------
# ModuleList and ModuleDict
# ---------------------------------------------------------------------------


def tower(lib=nn, sizes=(3, 5, 5, 2)):
    """A model, built from ``lib`` (tinyreg.nn or torch.nn), that keeps its layers in a
    ModuleList and its heads in a ModuleDict."""

    class Tower(lib.Module):
        def __init__(self):
            super().__init__()
            self.layers = lib.ModuleList([lib.Linear(a, b) for a, b in itertools.pairwise(sizes)])
            self.heads = lib.ModuleDict({"score": lib.Linear(sizes[-1], 1), "act": lib.Tanh()})

        def forward(self, x):
            for layer in self.layers:
                x = self.heads["act"](layer(x))
            return self.heads["score"](x)

    return Tower()


TOWER_KEYS = [
    "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
    "layers.2.weight", "layers.2.bias", "heads.score.weight", "heads.score.bias",
]  # fmt: skip


def test_module_list_and_dict_register_their_modules():
    tinyreg.manual_seed(0)
    model = tower()
    assert list(model.state_dict()) == TOWER_KEYS
    assert [name for name, _ in model.named_parameters()] == TOWER_KEYS
    assert len(list(model.parameters())) == 8
    model.eval()
    assert not model.layers[1].training and not model.heads["act"].training
    # the optimizer sees and trains every layer
    x = np.random.default_rng(0).standard_normal((4, 3))
    before = {k: v.copy() for k, v in model.state_dict().items()}
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    model(x).sum().backward()
    optimizer.step()
    assert all(not np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_module_list_and_dict_state_dict_keys_match_pytorch():
    torch = pytest.importorskip("torch")
    tinyreg.manual_seed(0)
    ours, theirs = tower(), tower(torch.nn).double()
    assert list(theirs.state_dict()) == list(ours.state_dict()) == TOWER_KEYS
    assert repr(ours) == repr(theirs)
    # and the state loads into PyTorch and computes the same function
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((4, 3))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(x).data, expected, rtol=1e-12, atol=1e-15)


def test_module_list_behaves_as_a_list():
    a, b, c, d = nn.Linear(1, 1), nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    layers = nn.ModuleList([a, b])
    assert len(layers) == 2 and list(layers) == [a, b]
    assert layers[0] is a and layers[-1] is b
    assert layers.append(c) is layers
    assert layers.extend([d]) is layers
    assert list(layers) == [a, b, c, d]
    layers.insert(1, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Linear", "Identity", "ReLU", "Tanh", "Sigmoid"]
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2", "3", "4"]
    del layers[1]
    assert list(layers) == [a, b, c, d]
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2", "3"]
    layers[-1] = nn.Identity()
    layers[0] = e = nn.Linear(1, 1)  # replaced in place: still first
    assert isinstance(layers[3], nn.Identity) and layers[0] is e
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2", "3"]
    layers[0] = a
    head = layers[1:3]  # a new list, numbered from 0, as PyTorch's
    assert isinstance(head, nn.ModuleList) and list(head) == [b, c]
    assert [name for name, _ in head.named_children()] == ["0", "1"]
    del layers[:2]
    assert layers[0] is c and len(layers) == 2
    layers += [a]
    assert layers[2] is a
    both = layers + nn.ModuleList([b])
    assert list(both) == [c, layers[1], a, b] and len(layers) == 3
    assert list(layers.state_dict()) == ["2.weight", "2.bias"]
    with pytest.raises(IndexError, match="index 3 is out of range for a ModuleList of length 3"):
        layers[3]
    with pytest.raises(IndexError, match="index -4 is out of range"):
        layers[-4] = nn.ReLU()
    with pytest.raises(TypeError, match=r"ModuleList holds Modules, got function .* for '3'"):
        layers.append(lambda x: x)
    with pytest.raises(TypeError, match="ModuleList holds Modules, got str"):
        nn.ModuleList(["relu"])
    with pytest.raises(TypeError, match="ModuleList holds Modules, got NoneType None for '1'"):
        layers.insert(1, None)
    assert len(layers) == 3  # nothing changed
    with pytest.raises(NotImplementedError, match="ModuleList must define forward"):
        layers(np.ones(1))


def test_module_dict_behaves_as_a_dict():
    a, b, c = nn.Linear(2, 1), nn.ReLU(), nn.Tanh()
    parts = nn.ModuleDict([("fc", a), ("act", b)])
    assert len(parts) == 2 and list(parts) == ["fc", "act"]
    assert list(parts.keys()) == ["fc", "act"]
    assert list(parts.values()) == [a, b]
    assert list(parts.items()) == [("fc", a), ("act", b)]
    assert parts["fc"] is a and parts.fc is a and "act" in parts and "out" not in parts
    parts["out"] = c
    parts.update({"act": nn.Identity()})  # replaces, in place
    assert list(parts) == ["fc", "act", "out"] and isinstance(parts["act"], nn.Identity)
    parts.update(nn.ModuleDict({"extra": nn.ReLU()}))
    assert parts.pop("extra").__class__ is nn.ReLU and "extra" not in parts
    del parts["out"]
    assert list(parts) == ["fc", "act"]
    assert list(parts.state_dict()) == ["fc.weight", "fc.bias"]
    with pytest.raises(KeyError):
        parts["out"]
    with pytest.raises(KeyError, match="ModuleDict has an attribute of that name"):
        parts["keys"] = nn.ReLU()
    with pytest.raises(KeyError, match=r"contain no '\.'"):
        parts["a.b"] = nn.ReLU()
    with pytest.raises(TypeError, match="module name must be a string, got int 3"):
        parts[3] = nn.ReLU()
    with pytest.raises(TypeError, match=r"ModuleDict holds Modules, got int 3 for 'x'"):
        parts["x"] = 3
    with pytest.raises(TypeError, match=r"\(key, module\) pairs; item 0 is 'ab'"):
        parts.update(["ab"])
    parts.clear()
    assert len(parts) == 0 and list(parts.parameters()) == []


def test_module_list_and_dict_print_like_pytorch():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.Linear(2, 3)])
    assert repr(layers) == (
        "ModuleList(\n"
        "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (3): ReLU()\n"
        "  (4): Linear(in_features=2, out_features=3, bias=True)\n"
        ")"
    )
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.ModuleDict({"a": nn.ReLU(), "b": nn.GELU()})) == (
        "ModuleDict(\n  (a): ReLU()\n  (b): GELU(approximate='none')\n)"
    )


def test_module_list_printout_matches_pytorch():
    torch = pytest.importorskip("torch")

    def build(lib):
        blocks = [lib.Sequential(lib.Linear(2, 2), lib.LeakyReLU(0.2)) for _ in range(2)]
        return lib.ModuleList([*blocks, lib.Softplus(), lib.Softplus(), lib.GELU("tanh")])

    assert repr(build(nn)) == repr(build(torch.nn))


@pytest.mark.parametrize(
    "value, container",
    [
        ([nn.Linear(1, 1), nn.ReLU()], "ModuleList"),
        ((nn.Linear(1, 1),), "ModuleList"),
        ({"a": nn.Linear(1, 1)}, "ModuleDict"),
    ],
    ids=["list", "tuple", "dict"],
)
def test_a_plain_container_of_modules_warns_at_the_users_line(value, container):
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = value

    with pytest.warns(UserWarning, match=f"Model.blocks is a plain .* nn.{container}") as record:
        model = Model()
    assert record[0].filename == __file__  # the line that assigns, not tinyreg's
    assert list(model.parameters()) == []  # which is what the warning is about


def test_a_replaced_parameter_or_module_keeps_its_place():
    """As in PyTorch: assigning to an existing name replaces in place in the registry."""
    tinyreg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    model[0].weight = nn.Parameter(np.zeros((3, 2)))
    setattr(model, "0", nn.Linear(2, 3))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    first = model[0]
    first.weight = nn.Parameter(np.zeros((3, 2)))
    assert [name for name, _ in first.named_parameters()] == ["weight", "bias"]


@pytest.mark.parametrize("value", [[], [1, 2], {"a": 1.0}, (np.ones(2),), "layers"])
def test_containers_without_modules_do_not_warn(value):
    model = nn.Module()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.sizes = value
        model.layers = nn.ModuleList([nn.Linear(1, 1)])


# ---------------------------------------------------------------------------
# load_state_dict
# ---------------------------------------------------------------------------


def test_load_state_dict_copies_values(simple_nn_class):
    tinyreg.manual_seed(0)
    source = simple_nn_class()
    tinyreg.manual_seed(1)
    target = simple_nn_class()
    result = target.load_state_dict(source.state_dict())
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    for (_, a), (_, b) in zip(source.named_parameters(), target.named_parameters(), strict=True):
        assert a.data.tobytes() == b.data.tobytes()
        assert a.data is not b.data
    weight = target.network[0].weight
    identity = weight.data
    target.load_state_dict({k: v * 2 for k, v in source.state_dict().items()})
    assert weight.data is identity  # loaded in place: optimizers keep pointing at the parameter


def test_load_state_dict_reports_every_problem_and_changes_nothing(simple_nn_class):
    model = simple_nn_class()
    before = snapshot(model)
    state = model.state_dict()
    del state["network.3.bias"]  # missing
    state["network.5.weight"] = np.zeros((1, 1))  # unexpected
    state["network.0.weight"] = np.zeros((64, 2))  # wrong shape
    state["network.0.bias"][3] = np.nan  # NaN
    state["network.3.weight"] = state["network.3.weight"] + 1.0  # fine, but must not be loaded
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(state)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert re.search(r"missing.*network\.3\.bias", message)
    assert re.search(r"unexpected.*network\.5\.weight", message)
    assert re.search(r"network\.0\.weight.*\(64, 2\).*\(64, 1\)", message)
    assert re.search(r"network\.0\.bias.*NaN", message)
    assert "network.3.weight" not in message
    assert_unchanged(model, before)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_load_state_dict_rejects_infinity(simple_nn_class, bad):
    model = simple_nn_class()
    before = snapshot(model)
    state = model.state_dict()
    state["network.3.weight"][0, 0] = bad
    with pytest.raises(nn.StateDictError, match=r"network\.3\.weight"):
        model.load_state_dict(state)
    assert_unchanged(model, before)


def test_load_state_dict_non_strict_returns_missing_and_unexpected(simple_nn_class):
    tinyreg.manual_seed(0)
    model = simple_nn_class()
    new_weight = np.full((64, 1), 0.25)
    result = model.load_state_dict(
        {"network.0.weight": new_weight, "extra.weight": np.zeros(2)}, strict=False
    )
    assert result.missing_keys == ["network.0.bias", "network.3.weight", "network.3.bias"]
    assert result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(model.network[0].weight.data, new_weight)
    # non-strict still refuses bad values for keys it knows
    before = snapshot(model)
    with pytest.raises(nn.StateDictError, match="shape"):
        model.load_state_dict({"network.0.weight": np.zeros(64)}, strict=False)
    assert_unchanged(model, before)


def test_float32_state_loads_into_float64_parameters(simple_nn_class):
    model = simple_nn_class()
    state32 = {k: (v * 3).astype(np.float32) for k, v in model.state_dict().items()}
    model.load_state_dict(state32)
    for name, p in model.named_parameters():
        assert p.dtype == np.float64
        np.testing.assert_array_equal(p.data, state32[name].astype(np.float64))


def _mlp(sizes, seed, p=0.0):
    layers = []
    rng = np.random.default_rng(seed)
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b, generator=rng))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
            if p:
                layers.append(nn.Dropout(p))
    return nn.Sequential(*layers)


layer_sizes = st.lists(st.integers(1, 8), min_size=2, max_size=4)


@FILE_SETTINGS
@given(sizes=layer_sizes, batch=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_state_dict_round_trip_through_save_and_load_is_bit_exact(tmp_path, sizes, batch, seed):
    model = _mlp(sizes, seed)
    path = tmp_path / "model.npz"
    tinyreg.save(model.state_dict(), path)
    loaded = tinyreg.load(path)
    assert list(loaded) == list(model.state_dict())
    fresh = _mlp(sizes, seed + 1)
    fresh.load_state_dict(loaded)
    assert_unchanged(fresh, snapshot(model))
    x = np.random.default_rng(seed).standard_normal((batch, sizes[0]))
    assert model(x).data.tobytes() == fresh(x).data.tobytes()


@given(sizes=layer_sizes, seed=st.integers(0, 2**16), data=st.data())
def test_load_state_dict_with_one_corrupted_entry_raises_and_changes_nothing(sizes, seed, data):
    model = _mlp(sizes, seed)
    before = snapshot(model)
    state = _mlp(sizes, seed + 1).state_dict()
    key = data.draw(st.sampled_from(list(state)), label="key")
    how = st.sampled_from(["shape", "nan", "inf", "missing", "extra"])
    corruption = data.draw(how, label="corruption")
    if corruption == "shape":
        value = state[key]
        wider = np.zeros((*value.shape[:-1], value.shape[-1] + 1))
        state[key] = data.draw(st.sampled_from([value.ravel()[:0], value[..., None], wider]))
    elif corruption in ("nan", "inf"):
        flat = state[key].reshape(-1)
        index = data.draw(st.integers(0, flat.size - 1), label="index")
        flat[index] = np.nan if corruption == "nan" else np.inf
    elif corruption == "missing":
        del state[key]
    else:
        state[f"{key}.extra"] = state[key]
    with pytest.raises(nn.StateDictError, match=re.escape(key)):
        model.load_state_dict(state)
    assert_unchanged(model, before)


# ---------------------------------------------------------------------------
# Seeded training is bit-identical
# ---------------------------------------------------------------------------


@given(seed=st.integers(0, 2**32 - 1))
def test_same_seed_gives_bit_identical_training(seed):
    data_rng = np.random.default_rng(0)
    X = data_rng.standard_normal((32, 3))
    y = np.sin(X.sum(axis=1, keepdims=True))

    def run(s):
        tinyreg.manual_seed(s)
        model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 1))
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, penalty=penalties.L2(1e-3))
        losses = []
        for _ in range(20):
            opt.zero_grad()
            loss = F.mse_loss(model(X), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return model.state_dict(), losses

    (state_a, losses_a), (state_b, losses_b) = run(seed), run(seed)
    assert losses_a == losses_b
    for key in state_a:
        assert state_a[key].tobytes() == state_b[key].tobytes()
    _, losses_c = run(seed + 1)
    assert losses_c != losses_a  # the seed matters (init and masks)


# ---------------------------------------------------------------------------
# Gradient clipping: nn.utils.clip_grad_norm_, clip_grad_value_
# ---------------------------------------------------------------------------


def test_nn_utils_is_reached_with_both_of_pytorchs_spellings():
    import tinyreg.nn.utils
    from tinyreg.nn.utils import clip_grad_norm_, clip_grad_value_

    assert tinyreg.nn.utils is nn.utils is tinyreg.nn_utils
    assert clip_grad_norm_ is nn.utils.clip_grad_norm_
    assert clip_grad_value_ is nn.utils.clip_grad_value_


def _grads_pair(torch, seed, dtype=np.float64, scale=1.0):
    """Three parameters with gradients of different shapes, in tinyreg and PyTorch, and one
    without a gradient (left out of the norm)."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    grads = [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]
    ours = [nn.Parameter(np.zeros(s, dtype=dtype)) for s in [*shapes, (5,)]]
    theirs = [torch.zeros(s, dtype=getattr(torch, np.dtype(dtype).name)) for s in [*shapes, (5,)]]
    for p, t, g in zip(ours, theirs, grads, strict=False):  # the last has no gradient
        p.grad, t.grad = g.copy(), torch.from_numpy(g.copy())
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3], ids=["clipped", "unchanged"])
def test_clip_grad_norm_agrees_with_pytorch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    ours, theirs = _grads_pair(torch, seed=int(max_norm))
    before = [p.grad.copy() for p in ours[:3]]
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, tinyreg.Tensor) and total.shape == () and total.dtype == np.float64
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-14)
    for p, t in zip(ours[:3], theirs[:3], strict=True):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-14, atol=0)
    assert ours[3].grad is None
    if max_norm > total.item():  # no clipping: the gradients are untouched, bit for bit
        for p, g in zip(ours[:3], before, strict=True):
            assert p.grad.tobytes() == g.tobytes()
    else:  # the direction is kept and the norm becomes max_norm (less 1e-6 relative)
        new_total = nn.utils.clip_grad_norm_(ours, math.inf, norm_type).item()
        np.testing.assert_allclose(new_total, max_norm * total.item() / (total.item() + 1e-6))


def test_clip_grad_norm_on_a_model_keeps_float32_and_takes_a_single_tensor():
    tinyreg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    F.mse_loss(model(np.ones((5, 3))), np.full((5, 1), 10.0)).backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.1)
    squares = sum(float(np.sum(p.grad**2)) for p in model.parameters())
    assert total.item() > 0.1 and math.sqrt(squares) <= 0.1
    w = nn.Parameter(np.ones(4, dtype=np.float32))
    w.grad = np.full(4, 3.0, dtype=np.float32)
    total = nn.utils.clip_grad_norm_(w, 1.0)
    assert total.dtype == np.float32 and total.item() == 6.0
    assert w.grad.dtype == np.float32 and abs(np.linalg.norm(w.grad) - 1.0) < 1e-6


def test_clip_grad_norm_without_gradients_is_zero():
    total = nn.utils.clip_grad_norm_([nn.Parameter(np.ones(3))], 1.0)
    assert total.shape == () and total.item() == 0.0


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_clip_grad_norm_of_a_nonfinite_gradient_is_pytorchs(bad):
    torch = pytest.importorskip("torch")
    ours, theirs = _grads_pair(torch, seed=3)
    ours[0].grad[0, 0] = bad
    theirs[0].grad[0, 0] = bad
    with pytest.raises(RuntimeError, match="error_if_nonfinite=False"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert np.isnan(ours[1].grad).sum() == 0  # nothing was scaled
    total = nn.utils.clip_grad_norm_(ours, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    np.testing.assert_array_equal(total.item(), expected.item())
    for p, t in zip(ours[:3], theirs[:3], strict=True):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())  # NaN where PyTorch has NaN


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_value_agrees_with_pytorch_bit_for_bit(dtype):
    torch = pytest.importorskip("torch")
    ours, theirs = _grads_pair(torch, seed=5, dtype=dtype, scale=2.0)
    assert nn.utils.clip_grad_value_(ours, 0.7) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, t in zip(ours[:3], theirs[:3], strict=True):
        assert p.grad.dtype == dtype
        assert p.grad.tobytes() == t.grad.numpy().tobytes()
    assert ours[3].grad is None


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda ps: nn.utils.clip_grad_norm_(ps, -1.0), ValueError, "max_norm"),
        (lambda ps: nn.utils.clip_grad_norm_(ps, 1.0, norm_type=0), ValueError, "norm_type"),
        (lambda ps: nn.utils.clip_grad_norm_(ps, 1.0, norm_type="l2"), ValueError, "norm_type"),
        (lambda ps: nn.utils.clip_grad_value_(ps, -0.5), ValueError, "clip_value"),
        (lambda ps: nn.utils.clip_grad_value_([np.ones(3)], 0.5), TypeError, "tensors"),
    ],
)
def test_clip_bad_arguments_raise_naming_them(call, error, match):
    p = nn.Parameter(np.ones(3))
    p.grad = np.full(3, 5.0)
    with pytest.raises(error, match=match):
        call([p])
    np.testing.assert_array_equal(p.grad, 5.0)


# ---------------------------------------------------------------------------
# Buffers: register_buffer, named_buffers, state dicts
# ---------------------------------------------------------------------------


class _Counter(nn.Module):
    """A module with a parameter, a persistent and a non-persistent buffer, and a None one."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.ones(2))
        self.register_buffer("total", np.zeros(2))
        self.register_buffer("calls", np.array(0, dtype=np.int64))
        self.register_buffer("scratch", np.zeros(3), persistent=False)
        self.register_buffer("unused", None)

    def forward(self, x):
        self.total += np.asarray(x)
        self.calls += 1
        return x * self.weight


def test_buffers_are_registered_listed_and_saved_after_parameters():
    outer = nn.Sequential(nn.Linear(2, 2), _Counter())
    assert [name for name, _ in outer.named_buffers()] == ["1.total", "1.calls", "1.scratch"]
    assert len(list(outer.buffers())) == 3
    assert next(outer[1].named_buffers(prefix="c", recurse=False))[0] == "c.total"
    assert list(outer.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.total", "1.calls"]
    assert [name for name, _ in outer.named_parameters()] == ["0.weight", "0.bias", "1.weight"]
    outer[1](np.array([1.0, 2.0]))
    outer[1](np.array([1.0, 2.0]))
    np.testing.assert_array_equal(outer[1].total, [2.0, 4.0])
    assert outer.state_dict()["1.calls"].dtype == np.int64
    assert int(outer.state_dict()["1.calls"]) == 2


def test_assigning_to_a_buffer_name_replaces_the_buffer():
    counter = _Counter()
    counter.total = np.full(2, 5.0)
    np.testing.assert_array_equal(counter.state_dict()["total"], [5.0, 5.0])
    counter.total = tinyreg.tensor([1.0, 2.0])  # a Tensor's values
    assert isinstance(counter.total, np.ndarray)
    counter.unused = np.ones(1)  # a None buffer given a value joins the state dict
    assert list(counter.state_dict()) == ["weight", "total", "calls", "unused"]
    with pytest.raises(TypeError, match=r"cannot assign float 1\.0 as buffer 'total'"):
        counter.total = 1.0
    counter.total = nn.Parameter(np.zeros(2))  # a Parameter replaces the buffer
    assert "total" not in dict(counter.named_buffers())
    assert "total" in dict(counter.named_parameters())
    del counter.calls
    assert list(counter.state_dict()) == ["weight", "total", "unused"]


def test_register_buffer_checks_the_name():
    counter = _Counter()
    with pytest.raises(KeyError, match=r"contain no '\.'"):
        counter.register_buffer("a.b", np.zeros(1))
    with pytest.raises(KeyError, match="has an attribute of that name"):
        counter.register_buffer("weight", np.zeros(1))
    with pytest.raises(TypeError, match="buffer name must be a string"):
        counter.register_buffer(3, np.zeros(1))


def test_load_state_dict_copies_buffers_in_place_keeping_their_dtype():
    counter = _Counter()
    total, calls = counter.total, counter.calls
    counter.load_state_dict({"weight": np.ones(2), "total": [3, 4], "calls": np.array(9.0)})
    assert counter.total is total and counter.calls is calls
    np.testing.assert_array_equal(total, [3.0, 4.0])
    assert calls.dtype == np.int64 and int(calls) == 9
    with pytest.raises(nn.StateDictError, match=r"missing key 'calls'"):
        counter.load_state_dict({"weight": np.ones(2), "total": [3, 4]})


# Module.apply and Module.requires_grad_
# ---------------------------------------------------------------------------


def _nested_model(library):
    return library.Sequential(
        library.Linear(2, 3),
        library.Sequential(library.ReLU(), library.Linear(3, 3)),
        library.Linear(3, 1),
    )


def test_apply_visits_children_first_then_self_as_pytorch_and_returns_self():
    torch = pytest.importorskip("torch")
    ours = _nested_model(nn)
    visited = []
    assert ours.apply(lambda m: visited.append(m)) is ours
    theirs = _nested_model(torch.nn)
    visited_t = []
    theirs.apply(lambda m: visited_t.append(m))
    assert [type(m).__name__ for m in visited] == [type(m).__name__ for m in visited_t]
    expected = [ours[0], ours[1][0], ours[1][1], ours[1], ours[2], ours]
    assert len(visited) == len(expected) and all(map(operator.is_, visited, expected))
    # a module held twice by one parent is visited once there, once more under another parent
    shared = nn.Linear(2, 2)
    seen = []
    nn.Sequential(shared, shared, nn.Sequential(shared)).apply(seen.append)
    assert [type(m).__name__ for m in seen] == ["Linear", "Linear", "Sequential", "Sequential"]


def test_requires_grad_freezes_and_unfreezes_every_parameter():
    model = _nested_model(nn)
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    out = model(np.ones((4, 2))).sum()
    assert not out.requires_grad  # nothing recorded
    model[1].requires_grad_()
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True, False, False]
    x = tinyreg.tensor(np.ones((4, 2)))
    model(x).sum().backward()
    assert model[1][1].weight.grad is not None and model[0].weight.grad is None
