"""Dropout on linear regression is ridge regression in expectation ("adaptive ridge").

With inverted dropout on the inputs (each x_ij kept with probability 1 − p and
scaled by 1/(1 − p)), the expected squared error over all masks is

    E‖y − dropout(X)·w‖² = ‖y − Xw‖² + p/(1 − p) · Σ_j w_j² · Σ_i x_ij²

Here the expectation is computed exactly, by enumerating every mask of a
small problem and running each through ``tinyreg.functional.dropout`` (with a
generator that produces that mask), and compared with the formula and its
gradient.
"""

import itertools

import numpy as np
from _tolerances import TINY, gamma
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyreg as tr
from tinyreg import functional as F
from tinyreg.testing import arrays


class FixedDraws:
    """Stands in for a numpy Generator: ``random(shape)`` returns the given uniforms."""

    def __init__(self, uniforms: np.ndarray) -> None:
        self.uniforms = uniforms

    def random(self, shape):
        assert shape == self.uniforms.shape
        return self.uniforms


def expected_loss_and_grad(X, y, w, p):
    """E over all 2^(n·d) masks of ‖y − dropout(X)·w‖² and of its gradient in w."""
    total_loss, total_grad = 0.0, np.zeros_like(w)
    for bits in itertools.product([0, 1], repeat=X.size):
        keep = np.array(bits, dtype=bool).reshape(X.shape)
        probability = (1 - p) ** keep.sum() * p ** (~keep).sum()
        # dropout keeps an element when its uniform draw is >= p
        draws = FixedDraws(np.where(keep, 1.0 - 1e-12, 0.0))
        wt = tr.tensor(w, requires_grad=True)
        residual = tr.tensor(y) - F.dropout(tr.tensor(X), p, training=True, generator=draws) @ wt
        loss = (residual**2).sum()
        loss.backward()
        total_loss += probability * loss.item()
        total_grad += probability * wt.grad
    return total_loss, total_grad


@settings(max_examples=15)
@given(
    shape=st.sampled_from([(2, 3), (2, 4), (3, 2), (1, 8), (4, 2)]),
    p=st.floats(0.05, 0.9),
    data=st.data(),
)
def test_expected_dropout_loss_is_adaptive_ridge(shape, p, data):
    n, d = shape
    X = data.draw(arrays((n, d)))
    y = data.draw(arrays((n,)))
    w = data.draw(arrays((d,)))
    loss, grad = expected_loss_and_grad(X, y, w, p)

    column_energy = np.sum(X**2, axis=0)
    ridge_loss = np.sum((y - X @ w) ** 2) + p / (1 - p) * np.sum(w**2 * column_energy)
    ridge_grad = -2 * X.T @ (y - X @ w) + 2 * p / (1 - p) * column_energy * w
    # Rounding: every residual is a sum of d + 1 terms of size at most
    # M = |y| + |X|·|w|/(1 − p); a mask's loss and gradient are within γ of sums of M² and of
    # |X|·M/(1 − p); the average over 2^(n·d) masks adds γ of its own. Both sides, so twice.
    scale = 1 / (1 - p)
    M = np.abs(y) + scale * np.abs(X) @ np.abs(w)
    g = 4 * gamma(2**X.size + d + 2)
    underflow = 4 * 2**X.size * (d + 2) * TINY  # each operation, below the normal range
    assert abs(loss - ridge_loss) <= g * np.sum(M**2) + underflow
    assert np.all(np.abs(grad - ridge_grad) <= g * 2 * scale * np.abs(X).T @ M + underflow)


def test_without_the_penalty_term_the_identity_fails():
    """Negative control: the plain loss alone is not the expectation (p > 0, w != 0)."""
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([0.5, -0.5])
    w = np.array([0.3, -0.7])
    loss, _ = expected_loss_and_grad(X, y, w, 0.5)
    assert abs(loss - np.sum((y - X @ w) ** 2)) > 0.1
