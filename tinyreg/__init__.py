"""tinyreg: a small, readable, numpy-only autograd framework built around regularization.

The public API, re-exported from the modules that define it::

    autograd   Tensor, grad, op (the engine)
    grad_mode  no_grad, enable_grad, is_grad_enabled
    ops        add, mul, matmul, sum, mean, exp, log, relu, softmax, cat, ... (as functions)
    sugar      tensor, zeros, ones, full, arange, zeros_like, ..., argmax, argmin, max, min,
               var, std, clamp, mm, bmm, eye, linspace, from_numpy, allclose, the dtype
               names float32, float64, float, double (and Tensor's operators and methods)
    random     manual_seed, randn, rand, randn_like, rand_like, randint, randperm, normal
    gradcheck  gradcheck, gradgradcheck
    serialization  save, load
    compile    compile (trace a training step once, replay its numpy calls)

and the submodules ``func`` (grad, jacobian, hessian, hvp, jvp as function
transforms), ``nn``, ``functional``, ``optim``, ``lr_scheduler``,
``penalties`` (with the numpy-only proximal operators of ``prox``),
``linear`` (reference solvers), ``estimators`` (scikit-learn-compatible
MLPs), ``base`` (the scikit-learn protocol both share), ``metrics``,
``datasets``, ``augment`` (random shifts and crops of image batches),
``train``, ``viz``, ``validation`` (the argument checks);
``testing`` (hypothesis strategies) needs the ``test`` extra, so it is not
imported here.

Importing tinyreg raises glibc's malloc thresholds, so that a training
step's large temporaries reuse freed memory instead of fresh pages (see
``tinyreg/_allocator.py``; ``TINYREG_KEEP_FREED_MEMORY=0`` turns it off).
"""

from tinyreg import sugar  # noqa: I001  (first: installs Tensor's operators and methods)
from tinyreg import (
    _allocator,
    augment,
    datasets,
    estimators,
    func,
    functional,
    linear,
    metrics,
    nn,
    optim,
    penalties,
    train,
    viz,
)
from tinyreg.autograd import Tensor, grad, op
from tinyreg.tracing import compile
from tinyreg.grad_mode import enable_grad, is_grad_enabled, no_grad
from tinyreg.gradcheck import GradcheckError, gradcheck, gradgradcheck
from tinyreg.ops import (
    abs,
    add,
    broadcast_to,
    cast,
    cat,
    clip,
    clone,
    concatenate,
    cos,
    cumsum,
    div,
    exp,
    flatten,
    getitem,
    log,
    log1p,
    log_softmax,
    logsumexp,
    matmul,
    maximum,
    mean,
    minimum,
    mul,
    neg,
    norm,
    power,
    prod,
    relu,
    reshape,
    scatter_add,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    tanh,
    transpose,
    unsqueeze,
    where,
)
from tinyreg.random import (
    manual_seed,
    normal,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
)
from tinyreg.serialization import CheckpointError, load, save
from tinyreg.sugar import (
    Extremes,
    Size,
    allclose,
    arange,
    argmax,
    argmin,
    bmm,
    clamp,
    double,
    empty,
    eye,
    float32,
    float64,
    from_numpy,
    full,
    full_like,
    linspace,
    max,
    min,
    mm,
    ones,
    ones_like,
    std,
    tensor,
    var,
    zeros,
    zeros_like,
)

#: PyTorch's name: ``torch.float`` is float32. Not in ``__all__``: a star import would hide the
#: builtin ``float``.
float = float32

__version__ = "0.1.0"

_allocator.apply_default()

__all__ = [
    "CheckpointError",
    "Extremes",
    "GradcheckError",
    "Size",
    "Tensor",
    "abs",
    "add",
    "allclose",
    "arange",
    "argmax",
    "argmin",
    "augment",
    "bmm",
    "broadcast_to",
    "cast",
    "cat",
    "clamp",
    "clip",
    "clone",
    "compile",
    "concatenate",
    "cos",
    "cumsum",
    "datasets",
    "div",
    "double",
    "empty",
    "enable_grad",
    "estimators",
    "exp",
    "eye",
    "flatten",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "func",
    "functional",
    "getitem",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "linear",
    "linspace",
    "load",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "metrics",
    "min",
    "minimum",
    "mm",
    "mul",
    "neg",
    "nn",
    "no_grad",
    "norm",
    "normal",
    "ones",
    "ones_like",
    "op",
    "optim",
    "penalties",
    "power",
    "prod",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "relu",
    "reshape",
    "save",
    "scatter_add",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sugar",
    "sum",
    "tanh",
    "tensor",
    "train",
    "transpose",
    "unsqueeze",
    "var",
    "viz",
    "where",
    "zeros",
    "zeros_like",
]
