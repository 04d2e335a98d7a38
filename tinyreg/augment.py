"""Data augmentation for batches of images: random shifts and crops, in numpy.

A network that sees each training image moved by a pixel or two learns that
a digit is the same digit wherever it sits: augmentation regularizes by
enlarging the data, where a penalty shrinks the weights. Each call draws
new offsets, so every epoch sees new variants of the same images.

Images are numpy arrays (a Tensor's values are taken) of shape ``(H, W)``
-- one image -- or ``(N, ..., H, W)``: a batch of N images along the first
axis, each with any channel axes, such as ``(N, C, H, W)``. Every image of
a batch gets its own offset, shared by its channels; the output keeps the
input's dtype, and the input is never modified.

* :func:`random_crop` -- torchvision's ``RandomCrop``: pad with zeros, then
  cut a ``size`` window at a uniformly random position;
* :func:`random_shift` -- move each image by integer offsets in
  [−max_shift, max_shift] along each axis, filling with zeros: a crop of
  the image's own size from the image padded by ``max_shift``.

``generator`` is an int (a fresh generator seeded with it), a
``numpy.random.Generator`` (used and advanced), or None: tinyreg's package
generator, which :func:`tinyreg.manual_seed` governs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinyreg.random import GeneratorLike, resolve_generator
from tinyreg.validation import check_int

__all__ = ["random_crop", "random_shift"]


def _as_images(images: Any) -> np.ndarray:
    """``images`` as a numpy array, checked to have the two image axes (H, W) at least."""
    array = np.asarray(images)
    if array.ndim < 2:
        raise ValueError(
            f"images must have shape (H, W) or (N, ..., H, W), got shape {array.shape}"
        )
    return array


def _crop_size(size: Any) -> tuple[int, int]:
    """``size`` as (height, width): an int is a square, as in torchvision."""
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"size must be an int or a pair (height, width), got {size!r}")
        return check_int("size[0]", size[0]), check_int("size[1]", size[1])
    side = check_int("size", size)
    return side, side


def random_crop(
    images: Any, size: int | tuple[int, int], padding: int = 0, generator: GeneratorLike = None
) -> np.ndarray:
    """A random ``size`` window of each image, after ``padding`` zeros on every side.

    torchvision's ``RandomCrop(size, padding)`` with its defaults (constant
    zero fill), applied to each image of a batch with its own position:
    image i is padded to (H + 2·padding, W + 2·padding) and cut at rows
    top_i .. top_i + h − 1 and columns left_i .. left_i + w − 1, where
    top_i and left_i are uniform integers in [0, H + 2·padding − h] and
    [0, W + 2·padding − w] (all tops are drawn first, then all lefts).

    Args:
        images: shape (H, W) or (N, ..., H, W); see the module docstring.
        size: the crop's height and width, or one int for a square.
        padding: zeros added on each side first (0 or more).
        generator: where the positions come from (see the module docstring).

    Returns:
        An array of shape (..., h, w) and the input's dtype.
    """
    array = _as_images(images)
    h, w = _crop_size(size)
    padding = check_int("padding", padding, minimum=0)
    H, W = array.shape[-2:]
    if h > H + 2 * padding or w > W + 2 * padding:
        raise ValueError(
            f"crop size ({h}, {w}) is larger than the padded image "
            f"({H + 2 * padding}, {W + 2 * padding}) (image ({H}, {W}), padding={padding})"
        )
    # (N, C, H, W): N = 1 for a single image, C = all channel axes together
    channels = array.reshape(1 if array.ndim == 2 else len(array), -1, H, W)
    padded = np.pad(channels, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    rng = resolve_generator(generator)
    n = len(channels)
    tops = rng.integers(0, H + 2 * padding - h + 1, size=n)
    lefts = rng.integers(0, W + 2 * padding - w + 1, size=n)
    rows = tops[:, None, None, None] + np.arange(h)[:, None]  # (N, 1, h, 1)
    cols = lefts[:, None, None, None] + np.arange(w)  # (N, 1, 1, w)
    samples = np.arange(n)[:, None, None, None]
    crops = padded[samples, np.arange(channels.shape[1])[:, None, None], rows, cols]
    return crops.reshape(*array.shape[:-2], h, w)


def random_shift(images: Any, max_shift: int = 1, generator: GeneratorLike = None) -> np.ndarray:
    """Each image moved by its own integer offsets (dy, dx), uniform in [−max_shift, max_shift].

    out[..., y, x] = images[..., y − dy, x − dx] where that pixel exists, 0
    elsewhere: positive dy moves the content down, positive dx right. It is
    :func:`random_crop` of the image's own size after ``max_shift`` zeros of
    padding (a crop at top = max_shift − dy, left = max_shift − dx), with the
    same draws.

    Args:
        images: shape (H, W) or (N, ..., H, W); see the module docstring.
        max_shift: the largest shift along each axis, in pixels (0 or more).
        generator: where the offsets come from (see the module docstring).

    Returns:
        An array of the input's shape and dtype.
    """
    array = _as_images(images)
    max_shift = check_int("max_shift", max_shift, minimum=0)
    return random_crop(array, array.shape[-2:], padding=max_shift, generator=generator)
