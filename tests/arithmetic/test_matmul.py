"""Matrix product with NumPy's matmul rules: 1-d operands and batch broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit import Variable
from gradkit import arithmetic as ga

DEVICES = ["cpu", "strict"]

SHAPES = [
    ((2, 3), (3, 4)),
    ((3,), (3, 2)),
    ((2, 3), (3,)),
    ((3,), (3,)),
    ((2, 2, 3), (3, 2)),
    ((3,), (2, 3, 2)),
    ((2, 2, 3), (3,)),
    ((2, 1, 2, 3), (3, 3, 2)),
]


@pytest.mark.parametrize(("sa", "sb"), SHAPES)
def test_matmul_forward(sa, sb, rng):
    """matmul matches NumPy."""
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    y = ga.matmul(Variable(a), Variable(b))
    np.testing.assert_allclose(y.array, np.matmul(a, b), rtol=1e-13)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("sa", "sb"), SHAPES)
def test_matmul_gradients(sa, sb, device, rng, gradcheck):
    """Gradients of both operands (first and second order), 1-d and batched shapes
    included."""
    gradcheck(lambda a, b: a @ b, [rng.standard_normal(sa), rng.standard_normal(sb)], device=device)


def test_matmul_with_itself(rng, gradcheck):
    """``x @ x.T`` uses one variable twice."""
    gradcheck(lambda x: x @ x.T, [rng.standard_normal((2, 3))])


def test_matmul_with_a_zero_dim_operand_is_an_error():
    """A 0-d operand raises ValueError that points to ``*``."""
    with pytest.raises(ValueError, match=r"\*"):
        ga.matmul(Variable(np.array(2.0)), Variable(np.ones(3)))


def test_matmul_gradient_values():
    """For ``y = a @ b``: ``ga = gy @ b.T`` and ``gb = a.T @ gy``."""
    a = Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    b = Variable(np.array([[0.5, -1.0], [2.0, 1.0]]))
    gy = np.array([[1.0, 0.0], [2.0, 3.0]])
    y = a @ b
    y.grad = gy
    y.backward()
    np.testing.assert_allclose(a.grad, gy @ b.array.T)
    np.testing.assert_allclose(b.grad, a.array.T @ gy)


def _recorded_and_direct(fn, *arrays, requires_grad=(True, False)):
    """``fn`` on Variables with the graph on (through its node) and off (the direct path)."""
    import gradkit

    results = []
    for backprop in (True, False):
        with gradkit.using_config("enable_backprop", backprop):
            variables = [
                Variable(a, requires_grad=r) for a, r in zip(arrays, requires_grad, strict=True)
            ]
            results.append(fn(*variables))
    return results


@pytest.mark.parametrize(
    "shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5))]
)
@pytest.mark.parametrize("requires_grad", [(True, False), (False, False)])
def test_matmul_without_graph_matches_the_node(shapes, requires_grad, rng):
    """With backprop off, matmul computes on the arrays directly; it gives what the MatMul
    node gives: values, dtype and whether the result requires a gradient."""
    arrays = [rng.normal(size=s).astype(np.float32) for s in shapes]
    recorded, direct = _recorded_and_direct(ga.matmul, *arrays, requires_grad=requires_grad)
    assert direct.creator is None
    assert type(direct.array) is np.ndarray and direct.dtype == recorded.dtype
    np.testing.assert_array_equal(direct.array, recorded.array)
    assert direct.requires_grad == recorded.requires_grad


def test_matmul_without_graph_still_rejects_scalars():
    import gradkit

    with gradkit.no_backprop_mode(), pytest.raises(ValueError, match="at least one dimension"):
        ga.matmul(Variable(np.float64(2.0)), Variable(np.ones(3)))


def test_parameters_take_the_direct_path_too(rng):
    """Backward passes multiply by Parameters (a layer's weights): with backprop off, those
    products and sums are computed directly as well, with the node's results."""
    import gradkit

    W = gradkit.Parameter(rng.normal(size=(4, 3)).astype(np.float32))
    gy = Variable(rng.normal(size=(2, 3)).astype(np.float32))
    recorded = [ga.matmul(gy, W.T), gy * W[:2, :], ga.sum(W, 0), ga.transpose(W)]
    with gradkit.no_backprop_mode():
        direct = [ga.matmul(gy, W.T), gy * W[:2, :], ga.sum(W, 0), ga.transpose(W)]
        assert ga.matmul(gy, ga.transpose(W)).creator is None
    for r, d in zip(recorded, direct, strict=True):
        assert d.creator is None and d.dtype == r.dtype
        np.testing.assert_array_equal(d.array, r.array)
