"""Hyperbolic ops beyond the shared table of test_unary.py: special values and binary ops."""

from __future__ import annotations

import numpy as np

import gradkit
import gradkit_ops.math.hyperbolic as hyp


def test_tanh_keeps_only_its_output_for_backward() -> None:
    x = gradkit.Variable(np.array([0.5, -1.0]))
    y = hyp.tanh(x)
    node = y.creator
    assert node._input_indexes_to_retain is None
    assert node._output_indexes_to_retain == (0,)
    y.grad = np.ones(2)
    y.backward()
    np.testing.assert_allclose(x.grad, 1 - np.tanh(x.array) ** 2)


def test_saturation_and_domain_edges() -> None:
    np.testing.assert_array_equal(hyp.tanh(np.array([-50.0, 50.0])).array, [-1.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        edges = hyp.arctanh(np.array([1.0, -1.0])).array
        below_one = hyp.arccosh(np.array([0.5])).array
    np.testing.assert_array_equal(edges, [np.inf, -np.inf])
    assert np.isnan(below_one).all()
