"""Where tinyreg's randomness comes from.

One package-level :class:`numpy.random.Generator` serves weight
initialisation, dropout masks, :func:`randn` and the other factories here
(:func:`randint` and :func:`randperm` give numpy int64 arrays: integers are
indices, never differentiated). :func:`manual_seed` replaces
it, so the same seed gives bit-identical results. Every random function also
takes an explicit ``generator=`` to use instead: an int (a fresh generator
seeded with it), a Generator (used and advanced), or None (the package one).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np

from tinyreg.autograd import Tensor, _data
from tinyreg.validation import check_int, check_shape, float_dtype, user_stacklevel

__all__ = [
    "default_generator",
    "manual_seed",
    "normal",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "resolve_generator",
]

_generator = np.random.default_rng()

#: What a ``generator=`` argument takes.
GeneratorLike = np.random.Generator | int | None

_P = ParamSpec("_P")
_R = TypeVar("_R")


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the package-level generator; returns it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The package-level generator (replaced by each :func:`manual_seed`)."""
    return _generator


def resolve_generator(generator: GeneratorLike) -> np.random.Generator:
    """The generator to draw from: the package-level one for None, ``generator``
    itself for a Generator, a fresh generator seeded with it for an int."""
    if generator is None:
        return _generator
    if isinstance(generator, (int, np.integer)):
        return np.random.default_rng(generator)
    return generator


def _draw(
    generator: GeneratorLike, method: str, *args: Any, cast: Any = None, **kwargs: Any
) -> Any:
    """``resolve_generator(generator).<method>(*args, **kwargs)``, as ``cast`` if given.

    Every draw of this module's functions is this one call, so that
    :mod:`tinyreg.tracing` records it and a replay draws again, from the
    same generator in the same order.
    """
    values = getattr(resolve_generator(generator), method)(*args, **kwargs)
    return values if cast is None else np.asarray(values, dtype=cast)


def randn(
    *shape: Any,
    requires_grad: bool = False,
    dtype: Any = np.float64,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """A tensor of standard normal samples: ``randn(2, 3)`` or ``randn((2, 3))``."""
    data = _draw(generator, "standard_normal", check_shape("randn", shape), dtype=dtype)
    return Tensor(data, requires_grad=requires_grad)


def rand(
    *shape: Any,
    requires_grad: bool = False,
    dtype: Any = np.float64,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """A tensor of samples uniform on [0, 1): ``rand(2, 3)`` or ``rand((2, 3))``."""
    data = _draw(generator, "random", check_shape("rand", shape), dtype=dtype)
    return Tensor(data, requires_grad=requires_grad)


def randn_like(
    input: Any,
    *,
    requires_grad: bool = False,
    dtype: Any = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Standard normal samples of ``input``'s shape and (floating) dtype."""
    return randn(
        np.shape(input),
        requires_grad=requires_grad,
        dtype=dtype or float_dtype(_data(input)),
        generator=generator,
    )


def rand_like(
    input: Any,
    *,
    requires_grad: bool = False,
    dtype: Any = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Samples uniform on [0, 1) of ``input``'s shape and (floating) dtype."""
    return rand(
        np.shape(input),
        requires_grad=requires_grad,
        dtype=dtype or float_dtype(_data(input)),
        generator=generator,
    )


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    requires_grad: bool = False,
    dtype: Any = np.float64,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Normal samples of mean ``mean`` and standard deviation ``std`` (numbers, or arrays that
    broadcast together): of shape ``size``, or of the broadcast shape of the two."""
    shape = None if size is None else check_shape("normal", (size,))
    data = _draw(generator, "normal", np.asarray(mean), np.asarray(std), shape, cast=dtype)
    return Tensor(data, requires_grad=requires_grad)


def randint(
    low: int,
    high: Any = None,
    size: Any = None,
    *,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    """Integers uniform on [low, high) of shape ``size``: ``randint(low, high, size)`` or
    ``randint(high, size)`` (low = 0), as PyTorch's.

    A numpy int64 array, not a tensor: tinyreg tensors are floating point, and
    integers (indices, labels) are not differentiated (as :func:`~tinyreg.argmax`).
    """
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint() takes (low, high, size) or (high, size): size is missing")
    shape = check_shape("randint", (size,))
    return _draw(generator, "integers", low, high, shape, dtype=np.int64)


def randperm(n: int, *, generator: np.random.Generator | None = None) -> np.ndarray:
    """A random permutation of 0, ..., n − 1, as a numpy int64 array (see :func:`randint`)."""
    n = check_int("n", n, minimum=0)
    return _draw(generator, "permutation", n, cast=np.int64)


def seed_alias(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Let ``function`` take ``seed=`` as another spelling of its ``generator=``.

    ``seed=`` gives a DeprecationWarning and then does exactly what
    ``generator=`` does; passing both is a TypeError.
    """
    position = list(inspect.signature(function).parameters).index("generator")
    name = function.__name__

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if "seed" in kwargs:
            if "generator" in kwargs or len(args) > position:
                raise TypeError(
                    f"{name}() got both generator and seed, which is another spelling of "
                    "generator: pass generator= only"
                )
            warnings.warn(
                f"{name}(): seed= is deprecated, pass generator= instead "
                "(it takes the same int, numpy Generator or None)",
                DeprecationWarning,
                stacklevel=user_stacklevel(),
            )
            kwargs["generator"] = kwargs.pop("seed")
        return function(*args, **kwargs)

    return wrapper
