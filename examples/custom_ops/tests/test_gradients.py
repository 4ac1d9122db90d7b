"""The gradient checks of custom_ops, as pytest runs them."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit.testing.suite import CheckSuite

# One test item per case of every op of the package: no test function to write.
ops = CheckSuite("custom_ops")


@pytest.mark.gradkit("custom_ops.linear.LinearFunction", devices="cpu", checks="backward")
def test_bias_gradient_counts_the_batch(gradcase):
    """A test of one's own, run once per case: with a gradient of ones flowing into y, the
    gradient of b is the batch size in every element."""
    x, W, b = gradcase.variables()
    y = gradcase.function()(x, W, b)
    y.grad = np.ones_like(y.array)
    y.backward()
    np.testing.assert_array_equal(b.grad, np.full(b.shape, x.shape[0], dtype=gradcase.dtype))
    gradcase.assert_ok()  # and the checker's verdict on this case
