"""mean_squared_error and r2_score: their definitions, weights, several outputs, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyreg.metrics import mean_squared_error, r2_score
from tinyreg.testing import arrays


@given(
    st.integers(2, 30).flatmap(
        lambda n: st.tuples(arrays((n,)), arrays((n,)), arrays((n,), min_value=0.1))
    )
)
def test_definitions_with_and_without_weights(triple):
    y, pred, w = triple
    assert mean_squared_error(y, pred) == pytest.approx(np.sum((y - pred) ** 2) / len(y))
    assert mean_squared_error(y, pred, w) == pytest.approx(np.sum(w * (y - pred) ** 2) / np.sum(w))
    total = np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2)
    if total > 1e-9:
        expected = 1 - np.sum(w * (y - pred) ** 2) / total
        assert r2_score(y, pred, w) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_r2_of_perfect_and_mean_predictions():
    y = np.array([1.0, 2.0, 4.0])
    assert r2_score(y, y) == 1.0
    assert r2_score(y, np.full(3, y.mean())) == pytest.approx(0.0)
    assert r2_score(y, -y) < 0


def test_constant_target_scores_one_only_if_predicted_exactly():
    y = np.full(4, 3.0)
    assert r2_score(y, y) == 1.0
    assert r2_score(y, y + 0.1) == 0.0


def test_several_outputs_are_averaged_uniformly():
    y = np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 10.0]])
    pred = np.array([[1.5, 12.0], [2.0, 18.0], [3.0, 11.0]])
    assert mean_squared_error(y, pred) == pytest.approx(np.mean((y - pred) ** 2))
    assert r2_score(y, pred) == pytest.approx(
        (r2_score(y[:, 0], pred[:, 0]) + r2_score(y[:, 1], pred[:, 1])) / 2
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.ones(3), np.ones(4)), r"y_true has shape \(3,\) but y_pred has shape \(4,\)"),
        ((np.ones(3), np.array([1.0, np.nan, 2.0])), "y_pred contains 1 non-finite"),
        ((np.ones(3), np.ones(3), np.ones(2)), r"sample_weight has shape \(2,\)"),
    ],
)
def test_bad_input_is_named(args, message):
    with pytest.raises(ValueError, match=message):
        mean_squared_error(*args)
    with pytest.raises(ValueError, match=message):
        r2_score(*args)
