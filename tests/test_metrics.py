"""The metrics: their definitions, weights, several outputs, labels of any kind, errors."""

import numpy as np
import pytest
from _tolerances import EPS, gamma
from hypothesis import given
from hypothesis import strategies as st

import tinyreg as tr
from tinyreg.metrics import accuracy_score, mean_squared_error, r2_score
from tinyreg.testing import arrays


@given(
    st.integers(2, 30).flatmap(
        lambda n: st.tuples(arrays((n,)), arrays((n,)), arrays((n,), min_value=0.1))
    )
)
def test_definitions_with_and_without_weights(triple):
    y, pred, w = triple
    n = len(y)
    # sums of n non-negative terms, two ways: within 2γ of each other (and two divisions)
    rel = 2 * gamma(n + 2) + 4 * EPS
    assert mean_squared_error(y, pred) == pytest.approx(np.sum((y - pred) ** 2) / n, rel=rel)
    weighted = np.sum(w * (y - pred) ** 2) / np.sum(w)
    assert mean_squared_error(y, pred, w) == pytest.approx(weighted, rel=rel)
    # R² = 1 − res/total. The weighted mean is within γ·max|y| of its value, so each term of
    # total is within 2|y − ȳ|·γ·max|y| (plus γ of the sum): total's error bound is below
    delta_total = 4 * gamma(n + 2) * (np.abs(y).max() * np.sum(w * np.abs(y - y.mean())))
    mean = np.sum(w * y) / np.sum(w)
    total = np.sum(w * (y - mean) ** 2)
    delta_total += 4 * gamma(n + 2) * total
    if total > 10 * delta_total:  # else "constant target" may be decided either way
        res = np.sum(w * (y - pred) ** 2)
        expected = 1 - res / total
        tolerance = 4 * gamma(n + 2) * res / total + (res / total) * (delta_total / total)
        assert r2_score(y, pred, w) == pytest.approx(expected, rel=0, abs=tolerance + 4 * EPS)


def test_r2_of_perfect_and_mean_predictions():
    y = np.array([1.0, 2.0, 4.0])
    assert r2_score(y, y) == 1.0
    # res and total are the same sum but for ȳ's rounding: 1 − res/total is a few eps
    assert r2_score(y, np.full(3, y.mean())) == pytest.approx(0.0, abs=8 * gamma(5))
    assert r2_score(y, -y) < 0


def test_constant_target_scores_one_only_if_predicted_exactly():
    y = np.full(4, 3.0)
    assert r2_score(y, y) == 1.0
    assert r2_score(y, y + 0.1) == 0.0


def test_several_outputs_are_averaged_uniformly():
    y = np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 10.0]])
    pred = np.array([[1.5, 12.0], [2.0, 18.0], [3.0, 11.0]])
    # sums of three terms along another axis: a few eps apart
    assert mean_squared_error(y, pred) == pytest.approx(np.mean((y - pred) ** 2), rel=8 * gamma(5))
    assert r2_score(y, pred) == pytest.approx(
        (r2_score(y[:, 0], pred[:, 0]) + r2_score(y[:, 1], pred[:, 1])) / 2, rel=8 * gamma(5)
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


# ---------------------------------------------------------------------------
# accuracy_score
# ---------------------------------------------------------------------------

labels_and_weights = st.integers(1, 30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n),
    )
)


@given(labels_and_weights)
def test_accuracy_is_the_fraction_of_exact_matches(triple):
    y, pred, w = map(np.array, triple)
    matches = [int(a == b) for a, b in zip(y, pred, strict=True)]
    # a count of integers divided by n: exact up to the one division
    assert accuracy_score(y, pred) == sum(matches) / len(y)
    weighted = np.dot(w, matches) / np.sum(w)  # sums of n positive terms, two ways
    assert accuracy_score(y, pred, w) == pytest.approx(weighted, rel=2 * gamma(len(y) + 2))
    assert accuracy_score(y, y) == 1.0 and accuracy_score(y, y + 4) == 0.0


def test_accuracy_of_labels_of_any_kind():
    assert accuracy_score(["cat", "dog", "dog"], ["cat", "cat", "dog"]) == 2 / 3
    assert accuracy_score([True, False], [1, 0]) == 1.0  # compared with ==
    assert accuracy_score([1.0, 2.0], [1, 3]) == 0.5  # whole-number floats are labels
    assert accuracy_score(np.array([[0], [1], [1]]), [0, 0, 1]) == 2 / 3  # a column is flattened
    logits = tr.tensor([[2.0, 0.5], [0.1, 0.3], [1.0, -1.0]])
    assert accuracy_score(tr.tensor([0, 1, 1]), logits.argmax(dim=1)) == 2 / 3


def test_a_zero_weight_drops_a_sample():
    assert accuracy_score([0, 1, 1], [0, 0, 1], [1.0, 0.0, 1.0]) == 1.0


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ([0, 1], [0.2, 0.8]),
            r"continuous. y_pred holds non-integer values \(such as 0.2\), but accuracy compares",
        ),
        (([0, 1], [0, 1, 1]), r"y_true has shape \(2,\), y_pred has shape \(3,\)"),
        ((np.zeros((2, 2)), [0, 1]), r"y_true must be 1-D.*shape \(2, 2\)"),
        (([0, np.nan], [0, 1]), "y_true contains 1 non-finite"),
        ((["a", "b"], [0, 1]), "different types"),
        (([], []), "y_true has no samples"),
        (([0, 1], [0, 1], [1.0]), r"sample_weight has shape \(1,\)"),
        (([0, 1], [0, 1], [1.0, -1.0]), "sample_weight sums to 0"),
    ],
)
def test_accuracy_names_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        accuracy_score(*args)


@given(labels_and_weights)
def test_accuracy_equals_scikit_learn(triple):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    y, pred, w = map(np.array, triple)
    assert accuracy_score(y, pred) == sklearn_metrics.accuracy_score(y, pred)
    # the same weighted sum, perhaps added in another order: a few roundings apart
    assert accuracy_score(y, pred, w) == pytest.approx(
        sklearn_metrics.accuracy_score(y, pred, sample_weight=w), rel=2 * gamma(len(y) + 2)
    )
    strings = np.array(["a", "b", "c", "d"])
    assert accuracy_score(strings[y], strings[pred]) == sklearn_metrics.accuracy_score(
        strings[y], strings[pred]
    )
