r"""Initializers: callables that create the initial array of a :class:`~gradkit.Parameter`.

Every initializer follows the Parameter protocol ``initializer(shape, dtype, device) ->
array``: it returns a new array of that shape and dtype on that device. Random values are
drawn on the host with a :class:`numpy.random.Generator` in float64, cast to the dtype and
sent to the device, so a seed gives the same values on every device.

Seeding: ``Normal(seed=0)`` owns a generator seeded with 0, so it gives the same sequence of
arrays in every run. An initializer without a seed draws from the module's shared generator,
which :func:`seed` resets: ``gradkit.initializers.seed(0)`` before building a model makes its
whole initialization reproducible.

Fans follow Chainer and PyTorch for a weight of shape ``(out, in, *kernel)``:
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``.

========================  ============================================================
initializer               distribution
========================  ============================================================
``Constant(c)``           every element ``c`` (``Zero``, ``One``)
``Normal(scale)``         :math:`N(0, \mathrm{scale}^2)`
``Uniform(scale)``        :math:`U(-\mathrm{scale}, \mathrm{scale})`
``LeCunNormal``           :math:`N(0, s^2 / \mathrm{fan\_in})` (Linear's default)
``GlorotNormal``          :math:`N(0, 2 s^2 / (\mathrm{fan\_in} + \mathrm{fan\_out}))`
``GlorotUniform``         :math:`U(\pm s \sqrt{6 / (\mathrm{fan\_in} + \mathrm{fan\_out})})`
``HeNormal``              :math:`N(0, 2 s^2 / \mathrm{fan})`
``HeUniform``             :math:`U(\pm s \sqrt{6 / \mathrm{fan}})`
``Orthogonal``            ``scale`` times a random orthogonal matrix (rows or columns)
========================  ============================================================

``XavierNormal``/``XavierUniform`` and ``KaimingNormal``/``KaimingUniform`` are the same
classes under their other names.

>>> import numpy as np, gradkit
>>> from gradkit import initializers
>>> W = gradkit.Parameter(initializers.GlorotUniform(seed=0), shape=(3, 2))
>>> W.array.dtype, W.shape
(dtype('float32'), (3, 2))
>>> bool(np.all(np.abs(W.array) <= np.sqrt(6 / 5)))
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from gradkit.device import Device, get_device

__all__ = [
    "Initializer",
    "Constant",
    "Zero",
    "One",
    "Normal",
    "Uniform",
    "LeCunNormal",
    "GlorotNormal",
    "GlorotUniform",
    "XavierNormal",
    "XavierUniform",
    "HeNormal",
    "HeUniform",
    "KaimingNormal",
    "KaimingUniform",
    "Orthogonal",
    "get_fans",
    "seed",
]

_shared_rng = numpy.random.default_rng()


def seed(value: int | None) -> None:
    """Reseed the generator shared by every initializer created without a ``seed``.

    >>> from gradkit import initializers
    >>> initializers.seed(0)
    >>> a = initializers.Normal()((2,), "float64", "cpu")
    >>> initializers.seed(0)
    >>> b = initializers.Normal()((2,), "float64", "cpu")
    >>> bool((a == b).all())
    True
    """
    global _shared_rng
    _shared_rng = numpy.random.default_rng(value)


def get_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``.

    >>> get_fans((4, 3)), get_fans((8, 3, 5, 5))
    ((3, 4), (75, 200))
    """
    if len(shape) < 2:
        raise ValueError(
            f"fans are defined for weights of at least 2 dimensions (out, in, ...); got shape "
            f"{tuple(shape)}"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


class Initializer:
    """Base class: a seeded callable ``initializer(shape, dtype, device) -> array``.

    Subclasses implement :meth:`generate`, which returns float64 host values.

    Args:
        seed: an int or a :class:`numpy.random.Generator` for this initializer's own
            generator; ``None`` (default) uses the shared generator (see :func:`seed`).
    """

    def __init__(self, seed: int | numpy.random.Generator | None = None) -> None:
        if seed is None or isinstance(seed, numpy.random.Generator):
            self._rng = seed
        else:
            self._rng = numpy.random.default_rng(seed)

    @property
    def rng(self) -> numpy.random.Generator:
        """The generator this initializer draws from."""
        return _shared_rng if self._rng is None else self._rng

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """The initial values, as a float64 NumPy array of ``shape``."""
        raise NotImplementedError(f"{type(self).__name__} must implement generate(shape)")

    def __call__(self, shape: Any, dtype: Any = numpy.float32, device: Any = "cpu") -> Any:
        """Return a new array of ``shape`` and ``dtype`` on ``device``."""
        shape = (int(shape),) if isinstance(shape, int) else tuple(int(s) for s in shape)
        np_dtype = _numpy_dtype(dtype)
        if np_dtype.kind != "f":
            raise TypeError(
                f"{type(self).__name__}: parameters are floating; got dtype {np_dtype.name}"
            )
        values = numpy.asarray(self.generate(shape), dtype=np_dtype)
        dev: Device = get_device(device)
        return dev.send(values)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


def _numpy_dtype(dtype: Any) -> numpy.dtype:
    try:
        return numpy.dtype(dtype)
    except TypeError:  # another namespace's dtype, e.g. array_api_strict.float32
        return numpy.dtype(str(dtype).rpartition(".")[2])


class Constant(Initializer):
    """Every element equals ``value``.

    >>> Constant(0.5)((2,), "float32", "cpu")
    array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = float(value)

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """An array filled with ``value``."""
        return numpy.full(shape, self.value)


class Zero(Constant):
    """Zeros (biases, ``beta`` of the normalizations)."""

    def __init__(self) -> None:
        super().__init__(0.0)


class One(Constant):
    """Ones (``gamma`` of the normalizations)."""

    def __init__(self) -> None:
        super().__init__(1.0)


class Normal(Initializer):
    """Normal distribution with mean 0 and standard deviation ``scale`` (default 0.05)."""

    def __init__(self, scale: float = 0.05, *, seed: int | numpy.random.Generator | None = None):
        super().__init__(seed)
        self.scale = float(scale)

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """Samples of N(0, scale²)."""
        return self.rng.normal(0.0, self.scale, size=shape)


class Uniform(Initializer):
    """Uniform distribution on ``[-scale, scale)`` (default scale 0.05)."""

    def __init__(self, scale: float = 0.05, *, seed: int | numpy.random.Generator | None = None):
        super().__init__(seed)
        self.scale = float(scale)

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """Samples of U(-scale, scale)."""
        return self.rng.uniform(-self.scale, self.scale, size=shape)


class LeCunNormal(Initializer):
    """Normal with standard deviation ``scale * sqrt(1 / fan_in)`` (LeCun 1998).

    Linear's and Convolution2D's default weight initializer, as in Chainer.
    """

    def __init__(self, scale: float = 1.0, *, seed: int | numpy.random.Generator | None = None):
        super().__init__(seed)
        self.scale = float(scale)

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """Samples of N(0, scale² / fan_in)."""
        fan_in, _ = get_fans(shape)
        return self.rng.normal(0.0, self.scale * math.sqrt(1.0 / max(fan_in, 1)), size=shape)


class GlorotNormal(Initializer):
    """Normal with standard deviation ``scale * sqrt(2 / (fan_in + fan_out))`` (Glorot and
    Bengio 2010, "Xavier")."""

    def __init__(self, scale: float = 1.0, *, seed: int | numpy.random.Generator | None = None):
        super().__init__(seed)
        self.scale = float(scale)

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """Samples of N(0, 2 scale² / (fan_in + fan_out))."""
        fan_in, fan_out = get_fans(shape)
        std = self.scale * math.sqrt(2.0 / max(fan_in + fan_out, 1))
        return self.rng.normal(0.0, std, size=shape)


class GlorotUniform(Initializer):
    """Uniform on ``±scale * sqrt(6 / (fan_in + fan_out))`` (Glorot and Bengio 2010)."""

    def __init__(self, scale: float = 1.0, *, seed: int | numpy.random.Generator | None = None):
        super().__init__(seed)
        self.scale = float(scale)

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """Samples of U(-b, b) with b = scale sqrt(6 / (fan_in + fan_out))."""
        fan_in, fan_out = get_fans(shape)
        bound = self.scale * math.sqrt(6.0 / max(fan_in + fan_out, 1))
        return self.rng.uniform(-bound, bound, size=shape)


def _fan(shape: tuple[int, ...], fan_option: str) -> int:
    fan_in, fan_out = get_fans(shape)
    if fan_option == "fan_in":
        return max(fan_in, 1)
    if fan_option == "fan_out":
        return max(fan_out, 1)
    raise ValueError(f"fan_option must be 'fan_in' or 'fan_out'; got {fan_option!r}")


class HeNormal(Initializer):
    """Normal with standard deviation ``scale * sqrt(2 / fan)`` (He et al. 2015, "Kaiming"),
    for ReLU networks. ``fan_option`` is ``"fan_in"`` (default) or ``"fan_out"``."""

    def __init__(
        self,
        scale: float = 1.0,
        fan_option: str = "fan_in",
        *,
        seed: int | numpy.random.Generator | None = None,
    ) -> None:
        super().__init__(seed)
        _fan((1, 1), fan_option)  # reject a bad option now, not at the first initialization
        self.scale = float(scale)
        self.fan_option = fan_option

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """Samples of N(0, 2 scale² / fan)."""
        std = self.scale * math.sqrt(2.0 / _fan(shape, self.fan_option))
        return self.rng.normal(0.0, std, size=shape)


class HeUniform(Initializer):
    """Uniform on ``±scale * sqrt(6 / fan)`` (He et al. 2015). ``fan_option`` is
    ``"fan_in"`` (default) or ``"fan_out"``."""

    def __init__(
        self,
        scale: float = 1.0,
        fan_option: str = "fan_in",
        *,
        seed: int | numpy.random.Generator | None = None,
    ) -> None:
        super().__init__(seed)
        _fan((1, 1), fan_option)
        self.scale = float(scale)
        self.fan_option = fan_option

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """Samples of U(-b, b) with b = scale sqrt(6 / fan)."""
        bound = self.scale * math.sqrt(6.0 / _fan(shape, self.fan_option))
        return self.rng.uniform(-bound, bound, size=shape)


XavierNormal = GlorotNormal
XavierUniform = GlorotUniform
KaimingNormal = HeNormal
KaimingUniform = HeUniform


class Orthogonal(Initializer):
    """``scale`` times a random orthogonal matrix (Saxe et al. 2014).

    The weight is seen as a matrix of shape ``(shape[0], prod(shape[1:]))``; its rows are
    orthonormal when there are no more rows than columns, its columns otherwise. The matrix
    is the Q factor of a Gaussian matrix, with the signs fixed so that the distribution is
    uniform (Haar).

    >>> import numpy as np
    >>> W = Orthogonal(seed=0)((3, 5), "float64", "cpu")
    >>> bool(np.allclose(W @ W.T, np.eye(3)))
    True
    """

    def __init__(self, scale: float = 1.0, *, seed: int | numpy.random.Generator | None = None):
        super().__init__(seed)
        self.scale = float(scale)

    def generate(self, shape: tuple[int, ...]) -> numpy.ndarray:
        """``scale`` times an orthogonal matrix, reshaped to ``shape``."""
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a weight of at least 2 dimensions; got shape {shape}"
            )
        rows, cols = shape[0], math.prod(shape[1:])
        if rows == 0 or cols == 0:
            return numpy.zeros(shape)
        a = self.rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = numpy.linalg.qr(a)
        q *= numpy.sign(numpy.diag(r))  # Haar-uniform: no bias from QR's sign convention
        flat = q if rows >= cols else q.T
        return self.scale * flat.reshape(shape)
