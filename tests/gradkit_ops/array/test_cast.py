"""cast: between floating dtypes the gradient is cast back; integers have none."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit
from gradkit_ops.array import cast


@pytest.mark.parametrize("dtype", ["float32", np.float32, "float64", "int32"])
def test_forward(device, forward, rng, dtype) -> None:
    x = rng.standard_normal((3, 4)) * 10
    forward(lambda v: cast(v, dtype), lambda a: a.astype(dtype), x, device=device)


def test_gradient_is_cast_back(device, rng) -> None:
    x = gradkit.Variable(device.send(rng.standard_normal(3)))
    (gx,) = gradkit.grad([cast(x, "float32").sum()], [x], enable_double_backprop=True)
    assert gradkit.to_numpy(gx.array).dtype == np.float64
    np.testing.assert_array_equal(gradkit.to_numpy(gx.array), np.ones(3))
    x16 = gradkit.Variable(np.array([1.0, 2.0], dtype=np.float16))
    (g16,) = gradkit.grad([(cast(x16, "float64") * 3.0).sum()], [x16])
    assert g16.dtype == np.float16


def test_same_dtype_is_a_no_op_and_integers_have_no_gradient() -> None:
    x = gradkit.Variable(np.ones(2))
    assert cast(x, "float64") is x
    y = cast(x, "int64")
    assert y.dtype == np.int64 and not y.node.requires_grad
    with pytest.raises(TypeError, match="no dtype"):
        cast(x, "float8")
