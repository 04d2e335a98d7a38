"""tinyreg.random: the package generator, manual_seed, generator= and the random factories."""

from __future__ import annotations

import numpy as np
import pytest

import tinyreg as tr
from tinyreg.random import default_generator, resolve_generator, seed_alias


def test_manual_seed_replaces_the_package_generator_and_repeats_its_draws():
    first = tr.manual_seed(7)
    assert default_generator() is first
    a = tr.randn(3, 2).data
    tr.manual_seed(7)
    assert a.tobytes() == tr.randn(3, 2).data.tobytes()
    assert default_generator() is not first  # a fresh generator each time


def test_resolve_generator_takes_none_an_int_or_a_generator():
    tr.manual_seed(0)
    assert resolve_generator(None) is default_generator()
    rng = np.random.default_rng(3)
    assert resolve_generator(rng) is rng  # used and advanced, not copied
    drawn = resolve_generator(np.int64(3)).random(4)
    assert drawn.tobytes() == np.random.default_rng(3).random(4).tobytes()


@pytest.mark.parametrize("factory", [tr.randn, tr.rand])
def test_random_factories_draw_from_generator_with_the_requested_dtype(factory):
    t = factory(2, 3, dtype=np.float32, requires_grad=True, generator=np.random.default_rng(1))
    again = factory(2, 3, dtype=np.float32, generator=np.random.default_rng(1))
    assert t.shape == (2, 3) and t.dtype == np.float32 and t.requires_grad and t.is_leaf
    assert t.data.tobytes() == again.data.tobytes()
    if factory is tr.rand:
        assert ((t.data >= 0) & (t.data < 1)).all()


def test_seed_alias_forwards_seed_to_generator_with_a_warning():
    @seed_alias
    def draw(n, generator=None):
        return resolve_generator(generator).random(n)

    with pytest.warns(DeprecationWarning, match=r"draw\(\): seed= is deprecated"):
        by_seed = draw(2, seed=4)
    assert by_seed.tobytes() == draw(2, generator=4).tobytes()
    with pytest.raises(TypeError, match="got both generator and seed"):
        draw(2, 4, seed=4)  # generator given by position


def test_random_integers_are_int64_arrays_reproducible_under_manual_seed():
    draws = []
    for _ in range(2):
        tr.manual_seed(3)
        draws.append((tr.randint(0, 10, (4,)), tr.randperm(6), tr.normal(1.0, 2.0, size=(3,))))
    (a, p, n), (b, q, m) = draws
    assert a.dtype == np.int64 and p.dtype == np.int64 and isinstance(n, tr.Tensor)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(n.data, m.data)
    assert sorted(p.tolist()) == list(range(6)) and ((a >= 0) & (a < 10)).all()
    np.testing.assert_array_equal(
        tr.randint(5, (2, 3), generator=7), tr.randint(0, 5, (2, 3), generator=7)
    )
    np.testing.assert_array_equal(tr.randperm(5, generator=1), tr.randperm(5, generator=1))
    assert tr.normal(np.zeros(3), 1.0, generator=0).shape == (3,)
    with pytest.raises(TypeError, match="size is missing"):
        tr.randint(0, 10)
