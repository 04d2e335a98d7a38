"""Random shifts and crops: every output is an exact shift or crop of its own input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyreg
from tinyreg.augment import random_crop, random_shift


def shifted(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``image`` (..., H, W) moved down by dy and right by dx, zeros filling in: by the loop."""
    out = np.zeros_like(image)
    H, W = image.shape[-2:]
    for y in range(H):
        for x in range(W):
            if 0 <= y - dy < H and 0 <= x - dx < W:
                out[..., y, x] = image[..., y - dy, x - dx]
    return out


def crop_reference(image: np.ndarray, top: int, left: int, h: int, w: int, padding: int):
    """The (h, w) window at (top, left) of ``image`` padded with zeros, pixel by pixel."""
    H, W = image.shape[-2:]
    out = np.zeros((*image.shape[:-2], h, w), dtype=image.dtype)
    for y in range(h):
        for x in range(w):
            sy, sx = top + y - padding, left + x - padding
            if 0 <= sy < H and 0 <= sx < W:
                out[..., y, x] = image[..., sy, sx]
    return out


def distinct_images(shape: tuple[int, ...]) -> np.ndarray:
    """Pixel values 1, 2, 3, ...: no two pixels alike and none zero, so a shift is recognisable."""
    return np.arange(1, np.prod(shape) + 1, dtype=np.float64).reshape(shape)


BATCH_SHAPES = st.sampled_from([(5, 4, 4), (3, 2, 5, 6), (2, 1, 8, 8), (4, 2, 3, 3, 5)])


@given(shape=BATCH_SHAPES, max_shift=st.integers(0, 3), seed=st.integers(0, 2**32 - 1))
def test_every_shifted_image_is_its_input_moved_by_at_most_max_shift(shape, max_shift, seed):
    images = distinct_images(shape)
    before = images.copy()
    out = random_shift(images, max_shift, generator=seed)
    assert out.shape == images.shape and out.dtype == images.dtype
    np.testing.assert_array_equal(images, before)  # the input is untouched
    offsets = range(-max_shift, max_shift + 1)
    for image, result in zip(images, out, strict=True):
        # an offset (dy, dx) in range explains the whole image, all its channels at once
        matches = [
            (dy, dx)
            for dy in offsets
            for dx in offsets
            if np.array_equal(result, shifted(image, dy, dx))
        ]
        assert matches, "not a shift of its input"


def test_shift_offsets_are_independent_per_image_and_cover_the_range():
    images = np.ones((400, 5, 5))
    images[:, 2, 2] = 2.0  # a marker at the centre
    out = random_shift(images, 2, generator=0)
    positions = [tuple(np.argwhere(image == 2.0)[0]) for image in out]
    offsets = {(y - 2, x - 2) for y, x in positions}
    assert offsets == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}  # all 25


def test_a_single_image_and_max_shift_zero():
    image = np.ones((5, 5))
    image[2, 2] = 2.0
    moved = [random_shift(image, 1, generator=seed) for seed in range(100)]
    assert all(m.shape == (5, 5) for m in moved)
    markers = {tuple(int(i) - 2 for i in np.argwhere(m == 2.0)[0]) for m in moved}
    assert markers == {(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
    np.testing.assert_array_equal(random_shift(image, 0, generator=1), image)


@given(
    shape=BATCH_SHAPES,
    size=st.integers(1, 4),
    padding=st.integers(0, 2),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_crop_is_a_window_of_its_padded_input(shape, size, padding, seed):
    images = distinct_images(shape)
    H, W = shape[-2:]
    h, w = min(size, H + 2 * padding), min(size + 1, W + 2 * padding)
    before = images.copy()
    out = random_crop(images, (h, w), padding=padding, generator=seed)
    assert out.shape == (*shape[:-2], h, w) and out.dtype == images.dtype
    np.testing.assert_array_equal(images, before)
    for image, result in zip(images, out, strict=True):
        windows = [
            (top, left)
            for top in range(H + 2 * padding - h + 1)
            for left in range(W + 2 * padding - w + 1)
            if np.array_equal(result, crop_reference(image, top, left, h, w, padding))
        ]
        assert windows, "not a crop of its padded input"


def test_crop_positions_cover_every_window_and_match_the_draws():
    images = distinct_images((300, 2, 4, 4))
    out = random_crop(images, 3, padding=1, generator=5)
    rng = np.random.default_rng(5)
    tops, lefts = rng.integers(0, 4, size=300), rng.integers(0, 4, size=300)
    for image, result, top, left in zip(images, out, tops, lefts, strict=True):
        np.testing.assert_array_equal(result, crop_reference(image, top, left, 3, 3, 1))
    assert {(int(t), int(l)) for t, l in zip(tops, lefts, strict=True)} == {
        (t, l) for t in range(4) for l in range(4)
    }


def test_the_same_generator_gives_the_same_batch_and_manual_seed_governs_none():
    images = distinct_images((20, 1, 6, 6))
    np.testing.assert_array_equal(
        random_shift(images, 2, generator=3), random_shift(images, 2, generator=3)
    )
    assert not np.array_equal(
        random_shift(images, 2, generator=3), random_shift(images, 2, generator=4)
    )
    tinyreg.manual_seed(11)
    first = random_crop(images, 4, padding=1)
    tinyreg.manual_seed(11)
    np.testing.assert_array_equal(random_crop(images, 4, padding=1), first)
    generator = np.random.default_rng(2)
    a = random_shift(images, 1, generator=generator)
    b = random_shift(images, 1, generator=generator)  # the generator advanced
    assert not np.array_equal(a, b)


def test_float32_and_tensor_inputs():
    images = distinct_images((3, 5, 5)).astype(np.float32)
    assert random_shift(images, 1, generator=0).dtype == np.float32
    from_tensor = random_crop(tinyreg.tensor(images), 3, generator=0)
    np.testing.assert_array_equal(from_tensor, random_crop(images, 3, generator=0))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: random_shift(x, -1), ValueError, "max_shift"),
        (lambda x: random_shift(x, 1.5), TypeError, "max_shift"),
        (lambda x: random_crop(x, 0), ValueError, "size"),
        (lambda x: random_crop(x, (2, 2, 2)), ValueError, "size"),
        (lambda x: random_crop(x, (2, 2.0)), TypeError, r"size\[1\]"),
        (lambda x: random_crop(x, 3, padding=-1), ValueError, "padding"),
        (lambda x: random_crop(x, 7), ValueError, r"crop size \(7, 7\) is larger .* \(4, 5\)"),
        (lambda x: random_crop(x, (4, 8), padding=1), ValueError, r"\(6, 7\)"),
        (lambda x: random_shift(x[0, 0, 0]), ValueError, r"shape \(5,\)"),
    ],
)
def test_bad_arguments_name_themselves(call, error, message):
    with pytest.raises(error, match=message):
        call(np.zeros((2, 3, 4, 5)))
