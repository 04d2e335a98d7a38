"""tinyreg: a small, readable, numpy-only autograd framework built around regularization.

The public API, re-exported from the modules that define it::

    autograd   Tensor, grad, op (the engine)
    grad_mode  no_grad, enable_grad, is_grad_enabled
    ops        add, mul, matmul, sum, mean, exp, log, relu, softmax, cat, ... (as functions)
    sugar      tensor, zeros, ones, full, arange, zeros_like, ..., argmax, argmin
               (and Tensor's operators and methods)
    random     manual_seed, randn, rand, randn_like, rand_like
    gradcheck  gradcheck, gradgradcheck
    serialization  save, load

and the submodules ``func`` (grad, jacobian, hessian, hvp, jvp as function
transforms), ``nn``, ``functional``, ``optim``, ``lr_scheduler``,
``penalties`` (with the numpy-only proximal operators of ``prox``),
``linear`` (reference solvers), ``estimators`` (scikit-learn-compatible
MLPs), ``base`` (the scikit-learn protocol both share), ``metrics``,
``datasets``, ``augment`` (random shifts and crops of image batches),
``train``, ``viz``, ``validation`` (the argument checks);
``testing`` (hypothesis strategies) needs the ``test`` extra, so it is not
imported here.
"""

from tinyreg import sugar  # noqa: I001  (first: installs Tensor's operators and methods)
from tinyreg import (
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
from tinyreg.grad_mode import enable_grad, is_grad_enabled, no_grad
from tinyreg.gradcheck import GradcheckError, gradcheck, gradgradcheck
from tinyreg.ops import (
    abs,
    add,
    broadcast_to,
    cat,
    clip,
    clone,
    concatenate,
    cos,
    div,
    exp,
    flatten,
    getitem,
    log,
    log1p,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    norm,
    power,
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
    var,
    where,
)
from tinyreg.random import manual_seed, rand, rand_like, randn, randn_like
from tinyreg.serialization import CheckpointError, load, save
from tinyreg.sugar import (
    arange,
    argmax,
    argmin,
    full,
    full_like,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"

__all__ = [
    "CheckpointError",
    "GradcheckError",
    "Tensor",
    "abs",
    "add",
    "arange",
    "argmax",
    "argmin",
    "augment",
    "broadcast_to",
    "cat",
    "clip",
    "clone",
    "concatenate",
    "cos",
    "datasets",
    "div",
    "enable_grad",
    "estimators",
    "exp",
    "flatten",
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
    "mul",
    "neg",
    "nn",
    "no_grad",
    "norm",
    "ones",
    "ones_like",
    "op",
    "optim",
    "penalties",
    "power",
    "rand",
    "rand_like",
    "randn",
    "randn_like",
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
