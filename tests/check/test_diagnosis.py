"""The diagnosis rules: each names its pattern on clean evidence and stays silent otherwise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradkit.check.diagnosis import SlotEvidence, diagnose

RNG = np.random.default_rng(0)
N = RNG.uniform(0.5, 1.5, size=(4, 5)) * RNG.choice([-1, 1], size=(4, 5))
TOL = np.full((4, 5), 1e-6)


def ev(analytic, numeric=N, index=0, name="x", wrong=True):
    a = np.asarray(analytic, dtype=float)
    return SlotEvidence(index, name, a.shape, wrong, a, np.asarray(numeric), np.full(a.shape, 1e-6))


@pytest.mark.parametrize(
    ("analytic", "words"),
    [
        (-N, "sign flip (analytic = -numeric) for input 0 ('x')"),
        (2 * N, "constant scale factor 2 (analytic = 2 x numeric)"),
        (1.0001 * N, "constant scale factor 1.0001"),
        (0 * N, "gradient missing (zero) for input 0 ('x')"),
        (N + 0.25, "constant offset 0.25"),
    ],
)
def test_whole_array_patterns(analytic, words) -> None:
    assert words in diagnose([ev(analytic)])


def test_transposed() -> None:
    n = RNG.uniform(-1, 1, size=(4, 4))
    assert "transposed gradient for input 0" in diagnose([ev(n.T, n)])


def _with(changes):
    a = N.copy()
    for idx, value in changes:
        a[idx] = value
    return a


@pytest.mark.parametrize(
    ("analytic", "words"),
    [
        (_with([((3, 4), 9.0)]), "error confined to the last element (index (3, 4))"),
        (_with([((0, 0), 9.0)]), "error confined to the first element (index (0, 0))"),
        (_with([((2, 1), 9.0)]), "error confined to one element (index (2, 1)) of 20"),
        (_with([((2, j), 0.0) for j in range(5)]), "one batch row: index 2 along axis 0"),
        (_with([((i, 3), 0.0) for i in range(4)]), "index 3 along axis 1 (4 of 20 elements)"),
        (
            _with([((i, j), 0.0) for i in range(4) for j in (0, 4)]),
            "edges along axis 1 (first and last index)",
        ),
    ],
)
def test_confined_errors(analytic, words) -> None:
    assert words in diagnose([ev(analytic)])


def test_confined_error_with_a_factor_there() -> None:
    a = N.copy()
    a[1] *= 3
    words = diagnose([ev(a)])
    assert "one batch row: index 1 along axis 0" in words
    assert "there, constant scale factor 3" in words


def test_mix_up_of_two_inputs() -> None:
    other = RNG.uniform(-1, 1, size=N.shape)
    x = ev(other, N, 0, "x")
    w = ev(other, other, 1, "w", wrong=False)
    assert "input 0 ('x') received the gradient of input 1 ('w')" in diagnose([x, w])


def test_only_the_wrong_inputs_are_named() -> None:
    good = ev(N, N, 0, "x", wrong=False)
    bad = ev(-N, N, 1, "W")
    words = diagnose([good, bad])
    assert "sign flip (analytic = -numeric) for input 1 ('W')" in words
    assert words.endswith("only input 1 ('W') is wrong; input 0 ('x') is right")


def test_no_clean_pattern_no_diagnosis() -> None:
    noise = N + RNG.uniform(-1, 1, size=N.shape)
    assert diagnose([ev(noise)]) is None
    assert diagnose([ev(N, wrong=False)]) is None


def test_partial_evidence_from_bisection_and_directions() -> None:
    sampled = [(i, 2.0 * v, v, 1e-6) for i, v in enumerate([0.5, -1.0, 0.7])]
    big = SlotEvidence(0, "x", (64, 64), True, ratios=[2.0, 2.0, 2.0000001], samples=sampled)
    assert "constant scale factor 2" in diagnose([big])
    big.samples = []  # the directions alone do not show that the elements agree
    assert diagnose([big]) is None
    one = SlotEvidence(0, "x", (64, 64), True, leaves=[(4095, 1.0, 0.0)], complete=True)
    assert "the last element (index (63, 63))" in diagnose([one])
    unsure = SlotEvidence(0, "x", (64, 64), True, leaves=[(7, 1.0, 0.0)], complete=False)
    assert diagnose([unsure]) is None
    scattered = SlotEvidence(0, "x", (64, 64), True, ratios=[2.0, -1.0, 0.5])
    assert diagnose([scattered]) is None


def test_a_single_element_input_gets_no_scale_factor() -> None:
    # one number: any ratio "fits", so a factor says nothing the worst element does not
    for shape in [(), (1,), (1, 1)]:
        n = np.full(shape, 0.354124)
        words = diagnose([ev(n * 1.00125, n)])
        assert words is None or "scale factor" not in words
    # a sign flip or a missing gradient is still named on one number
    assert "sign flip" in diagnose([ev(-np.array(0.5), np.array(0.5))])
    assert "gradient missing (zero)" in diagnose([ev(np.array(0.0), np.array(0.5))])


def test_a_scale_factor_needs_most_elements_to_agree() -> None:
    # 1% off at one element of many: the least-squares factor is near 1, but no element has it
    n = RNG.uniform(0.5, 1.5, size=300)
    a = n.copy()
    a[-1] *= 1.01
    words = diagnose([ev(a, n)])
    assert "error confined to the last element (index (299,))" in words
    assert "scale factor" not in words


def test_directional_ratios_near_one_do_not_outweigh_a_localized_element() -> None:
    # the partial evidence of bisection on a 64x64 input: one complete leaf, 1% off; ratios of
    # three directions all within 1e-4 of 1 (the one element weighs little in each)
    one = SlotEvidence(
        0,
        "x",
        (64, 64),
        True,
        leaves=[(4095, 1.0452, 1.0351)],
        complete=True,
        ratios=[1.00003, 0.99996, 1.00001],
    )
    words = diagnose([one])
    assert "error confined to the last element (index (63, 63))" in words
    assert "scale factor" not in words


def test_directional_ratios_need_the_elements_to_agree() -> None:
    ratios = [1.0001, 1.0001, 1.0001]
    # sampled elements with the factor: named
    agree = [(i, 1.0001 * v, v, 1e-7) for i, v in enumerate([0.5, -0.8, 1.2, 0.9])]
    big = SlotEvidence(0, "x", (64, 64), True, ratios=ratios, samples=agree)
    assert "constant scale factor 1.0001" in diagnose([big])
    # sampled elements right (ratio 1), leaves off by another factor: not a scale factor
    right = [(i, v, v, 1e-7) for i, v in enumerate([0.5, -0.8, 1.2, 0.9])]
    leaves = [(4000 + i, 1.01 * v, v) for i, v in enumerate([0.5, -0.8])]
    mixed = SlotEvidence(0, "x", (64, 64), True, leaves=leaves, ratios=ratios, samples=right)
    assert "scale factor" not in (diagnose([mixed]) or "")


_MAGNITUDES = st.floats(0.05, 20.0)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(2, 400), elements=_MAGNITUDES),
    st.data(),
    st.floats(1.0001, 3.0) | st.floats(-3.0, 0.9999),
)
def test_one_wrong_element_is_never_a_scale_factor(magnitudes, data, factor) -> None:
    signs = data.draw(hnp.arrays(np.float64, magnitudes.shape, elements=st.sampled_from([-1, 1])))
    n = magnitudes * signs
    i = data.draw(st.integers(0, n.size - 1))
    a = n.copy()
    a[i] *= factor
    tol = 1e-7 * np.abs(n) + 1e-9
    words = diagnose([SlotEvidence(0, "x", n.shape, True, a, n, tol)])
    assert words is None or "scale factor" not in words
    if n.size >= 4:
        assert words is not None and f"index {(i,)}" in words


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(2, 400), elements=_MAGNITUDES),
    st.data(),
    st.floats(1.001, 3.0) | st.floats(0.05, 0.999),
)
def test_a_factor_of_every_element_is_named(magnitudes, data, factor) -> None:
    signs = data.draw(hnp.arrays(np.float64, magnitudes.shape, elements=st.sampled_from([-1, 1])))
    n = magnitudes * signs
    tol = 1e-7 * np.abs(n) + 1e-9
    words = diagnose([SlotEvidence(0, "x", n.shape, True, factor * n, n, tol)])
    assert words is not None and "constant scale factor" in words


@settings(max_examples=100, deadline=None)
@given(st.floats(0.05, 20.0), st.floats(0.05, 20.0), st.sampled_from([(), (1,), (1, 1)]))
def test_one_number_never_gets_a_scale_factor(numeric, analytic, shape) -> None:
    n, a = np.full(shape, numeric), np.full(shape, analytic)
    words = diagnose([SlotEvidence(0, "x", shape, True, a, n, np.full(shape, 1e-9))])
    assert words is None or "scale factor" not in words
