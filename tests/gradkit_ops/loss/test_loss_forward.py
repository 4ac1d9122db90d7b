"""Losses against closed forms and hand-computed values, their conventions (reductions,
ignored labels, class weights), their gradients at the kinks, and their error messages."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops import loss as losses

DEVICES = ["cpu", "strict"]


def _value(v: gradkit.Variable) -> np.ndarray:
    return gradkit.to_numpy(v.array)


def _grads(fn, *arrays: np.ndarray) -> list[np.ndarray]:
    xs = [gradkit.Variable(np.asarray(a, dtype=np.float64)) for a in arrays]
    fn(*xs).backward()
    return [x.grad for x in xs]


# ----------------------------------------------------------------------------- regression
@pytest.mark.parametrize("device", DEVICES)
def test_regression_losses_by_hand(device: str) -> None:
    dev = gradkit.get_device(device)
    x, t = dev.send(np.array([0.5, -3.0, 2.0])), dev.send(np.array([0.0, 0.0, 2.0]))
    assert float(_value(losses.mean_squared_error(x, t))) == pytest.approx((0.25 + 9.0) / 3)
    assert float(_value(losses.mean_absolute_error(x, t, "sum"))) == pytest.approx(3.5)
    np.testing.assert_allclose(_value(losses.huber(x, t, reduction="none")), [0.125, 2.5, 0.0])
    np.testing.assert_allclose(
        _value(losses.smooth_l1(x, t, beta=0.5, reduction="none")), [0.25, 2.75, 0.0]
    )


def test_gradients_at_the_kinks() -> None:
    """The documented one-sided choices: |d| and the hinges give 0 at their kink; Huber is
    differentiable at its threshold (both sides give clip(d, -delta, delta))."""
    mae = losses.mean_absolute_error
    (g_abs, _) = _grads(lambda a, b: mae(a, b, "sum"), [1.0, 2.0], [1.0, 0.0])
    np.testing.assert_array_equal(g_abs, [0.0, 1.0])
    (g_hub, _) = _grads(lambda a, b: losses.huber(a, b, 1.0, "sum"), [1.0, -1.0, 3.0], [0.0] * 3)
    np.testing.assert_array_equal(g_hub, [1.0, -1.0, 1.0])
    (g_hinge,) = _grads(lambda s: losses.hinge(s, np.array([0]), reduction="sum"), [[1.0, -1.0]])
    np.testing.assert_array_equal(g_hinge, [[0.0, 0.0]])
    anchor, pos, neg = np.zeros((1, 1)), np.full((1, 1), 0.5), np.ones((1, 1))  # 0.25 - 1 + 0.75
    g_trip = _grads(lambda a, p, n: losses.triplet(a, p, n, margin=0.75), anchor, pos, neg)
    for g in g_trip:
        np.testing.assert_array_equal(g, [[0.0]])


def test_gaussian_nll_closed_form(rng) -> None:
    x, mu, ln_var = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(())
    var = np.exp(ln_var)
    expected = -np.log(np.exp(-((x - mu) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var))
    got = losses.gaussian_nll(x, mu, ln_var, "none").array
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    gx, gmu, gv = _grads(lambda a, b, c: losses.gaussian_nll(a, b, c, "sum"), x, mu, ln_var)
    np.testing.assert_allclose(gx, (x - mu) / var, rtol=1e-12)
    np.testing.assert_allclose(gmu, -((x - mu) / var).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(gv, (0.5 * (1 - (x - mu) ** 2 / var)).sum(), rtol=1e-12)


# ----------------------------------------------------------------------------- classification
@pytest.mark.parametrize("device", DEVICES)
def test_softmax_cross_entropy_ignore_label_and_weights(device: str, rng) -> None:
    dev = gradkit.get_device(device)
    x = rng.standard_normal((5, 4))
    t = np.array([0, 3, -1, 3, 1])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    rows = np.array([0, 1, 3, 4])
    nll = -logp[rows, t[rows]]
    weights = w[t[rows]]
    got = losses.softmax_cross_entropy(dev.send(x), dev.send(t), class_weight=dev.send(w))
    assert float(_value(got)) == pytest.approx((nll * weights).sum() / weights.sum())
    none = _value(losses.softmax_cross_entropy(dev.send(x), dev.send(t), reduction="none"))
    np.testing.assert_allclose(none[rows], nll, rtol=1e-12)
    assert none[2] == 0.0
    # The same through nll of log_softmax.
    same = losses.nll(dev.send(logp), dev.send(t), class_weight=dev.send(w))
    assert float(_value(same)) == pytest.approx(float(_value(got)))


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot(rng) -> None:
    x = rng.standard_normal((3, 4, 2))  # classes along axis 1, one extra axis
    t = np.array([[0, 3], [-1, 2], [1, 1]])
    (gx,) = _grads(lambda v: losses.softmax_cross_entropy(v, t, reduction="sum"), x)
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    onehot = np.zeros_like(x)
    for n, k in np.ndindex(t.shape):
        if t[n, k] >= 0:
            onehot[n, t[n, k], k] = 1.0
    expected = (p - onehot) * (t >= 0)[:, None, :]
    np.testing.assert_allclose(gx, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_cross_entropy_counted_labels_agree_with_the_general_path(
    reduction: str, dtype, rng
) -> None:
    """Labels all counted take a lean path on NumPy rows; unit class weights force the
    general one. Both give the same loss and gradient."""
    x = rng.standard_normal((6, 5)).astype(dtype)
    t = np.array([0, 4, 2, 2, 1, 3])
    results = []
    for kwargs in ({}, {"ignore_label": None}, {"class_weight": np.ones(5, dtype=dtype)}):
        v = gradkit.Variable(x.copy())
        y = losses.softmax_cross_entropy(v, t, reduction=reduction, **kwargs)
        assert y.dtype == dtype
        y.grad = np.linspace(0.5, 1.5, y.size).astype(dtype).reshape(y.shape)
        y.backward()
        results.append((y.array, v.grad))
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    for loss, grad in results[:2]:
        np.testing.assert_allclose(loss, results[2][0], rtol=rtol)
        np.testing.assert_allclose(grad, results[2][1], rtol=rtol, atol=rtol)


@pytest.mark.parametrize("n_classes", [3, 40])
def test_softmax_cross_entropy_propagates_nan_by_row(n_classes: int, rng) -> None:
    """A NaN score makes its row's loss and gradient NaN, and only its row's, on the lean
    path (narrow and wide rows find their maxima differently) as on the general one."""
    x = rng.standard_normal((4, n_classes))
    x[1, 2] = np.nan
    t = np.array([0, 1, 2, 1])
    results = []
    for kwargs in ({}, {"class_weight": np.ones(n_classes)}):
        v = gradkit.Variable(x.copy())
        y = losses.softmax_cross_entropy(v, t, reduction="none", **kwargs)
        y.grad = np.ones(4)
        y.backward()
        results.append((y.array, v.grad))
    (loss, grad), (loss_ref, grad_ref) = results
    assert np.isnan(loss).tolist() == [False, True, False, False]
    assert np.isnan(grad).any(axis=1).tolist() == [False, True, False, False]
    np.testing.assert_allclose(loss, loss_ref, rtol=1e-12)
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_backward_twice_repeats(rng) -> None:
    """The first gradient is built in the loss's own exponentials; a second backward through
    the same graph recomputes them and gets the same gradient, which accumulates."""
    x = gradkit.Variable(rng.standard_normal((4, 6)).astype(np.float32))
    y = losses.softmax_cross_entropy(x, np.array([5, 0, 1, 1]))
    y.backward()
    first = x.grad.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * first)
    x.cleargrad()
    y.backward()
    np.testing.assert_array_equal(x.grad, first)


@pytest.mark.parametrize("ignore_label", [1, 9])
def test_softmax_cross_entropy_ignore_label_inside_the_class_range(ignore_label: int) -> None:
    """An ignore_label that is also a class (1), or outside the labels seen (9): the labels
    equal to it add nothing, the others count."""
    x = np.log(np.array([[1.0, 1.0], [1.0, 3.0], [3.0, 1.0]]))
    t = np.array([0, 1, 0])
    got = float(losses.softmax_cross_entropy(x, t, ignore_label=ignore_label).array)
    nll = -np.log(np.array([0.5, 0.75, 0.75]))
    counted = t != ignore_label
    assert got == pytest.approx(nll[counted].mean())


def test_mean_over_no_counted_element_is_zero() -> None:
    x = gradkit.Variable(np.ones((2, 3)))
    y = losses.softmax_cross_entropy(x, np.array([-1, -1]))
    assert float(y.array) == 0.0
    y.backward()
    np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))


def test_sigmoid_and_binary_cross_entropy_agree(rng) -> None:
    x = rng.standard_normal((3, 4)) * 3
    t = rng.integers(0, 2, size=(3, 4))
    p = 1 / (1 + np.exp(-x))
    a = losses.sigmoid_cross_entropy(x, t, reduction="none").array
    b = losses.binary_cross_entropy(p, t.astype(np.float64), reduction="none").array
    np.testing.assert_allclose(a, b, rtol=1e-10)
    (gx,) = _grads(lambda v: losses.sigmoid_cross_entropy(v, t, reduction="sum"), x)
    np.testing.assert_allclose(gx, p - t, rtol=1e-12, atol=1e-15)


def test_sigmoid_cross_entropy_is_stable_and_ignores() -> None:
    x, t = np.array([1000.0, -1000.0, 3.0]), np.array([0, 0, -1])
    y = losses.sigmoid_cross_entropy(x, t, reduction="none")
    np.testing.assert_allclose(y.array, [1000.0, 0.0, 0.0])


def test_hinge_l2_and_reductions() -> None:
    x = np.array([[0.5, -2.0, 0.0], [1.0, 1.0, -1.0]])
    t = np.array([0, 2])
    l1 = np.array([[0.5, 0.0, 1.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(losses.hinge(x, t, reduction="none").array, l1)
    assert float(losses.hinge(x, t, "L2", "sum").array) == pytest.approx((l1**2).sum())
    assert float(losses.hinge(x, t).array) == pytest.approx(l1.sum() / 2)


def test_kl_div_reductions_and_log_target(rng) -> None:
    p = rng.dirichlet(np.ones(4), size=3)
    q = rng.dirichlet(np.ones(4), size=3)
    kl = (p * np.log(p / q)).sum(axis=1)
    assert float(losses.kl_div(np.log(q), p, "batchmean").array) == pytest.approx(kl.mean())
    assert float(losses.kl_div(np.log(q), p).array) == pytest.approx(kl.sum() / 12)
    log_p = np.log(p)
    same = losses.kl_div(np.log(q), log_p, "sum", log_target=True).array
    assert float(same) == pytest.approx(kl.sum())
    gx, gt = _grads(lambda a, b: losses.kl_div(a, b, "sum"), np.log(q), p)
    np.testing.assert_allclose(gx, -p)
    np.testing.assert_allclose(gt, np.log(p) + 1 - np.log(q), rtol=1e-12)


def test_cosine_similarity_closed_form(rng) -> None:
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    expected = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(losses.cosine_similarity(a, b).array, expected, rtol=1e-12)
    (ga, _) = _grads(lambda u, v: losses.cosine_similarity(u, v, reduction="sum"), a, b)
    na, nb = np.linalg.norm(a, axis=1, keepdims=True), np.linalg.norm(b, axis=1, keepdims=True)
    np.testing.assert_allclose(ga, b / (na * nb) - expected[:, None] * a / na**2, rtol=1e-10)
    zero = losses.cosine_similarity(np.zeros((1, 2), np.float16), np.ones((1, 2), np.float16))
    np.testing.assert_array_equal(zero.array, [0.0])


def test_triplet_and_contrastive_closed_forms(rng) -> None:
    a, p, n = (rng.standard_normal((4, 3)) for _ in range(3))
    d = ((a - p) ** 2).sum(1) - ((a - n) ** 2).sum(1) + 1.0
    np.testing.assert_allclose(losses.triplet(a, p, n, 1.0, "none").array, np.maximum(d, 0))
    y = np.array([1, 0, 0, 1])
    dist = np.linalg.norm(a - p, axis=1)
    expected = 0.5 * (y * dist**2 + (1 - y) * np.maximum(2.0 - dist, 0) ** 2)
    np.testing.assert_allclose(losses.contrastive(a, p, y, 2.0, "none").array, expected, rtol=1e-12)
    # A dissimilar pair at distance 0 has a finite (zero) gradient.
    x0 = gradkit.Variable(np.ones((1, 2)))
    losses.contrastive(x0, np.ones((1, 2)), np.array([0])).backward()
    np.testing.assert_array_equal(x0.grad, [[0.0, 0.0]])


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: losses.mean_squared_error(np.ones(3), np.ones(3), "avg"), ValueError, "'mean'"),
        (lambda: losses.huber(np.ones(3), np.ones(2)), ValueError, "input 1 has shape"),
        (
            lambda: losses.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 3])),
            ValueError,
            r"labels must be in \[0, 3\)",
        ),
        (
            lambda: losses.softmax_cross_entropy(np.ones((2, 3)), np.array([0, -2])),
            ValueError,
            r"labels must be in \[0, 3\)",
        ),
        (
            lambda: losses.softmax_cross_entropy(np.ones((2, 3)), np.array([0.0, 1.0])),
            TypeError,
            "labels must be integers",
        ),
        (
            lambda: losses.softmax_cross_entropy(np.ones((2, 3)), np.array([[0], [1]])),
            ValueError,
            r"t must have shape \(2,\)",
        ),
        (
            lambda: losses.nll(np.ones((2, 3)), np.array([0, 1]), class_weight=np.ones(2)),
            ValueError,
            r"class_weight must have shape \(3,\)",
        ),
        (lambda: losses.hinge(np.ones((2, 3)), np.array([0, 1]), "L3"), ValueError, "'L1' or 'L2'"),
        (lambda: losses.kl_div(np.ones(2), np.ones(2), "batch"), ValueError, "'batchmean'"),
    ],
)
def test_errors(call, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()
