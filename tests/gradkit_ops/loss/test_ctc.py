"""ctc against hand-computed alignments, the brute-force reference, and its gradient: minus
the posterior of each emission, which sums to 1 per counted time step."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.activation import log_softmax
from gradkit_ops.loss import ctc
from gradkit_ops.loss.ctc import ctc_reference

# Classes: 0 is the blank "-", 1 is "a", 2 is "b".


def _probs(rows: list[list[float]]) -> np.ndarray:
    """Per-step probabilities of one sample, as log-probabilities of shape (T, 1, C)."""
    return np.log(np.array(rows, dtype=np.float64))[:, None, :]


def _loss(p: np.ndarray, labels: list[int], device: str = "cpu", **kwargs) -> float:
    dev = gradkit.get_device(device)
    y = ctc(dev.send(p), dev.send(np.array([labels], dtype=np.int64)), **kwargs)
    return float(gradkit.to_numpy(y.array))


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_hand_computed_alignments(device: str) -> None:
    p = [[0.4, 0.6, 1e-300], [0.3, 0.7, 1e-300]]  # class "b" (almost) never
    # One step, label "a": the only path is "a".
    assert _loss(_probs(p[:1]), [1], device) == pytest.approx(-np.log(0.6))
    # Two steps, label "a": paths "aa", "a-", "-a".
    expected = 0.6 * 0.7 + 0.6 * 0.3 + 0.4 * 0.7
    assert _loss(_probs(p), [1], device) == pytest.approx(-np.log(expected))
    # Two steps, empty label: only "--".
    y = ctc(gradkit.get_device(device).send(_probs(p)), np.zeros((1, 0), dtype=np.int64))
    assert float(gradkit.to_numpy(y.array)) == pytest.approx(-np.log(0.4 * 0.3))


def test_repeated_label_needs_a_blank_between() -> None:
    p = _probs([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.1, 0.7, 0.2]])
    # "aa" in three steps: only "a-a".
    assert _loss(p, [1, 1]) == pytest.approx(-np.log(0.5 * 0.6 * 0.7))
    # "ab" in three steps: "aab", "abb", "a-b", "-ab", "ab-".
    expected = (
        0.5 * 0.1 * 0.2 + 0.5 * 0.3 * 0.2 + 0.5 * 0.6 * 0.2 + 0.2 * 0.1 * 0.2 + 0.5 * 0.3 * 0.1
    )
    assert _loss(p, [1, 2]) == pytest.approx(-np.log(expected))


def test_impossible_labels_cost_infinity_with_zero_gradient() -> None:
    p = gradkit.Variable(_probs([[0.5, 0.5, 1e-3], [0.5, 0.5, 1e-3]]))
    # "aa" needs three steps; there are two.
    loss = ctc(p, np.array([[1, 1]]))
    assert float(loss.array) == np.inf
    loss.backward()
    np.testing.assert_array_equal(p.grad, np.zeros_like(p.array))


def test_variable_lengths_match_the_brute_force_reference(rng) -> None:
    y = np.log(rng.dirichlet(np.ones(3), size=(5, 3)))
    labels = np.array([[1, 2, 0], [2, 2, 7], [1, 0, 0]])  # padding past each length
    t_len, l_len = np.array([5, 4, 2]), np.array([2, 2, 1])
    got = ctc(y, labels, t_len, l_len, reduction="none").array
    np.testing.assert_allclose(got, ctc_reference(y, labels, t_len, l_len), rtol=1e-12)
    mean = ctc(y, labels, t_len, l_len).array
    assert float(mean) == pytest.approx(got.mean())


def test_gradient_is_minus_the_emission_posterior(rng) -> None:
    """Through log_softmax the gradient is softmax - gamma; gamma sums to 1 per counted step
    and the steps past the input length get no gradient."""
    x = gradkit.Variable(rng.standard_normal((4, 2, 3)))
    t_len = np.array([4, 3])
    loss = ctc(log_softmax(x, axis=-1), np.array([[1, 2], [2, 2]]), t_len, reduction="sum")
    loss.backward()
    e = np.exp(x.array - x.array.max(axis=-1, keepdims=True))
    gamma = e / e.sum(axis=-1, keepdims=True) - x.grad
    np.testing.assert_allclose(gamma[:3].sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(gamma[3, 0].sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(x.grad[3, 1], 0.0, atol=1e-15)
    assert (gamma >= -1e-12).all()


def test_gradients_first_and_second_order(gradcheck, rng) -> None:
    y = np.log(rng.dirichlet(np.ones(3), size=(4, 2)))
    labels = np.array([[1, 2], [1, 1]])
    gradcheck(lambda v: ctc(v, labels, np.array([4, 3]), np.array([2, 2]), reduction="none"), [y])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"labels": np.array([[0, 1]])}, "other than blank=0"),
        ({"labels": np.array([[1, 3]])}, r"classes in \[0, 3\)"),
        ({"input_lengths": np.array([0])}, r"input_lengths must be in \[1, 2\]"),
        ({"label_lengths": np.array([3])}, r"label_lengths in \[0, 2\]"),
        ({"blank": 3}, "blank=3 is not one of the 3 classes"),
    ],
)
def test_errors_name_the_problem(kwargs: dict, match: str) -> None:
    args = {"log_probs": np.zeros((2, 1, 3)), "labels": np.array([[1, 2]]), **kwargs}
    with pytest.raises(ValueError, match=match):
        ctc(**args)
