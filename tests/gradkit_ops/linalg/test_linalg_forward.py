"""Linear algebra against NumPy and hand-computed values, the einsum parser, the backend table
entry, and the cases the specs cannot express (matmul's batch broadcasting, cholesky's
symmetrization, error messages)."""

from __future__ import annotations

import types

import numpy as np
import pytest

import gradkit
from gradkit.backend import backend_function, scatter_add_into
from gradkit.linalg_backend import einsum as backend_einsum
from gradkit.testing import OpSpec, Selection, generate_cases, run_cases
from gradkit.testing.target import Target
from gradkit_ops import linalg
from gradkit_ops.linalg.einsum import parse_subscripts

DEVICES = ["cpu", "strict"]


def _host(v: gradkit.Variable) -> np.ndarray:
    return gradkit.to_numpy(v.array)


# ----------------------------------------------------------------------------- matmul
def test_matmul_batch_broadcasting_passes_the_runner() -> None:
    """The engine's matmul with batch axes broadcast on both sides, 1-d operands against
    batches, first and second order, on cpu and strict."""
    spec = OpSpec(
        name="matmul.batch",
        inputs=2,
        shapes=[
            ((2, 1, 3, 4), (5, 4, 2)),
            ((2, 3, 4), (2, 4, 2)),
            ((1, 3, 4), (2, 4, 2)),
            ((4,), (2, 4, 3)),
            ((2, 3, 4), (4,)),
            "2x3x4_2x4x2nc",
        ],
        reference=np.matmul,
    )
    target = Target("gradkit_ops.linalg.matmul", linalg.matmul, spec, "matmul.batch")
    results = list(run_cases(generate_cases([target], Selection(devices=("cpu", "strict")))))
    assert len(results) == 6 * 3 * 2 * 4 - 6 * 3  # no float16 device check on strict
    bad = [r for r in results if not r.ok]
    assert not bad, "\n\n".join(r.render() for r in bad[:3])
    checks = {r.case.check for r in results if r.outcome.value == "passed"}
    assert checks == {"forward", "backward", "double_backward", "device"}


# ----------------------------------------------------------------------------- einsum
EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("ij,jk", [(3, 4), (4, 2)]),
    ("ba,ab", [(2, 3), (3, 2)]),
    ("Ab,bC->CA", [(2, 3), (3, 4)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("ij->", [(2, 3)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("ij,jk,kl,lm->im", [(2, 3), (3, 2), (2, 4), (4, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...->...", [(2, 3, 4)]),
    ("...,...", [(3,), (2, 1)]),
    ("ij...,j->i...", [(2, 3), (3,)]),
    ("ij,jk->ik", [(3, 1), (2, 4)]),
    ("i j , j k -> i k", [(3, 4), (4, 2)]),
    (",", [(), ()]),
]


@pytest.mark.parametrize(("subscripts", "shapes"), EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
@pytest.mark.parametrize("device", DEVICES)
def test_einsum_matches_numpy(subscripts: str, shapes: list, device: str) -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    dev = gradkit.get_device(device)
    y = linalg.einsum(subscripts, *[dev.send(a) for a in arrays])
    assert y.device == dev
    np.testing.assert_allclose(_host(y), np.einsum(subscripts, *arrays), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("subscripts", "shapes"), EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_gradients(gradcheck, subscripts: str, shapes: list) -> None:
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    gradcheck(lambda *xs: linalg.einsum(subscripts, *xs), arrays)


def test_parse_subscripts_resolves_ellipsis_and_implicit_output() -> None:
    assert parse_subscripts("...ij,jk", [(2, 3, 4), (4, 5)]) == (
        ("aij", "jk"),
        "aik",
        {"a": 2, "i": 3, "j": 4, "k": 5},
    )
    # Implicit output: the labels seen once, in ASCII order (upper case first).
    assert parse_subscripts("bA", [(2, 3)])[1] == "Ab"
    # Axes of length 1 broadcast.
    assert parse_subscripts("ij,jk->ik", [(3, 1), (2, 4)])[2] == {"i": 3, "j": 2, "k": 4}


@pytest.mark.parametrize(
    ("subscripts", "shapes", "match"),
    [
        ("ij,jk->ik", [(3, 4)], "describes 2 operands but 1 were given"),
        ("ij->ik", [(3, 4)], "output label 'k' is in no operand"),
        ("ij->ii", [(3, 4)], "appears twice"),
        ("ij", [(3, 4, 5)], "has 3 axes but subscripts 'ij' label 2"),
        ("ii", [(2, 3)], "repeated in an operand"),
        ("ij,jk", [(3, 4), (5, 2)], "label 'j' has length 4 in one operand and 5"),
        ("i->j->k", [(3,)], "more than one '->'"),
        ("i1", [(3, 4)], "letters with at most one '...'"),
        ("...i->i", [(2, 3)], "the output needs '...' too"),
    ],
)
def test_einsum_rejects_what_numpy_rejects(subscripts: str, shapes: list, match: str) -> None:
    arrays = [np.ones(s) for s in shapes]
    with pytest.raises(ValueError, match=match):
        linalg.einsum(subscripts, *arrays)
    with pytest.raises(ValueError):
        np.einsum(subscripts, *arrays)


def test_einsum_rejects_mixed_dtypes() -> None:
    with pytest.raises(TypeError, match="operand 1 has dtype float32 but operand 0 has float64"):
        linalg.einsum("i,i", np.ones(2), np.ones(2, dtype=np.float32))


@pytest.mark.parametrize(
    ("name", "module"),
    [("einsum", "gradkit.linalg_backend"), ("scatter_add_into", "gradkit.backend")],
)
@pytest.mark.parametrize("namespace", ["numpy", "cupy", "array_api_strict"])
def test_entries_are_in_the_backend_table(name: str, module: str, namespace: str) -> None:
    impl = backend_function(name, types.SimpleNamespace(__name__=namespace))
    assert impl.__module__ == module


@pytest.mark.parametrize("device", DEVICES)
def test_scatter_add_into_adds_repeated_indices(device: str) -> None:
    dev = gradkit.get_device(device)
    a = dev.send(np.zeros((2, 3)))
    index = (dev.send(np.array([0, 0, 1])), dev.send(np.array([2, 2, 0])))
    out = scatter_add_into(a, index, dev.send(np.array([1.0, 2.0, 4.0])))
    assert out.device == a.device
    np.testing.assert_array_equal(gradkit.to_numpy(out), [[0.0, 0.0, 3.0], [4.0, 0.0, 0.0]])
    if device == "cpu":
        assert out is a  # in place: no copy


def test_backend_einsum_keeps_device_and_returns_arrays(strict) -> None:
    a = np.arange(6.0).reshape(2, 3)
    out = backend_einsum("ij,ij->", strict.send(a), strict.send(a))
    assert out.device == strict.send(a).device
    assert float(gradkit.to_numpy(out)) == 55.0
    host = backend_einsum("ij->", a)
    assert isinstance(host, np.ndarray) and host.shape == ()


# ----------------------------------------------------------------------------- factorizations
@pytest.mark.parametrize("device", DEVICES)
def test_det_slogdet_inv_solve_by_hand(device: str) -> None:
    dev = gradkit.get_device(device)
    a = dev.send(np.array([[4.0, 7.0], [2.0, 6.0]]))
    assert float(_host(linalg.det(a))) == pytest.approx(10.0)
    sign, logabsdet = linalg.slogdet(dev.send(np.array([[0.0, 1.0], [1.0, 0.0]]) * 3.0))
    assert float(_host(sign)) == -1.0
    assert float(_host(logabsdet)) == pytest.approx(np.log(9.0))
    np.testing.assert_allclose(_host(linalg.inv(a)), [[0.6, -0.7], [-0.2, 0.4]], rtol=1e-12)
    x = linalg.solve(a, dev.send(np.array([1.0, 2.0])))
    np.testing.assert_allclose(_host(x), [-0.8, 0.6], atol=1e-12)


def test_slogdet_has_no_gradient_through_its_sign(rng) -> None:
    a = np.eye(3) * 2.0 + 0.1 * rng.standard_normal((3, 3))
    x = gradkit.Variable(a)
    sign, _ = linalg.slogdet(x)
    sign.grad = np.ones(())
    sign.backward()
    np.testing.assert_array_equal(x.grad, np.zeros((3, 3)))


def test_solve_broadcasts_batches(rng) -> None:
    a = np.eye(3) * 3.0 + rng.uniform(-0.5, 0.5, (2, 1, 3, 3))
    b = rng.standard_normal((4, 3, 2))
    x = linalg.solve(gradkit.Variable(a), gradkit.Variable(b))
    assert x.shape == (2, 4, 3, 2)
    np.testing.assert_allclose(np.matmul(a, x.array), np.broadcast_to(b, x.shape), atol=1e-12)


def test_cholesky_symmetrizes_its_input(rng) -> None:
    b = rng.standard_normal((3, 3))
    spd = b @ b.T + 3.0 * np.eye(3)
    skew = np.triu(rng.standard_normal((3, 3)), 1)
    low = linalg.cholesky(gradkit.Variable(spd + skew - skew.T)).array
    np.testing.assert_allclose(low, np.linalg.cholesky(spd), rtol=1e-12)
    np.testing.assert_allclose(low @ low.T, spd, rtol=1e-12)


def test_cholesky_gradient_is_symmetric(rng) -> None:
    b = rng.standard_normal((2, 4, 4))
    x = gradkit.Variable(b @ np.swapaxes(b, -1, -2) + 4.0 * np.eye(4))
    low = linalg.cholesky(x)
    (low * rng.standard_normal(low.shape)).sum().backward()
    np.testing.assert_allclose(x.grad, np.swapaxes(x.grad, -1, -2), rtol=1e-12)


@pytest.mark.parametrize(
    ("op", "match"),
    [(linalg.det, "det: needs square"), (linalg.inv, "inv: needs square")],
)
def test_square_matrices_required(op, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        op(np.ones((2, 3)))


def test_solve_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match=r"b must have shape \(\.\.\., 3, k\)"):
        linalg.solve(np.eye(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="do not broadcast"):
        linalg.solve(np.ones((2, 3, 3)), np.ones((3, 3, 1)))


# ----------------------------------------------------------------------------- products
def test_linear_is_chainers(rng) -> None:
    x = rng.standard_normal((2, 3, 4))
    W = rng.standard_normal((5, 12))
    b = rng.standard_normal(5)
    y = linalg.linear(x, W, b)
    np.testing.assert_allclose(y.array, x.reshape(2, 12) @ W.T + b, rtol=1e-12)
    y2 = linalg.linear(x, rng.standard_normal((5, 4)), n_batch_axes=2)
    assert y2.shape == (2, 3, 5)


def test_linear_errors_name_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"has 4 features .* W of shape \(2, 3\) takes 3"):
        linalg.linear(np.ones((2, 4)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        linalg.linear(np.ones((2, 3)), np.ones((2, 3)), np.ones(3))


def test_bilinear_with_linear_terms(rng) -> None:
    e1, e2 = rng.standard_normal((4, 2)), rng.standard_normal((4, 3))
    W, V1, V2, b = (rng.standard_normal(s) for s in [(2, 3, 5), (2, 5), (3, 5), (5,)])
    y = linalg.bilinear(e1, e2, W, V1, V2, b)
    expected = np.einsum("nj,nk,jkl->nl", e1, e2, W) + e1 @ V1 + e2 @ V2 + b
    np.testing.assert_allclose(y.array, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="all of V1, V2 and b, or none"):
        linalg.bilinear(e1, e2, W, V1)


def test_tensordot_inner_outer_trace_diag(rng) -> None:
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 3, 5))
    ab = np.tensordot(a, b, ([1, 2], [1, 0]))
    np.testing.assert_allclose(linalg.tensordot(a, b, ([1, 2], [1, 0])).array, ab, rtol=1e-12)
    np.testing.assert_allclose(linalg.inner(a, a[0]).array, np.inner(a, a[0]), rtol=1e-12)
    np.testing.assert_allclose(linalg.outer(a, b).array, np.outer(a, b), rtol=1e-12)
    np.testing.assert_allclose(linalg.trace(a, 1, 2, 1).array, np.trace(a, 1, 2, 1))
    np.testing.assert_array_equal(
        linalg.diag(np.arange(3.0), -2).array, np.diag(np.arange(3.0), -2)
    )
    with pytest.raises(ValueError, match="axis 1 of a has length 3 but axis 0 of b"):
        linalg.tensordot(a, b, ([1], [0]))
