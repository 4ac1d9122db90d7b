"""Devices: where arrays live.

* ``cpu``: NumPy.
* ``gpu:N`` (or ``gpu`` for ``gpu:0``): CuPy, an optional extra (``pip install gradkit[cuda12]``).
* ``strict``: array-api-strict's second device. It refuses implicit host conversion and the
  mixing of devices exactly as a GPU does, so device bugs show up on machines without a GPU.

Importing gradkit never imports CuPy; :func:`gpu_available` probes once, on first use.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy

from gradkit.backend import _is_strict_array, get_array_module, to_numpy

__all__ = [
    "Device",
    "CpuDevice",
    "StrictDevice",
    "GpuDevice",
    "get_device",
    "get_device_from_array",
    "gpu_available",
    "device_name",
]


class Device:
    """A place where arrays live. Compare devices with ``==``; print one to get its name."""

    name: str

    @property
    def xp(self) -> Any:
        """The array namespace of this device."""
        raise NotImplementedError

    @property
    def native(self) -> Any:
        """The value to pass as ``device=`` to the namespace's array constructors."""
        raise NotImplementedError

    def send(self, array: Any) -> Any:
        """Return ``array`` (any supported array, or array-like) on this device."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = get_device(other)
            except ValueError:
                return False
        return isinstance(other, Device) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"gradkit.get_device({self.name!r})"


class CpuDevice(Device):
    """The host, through NumPy."""

    name = "cpu"

    @property
    def xp(self) -> Any:
        return numpy

    @property
    def native(self) -> Any:
        return "cpu"

    def send(self, array: Any) -> Any:
        if type(array) is numpy.ndarray:
            return array
        if isinstance(array, numpy.generic | int | float | list | tuple):
            return numpy.asarray(array)
        return to_numpy(array)


class StrictDevice(Device):
    """array-api-strict's non-default device: the CPU stand-in for an accelerator."""

    name = "strict"

    @functools.cached_property
    def xp(self) -> Any:
        try:
            import array_api_strict
        except ImportError:
            raise ValueError(
                "device 'strict' needs the array-api-strict package: pip install 'gradkit[strict]'"
            ) from None
        return array_api_strict

    @functools.cached_property
    def native(self) -> Any:
        return self.xp.Device("device1")

    def send(self, array: Any) -> Any:
        xp = self.xp
        if _is_strict_array(array):
            return array if array.device == self.native else array.to_device(self.native)
        host = to_numpy(array) if not isinstance(array, numpy.ndarray) else array
        return xp.asarray(numpy.asarray(host), device=self.native)


class GpuDevice(Device):
    """A CUDA device, through CuPy."""

    def __init__(self, device_id: int) -> None:
        self.device_id = device_id
        self.name = f"gpu:{device_id}"

    @property
    def xp(self) -> Any:
        import array_api_compat.cupy

        return array_api_compat.cupy

    @property
    def native(self) -> Any:
        import cupy

        return cupy.cuda.Device(self.device_id)

    def send(self, array: Any) -> Any:
        import cupy

        with cupy.cuda.Device(self.device_id):
            if isinstance(array, cupy.ndarray):
                return cupy.asarray(array)  # copies across devices when needed
            return cupy.asarray(to_numpy(array) if not isinstance(array, numpy.ndarray) else array)


@functools.cache
def gpu_available() -> bool:
    """Whether CuPy imports and sees at least one CUDA device. Probed once, never raises."""
    try:
        import cupy

        return int(cupy.cuda.runtime.getDeviceCount()) > 0
    except Exception:
        return False


_CPU = CpuDevice()
_STRICT = StrictDevice()


def get_device(spec: Any) -> Device:
    """Return the :class:`Device` named by ``spec``: ``"cpu"``, ``"strict"``, ``"gpu"``,
    ``"gpu:N"``, or a Device (returned as is).

    >>> import gradkit
    >>> gradkit.get_device("cpu")
    gradkit.get_device('cpu')
    """
    if isinstance(spec, Device):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"a device is named by a string such as 'cpu'; got {type(spec).__name__}")
    name = spec.strip().lower()
    if name in ("cpu", "numpy", "@numpy"):
        return _CPU
    if name == "strict":
        return _STRICT
    if name == "gpu" or name.startswith(("gpu:", "cuda", "@cupy")):
        digits = name.rpartition(":")[2] if ":" in name else "0"
        if not digits.isdigit():
            raise ValueError(f"invalid GPU device {spec!r}; write 'gpu' or 'gpu:N', e.g. 'gpu:0'")
        if not gpu_available():
            raise ValueError(
                f"device {spec!r} is not available: CuPy is not installed or sees no CUDA "
                "device. Install gradkit[cuda12] (or [cuda13]) on a machine with a GPU, or "
                "use 'cpu' or 'strict'."
            )
        return GpuDevice(int(digits))
    raise ValueError(f"unknown device {spec!r}; the devices are 'cpu', 'strict', 'gpu:N'")


def get_device_from_array(array: Any) -> Device:
    """Return the :class:`Device` an array lives on."""
    if type(array) is numpy.ndarray or isinstance(array, numpy.generic):
        return _CPU
    xp = get_array_module(array)
    module = getattr(xp, "__name__", "")
    if module == "array_api_strict":
        if array.device == _STRICT.native:
            return _STRICT
        return _CPU  # array_api_strict's default device is host memory
    if "cupy" in module:
        return GpuDevice(array.device.id)
    return _CPU


def device_name(native: Any) -> str:
    """gradkit's name ("cpu", "strict", "gpu:N") for a namespace's own device object."""
    if isinstance(native, str):
        return "cpu" if native == "cpu" else native
    module = type(native).__module__
    if module.startswith("array_api_strict"):
        return "strict" if native == _STRICT.native else "strict:host"
    if module.startswith("cupy"):
        return f"gpu:{native.id}"
    return str(native)
