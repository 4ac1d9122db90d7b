"""Sequential: layers in order, names by position, copies and devices."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops import relu
from gradkit_ops.links import Linear, Sequential


def test_layers_run_in_order(rng) -> None:
    model = Sequential(Linear(3, 4), relu, Linear(4, 2))
    x = rng.standard_normal((5, 3)).astype(np.float32)
    h = np.maximum(x @ model[0].W.array.T + model[0].b.array, 0)
    want = h @ model[2].W.array.T + model[2].b.array
    np.testing.assert_allclose(model(x).array, want, rtol=1e-5, atol=1e-6)
    assert len(model) == 3 and list(model)[1] is relu


def test_names_follow_positions_and_appending_extends() -> None:
    model = Sequential(Linear(3, 4), relu)
    model.append(Linear(4, 1))
    assert [name for name, _ in model.namedparams()] == ["/0/W", "/0/b", "/2/W", "/2/b"]
    with pytest.raises(TypeError, match="function of one argument"):
        model.append(3)
    with pytest.raises(ValueError, match="itself"):
        model.append(model)


def test_a_copy_uses_the_copied_links() -> None:
    model = Sequential(Linear(3, 4), relu, Linear(4, 2))
    for layer in (model[0], model[2]):  # deterministic weights: the model's output is 12, 12
        layer.W.array[...] = 1.0
    twin = model.copy(mode="copy")
    assert twin[0] is not model[0] and twin[1] is relu
    assert twin[0] is next(iter(twin.children()))
    twin[0].W.array[...] = 0.0  # the copy's first layer now outputs its bias, zero
    assert model[0].W.array.any()
    x = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_array_equal(twin(x).array, twin[2].b.array[None, :])
    np.testing.assert_array_equal(model(x).array, [[12.0, 12.0]])


def test_links_appended_follow_the_device(strict) -> None:
    model = Sequential().to_device("strict")
    model.append(Linear(2, 2))
    assert model[0].W.device == strict
    assert repr(model) == "Sequential(\n  (0): Linear(in_size=2, out_size=2)\n)"
    assert repr(Sequential()) == "Sequential()"
    assert "(1): relu" in repr(Sequential(Linear(1, 1), relu))
