"""Where tinyreg's randomness comes from.

One package-level :class:`numpy.random.Generator` serves weight
initialisation, dropout masks and :func:`randn`. :func:`manual_seed` replaces
it, so the same seed gives bit-identical results. Every random function also
takes an explicit ``generator=`` to use instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinyreg.autograd import Tensor

__all__ = ["default_generator", "manual_seed", "rand", "randn", "resolve_generator"]

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the package-level generator; returns it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The package-level generator (replaced by each :func:`manual_seed`)."""
    return _generator


def resolve_generator(generator: np.random.Generator | int | None) -> np.random.Generator:
    """The generator to draw from: the package-level one for None, ``generator``
    itself for a Generator, a fresh generator seeded with it for an int."""
    if generator is None:
        return _generator
    if isinstance(generator, (int, np.integer)):
        return np.random.default_rng(generator)
    return generator


def randn(
    *shape: int,
    requires_grad: bool = False,
    dtype: Any = np.float64,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """A tensor of standard normal samples: ``randn(2, 3)``."""
    data = resolve_generator(generator).standard_normal(shape, dtype=dtype)
    return Tensor(data, requires_grad=requires_grad)


def rand(
    *shape: int,
    requires_grad: bool = False,
    dtype: Any = np.float64,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """A tensor of samples uniform on [0, 1): ``rand(2, 3)``."""
    data = resolve_generator(generator).random(shape, dtype=dtype)
    return Tensor(data, requires_grad=requires_grad)
