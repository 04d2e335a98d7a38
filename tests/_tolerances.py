"""Rounding-error bounds that the tests take their tolerances from.

The standard model of floating-point arithmetic: each +, −, ×, ÷ and √ is
correctly rounded, so a sum or dot product of k terms computed in any order
(any BLAS kernel, any blocking) is within γ_k = k·eps/(1 − k·eps) times the
sum of the terms' absolute values of the exact result (Higham, *Accuracy and
Stability of Numerical Algorithms*, §3.1). numpy's float64 exp, log and tanh
are not correctly rounded; their SIMD versions are within 4 ulp. Below the
normal range relative bounds fail: each operation may also be off by up to
the smallest subnormal number, ``TINY`` (hypothesis does draw subnormals).
"""

from __future__ import annotations

import numpy as np

EPS = float(np.finfo(np.float64).eps)
TINY = float(np.finfo(np.float64).smallest_subnormal)
#: ulps of error of numpy's elementary functions (exp, log, tanh, ...) in float64
FUNCTION_ULPS = 4
#: relative error allowed between a derivative computed by recorded backward passes
#: (create_graph) and its closed form: each is a dozen or so floating-point operations on
#: values of order 1, a few ulps (ε ≈ 2.2e-16) each, so 1e-12 leaves a margin of more
#: than an order of magnitude
DERIVATIVE_RTOL = 1e-12


def gamma(k: int) -> float:
    """γ_k: the relative error bound of a sum of k terms."""
    return k * EPS / (1 - k * EPS)


def dot_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Componentwise bound on |fl(a @ b) − a @ b|, whatever the order of summation."""
    return gamma(a.shape[-1]) * (np.abs(a) @ np.abs(b))


def linear_error(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """The same bound for x @ weightᵀ + bias (one more term per output)."""
    magnitude = np.abs(x) @ np.abs(weight).T
    if bias is not None:
        magnitude = magnitude + np.abs(bias)
    return gamma(x.shape[-1] + 1) * magnitude + 2 * (x.shape[-1] + 1) * TINY
