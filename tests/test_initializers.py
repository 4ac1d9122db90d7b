"""Initializers: the Parameter protocol, seeding, the distributions' scales, orthogonality."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradkit
from gradkit import initializers as inits

SHAPE = (200, 300)  # fan_in 300, fan_out 200: 60000 samples pin a std to about 0.3%

STDS = {
    "Normal": (lambda: inits.Normal(0.2, seed=0), 0.2),
    "LeCunNormal": (lambda: inits.LeCunNormal(seed=0), math.sqrt(1 / 300)),
    "GlorotNormal": (lambda: inits.GlorotNormal(seed=0), math.sqrt(2 / 500)),
    "HeNormal": (lambda: inits.HeNormal(seed=0), math.sqrt(2 / 300)),
    "HeNormal-fan_out": (lambda: inits.HeNormal(fan_option="fan_out", seed=0), math.sqrt(2 / 200)),
}
BOUNDS = {
    "Uniform": (lambda: inits.Uniform(0.3, seed=0), 0.3),
    "GlorotUniform": (lambda: inits.GlorotUniform(seed=0), math.sqrt(6 / 500)),
    "HeUniform": (lambda: inits.HeUniform(seed=0), math.sqrt(6 / 300)),
    "HeUniform-scaled": (lambda: inits.HeUniform(scale=2.0, seed=0), 2 * math.sqrt(6 / 300)),
}
ALL = {
    **{k: v[0] for k, v in STDS.items()},
    **{k: v[0] for k, v in BOUNDS.items()},
    "Constant": lambda: inits.Constant(0.25),
    "Orthogonal": lambda: inits.Orthogonal(seed=0),
}


@pytest.mark.parametrize("name", list(STDS))
def test_normal_initializers_have_the_documented_std(name) -> None:
    make, std = STDS[name]
    a = make()(SHAPE, np.float64, "cpu")
    assert abs(a.mean()) < 4 * std / math.sqrt(a.size)
    assert a.std() == pytest.approx(std, rel=0.02)


@pytest.mark.parametrize("name", list(BOUNDS))
def test_uniform_initializers_fill_the_documented_interval(name) -> None:
    make, bound = BOUNDS[name]
    a = make()(SHAPE, np.float64, "cpu")
    assert a.min() >= -bound and a.max() <= bound
    assert a.min() < -0.98 * bound and a.max() > 0.98 * bound
    assert a.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize("name", list(ALL))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_the_parameter_protocol(name, dtype) -> None:
    p = gradkit.Parameter(ALL[name](), shape=(4, 3), dtype=dtype)
    assert p.shape == (4, 3) and p.dtype == dtype and isinstance(p.array, np.ndarray)
    assert np.isfinite(p.array).all()


@pytest.mark.parametrize("name", list(ALL))
def test_arrays_are_created_on_the_device(name, strict) -> None:
    p = gradkit.Parameter(ALL[name]()).to_device("strict")
    p.initialize((3, 5))
    assert p.device == strict and str(p.dtype).endswith("float32")


def test_the_same_seed_gives_the_same_values_on_every_device() -> None:
    a = inits.HeNormal(seed=7)((3, 4), "float32", "cpu")
    b = gradkit.to_numpy(inits.HeNormal(seed=7)((3, 4), "float32", "strict"))
    np.testing.assert_array_equal(a, b)
    init = inits.HeNormal(seed=7)
    first, second = init((3, 4)), init((3, 4))
    np.testing.assert_array_equal(first, a)
    assert not np.array_equal(first, second)  # one generator: a sequence, not a repetition


def test_the_shared_generator_is_reseeded_by_seed() -> None:
    inits.seed(123)
    a = [inits.GlorotUniform()((2, 5)), inits.Normal()((3,))]
    inits.seed(123)
    b = [inits.GlorotUniform()((2, 5)), inits.Normal()((3,))]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    inits.seed(None)


def test_a_generator_can_be_passed() -> None:
    rng = np.random.default_rng(3)
    a = inits.Normal(seed=rng)((4,), "float64", "cpu")
    b = np.random.default_rng(3).normal(0.0, 0.05, size=(4,))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(3, 7), (7, 3), (4, 2, 3, 3), (5, 5)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape) -> None:
    W = inits.Orthogonal(scale=2.0, seed=1)(shape, np.float64, "cpu")
    flat = W.reshape(shape[0], -1) / 2.0
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)


def test_orthogonal_of_an_empty_shape() -> None:
    assert inits.Orthogonal()((0, 3)).shape == (0, 3)


def test_fans_follow_the_out_in_kernel_layout() -> None:
    assert inits.get_fans((10, 4)) == (4, 10)
    assert inits.get_fans((8, 3, 5, 5)) == (75, 200)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        inits.get_fans((5,))


def test_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        inits.GlorotNormal()((5,))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        inits.Orthogonal()((5,))
    with pytest.raises(ValueError, match="fan_option"):
        inits.HeNormal(fan_option="fan_avg")
    with pytest.raises(TypeError, match="floating"):
        inits.Normal()((2,), np.int32, "cpu")


def test_aliases_and_repr() -> None:
    assert inits.XavierUniform is inits.GlorotUniform and inits.KaimingNormal is inits.HeNormal
    assert inits.XavierNormal is inits.GlorotNormal and inits.KaimingUniform is inits.HeUniform
    assert repr(inits.HeNormal(0.5)) == "HeNormal(scale=0.5, fan_option='fan_in')"
    np.testing.assert_array_equal(inits.Zero()((2,)), [0.0, 0.0])
    np.testing.assert_array_equal(inits.One()((2,)), [1.0, 1.0])
