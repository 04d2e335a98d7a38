"""tinyreg.nn.init (tinyreg/nn_init.py): gains and fans against PyTorch's, the distributions
against their formulas (sample statistics within a few standard errors of the sample size),
in-place writes that keep the tensor, generators, and errors."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import tinyreg
from tinyreg import nn
from tinyreg.nn import init

#: draws per statistical test; sample statistics are compared within Z standard errors
N_ROWS, N_COLUMNS = 250, 400
Z = 5.0


def _parameter(shape=(N_ROWS, N_COLUMNS), dtype=np.float64):
    return nn.Parameter(np.full(shape, np.nan, dtype=dtype))


def test_nn_init_is_reached_with_both_of_pytorchs_spellings():
    import tinyreg.nn.init
    from tinyreg.nn.init import kaiming_uniform_

    assert tinyreg.nn.init is nn.init is tinyreg.nn_init
    assert kaiming_uniform_ is nn.init.kaiming_uniform_


# ---------------------------------------------------------------------------
# Gains and fans: PyTorch's
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nonlinearity, param",
    [(name, None) for name in init.NONLINEARITIES]
    + [("leaky_relu", 0), ("leaky_relu", 0.2), ("leaky_relu", -0.5), ("leaky_relu", math.sqrt(5))],
)
def test_calculate_gain_is_pytorchs(nonlinearity, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(
        nonlinearity, param
    )


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3), (16, 8, 3, 3), (2, 3, 1, 1, 5), (4, 1)])
def test_fans_are_pytorchs_for_linear_and_convolution_weights(shape):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._fan_in_and_fan_out(_parameter(shape)) == expected


# ---------------------------------------------------------------------------
# The distributions
# ---------------------------------------------------------------------------


def _expected_std(name, shape):
    """The standard deviation each initialisation promises, written out from its formula."""
    receptive = math.prod(shape[2:])
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    return {
        "xavier_uniform_": math.sqrt(2 / (fan_in + fan_out)),
        "xavier_normal_(gain=2)": 2 * math.sqrt(2 / (fan_in + fan_out)),
        "kaiming_uniform_": math.sqrt(2) / math.sqrt(fan_in),  # a = 0: the gain of relu
        "kaiming_uniform_(a=√5)": 1 / math.sqrt(3 * fan_in),  # bound 1/√fan_in: nn.Linear's
        "kaiming_normal_(fan_out, relu)": math.sqrt(2 / fan_out),
        "kaiming_normal_(a=0.2, tanh)": 5 / 3 / math.sqrt(fan_in),
        "uniform_(-3, 1)": 4 / math.sqrt(12),
        "normal_(2, 0.5)": 0.5,
    }[name]


RANDOM_INITS = {
    "xavier_uniform_": lambda t, g: init.xavier_uniform_(t, generator=g),
    "xavier_normal_(gain=2)": lambda t, g: init.xavier_normal_(t, gain=2.0, generator=g),
    "kaiming_uniform_": lambda t, g: init.kaiming_uniform_(t, generator=g),
    "kaiming_uniform_(a=√5)": lambda t, g: init.kaiming_uniform_(t, a=math.sqrt(5), generator=g),
    "kaiming_normal_(fan_out, relu)": lambda t, g: init.kaiming_normal_(
        t, mode="fan_out", nonlinearity="relu", generator=g
    ),
    "kaiming_normal_(a=0.2, tanh)": lambda t, g: init.kaiming_normal_(
        t, 0.2, "fan_in", "tanh", generator=g
    ),
    "uniform_(-3, 1)": lambda t, g: init.uniform_(t, -3.0, 1.0, generator=g),
    "normal_(2, 0.5)": lambda t, g: init.normal_(t, 2.0, 0.5, generator=g),
}


def _torch_init(torch, name, t):
    tinit = torch.nn.init
    return {
        "xavier_uniform_": lambda: tinit.xavier_uniform_(t),
        "xavier_normal_(gain=2)": lambda: tinit.xavier_normal_(t, gain=2.0),
        "kaiming_uniform_": lambda: tinit.kaiming_uniform_(t),
        "kaiming_uniform_(a=√5)": lambda: tinit.kaiming_uniform_(t, a=math.sqrt(5)),
        "kaiming_normal_(fan_out, relu)": lambda: tinit.kaiming_normal_(
            t, mode="fan_out", nonlinearity="relu"
        ),
        "kaiming_normal_(a=0.2, tanh)": lambda: tinit.kaiming_normal_(t, 0.2, "fan_in", "tanh"),
        "uniform_(-3, 1)": lambda: tinit.uniform_(t, -3.0, 1.0),
        "normal_(2, 0.5)": lambda: tinit.normal_(t, 2.0, 0.5),
    }[name]()


def _check_sample(values, name, std):
    """Mean and standard deviation within Z standard errors of their expected values; a
    uniform sample inside its interval [c − √3·std, c + √3·std] and filling it."""
    n = values.size
    uniform = "uniform" in name
    center = {"uniform_(-3, 1)": -1.0, "normal_(2, 0.5)": 2.0}.get(name, 0.0)
    assert abs(values.mean() - center) <= Z * std / math.sqrt(n)
    # the sample variance has relative standard deviation √((kurtosis − 1)/n): kurtosis 9/5
    # for a uniform distribution, 3 for a normal one
    kurtosis = 9 / 5 if uniform else 3.0
    assert values.var() == pytest.approx(std**2, rel=Z * math.sqrt((kurtosis - 1) / n))
    if uniform:
        bound = math.sqrt(3) * std
        assert values.min() >= center - bound * (1 + 1e-15)
        assert values.max() <= center + bound * (1 + 1e-15)
        assert values.min() < center - bound * (1 - 1e-3) and values.max() > center + bound * (
            1 - 1e-3
        )


@pytest.mark.parametrize("shape", [(N_ROWS, N_COLUMNS), (100, 40, 5, 5)])
@pytest.mark.parametrize("name", list(RANDOM_INITS))
def test_random_inits_have_the_promised_distribution(name, shape):
    weight = _parameter(shape)
    out = RANDOM_INITS[name](weight, np.random.default_rng(0))
    assert out is weight and weight.shape == shape and weight.requires_grad
    _check_sample(weight.data, name, _expected_std(name, shape))


@pytest.mark.parametrize("name", list(RANDOM_INITS))
def test_pytorchs_draws_have_the_same_promised_distribution(name):
    """The formulas above are PyTorch's: its own draws pass the same test."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t = torch.empty(N_ROWS, N_COLUMNS, dtype=torch.float64)
    _torch_init(torch, name, t)
    _check_sample(t.numpy(), name, _expected_std(name, (N_ROWS, N_COLUMNS)))


def test_nn_linear_is_kaiming_uniform_with_a_sqrt_5_then_a_uniform_bias():
    layer = nn.Linear(7, 3, generator=np.random.default_rng(5))
    rng = np.random.default_rng(5)
    weight = init.kaiming_uniform_(_parameter((3, 7)), a=math.sqrt(5), generator=rng)
    bias = init.uniform_(_parameter((3,)), -1 / math.sqrt(7), 1 / math.sqrt(7), generator=rng)
    np.testing.assert_array_equal(layer.weight.data, weight.data)
    np.testing.assert_array_equal(layer.bias.data, bias.data)


def test_trunc_normal_is_the_normal_conditioned_on_its_interval():
    mean, std, a, b = 0.5, 2.0, -1.0, 3.0
    weight = init.trunc_normal_(_parameter(), mean, std, a, b, generator=np.random.default_rng(1))
    values = weight.data
    assert values.min() >= a and values.max() <= b
    alpha, beta = (a - mean) / std, (b - mean) / std

    def pdf(z):
        return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    def cdf(z):
        return 0.5 * (1 + math.erf(z / math.sqrt(2)))

    mass = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / mass
    expected_mean = mean + std * shift
    expected_var = std**2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / mass - shift**2)
    n = values.size
    assert abs(values.mean() - expected_mean) <= Z * math.sqrt(expected_var / n)
    # a distribution on a bounded interval has kurtosis below 3: √(2/n) bounds the sample
    # variance's relative standard deviation
    assert values.var() == pytest.approx(expected_var, rel=Z * math.sqrt(2 / n))


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns_times_the_gain(shape):
    weight = init.orthogonal_(_parameter(shape), gain=1.5, generator=np.random.default_rng(2))
    q = weight.data.reshape(shape[0], -1) / 1.5
    small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
    np.testing.assert_allclose(small, np.eye(len(small)), rtol=0, atol=1e-14)


def test_constant_zeros_ones():
    weight = _parameter((3, 4), dtype=np.float32)
    assert init.constant_(weight, 0.25) is weight
    assert weight.dtype == np.float32 and np.all(weight.data == 0.25)
    assert np.all(init.zeros_(weight).data == 0) and np.all(init.ones_(weight).data == 1)


# ---------------------------------------------------------------------------
# In place, generators
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(RANDOM_INITS))
def test_inits_write_in_place_keeping_the_tensor_dtype_and_its_gradient(name):
    weight = _parameter((6, 5), dtype=np.float32)
    data = weight.data
    weight.grad = np.ones((6, 5), dtype=np.float32)
    assert RANDOM_INITS[name](weight, None) is weight  # with recording on: no RuntimeError
    assert weight.data is data and weight.dtype == np.float32 and weight.op is None
    assert weight.requires_grad and np.all(weight.grad == 1) and np.all(np.isfinite(data))


@pytest.mark.parametrize("name", list(RANDOM_INITS))
def test_inits_honour_the_generator_and_manual_seed(name):
    a, b, c, d = (_parameter((6, 5)) for _ in range(4))
    RANDOM_INITS[name](a, np.random.default_rng(3))
    RANDOM_INITS[name](b, 3)  # an int seeds a fresh generator
    np.testing.assert_array_equal(a.data, b.data)
    tinyreg.manual_seed(9)
    RANDOM_INITS[name](c, None)
    tinyreg.manual_seed(9)
    RANDOM_INITS[name](d, None)
    np.testing.assert_array_equal(c.data, d.data)
    assert not np.array_equal(a.data, c.data)


def test_model_apply_initialises_every_layer():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))

    def init_weights(module):
        if isinstance(module, nn.Linear):
            init.xavier_uniform_(module.weight, generator=0)
            init.zeros_(module.bias)

    model.apply(init_weights)
    assert all(np.all(layer.bias.data == 0) for layer in (model[0], model[2]))
    np.testing.assert_array_equal(
        model[0].weight.data, init.xavier_uniform_(_parameter((8, 4)), generator=0).data
    )


# ---------------------------------------------------------------------------
# Errors name their argument
# ---------------------------------------------------------------------------


def test_bad_arguments_raise_naming_them():
    weight = _parameter((3, 4))
    with pytest.raises(ValueError, match=r"nonlinearity must be one of 'linear'.*; got 'gelu'"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        init.kaiming_normal_(weight, nonlinearity="swish")
    with pytest.raises(TypeError, match="param must be a real number"):
        init.calculate_gain("leaky_relu", "0.1")
    with pytest.raises(ValueError, match="mode must be one of 'fan_in', 'fan_out'; got 'fan'"):
        init.kaiming_uniform_(weight, mode="fan")
    with pytest.raises(
        ValueError, match=r"at least 2 dimensions \(out, in, ...\), got shape \(4,\)"
    ):
        init.xavier_uniform_(_parameter((4,)))
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(4,\)"):
        init.orthogonal_(_parameter((4,)))
    with pytest.raises(ValueError, match=re.escape("std must be >= 0, got -1.0")):
        init.normal_(weight, std=-1.0)
    with pytest.raises(ValueError, match=re.escape("a must be <= b, got a=1.0, b=0.0")):
        init.uniform_(weight, 1.0, 0.0)
    with pytest.raises(ValueError, match=re.escape("a < b and std > 0, got a=2.0, b=-2.0")):
        init.trunc_normal_(weight, a=2.0, b=-2.0)
    with pytest.raises(TypeError, match=r"tensor must be a tinyreg Tensor.*got ndarray"):
        init.zeros_(np.ones(3))
