"""The diagnosis rules: each names its pattern on clean evidence and stays silent otherwise."""

from __future__ import annotations

import numpy as np
import pytest

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
    big = SlotEvidence(0, "x", (64, 64), True, ratios=[2.0, 2.0, 2.0000001])
    assert "constant scale factor 2" in diagnose([big])
    one = SlotEvidence(0, "x", (64, 64), True, leaves=[(4095, 1.0, 0.0)], complete=True)
    assert "the last element (index (63, 63))" in diagnose([one])
    unsure = SlotEvidence(0, "x", (64, 64), True, leaves=[(7, 1.0, 0.0)], complete=False)
    assert diagnose([unsure]) is None
    scattered = SlotEvidence(0, "x", (64, 64), True, ratios=[2.0, -1.0, 0.5])
    assert diagnose([scattered]) is None
