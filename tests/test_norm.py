"""Normalisation, embeddings and channel dropout: ``F.batch_norm``, ``F.layer_norm``,
``F.embedding``, ``F.dropout2d`` and the modules ``BatchNorm1d``, ``BatchNorm2d``,
``LayerNorm``, ``Embedding``, ``Dropout2d`` that call them.

Each function has a gradcheck and a gradgradcheck; side by side with PyTorch (when it is
installed, float64) values agree to 1e-12, first derivatives to 1e-10 and second
derivatives to 1e-8, relative; running statistics, ``num_batches_tracked`` and state dicts
agree in both directions. Buffers themselves (``register_buffer``) are tested in
``test_nn.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinyreg
from tinyreg import functional as F
from tinyreg import gradcheck, gradgradcheck, nn

BATCH_SHAPES = [(5, 3), (4, 3, 6), (3, 2, 4, 5)]
LAYER_SHAPES = [((5, 4), (4,)), ((2, 3, 4), (3, 4)), ((2, 3, 4), (4,))]


# ---------------------------------------------------------------------------
# Side by side with PyTorch: values, first and second derivatives
# ---------------------------------------------------------------------------


def _compare_with_torch(torch, ours, theirs, arrays, seed=0):
    """``ours`` and ``theirs`` on the same float64 ``arrays``: values to 1e-12, the first
    derivatives (of ⟨u, out⟩ for a random u) to 1e-10 and the second (of Σ⟨vᵢ, firstᵢ⟩)
    to 1e-8, relative, all inputs differentiated. Values of order 1: a tiny absolute
    floor covers the entries that are zero up to rounding."""
    rng = np.random.default_rng(seed)
    xs = [tinyreg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, out_t = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    u = rng.standard_normal(out.shape)
    first = tinyreg.grad(out, xs, u, create_graph=True)
    first_t = torch.autograd.grad(out_t, ts, torch.tensor(u), create_graph=True)
    for a, b in zip(first, first_t, strict=True):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    vs = [rng.standard_normal(a.shape) for a in arrays]
    recorded = [(f, v) for f, v in zip(first, vs, strict=True) if f.requires_grad]
    recorded_t = [(f, v) for f, v in zip(first_t, vs, strict=True) if f.requires_grad]
    if not recorded and not recorded_t:  # first derivatives constant in the inputs
        return
    second = tinyreg.grad(sum((f * v).sum() for f, v in recorded), xs, allow_unused=True)
    total_t = sum((f * torch.tensor(v)).sum() for f, v in recorded_t)
    second_t = torch.autograd.grad(total_t, ts, allow_unused=True)
    for a, b, x in zip(second, second_t, arrays, strict=True):
        a = np.zeros_like(x) if a is None else a.data
        b = np.zeros_like(x) if b is None else b.detach().numpy()
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


def _batch_arrays(shape, affine, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 2 + 0.5
    if not affine:
        return [x]
    return [x, rng.uniform(0.5, 2, shape[1]), rng.standard_normal(shape[1])]


@pytest.mark.parametrize("shape", BATCH_SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_matches_pytorch(shape, affine):
    torch = pytest.importorskip("torch")
    _compare_with_torch(
        torch,
        lambda *a: F.batch_norm(a[0], None, None, *a[1:], training=True),
        lambda *a: torch.nn.functional.batch_norm(a[0], None, None, *a[1:], training=True),
        _batch_arrays(shape, affine),
    )


@pytest.mark.parametrize("shape", BATCH_SHAPES)
def test_batch_norm_eval_matches_pytorch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    mean, var = rng.standard_normal(shape[1]), rng.uniform(0.5, 2, shape[1])
    _compare_with_torch(
        torch,
        lambda x, w, b: F.batch_norm(x, mean, var, w, b, training=False),
        lambda x, w, b: torch.nn.functional.batch_norm(
            x, torch.tensor(mean), torch.tensor(var), w, b, training=False
        ),
        _batch_arrays(shape, affine=True),
    )


@pytest.mark.parametrize(("shape", "normalized"), LAYER_SHAPES)
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm_matches_pytorch(shape, normalized, affine):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(shape) * 3 - 1]
    if affine != "none":
        arrays.append(rng.uniform(0.5, 2, normalized))
    if affine == "both":
        arrays.append(rng.standard_normal(normalized))
    _compare_with_torch(
        torch,
        lambda x, *wb: F.layer_norm(x, normalized, *wb),
        lambda x, *wb: torch.nn.functional.layer_norm(x, normalized, *wb),
        arrays,
    )


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_pytorch(padding_idx):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    index = np.array([[0, 2, 4, 2], [4, 4, 1, 0]])  # repeated rows, padding rows among them
    _compare_with_torch(
        torch,
        lambda w: F.embedding(index, w, padding_idx),
        lambda w: torch.nn.functional.embedding(torch.tensor(index), w, padding_idx),
        [rng.standard_normal((5, 3))],
    )


# ---------------------------------------------------------------------------
# gradcheck and gradgradcheck of every function
# ---------------------------------------------------------------------------

FUNCTIONS = {
    "batch_norm-training": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda rng: [rng.standard_normal((4, 2, 3)), rng.uniform(0.5, 2, 2), rng.normal(size=2)],
    ),
    "batch_norm-eval": (
        lambda x, w, b: F.batch_norm(x, np.array([0.3, -1.0]), np.array([0.5, 2.0]), w, b),
        lambda rng: [rng.standard_normal((3, 2, 2)), rng.uniform(0.5, 2, 2), rng.normal(size=2)],
    ),
    "layer_norm": (
        lambda x, w, b: F.layer_norm(x, (2, 3), w, b),
        lambda rng: [
            rng.standard_normal((2, 2, 3)),
            rng.uniform(0.5, 2, (2, 3)),
            rng.normal(size=(2, 3)),
        ],
    ),
    "embedding": (
        # the padding row gets no gradient, though the output depends on it: leave it unused
        lambda w: F.embedding([[1, 3, 1], [0, 0, 3]], w, padding_idx=2),
        lambda rng: [rng.standard_normal((4, 2))],
    ),
    "dropout2d": (
        lambda x: F.dropout2d(x, 0.4, True, np.random.default_rng(7)),  # the same mask each call
        lambda rng: [rng.standard_normal((3, 4, 2, 2))],
    ),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_gradcheck_and_gradgradcheck(name):
    function, make_inputs = FUNCTIONS[name]
    inputs = make_inputs(np.random.default_rng(5))
    assert gradcheck(function, inputs)
    assert gradgradcheck(function, inputs)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_float32_is_kept(name):
    function, make_inputs = FUNCTIONS[name]
    inputs = [
        tinyreg.tensor(a, dtype=np.float32, requires_grad=True)
        for a in make_inputs(np.random.default_rng(6))
    ]
    out = function(*inputs)
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(x.grad.dtype == np.float32 for x in inputs)


# ---------------------------------------------------------------------------
# BatchNorm modules: running statistics, modes, state dicts, against PyTorch
# ---------------------------------------------------------------------------


def _module_pair(torch, name, channels, **options):
    ours = getattr(nn, name)(channels, **options)
    theirs = getattr(torch.nn, name)(channels, dtype=torch.float64, **options)
    if ours.weight is not None:  # a scale and shift that are not ones and zeros
        rng = np.random.default_rng(8)
        ours.weight.data[:] = rng.uniform(0.5, 2, channels)
        ours.bias.data[:] = rng.standard_normal(channels)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize(
    ("name", "shape"),
    [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 2, 5))],
)
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm_running_statistics_match_pytorch(name, shape, momentum):
    torch = pytest.importorskip("torch")
    ours, theirs = _module_pair(torch, name, 3, momentum=momentum)
    rng = np.random.default_rng(9)
    for step in range(4):
        x = rng.standard_normal(shape) * (step + 1) + step
        out, out_t = ours(x), theirs(torch.tensor(x))
        np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    assert ours.num_batches_tracked.dtype == np.int64
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 4
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(
        ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-13
    )
    assert int(ours.num_batches_tracked) == 4  # eval mode leaves the statistics alone


def test_batch_norm_takes_running_statistics_as_arrays_or_tensors():
    x = np.random.default_rng(14).standard_normal((4, 2))
    mean, var = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    expected = (x - mean) / np.sqrt(var + 1e-5)
    for kind in (np.array, tinyreg.tensor):
        np.testing.assert_allclose(F.batch_norm(x, kind(mean), kind(var)).data, expected)
    running = tinyreg.tensor(np.zeros(2))  # updated in place in training, as an array would be
    F.batch_norm(x, running, None, training=True, momentum=1.0)
    np.testing.assert_allclose(running.data, x.mean(0))


def test_batchnorm_momentum_none_is_the_cumulative_average():
    layer = nn.BatchNorm1d(2, momentum=None)
    rng = np.random.default_rng(10)
    batches = [rng.standard_normal((5, 2)) + i for i in range(3)]
    for x in batches:
        layer(x)
    np.testing.assert_allclose(layer.running_mean, np.mean([x.mean(0) for x in batches], 0))
    np.testing.assert_allclose(layer.running_var, np.mean([x.var(0, ddof=1) for x in batches], 0))


def test_batchnorm_without_running_stats_uses_batch_statistics_in_both_modes():
    torch = pytest.importorskip("torch")
    ours, theirs = _module_pair(torch, "BatchNorm2d", 3, track_running_stats=False)
    assert ours.running_mean is ours.running_var is ours.num_batches_tracked is None
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert list(ours.buffers()) == []
    x = np.random.default_rng(11).standard_normal((2, 3, 2, 2))
    train_out = ours(x).data
    ours.eval()
    theirs.eval()
    np.testing.assert_array_equal(ours(x).data, train_out)
    np.testing.assert_allclose(train_out, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "options", [{}, {"affine": False}, {"bias": False}, {"track_running_stats": False}]
)
def test_state_dict_keys_order_and_dtypes_match_pytorch(options):
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3, **options), nn.LayerNorm(3))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3, **options), torch.nn.LayerNorm(3)
    ).double()
    state, state_t = ours.state_dict(), theirs.state_dict()
    assert list(state) == list(state_t)
    for key, value in state.items():
        assert value.shape == tuple(state_t[key].shape), key
        assert value.dtype == state_t[key].numpy().dtype, key
    assert repr(ours) == repr(theirs)


def test_state_dict_loads_both_ways_with_identical_outputs():
    torch = pytest.importorskip("torch")

    def make_ours():
        return nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.LayerNorm(3))

    ours = make_ours()
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(), torch.nn.LayerNorm(3)
    ).double()
    rng = np.random.default_rng(12)
    for _ in range(3):  # running statistics that are not the initial ones
        theirs(torch.tensor(rng.standard_normal((8, 2))))
    with torch.no_grad():
        theirs[3].weight.uniform_(0.5, 2)
        theirs[3].bias.normal_()
    x = rng.standard_normal((5, 2))
    # PyTorch -> tinyreg
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert ours[1].num_batches_tracked.dtype == np.int64
    assert int(ours[1].num_batches_tracked) == 3
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        np.testing.assert_allclose(
            ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-13
        )
    # tinyreg -> PyTorch, after more training on the tinyreg side
    ours.train()
    for _ in range(2):
        ours(rng.standard_normal((8, 2)))
    back = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3), torch.nn.ReLU(), torch.nn.LayerNorm(3)
    ).double()
    back.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    assert back[1].num_batches_tracked.item() == 6  # 3, one train-mode comparison, 2 more
    ours.eval()
    back.eval()
    np.testing.assert_allclose(
        ours(x).data, back(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-13
    )


def test_load_state_dict_with_a_wrong_buffer_shape_changes_nothing():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model(np.random.default_rng(13).standard_normal((4, 2)))
    before = model.state_dict()
    bad = model.state_dict()
    bad["0.weight"] += 1
    bad["1.running_mean"] = np.zeros(4)
    with pytest.raises(nn.StateDictError, match=r"'1\.running_mean' has shape \(4,\)"):
        model.load_state_dict(bad)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_a_zero_dimensional_buffer_loads_from_a_zero_dimensional_array():
    layer = nn.BatchNorm1d(2)
    state = layer.state_dict()
    state["num_batches_tracked"] = np.array(7)
    layer.load_state_dict(state)
    assert layer.num_batches_tracked.shape == ()
    assert layer.num_batches_tracked.dtype == np.int64
    assert int(layer.num_batches_tracked) == 7
    with pytest.raises(nn.StateDictError, match="num_batches_tracked"):
        layer.load_state_dict({**state, "num_batches_tracked": np.array([7])})


def test_normalisation_parameters_are_not_regularized_embedding_weights_are():
    assert [p.regularize for p in nn.BatchNorm2d(3).parameters()] == [False, False]
    assert [p.regularize for p in nn.LayerNorm(3).parameters()] == [False, False]
    assert [p.regularize for p in nn.Embedding(4, 2).parameters()] == [True]


def test_printout_is_pytorchs():
    torch = pytest.importorskip("torch")
    cases = [
        ("BatchNorm1d", (4,), {}),
        ("BatchNorm2d", (3,), {"momentum": None, "affine": False, "track_running_stats": False}),
        ("BatchNorm2d", (3,), {"eps": 1e-3, "bias": False}),
        ("LayerNorm", ((2, 3),), {"bias": False}),
        ("LayerNorm", (5,), {"elementwise_affine": False}),
        ("Embedding", (10, 3), {}),
        ("Embedding", (10, 3), {"padding_idx": -1}),
    ]
    for name, args, options in cases:
        assert repr(getattr(nn, name)(*args, **options)) == repr(
            getattr(torch.nn, name)(*args, **options)
        )
    # as for Dropout, without PyTorch's ", inplace=False": tinyreg has no in-place mode
    assert repr(nn.Dropout2d(0.3)) == "Dropout2d(p=0.3)"


# ---------------------------------------------------------------------------
# Embedding
# ---------------------------------------------------------------------------


def test_embedding_takes_lists_arrays_and_integer_valued_tensors():
    weight = np.arange(12.0).reshape(4, 3)
    expected = weight[[[1, 3], [0, 1]]]
    for index in ([[1, 3], [0, 1]], np.array([[1, 3], [0, 1]]), tinyreg.tensor([[1, 3], [0, 1]])):
        np.testing.assert_array_equal(F.embedding(index, weight).data, expected)
    layer = nn.Embedding(4, 3)
    layer.weight.data[:] = weight
    np.testing.assert_array_equal(layer([2]).data, weight[[2]])


def test_embedding_gradient_accumulates_repeated_rows_and_skips_padding():
    layer = nn.Embedding(5, 2, padding_idx=-2, generator=np.random.default_rng(0))
    assert layer.padding_idx == 3
    np.testing.assert_array_equal(layer.weight.data[3], [0.0, 0.0])
    g = np.arange(10.0).reshape(5, 2)
    layer([1, 3, 1, 1, 3]).backward(g)
    expected = np.zeros((5, 2))
    expected[1] = g[0] + g[2] + g[3]
    np.testing.assert_array_equal(layer.weight.grad, expected)


def test_embedding_weight_is_standard_normal_from_the_generator():
    a = nn.Embedding(200, 50, generator=np.random.default_rng(1)).weight.data
    b = nn.Embedding(200, 50, generator=np.random.default_rng(1)).weight.data
    np.testing.assert_array_equal(a, b)
    # 10,000 draws: mean within 5 standard errors of 0, variance within 5 of 1
    assert abs(a.mean()) < 5 / np.sqrt(a.size)
    assert abs(a.var() - 1) < 5 * np.sqrt(2 / a.size)


# ---------------------------------------------------------------------------
# Dropout2d
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(100, 200, 2, 3), (200, 2, 3)])
def test_dropout2d_zeroes_whole_channels_and_keeps_the_mean(shape):
    p = 0.3
    out = nn.Dropout2d(p, generator=np.random.default_rng(2))(np.ones(shape)).data
    per_channel = out.reshape(*shape[:-2], -1)
    assert np.all(per_channel == per_channel[..., :1])  # a channel is kept or dropped whole
    assert set(np.unique(out)) == {0.0, 1 / (1 - p)}
    # the kept fraction of n channels has standard deviation √(p(1 − p)/n)
    channels = per_channel[..., 0]
    assert abs(channels.mean() - 1) < 5 * np.sqrt(p * (1 - p) / channels.size) / (1 - p)


def test_dropout2d_is_the_identity_in_eval_mode_and_for_p_zero():
    x = np.random.default_rng(3).standard_normal((2, 3, 2, 2))
    layer = nn.Dropout2d(0.5)
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x)
    np.testing.assert_array_equal(F.dropout2d(x, 0.0).data, x)
    np.testing.assert_array_equal(F.dropout2d(x, 1.0).data, np.zeros_like(x))


# ---------------------------------------------------------------------------
# Bad inputs: ValueErrors that name the numbers
# ---------------------------------------------------------------------------


def test_bad_inputs_raise_value_errors_naming_the_numbers():
    with pytest.raises(ValueError, match=r"input has 3 channels .* but num_features=4"):
        nn.BatchNorm1d(4)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm2d: input must be 4-D .*got shape \(2, 3\)"):
        nn.BatchNorm2d(3)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm1d: input must be 2-D .* \(2, 3, 4, 5\)"):
        nn.BatchNorm1d(3)(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        nn.BatchNorm1d(3)(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"running_mean has shape \(4,\).* 3 channels"):
        F.batch_norm(np.zeros((2, 3)), np.zeros(4), np.ones(3))
    with pytest.raises(ValueError, match=r"input of shape \(2, 4\) does not end with .*\(3,\)"):
        nn.LayerNorm(3)(np.zeros((2, 4)))
    in_range = r"indices must be in \[0, 9\] \(num_embeddings=10\), got 10"
    with pytest.raises(ValueError, match=in_range):
        nn.Embedding(10, 2)([[3, 10]])
    with pytest.raises(ValueError, match=r"got -1"):
        F.embedding(np.array([-1, 0]), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"integer indices, got 1\.5"):
        nn.Embedding(10, 2)(tinyreg.tensor([1.0, 1.5]))
    with pytest.raises(ValueError, match=r"padding_idx must be in \[-10, 9\] for size 10, got 10"):
        nn.Embedding(10, 2, padding_idx=10)
    with pytest.raises(ValueError, match=r"padding_idx must be >= -10, got -11"):
        nn.Embedding(10, 2, padding_idx=-11)
    with pytest.raises(ValueError, match=r"dropout2d: input must be 3-D .*got shape \(4, 5\)"):
        nn.Dropout2d()(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"num_features must be >= 1, got 0"):
        nn.BatchNorm1d(0)
