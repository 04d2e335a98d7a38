"""tinyreg.functional: linear, the losses and dropout -- values against numpy,
gradients against finite differences, stability, errors, and dropout's masks.

The modules of ``tinyreg.nn`` that call these functions (``MSELoss``,
``CrossEntropyLoss``, ``Dropout``, ``LeakyReLU``, ...) are checked beside them.
``relu``, ``tanh``, ``sigmoid`` and the softmaxes are primitives of
``tinyreg.ops``, tested in ``test_ops.py``; ``leaky_relu``, ``gelu`` and
``softplus`` are ops of this module, checked here (gradcheck, gradgradcheck,
and side by side with PyTorch when it is installed).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from _tolerances import EPS, FUNCTION_ULPS, gamma
from hypothesis import given
from hypothesis import strategies as st

import tinyreg
from tinyreg import functional as F
from tinyreg import gradcheck, gradgradcheck, nn
from tinyreg.testing import arrays

REDUCTIONS = ["mean", "sum", "none"]


# ---------------------------------------------------------------------------
# F.linear
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("x_shape", [(4,), (3, 4), (2, 3, 4)], ids=["1-D", "2-D", "batched-3-D"])
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck_linear(x_shape, bias):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((5, 4))
    if bias:
        assert gradcheck(F.linear, [x, w, rng.standard_normal(5)])
    else:
        assert gradcheck(lambda x, w: F.linear(x, w), [x, w])


# ---------------------------------------------------------------------------
# Losses (and the loss modules of tinyreg.nn, which call them)
# ---------------------------------------------------------------------------


def _loss_inputs(name, rng):
    if name == "cross_entropy":
        logits = rng.standard_normal((5, 4))
        target = tinyreg.tensor(rng.integers(0, 4, 5))  # class indices, held constant
        return [logits, target]
    x = rng.standard_normal((3, 4))
    if name == "l1_loss":  # keep input − target away from the kink at 0
        offset = rng.uniform(0.1, 1.0, x.shape) * rng.choice([-1.0, 1.0], x.shape)
        return [x, x + offset]
    if name == "binary_cross_entropy_with_logits":
        return [x, rng.uniform(0, 1, x.shape)]
    return [x, rng.standard_normal(x.shape)]


LOSS_FUNCTIONS = {
    "mse_loss": (F.mse_loss, nn.MSELoss),
    "l1_loss": (F.l1_loss, nn.L1Loss),
    "cross_entropy": (F.cross_entropy, nn.CrossEntropyLoss),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits, nn.BCEWithLogitsLoss),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(LOSS_FUNCTIONS))
def test_gradcheck_losses_and_loss_modules(name, reduction):
    function, module_class = LOSS_FUNCTIONS[name]
    for seed in range(3):
        inputs = _loss_inputs(name, np.random.default_rng(seed))
        assert gradcheck(lambda x, t: function(x, t, reduction=reduction), inputs)
        assert gradcheck(module_class(reduction=reduction), inputs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_values_against_numpy(reduction):
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    p = rng.uniform(0, 1, (4, 3))
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    # sums of 12 non-negative terms, in any order: each within γ_12 (relative), so 2γ_12 apart
    rtol = 2 * gamma(12) + 2 * EPS
    mse = F.mse_loss(x, t, reduction=reduction).data
    np.testing.assert_allclose(mse, reduce((x - t) ** 2), rtol=rtol)
    l1 = F.l1_loss(x, t, reduction=reduction).data
    np.testing.assert_allclose(l1, reduce(np.abs(x - t)), rtol=rtol)
    sig = 1 / (1 + np.exp(-x))
    bce = -(p * np.log(sig) + (1 - p) * np.log(1 - sig))
    # the naive reference loses accuracy in 1 − σ(x): its relative error is about
    # e^|x|·eps (here |x| < 3: ≤ 20 eps), against the library's few ulps
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(x, p, reduction=reduction).data,
        reduce(bce),
        rtol=np.exp(np.abs(x).max()) * (FUNCTION_ULPS + 4) * EPS,
    )
    assert repr(nn.MSELoss(reduction=reduction)).startswith("MSELoss(")


def _cross_entropy_reference(logits, target):
    """−log softmax, from numpy's logaddexp (a different route from the library's)."""
    return np.logaddexp.reduce(logits, axis=1) - logits[np.arange(len(target)), target]


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e5])
def test_cross_entropy_is_stable_and_matches_numpy(scale):
    rng = np.random.default_rng(2)
    logits = scale * rng.standard_normal((6, 5))
    target = rng.integers(0, 5, 6)
    expected = _cross_entropy_reference(logits, target)
    x = tinyreg.tensor(logits, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no NaN
        none = F.cross_entropy(x, target, reduction="none")
        loss = F.cross_entropy(x, target)
        loss.backward()
    # log-sum-exp of 5 logits of size up to |logits|.max(), two routes: each within
    # 5·(FUNCTION_ULPS + 2) eps of that size
    atol = 2 * 5 * (FUNCTION_ULPS + 2) * EPS * np.abs(logits).max()
    np.testing.assert_allclose(none.data, expected, rtol=0, atol=atol)
    assert loss.item() == pytest.approx(expected.mean(), rel=0, abs=atol)
    assert np.all(np.isfinite(x.grad))
    # rows of softmax − onehot sum to 0: 5 probabilities, each a few ulps off, and the 1
    np.testing.assert_allclose(x.grad.sum(axis=1), 0.0, atol=6 * (FUNCTION_ULPS + 2) * EPS)
    if scale >= 1e3:
        assert np.abs(logits).max() > np.log(np.finfo(np.float64).max)  # naive exp would overflow


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]])
    x = tinyreg.tensor(logits, requires_grad=True)
    F.cross_entropy(x, [2, 1], reduction="sum").backward()
    # exp(−1000) underflows to 0; 1/3 is exp(−log 3): a few ulps of 1
    expected = [[1.0, 0.0, -1.0], [1 / 3, -2 / 3, 1 / 3]]
    np.testing.assert_allclose(x.grad, expected, rtol=0, atol=(FUNCTION_ULPS + 2) * EPS)
    assert F.cross_entropy(logits, [2, 1], reduction="none").data[0] == 2000.0


@pytest.mark.parametrize("name", list(LOSS_FUNCTIONS))
def test_bad_reduction_raises(name):
    function, module_class = LOSS_FUNCTIONS[name]
    inputs = _loss_inputs(name, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"reduction.*'avg'"):
        function(*inputs, reduction="avg")
    with pytest.raises(ValueError, match=r"reduction.*'avg'"):
        module_class(reduction="avg")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "binary_cross_entropy_with_logits"])
def test_elementwise_loss_with_wrong_target_shape_raises(name):
    function = LOSS_FUNCTIONS[name][0]
    with pytest.raises(ValueError, match=re.escape("(4, 1)") + ".*" + re.escape("(4,)")):
        function(np.zeros((4, 1)), np.zeros(4))


def test_cross_entropy_bad_targets_raise():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"target must have shape \(3,\)"):
        F.cross_entropy(logits, [0, 1])
    with pytest.raises(ValueError, match=r"target must have shape \(3,\)"):
        F.cross_entropy(logits, np.zeros((3, 4), dtype=int))
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 3\]"):
        F.cross_entropy(logits, [0, 1, 4])
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 3\]"):
        F.cross_entropy(logits, [0, -1, 2])
    with pytest.raises(ValueError, match="integer class indices"):
        F.cross_entropy(logits, [0, 1.5, 2])
    with pytest.raises(ValueError, match="2-D"):
        F.cross_entropy(np.zeros(4), [1])
    with pytest.raises(ValueError, match="class indices"):
        nn.CrossEntropyLoss()(logits, [0, 1, 9])


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss])
def test_mean_loss_of_an_empty_batch_is_zero_and_its_backward_warns_nothing(loss):
    """The mean over no elements is taken as 0 (a sum over max(n, 1)), and so is its gradient
    weight: no division by zero, no RuntimeWarning, an empty gradient."""
    x = tinyreg.tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(x, np.zeros((0, 3)))
        value.backward()
    assert value.item() == 0.0
    assert x.grad.shape == (0, 3)


# ---------------------------------------------------------------------------
# F.dropout (and nn.Dropout, which calls it)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_with_a_fixed_mask_passes_gradcheck(p):
    x = np.random.default_rng(0).standard_normal((4, 5))

    def masked(x):  # a fresh generator with the same seed: the same mask every call
        return F.dropout(x, p, True, np.random.default_rng(42))

    assert gradcheck(masked, [x])
    assert gradcheck(lambda x: nn.Dropout(p, generator=np.random.default_rng(42))(x), [x])
    out = masked(tinyreg.tensor(x)).data
    assert np.any(out == 0) and np.any(out != 0)  # the mask is not trivial


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_statistics(p):
    n = 200_000
    x = np.random.default_rng(3).uniform(0.5, 1.5, n)  # nonzero inputs: zeros come from the mask
    out = F.dropout(x, p, True, np.random.default_rng(4)).data
    zero_fraction = np.mean(out == 0)
    assert abs(zero_fraction - p) < 5 * np.sqrt(p * (1 - p) / n)
    kept = out != 0
    # x·(1/(1 − p)) against x/(1 − p): two roundings against one
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=3 * EPS)
    # inverted dropout: E[out] = x, with Var[out_i] = x_i²·p/(1 − p)
    sigma = np.sqrt(np.sum(x**2) * p / (1 - p)) / n
    assert abs(out.mean() - x.mean()) < 5 * sigma


def test_dropout_p0_and_eval_mode_are_the_identity():
    x = tinyreg.randn(20, 7, requires_grad=True)
    for out in (F.dropout(x, 0.0), F.dropout(x, 0.7, training=False)):
        np.testing.assert_array_equal(out.data, x.data)
    layer = nn.Dropout(0.7)
    layer.eval()
    out = layer(x)
    np.testing.assert_array_equal(out.data, x.data)
    out.backward(np.full(x.shape, 3.0))
    np.testing.assert_array_equal(x.grad, np.full(x.shape, 3.0))
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x.data)


def test_dropout_p1_gives_zeros_and_zero_gradient():
    x = tinyreg.randn(10, 3, requires_grad=True)
    out = nn.Dropout(1.0)(x)
    assert np.all(out.data == 0)
    out.backward(np.ones(x.shape))
    np.testing.assert_array_equal(x.grad, np.zeros(x.shape))
    assert np.all(F.dropout(x, 1.0).data == 0)


@pytest.mark.parametrize("p", [0.25, 0.5, 0.75])
def test_dropout_backward_uses_the_forward_mask(p):
    rng = np.random.default_rng(5)
    values = rng.uniform(0.5, 2.0, (40, 30)) * rng.choice([-1, 1], (40, 30))
    x = tinyreg.tensor(values, requires_grad=True)
    out = F.dropout(x, p)
    out.backward(np.ones(x.shape))
    np.testing.assert_array_equal(x.grad != 0, out.data != 0)
    # the scale 1/(1 − p), and out/x: each a rounding or two of it
    np.testing.assert_allclose(x.grad[x.grad != 0], 1 / (1 - p), rtol=2 * EPS)
    np.testing.assert_allclose(x.grad, out.data / x.data, rtol=4 * EPS)
    # a random upstream gradient is masked the same way
    x.grad = None
    out = F.dropout(x, p)
    upstream = rng.standard_normal(x.shape)
    out.backward(upstream)
    np.testing.assert_allclose(x.grad, upstream * out.data / x.data, rtol=6 * EPS, atol=0)


@pytest.mark.parametrize("p", [-0.1, 1.1, 2.0, float("nan")])
def test_dropout_probability_outside_0_1_raises(p):
    with pytest.raises(ValueError, match="dropout probability p"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="dropout probability p"):
        F.dropout(np.ones(3), p)


def test_manual_seed_gives_the_same_mask():
    x = np.ones((50, 50))
    tinyreg.manual_seed(123)
    a = F.dropout(x, 0.5).data
    tinyreg.manual_seed(123)
    b = F.dropout(x, 0.5).data
    tinyreg.manual_seed(124)
    c = F.dropout(x, 0.5).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    tinyreg.manual_seed(123)
    layer = nn.Dropout(0.5)
    np.testing.assert_array_equal(layer(x).data, a)


def test_an_explicit_generator_is_honoured():
    x = np.ones((50, 50))
    a = F.dropout(x, 0.5, True, np.random.default_rng(7)).data
    b = F.dropout(x, 0.5, True, np.random.default_rng(7)).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.5, True, np.random.default_rng(8)).data)
    # the explicit generator is used instead of the package one, which stays untouched
    tinyreg.manual_seed(0)
    expected_next = F.dropout(x, 0.5).data
    tinyreg.manual_seed(0)
    layer = nn.Dropout(0.5, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(layer(x).data, a)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, expected_next)
    # a module's generator advances: two calls give two masks
    assert not np.array_equal(layer(x).data, a)


def test_linear_names_both_numbers_of_features_when_they_differ():
    layer = tinyreg.nn.Linear(10, 1)
    with pytest.raises(ValueError, match=r"\(3, 5\)\) has 5 features.*in_features=10"):
        layer(tinyreg.randn(3, 5))
    with pytest.raises(ValueError, match=r"has 0 features.*in_features=10"):
        F.linear(tinyreg.tensor(1.0), layer.weight)


# ---------------------------------------------------------------------------
# leaky_relu, gelu, softplus (ops defined in tinyreg.functional), and their modules
# ---------------------------------------------------------------------------

#: each activation as a function of one tensor, the module that applies it, and the points
#: where it has a kink (kept away from by finite differences)
NEW_ACTIVATIONS = {
    "leaky_relu": (lambda x: F.leaky_relu(x), nn.LeakyReLU(), (0.0,)),
    "leaky_relu(0.2)": (lambda x: F.leaky_relu(x, 0.2), nn.LeakyReLU(0.2), (0.0,)),
    "leaky_relu(-1.5)": (
        lambda x: F.leaky_relu(x, negative_slope=-1.5),
        nn.LeakyReLU(-1.5),
        (0.0,),
    ),
    "gelu": (lambda x: F.gelu(x), nn.GELU(), ()),
    "gelu(tanh)": (lambda x: F.gelu(x, approximate="tanh"), nn.GELU("tanh"), ()),
    "softplus": (lambda x: F.softplus(x), nn.Softplus(), ()),
    "softplus(2, 1)": (lambda x: F.softplus(x, 2.0, 1.0), nn.Softplus(2.0, 1.0), (0.5,)),
    "softplus(0.5, -1)": (
        lambda x: F.softplus(x, beta=0.5, threshold=-1.0),
        nn.Softplus(0.5, -1.0),
        (-2.0,),
    ),
    "normal_cdf": (F._normal_cdf, None, ()),
}


@pytest.mark.parametrize("name", list(NEW_ACTIVATIONS))
@given(data=st.data())
def test_gradcheck_and_gradgradcheck_of_the_activations(name, data):
    function, module, kinks = NEW_ACTIVATIONS[name]
    x = data.draw(arrays(avoid=kinks, margin=1e-2))
    assert gradcheck(function, [x])
    assert gradgradcheck(function, [x])
    if module is not None:
        assert gradcheck(module, [x])
        np.testing.assert_array_equal(module(x).data, function(x).data)


@pytest.mark.parametrize("name", list(NEW_ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations_keep_the_dtype_and_shape(name, dtype):
    function = NEW_ACTIVATIONS[name][0]
    x = tinyreg.tensor(np.linspace(-4, 4, 24).reshape(2, 3, 4).astype(dtype), requires_grad=True)
    out = function(x)
    assert out.dtype == dtype and out.shape == x.shape
    out.backward(np.ones(x.shape, dtype=dtype))
    assert x.grad.dtype == dtype and x.grad.shape == x.shape


def test_activation_modules_print_like_pytorch():
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.GELU(approximate="tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Softplus(2, 10)) == "Softplus(beta=2, threshold=10)"


def test_activation_arguments_are_checked_naming_them():
    with pytest.raises(ValueError, match=r"approximate must be one of 'none', 'tanh'; got 'erf'"):
        nn.GELU("erf")
    with pytest.raises(ValueError, match=r"approximate must be one of 'none', 'tanh'; got 'erf'"):
        F.gelu(np.ones(3), approximate="erf")
    with pytest.raises(ValueError, match=re.escape("beta must be > 0, got 0.0")):
        nn.Softplus(beta=0)
    with pytest.raises(TypeError, match="negative_slope must be a real number"):
        nn.LeakyReLU("0.1")
    with pytest.raises(ValueError, match="threshold must be a number, got nan"):
        nn.Softplus(threshold=float("nan"))


def test_softplus_is_linear_above_its_threshold_and_never_overflows():
    x = np.array([-1e3, -30.0, 0.0, 9.0, 10.5, 1e3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.softplus(x, beta=2.0, threshold=20.0).data
    np.testing.assert_array_equal(out[[4, 5]], x[[4, 5]])  # 2x > 20: x itself
    assert out[0] == 0.0 and out[2] == np.log(2.0) / 2
    assert out[3] == pytest.approx(np.log1p(np.exp(18.0)) / 2, rel=4 * EPS)


def test_leaky_relu_slope_at_zero_is_the_negative_slope():
    x = tinyreg.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    F.leaky_relu(x, 0.3).backward(np.ones(3))
    np.testing.assert_array_equal(x.grad, [0.3, 0.3, 1.0])  # PyTorch's convention at 0


def test_erfc_and_normal_cdf_against_40_digit_arithmetic():
    """_erfc's stated bound, 3e-14 relative, for every float64 argument (around the switch
    from the series to the continued fraction at |z| = 1.5 densely); Φ's the same for
    |x| <= 10 (beyond, Φ inherits the rounding of x/√2: x²·ε relative)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    z = np.concatenate([np.linspace(-27, 27, 2161), np.linspace(-1.6, 1.6, 1601), [0.0, 1e-300]])
    exact = np.array([float(mpmath.erfc(mpmath.mpf(v))) for v in z])
    np.testing.assert_allclose(F._erfc(z), exact, rtol=3e-14, atol=0)
    x = np.linspace(-10, 10, 2001)
    exact = np.array([float(mpmath.ncdf(mpmath.mpf(v))) for v in x])
    np.testing.assert_allclose(F._normal_cdf(x).data, exact, rtol=3e-14, atol=0)
    assert list(F._erfc(np.array([np.inf, -np.inf, 40.0]))) == [0.0, 2.0, 0.0]
    assert np.isnan(F._erfc(np.array([np.nan]))[0])


# -- side by side with PyTorch ----------------------------------------------------


def _torch_activation(torch, name):
    tF = torch.nn.functional
    return {
        "leaky_relu": lambda x: tF.leaky_relu(x),
        "leaky_relu(0.2)": lambda x: tF.leaky_relu(x, 0.2),
        "leaky_relu(-1.5)": lambda x: tF.leaky_relu(x, negative_slope=-1.5),
        "gelu": lambda x: tF.gelu(x),
        "gelu(tanh)": lambda x: tF.gelu(x, approximate="tanh"),
        "softplus": lambda x: tF.softplus(x),
        "softplus(2, 1)": lambda x: tF.softplus(x, 2.0, 1.0),
        "softplus(0.5, -1)": lambda x: tF.softplus(x, beta=0.5, threshold=-1.0),
        "normal_cdf": lambda x: 0.5 * torch.special.erfc(-x * np.sqrt(0.5)),
    }[name]


#: points for the comparison: a grid with the kinks, and random values. For gelu PyTorch
#: computes Φ(x) as (1 + erf(x/√2))/2, whose relative error grows as Φ(x) shrinks (ε/Φ(x)):
#: the grid stops at x = −5, where gelu's derivatives, sums of Φ and larger terms, are
#: still within 1e-11 relative.
SIDE_BY_SIDE_X = np.concatenate(
    [
        np.linspace(-5, 5, 201),
        [-2.0, -0.5, 0.5, 10.0, 10.5, 25.0],
        np.random.default_rng(0).standard_normal(50),
    ]
)


@pytest.mark.parametrize("name", list(NEW_ACTIVATIONS))
def test_activations_values_and_derivatives_match_pytorch(name):
    torch = pytest.importorskip("torch")
    function, _, kinks = NEW_ACTIVATIONS[name]
    reference = _torch_activation(torch, name)
    x_np = SIDE_BY_SIDE_X
    rng = np.random.default_rng(1)
    u, v = rng.standard_normal(x_np.shape), rng.standard_normal(x_np.shape)

    x = tinyreg.tensor(x_np, requires_grad=True)
    out = function(x)
    (first,) = tinyreg.grad(out, x, u, create_graph=True)
    if first.requires_grad:
        (second,) = tinyreg.grad((first * v).sum(), x)
    else:  # leaky_relu: the first derivative is piecewise constant, recorded as a constant
        second = tinyreg.zeros(*x_np.shape)

    xt = torch.tensor(x_np, requires_grad=True)
    out_t = reference(xt)
    (first_t,) = torch.autograd.grad(out_t, xt, torch.tensor(u), create_graph=True)
    (second_t,) = torch.autograd.grad((first_t * torch.tensor(v)).sum(), xt)

    # Both compute the same formulas, a few roundings apart, except where gelu's 1 + erf(x/√2)
    # (PyTorch's exact form) or 1 + tanh(u) (the approximation) cancels, for x < 0: there the
    # terms are within a few ε of 1 absolutely, so the two results are within 4ε·|x| of each
    # other, 1e-13 relative at x = −2 but 5e-9 at x = −5. The library's Φ is within 3e-14
    # relative everywhere. Near the zero of a derivative (gelu' at x ≈ −0.75, gelu'' at ±√2)
    # relative comparisons are meaningless: each is a difference of terms of order 1, within
    # a few ε absolutely.
    values, values_t = out.data, out_t.detach().numpy()
    assert np.all(np.abs(values - values_t) <= 1e-12 * np.abs(values_t) + 4 * EPS * np.abs(x_np))
    right = x_np >= -2
    np.testing.assert_allclose(values[right], values_t[right], rtol=1e-12, atol=0)
    np.testing.assert_allclose(first.data, first_t.detach().numpy(), rtol=1e-10, atol=1e-14)
    # at a kink itself (softplus with β·x = threshold exactly) PyTorch's first derivative
    # takes the smooth side and its second the linear one; the library takes the smooth side
    smooth = ~np.isin(x_np, kinks)
    np.testing.assert_allclose(second.data[smooth], second_t.numpy()[smooth], rtol=1e-8, atol=1e-14)


# ---------------------------------------------------------------------------
# cross_entropy with label smoothing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_label_smoothing_gradcheck_and_gradgradcheck(smoothing, reduction):
    rng = np.random.default_rng(3)
    logits, target = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)

    def loss(x):
        return F.cross_entropy(x, target, reduction=reduction, label_smoothing=smoothing)

    assert gradcheck(loss, [logits])
    assert gradgradcheck(loss, [logits])
    module = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_array_equal(module(logits, target).data, loss(logits).data)


def test_label_smoothing_is_the_smoothed_target_distribution():
    """−Σ_c q_c·log p_c with q = (1 − ε)·onehot + ε/C, against numpy."""
    rng = np.random.default_rng(4)
    logits, target = rng.standard_normal((6, 5)), rng.integers(0, 5, 6)
    eps = 0.2
    lse = np.logaddexp.reduce(logits, axis=1, keepdims=True)
    log_p = logits - lse
    q = np.full(logits.shape, eps / 5)
    q[np.arange(6), target] += 1 - eps
    expected = -(q * log_p).sum(axis=1)
    # log p = x − lse by two routes, each within a few ulps of max(|x|, |lse|); then a sum
    # of 5 terms with weights q that add up to 1
    scale = np.abs(logits).max() + np.abs(lse).max()
    atol = 2 * (gamma(5) + (FUNCTION_ULPS + 2) * EPS) * scale
    out = F.cross_entropy(logits, target, reduction="none", label_smoothing=eps).data
    np.testing.assert_allclose(out, expected, rtol=0, atol=atol)


@pytest.mark.parametrize("smoothing", [-0.1, 1.5, float("nan")])
def test_label_smoothing_outside_0_1_raises(smoothing):
    logits = np.zeros((2, 3))
    with pytest.raises(ValueError, match="label_smoothing must"):
        F.cross_entropy(logits, [0, 1], label_smoothing=smoothing)
    with pytest.raises(ValueError, match="label_smoothing must"):
        nn.CrossEntropyLoss(label_smoothing=smoothing)


@pytest.mark.parametrize("smoothing", [0.0, 0.05, 0.3, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_label_smoothing_matches_pytorch(smoothing, reduction):
    """Values, first derivatives (backward) and second (create_graph) against PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    logits, target = 3 * rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    x = tinyreg.tensor(logits, requires_grad=True)
    xt = torch.tensor(logits, requires_grad=True)
    loss = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)(x, target)
    loss_t = torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)(
        xt, torch.tensor(target)
    )
    u = rng.standard_normal(loss.shape)
    v = rng.standard_normal(logits.shape)
    (first,) = tinyreg.grad(loss, x, u, create_graph=True)
    (second,) = tinyreg.grad((first * v).sum(), x)
    (first_t,) = torch.autograd.grad(loss_t, xt, torch.tensor(u), create_graph=True)
    (second_t,) = torch.autograd.grad((first_t * torch.tensor(v)).sum(), xt)

    np.testing.assert_allclose(loss.data, loss_t.detach().numpy(), rtol=1e-12, atol=0)
    # softmax − q: entries near 0 are differences of terms of order 1
    np.testing.assert_allclose(first.data, first_t.detach().numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(second.data, second_t.numpy(), rtol=1e-8, atol=1e-15)


# ---------------------------------------------------------------------------
# nll_loss, binary_cross_entropy, huber_loss, smooth_l1_loss, silu, elu, softsign, one_hot
# (and their modules, and nn.Softmax/nn.LogSoftmax)
# ---------------------------------------------------------------------------


def _log_probabilities(rng, rows=6, classes=4):
    return F.log_softmax(2 * rng.standard_normal((rows, classes)), dim=1).data


def _away_from(target, x, kinks, margin):
    """``target`` moved so that |x − target| keeps ``margin`` from every kink."""
    for kink in kinks:
        near = np.abs(np.abs(x - target) - kink) < margin
        target = np.where(near, target + 3 * margin, target)
    return target


#: name: (ours, theirs as a function of torch, inputs from a generator, the differentiable
#: inputs' positions); ours and theirs take the same positional arrays
_CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])


def _loss_cases():
    cases = {}
    for reduction in REDUCTIONS:
        for weighted in (False, True):
            for ignore in (-100, 2):
                name = f"nll_loss({reduction}, weight={weighted}, ignore_index={ignore})"
                weight = _CLASS_WEIGHT if weighted else None
                cases[name] = (
                    lambda x, t, w=weight, i=ignore, r=reduction: F.nll_loss(
                        x, t, w, ignore_index=i, reduction=r
                    ),
                    lambda torch, x, t, w=weight, i=ignore, r=reduction: (
                        torch.nn.functional.nll_loss(
                            x,
                            t.long(),
                            None if w is None else torch.tensor(w),
                            ignore_index=i,
                            reduction=r,
                        )
                    ),
                    lambda rng: [_log_probabilities(rng), rng.integers(0, 4, 6)],
                    (0,),
                )
            weight = np.linspace(0.5, 2.0, 4) if weighted else None
            cases[f"binary_cross_entropy({reduction}, weight={weighted})"] = (
                lambda x, t, w=weight, r=reduction: F.binary_cross_entropy(x, t, w, reduction=r),
                lambda torch, x, t, w=weight, r=reduction: torch.nn.functional.binary_cross_entropy(
                    x, t, None if w is None else torch.tensor(w), reduction=r
                ),
                lambda rng: [rng.uniform(0.02, 0.98, (3, 4)), rng.uniform(0, 1, (3, 4))],
                (0, 1),
            )
        for loss, argument, values in (
            ("huber_loss", "delta", (0.5, 1.0, 2.0)),
            ("smooth_l1_loss", "beta", (0.0, 0.5, 1.0, 2.0)),
        ):
            for value in values:
                options = {"reduction": reduction, argument: value}
                cases[f"{loss}({reduction}, {argument}={value})"] = (
                    lambda x, t, n=loss, o=options: getattr(F, n)(x, t, **o),
                    lambda torch, x, t, n=loss, o=options: getattr(torch.nn.functional, n)(
                        x, t, **o
                    ),
                    lambda rng, kink=value: _robust_inputs(rng, kink),
                    (0, 1),
                )
    return cases


def _robust_inputs(rng, kink):
    x = 2 * rng.standard_normal((3, 4))
    return [x, _away_from(x + 2 * rng.standard_normal(x.shape), x, (kink,), 1e-2)]


LOSS_CASES = _loss_cases()


@pytest.mark.parametrize("name", list(LOSS_CASES))
def test_gradcheck_and_gradgradcheck_of_the_new_losses(name):
    ours, _, make_inputs, differentiable = LOSS_CASES[name]
    inputs = make_inputs(np.random.default_rng(7))
    constants = {i: x for i, x in enumerate(inputs) if i not in differentiable}

    def function(*xs):
        arguments = list(xs)
        for i in sorted(constants):
            arguments.insert(i, constants[i])
        return ours(*arguments)

    variables = [inputs[i] for i in differentiable]
    assert gradcheck(function, variables)
    assert gradgradcheck(function, variables)


def _compare_with_pytorch(torch, ours, theirs, inputs, differentiable, kinks=None):
    """Values to 1e-12, first derivatives (with a random cotangent) to 1e-10 and second
    derivatives (create_graph) to 1e-8, relative, for every differentiable input."""
    rng = np.random.default_rng(11)
    xs = [tinyreg.tensor(x, requires_grad=i in differentiable) for i, x in enumerate(inputs)]
    xts = [torch.tensor(x, requires_grad=i in differentiable) for i, x in enumerate(inputs)]
    out, out_t = ours(*xs), theirs(torch, *xts)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-12, atol=1e-300)
    u = rng.standard_normal(out.shape)
    wrt = [xs[i] for i in differentiable]
    wrt_t = [xts[i] for i in differentiable]
    firsts = tinyreg.grad(out, wrt, u, create_graph=True)
    firsts_t = torch.autograd.grad(out_t, wrt_t, torch.tensor(u), create_graph=True)
    for first, first_t in zip(firsts, firsts_t, strict=True):
        np.testing.assert_allclose(first.data, first_t.detach().numpy(), rtol=1e-10, atol=1e-14)
    vs = [rng.standard_normal(x.shape) for x in wrt]
    total = sum((first * v).sum() for first, v in zip(firsts, vs, strict=True))
    total_t = sum((first * torch.tensor(v)).sum() for first, v in zip(firsts_t, vs, strict=True))
    seconds = (
        tinyreg.grad(total, wrt, allow_unused=True) if total.requires_grad else [None] * len(wrt)
    )
    seconds_t = (
        torch.autograd.grad(total_t, wrt_t, allow_unused=True)
        if total_t.requires_grad
        else [None] * len(wrt)
    )
    for x, second, second_t in zip(wrt, seconds, seconds_t, strict=True):
        ours_second = np.zeros(x.shape) if second is None else second.data
        theirs_second = np.zeros(x.shape) if second_t is None else second_t.numpy(force=True)
        keep = np.ones(x.shape, bool) if kinks is None else ~np.isin(x.data, kinks)
        np.testing.assert_allclose(ours_second[keep], theirs_second[keep], rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("name", list(LOSS_CASES))
def test_new_losses_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, theirs, make_inputs, differentiable = LOSS_CASES[name]
    for seed in range(3):
        inputs = make_inputs(np.random.default_rng(seed))
        _compare_with_pytorch(torch, ours, theirs, inputs, differentiable)


def test_binary_cross_entropy_clamps_its_logs_at_minus_100_as_pytorch():
    """At x = 0 and 1 the loss is at most 100 per element; the input derivative is
    (x − t)/max(x(1 − x), ε ≈ 1e-12) and the target derivative log(1 − x) − log x (±inf there)."""
    torch = pytest.importorskip("torch")
    x_np = np.array([0.0, 0.0, 1.0, 1.0, 1e-50, 1 - 1e-16, 0.3])
    t_np = np.array([1.0, 0.25, 0.0, 0.5, 1.0, 0.0, 0.4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = F.binary_cross_entropy(x_np, t_np, reduction="none").data
    assert values[0] == 100.0 and values[2] == 100.0 and values[4] == 100.0
    x = tinyreg.tensor(x_np, requires_grad=True)
    t = tinyreg.tensor(t_np, requires_grad=True)
    xt = torch.tensor(x_np, requires_grad=True)
    tt = torch.tensor(t_np, requires_grad=True)
    loss = F.binary_cross_entropy(x, t, reduction="sum")
    loss_t = torch.nn.functional.binary_cross_entropy(xt, tt, reduction="sum")
    loss.backward()
    loss_t.backward()
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10)  # inf at 0 and 1
    assert np.isinf(t.grad[0]) and np.isinf(t.grad[2])


def test_nll_loss_is_cross_entropy_of_log_softmax_and_ignores_rows():
    rng = np.random.default_rng(2)
    logits, target = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    log_p = F.log_softmax(logits, dim=1)
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            F.nll_loss(log_p, target, reduction=reduction).data,
            F.cross_entropy(logits, target, reduction=reduction).data,
            rtol=4 * EPS,
        )
    target[[1, 4]] = -1
    kept = np.array([0, 2, 3, 5])
    expected = -log_p.data[kept, target[kept]]
    out = F.nll_loss(log_p, target, ignore_index=-1, reduction="none").data
    assert out[1] == 0.0 and out[4] == 0.0
    np.testing.assert_array_equal(out[kept], expected)
    mean = F.nll_loss(log_p, target, ignore_index=-1).item()
    assert mean == pytest.approx(expected.mean(), rel=4 * EPS)  # the mean of the kept rows
    everything_ignored = F.nll_loss(log_p, np.full(6, 7), ignore_index=7)  # an empty mean: 0
    assert everything_ignored.item() == 0.0


def test_smooth_l1_loss_is_huber_over_beta_and_l1_at_beta_0():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    d = np.abs(x - y)
    np.testing.assert_allclose(
        F.huber_loss(x, y, reduction="none", delta=0.8).data,
        np.where(d < 0.8, 0.5 * d**2, 0.8 * (d - 0.4)),
        rtol=4 * EPS,
    )
    np.testing.assert_allclose(
        F.smooth_l1_loss(x, y, reduction="none", beta=0.8).data,
        np.where(d < 0.8, 0.5 * d**2 / 0.8, d - 0.4),
        rtol=4 * EPS,
    )
    np.testing.assert_array_equal(F.smooth_l1_loss(x, y, beta=0.0).data, F.l1_loss(x, y).data)


def test_new_loss_modules_call_their_functions_and_print_like_the_other_losses():
    rng = np.random.default_rng(4)
    log_p, target = _log_probabilities(rng), rng.integers(0, 4, 6)
    p, q = rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0, 1, (3, 4))
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    w = tinyreg.tensor(_CLASS_WEIGHT)
    pairs = [
        (
            nn.NLLLoss(w, ignore_index=1, reduction="sum")(log_p, target),
            F.nll_loss(log_p, target, _CLASS_WEIGHT, ignore_index=1, reduction="sum"),
        ),
        (nn.BCELoss(np.full(4, 2.0))(p, q), F.binary_cross_entropy(p, q, np.full(4, 2.0))),
        (nn.HuberLoss("none", 0.5)(x, y), F.huber_loss(x, y, reduction="none", delta=0.5)),
        (nn.SmoothL1Loss(beta=0.5)(x, y), F.smooth_l1_loss(x, y, beta=0.5)),
    ]
    for module_value, function_value in pairs:
        np.testing.assert_array_equal(module_value.data, function_value.data)
    assert repr(nn.NLLLoss()) == "NLLLoss()"
    assert repr(nn.BCELoss(reduction="sum")) == "BCELoss(reduction='sum')"
    assert repr(nn.HuberLoss(delta=2.0)) == "HuberLoss()"
    assert repr(nn.SmoothL1Loss(reduction="none", beta=0.5)) == "SmoothL1Loss(reduction='none')"


def test_new_loss_arguments_are_checked_naming_them():
    log_p, target = np.log(np.full((3, 4), 0.25)), np.array([0, 1, 2])
    with pytest.raises(ValueError, match=r"nll_loss: class indices must be in \[0, 3\]"):
        F.nll_loss(log_p, [0, 4, 1])
    with pytest.raises(
        ValueError,
        match=r"nll_loss: class indices must be in \[0, 3\], got -1",
    ):
        F.nll_loss(log_p, [0, -1, 1])
    F.nll_loss(log_p, [0, -1, 1], ignore_index=-1)  # ignored: out of range is fine
    with pytest.raises(ValueError, match="nll_loss: target must hold integer class indices"):
        F.nll_loss(log_p, [0, 0.5, 1])
    with pytest.raises(ValueError, match=r"nll_loss: target must have shape \(3,\)"):
        F.nll_loss(log_p, [0, 1])
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(4,\)"):
        F.nll_loss(log_p, target, np.ones(3))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.NLLLoss(reduction="avg")
    with pytest.raises(TypeError, match="ignore_index must be an integer"):
        nn.NLLLoss(ignore_index=1.5)
    with pytest.raises(ValueError, match="weight"):
        nn.NLLLoss(weight=[1.0, np.nan])
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\], got values from -0.5 to 1"):
        F.binary_cross_entropy(np.array([-0.5, 1.0]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="probabilities"):
        F.binary_cross_entropy(np.array([np.nan, 0.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"weight of shape \(3,\) does not broadcast"):
        F.binary_cross_entropy(np.full((2, 4), 0.5), np.ones((2, 4)), np.ones(3))
    with pytest.raises(ValueError, match=re.escape("delta must be > 0, got 0.0")):
        F.huber_loss(np.ones(2), np.ones(2), delta=0.0)
    with pytest.raises(ValueError, match=re.escape("delta must be > 0, got -1.0")):
        nn.HuberLoss(delta=-1)
    with pytest.raises(ValueError, match=re.escape("beta must be >= 0, got -0.5")):
        F.smooth_l1_loss(np.ones(2), np.ones(2), beta=-0.5)
    with pytest.raises(ValueError, match=re.escape("beta must be >= 0, got -0.5")):
        nn.SmoothL1Loss(beta=-0.5)
    for loss in (F.huber_loss, F.smooth_l1_loss, F.binary_cross_entropy):
        with pytest.raises(ValueError, match=re.escape("(4, 1)") + ".*" + re.escape("(4,)")):
            loss(np.full((4, 1), 0.5), np.zeros(4))


@pytest.mark.parametrize("name", ["nll_loss", "binary_cross_entropy", "huber", "smooth_l1"])
def test_new_losses_keep_float32(name):
    rng = np.random.default_rng(5)
    if name == "nll_loss":
        x = tinyreg.tensor(_log_probabilities(rng).astype(np.float32), requires_grad=True)
        loss = F.nll_loss(x, rng.integers(0, 4, 6), _CLASS_WEIGHT)
    else:
        x = tinyreg.tensor(rng.uniform(0.1, 0.9, (3, 4)).astype(np.float32), requires_grad=True)
        target = rng.uniform(0, 1, (3, 4)).astype(np.float32)
        loss = {
            "binary_cross_entropy": lambda: F.binary_cross_entropy(x, target),
            "huber": lambda: F.huber_loss(x, target),
            "smooth_l1": lambda: F.smooth_l1_loss(x, target, beta=0.5),
        }[name]()
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


#: each activation, its module, PyTorch's, and its kinks
MORE_ACTIVATIONS = {
    "silu": (F.silu, nn.SiLU(), lambda torch, x: torch.nn.functional.silu(x), ()),
    "elu": (F.elu, nn.ELU(), lambda torch, x: torch.nn.functional.elu(x), (0.0,)),
    "elu(0.5)": (
        lambda x: F.elu(x, 0.5),
        nn.ELU(0.5),
        lambda torch, x: torch.nn.functional.elu(x, 0.5),
        (0.0,),
    ),
    "elu(alpha=2)": (
        lambda x: F.elu(x, alpha=2.0),
        nn.ELU(alpha=2.0),
        lambda torch, x: torch.nn.functional.elu(x, alpha=2.0),
        (0.0,),
    ),
    "softsign": (F.softsign, nn.Softsign(), lambda torch, x: torch.nn.functional.softsign(x), ()),
}


@pytest.mark.parametrize("name", list(MORE_ACTIVATIONS))
@given(data=st.data())
def test_gradcheck_and_gradgradcheck_of_silu_elu_softsign(name, data):
    function, module, _, kinks = MORE_ACTIVATIONS[name]
    x = data.draw(arrays(avoid=(*kinks, 0.0), margin=1e-2))  # softsign: |x| is kinked at 0
    assert gradcheck(function, [x])
    assert gradgradcheck(function, [x])
    assert gradcheck(module, [x])
    np.testing.assert_array_equal(module(x).data, function(x).data)


@pytest.mark.parametrize("name", list(MORE_ACTIVATIONS))
def test_silu_elu_softsign_match_pytorch(name):
    torch = pytest.importorskip("torch")
    function, _, theirs, kinks = MORE_ACTIVATIONS[name]
    x = np.concatenate([SIDE_BY_SIDE_X, [-40.0, -1e-6, 1e-6, 700.0, -700.0]])
    _compare_with_pytorch(torch, function, theirs, [x], (0,), kinks=kinks)


@pytest.mark.parametrize("name", list(MORE_ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_silu_elu_softsign_keep_the_dtype_and_never_overflow(name, dtype):
    function = MORE_ACTIVATIONS[name][0]
    x = tinyreg.tensor(np.array([-1e4, -3.0, 0.0, 2.0, 1e4], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = function(x)
        out.backward(np.ones(5, dtype=dtype))
    assert out.dtype == dtype and x.grad.dtype == dtype
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad))


def test_more_activation_modules_print_like_pytorch():
    assert repr(nn.SiLU()) == "SiLU()"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.ELU(0.5)) == "ELU(alpha=0.5)"
    assert repr(nn.Softsign()) == "Softsign()"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.Softmax()) == "Softmax(dim=None)"
    assert repr(nn.LogSoftmax(0)) == "LogSoftmax(dim=0)"
    with pytest.raises(ValueError, match="alpha must be a number, got nan"):
        nn.ELU(float("nan"))


@pytest.mark.parametrize("module_name", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 2, 2)])
def test_softmax_modules_match_pytorch(module_name, dim, shape):
    torch = pytest.importorskip("torch")
    if dim is not None and dim >= len(shape):
        return
    x = np.random.default_rng(6).standard_normal(shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = getattr(nn, module_name)(dim)
        _compare_with_pytorch(
            torch, ours, lambda torch, xt: getattr(torch.nn, module_name)(dim)(xt), [x], (0,)
        )
    ours_warned = [w for w in caught if module_name in str(w.message)]
    assert bool(ours_warned) == (dim is None)
    if dim is None:
        implicit = 0 if len(shape) in (1, 3) else 1
        assert f"chooses dim={implicit}" in str(ours_warned[0].message)
        assert ours_warned[0].filename == __file__


@pytest.mark.parametrize(
    "indices, num_classes",
    [([2, 0, 1], -1), ([2, 0, 1], 5), ([[1, 3], [0, 0]], -1), (4, 6), ([[1, 3], [0, 0]], 4)],
)
def test_one_hot_matches_pytorch(indices, num_classes):
    torch = pytest.importorskip("torch")
    expected = torch.nn.functional.one_hot(torch.tensor(indices), num_classes).numpy()
    for given_as in (np.array(indices), indices, tinyreg.tensor(np.array(indices, float))):
        out = F.one_hot(given_as, num_classes)
        assert isinstance(out, np.ndarray) and out.dtype == np.int64
        np.testing.assert_array_equal(out, expected)


def test_one_hot_arguments_are_checked_naming_them():
    with pytest.raises(
        ValueError,
        match=r"one_hot: class indices must be in \[0, 2\], got 3",
    ):
        F.one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="one_hot: class indices must be >= 0, got -1"):
        F.one_hot([0, -1])
    with pytest.raises(ValueError, match="one_hot: tensor must hold integer class indices"):
        F.one_hot(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="num_classes=-1 cannot be inferred from an empty tensor"):
        F.one_hot(np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="num_classes must be >= 1, got 0"):
        F.one_hot([0], 0)
    with pytest.raises(TypeError, match="num_classes must be an integer"):
        F.one_hot([0], 2.0)
    assert F.one_hot(np.zeros(0, dtype=int), 3).shape == (0, 3)
