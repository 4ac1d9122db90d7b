"""Saving and loading a Link's parameters, or an Optimizer's state, as a NumPy ``.npz`` file.

Entries are named by the hierarchical paths of :meth:`~gradkit.Link.namedparams`, without the
leading slash: ``l1/W``, ``bn/avg_mean``. An optimizer's file holds its counters ``t`` and
``epoch`` and, per parameter, the rule's counter and state: ``l1/W/t``, ``l1/W/m``...
Hyperparameters are not saved (they belong to the code that builds the optimizer).

Loading checks the whole file against the object first: a name missing from the file, a name
the object does not have, or a shape that differs fails with a :class:`ValueError` that names
each of them, and the object is left unchanged. An uninitialized (lazy) parameter takes its
shape from the file. Arrays are cast to the dtype of the parameter and sent to its device.

Loading never unpickles (``allow_pickle=False``): a file from an untrusted source cannot run
code, and a file that holds Python objects is rejected.

>>> import io, numpy as np, gradkit
>>> class Affine(gradkit.Link):
...     def __init__(self):
...         super().__init__()
...         self.W = gradkit.Parameter(gradkit.initializers.Normal(), (2, 3))
...         self.b = gradkit.Parameter(0.0, (2,))
...     def forward(self, x):
...         return x @ self.W.T + self.b
>>> model = Affine()
>>> buffer = io.BytesIO()
>>> gradkit.serializers.save_npz(buffer, model)
>>> sorted(np.load(io.BytesIO(buffer.getvalue())).files)
['W', 'b']
>>> other = Affine()
>>> _ = buffer.seek(0)
>>> gradkit.serializers.load_npz(buffer, other)
>>> bool((other.W.array == model.W.array).all())
True
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from typing import IO, Any

import numpy
import numpy.lib.format

from gradkit.backend import is_array, to_numpy
from gradkit.link import Link
from gradkit.optimizers.optimizer import Optimizer, UpdateRule
from gradkit.parameter import Parameter

__all__ = ["save_npz", "load_npz", "state_dict"]

File = str | os.PathLike[str] | IO[bytes]


def state_dict(obj: Link | Optimizer) -> dict[str, numpy.ndarray]:
    """The host arrays that :func:`save_npz` writes for ``obj``, by entry name.

    >>> import gradkit
    >>> link = gradkit.Link()
    >>> link.W = gradkit.Parameter(0.0, (2, 3))
    >>> link.b = gradkit.Parameter(0.0, (2,))
    >>> {k: v.shape for k, v in state_dict(link).items()}
    {'W': (2, 3), 'b': (2,)}
    """
    if isinstance(obj, Link):
        return dict(_link_entries(obj))
    if isinstance(obj, Optimizer):
        return dict(_optimizer_entries(obj))
    raise TypeError(f"expected a gradkit.Link or an Optimizer; got {type(obj).__name__}")


def save_npz(file: File, obj: Link | Optimizer, *, compress: bool = False) -> None:
    """Save ``obj``'s parameters and persistent values (a Link) or its state (an Optimizer).

    Args:
        file: a path or a writable binary file. A path is written through a temporary file
            in the same folder, then renamed, so an existing file is never left half-written.
        obj: the :class:`~gradkit.Link` or :class:`~gradkit.optimizers.Optimizer`.
        compress: deflate the entries (smaller files, slower saving).
    """
    entries = state_dict(obj)
    if isinstance(file, str | os.PathLike):
        path = os.fspath(file)
        tmp = f"{path}.tmp{os.getpid()}"
        try:
            with open(tmp, "wb") as f:
                _write(f, entries, compress)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    else:
        _write(file, entries, compress)


def _write(f: IO[bytes], entries: dict[str, numpy.ndarray], compress: bool) -> None:
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(f, mode="w", compression=mode, allowZip64=True) as zf:
        for name, array in entries.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                numpy.lib.format.write_array(member, array, allow_pickle=False)


def load_npz(file: File, obj: Link | Optimizer) -> None:
    """Load a file written by :func:`save_npz` into ``obj``, in place.

    Raises:
        ValueError: the names or shapes of the file and of ``obj`` differ, or the file holds
            something other than numeric arrays. The message names every mismatch; ``obj``
            is left unchanged.
    """
    if not isinstance(obj, Link | Optimizer):
        raise TypeError(f"expected a gradkit.Link or an Optimizer; got {type(obj).__name__}")
    source = os.fspath(file) if isinstance(file, str | os.PathLike) else "the file"
    entries = _read(file, source)
    if isinstance(obj, Link):
        _load_link(entries, obj, source)
    else:
        _load_optimizer(entries, obj, source)


# ----------------------------------------------------------------------------- reading
def _read(file: File, source: str) -> dict[str, numpy.ndarray]:
    try:
        npz = numpy.load(file, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise ValueError(f"cannot read {source} as an .npz file: {e}") from e
    if not isinstance(npz, numpy.lib.npyio.NpzFile):
        raise ValueError(f"{source} is a single .npy array, not an .npz file of named arrays")
    entries = {}
    with npz:
        for name in npz.files:
            try:
                entries[name] = npz[name]
            except ValueError as e:  # object arrays need pickle, which is never allowed
                raise ValueError(
                    f"entry {name!r} of {source} cannot be loaded without unpickling ({e}); "
                    "gradkit never unpickles, so a file from an untrusted source cannot run code"
                ) from None
    return entries


class _Mismatch:
    """Collects every difference between a file and an object, then raises once."""

    def __init__(self, source: str, what: str) -> None:
        self.source = source
        self.what = what
        self.missing: list[str] = []
        self.unexpected: list[str] = []
        self.wrong: list[str] = []

    def check(
        self, name: str, value: numpy.ndarray, shape: tuple[int, ...] | None, kind: str
    ) -> None:
        """Record a mismatch of ``value`` against the expected shape and dtype kind."""
        if shape is not None and tuple(value.shape) != tuple(shape):
            self.wrong.append(
                f"{name}: shape {tuple(value.shape)} in the file, {tuple(shape)} in {self.what}"
            )
        elif value.dtype.kind not in _COMPATIBLE_KINDS[kind]:
            self.wrong.append(
                f"{name}: dtype {value.dtype.name} in the file cannot become a {_KIND_NAMES[kind]}"
            )

    def raise_if_any(self) -> None:
        """Raise a ValueError naming every mismatch, if there is one."""
        if not (self.missing or self.unexpected or self.wrong):
            return
        parts = []
        if self.missing:
            parts.append(f"missing from the file: {', '.join(self.missing)}")
        if self.unexpected:
            parts.append(f"not in {self.what}: {', '.join(self.unexpected)}")
        if self.wrong:
            parts.append("; ".join(self.wrong))
        raise ValueError(
            f"{self.source} does not match {self.what} ({'; '.join(parts)}); nothing was loaded"
        )


_COMPATIBLE_KINDS = {"f": "fiub", "i": "iub", "u": "iub", "b": "b", "c": "fiubc"}
_KIND_NAMES = {"f": "float", "i": "integer", "u": "integer", "b": "bool", "c": "complex"}


def _np_dtype(dtype: Any) -> numpy.dtype:
    # Any namespace's dtype: NumPy's and CuPy's print as "float32", array_api_strict's as
    # "array_api_strict.float32".
    return numpy.dtype(str(dtype).rpartition(".")[2])


def _kind(dtype: Any) -> str:
    return _np_dtype(dtype).kind


# ----------------------------------------------------------------------------- links
def _link_entries(link: Link) -> Iterator[tuple[str, numpy.ndarray]]:
    for path, param in link.namedparams(include_uninit=False):
        yield path[1:], to_numpy(param.array)
    for path, value in link.namedpersistents():
        if value is None:
            continue
        yield path[1:], to_numpy(value) if is_array(value) else numpy.asarray(value)


def _load_link(entries: dict[str, numpy.ndarray], link: Link, source: str) -> None:
    what = f"the {type(link).__name__}"
    report = _Mismatch(source, what)
    params = {path[1:]: p for path, p in link.namedparams()}
    persistents = {}
    owners: dict[str, tuple[Link, str]] = {}
    for path, sub in link.namedlinks():
        prefix = "" if path == "/" else path[1:] + "/"
        for name in sub._persistent:
            persistents[prefix + name] = getattr(sub, name)
            owners[prefix + name] = (sub, name)
    for name, p in params.items():
        if name not in entries:
            if p.array is not None:  # an uninitialized parameter has nothing to load
                report.missing.append(name)
            continue
        if p.array is None:
            report.check(name, entries[name], None, "f")
        else:
            report.check(name, entries[name], p.shape, _kind(p.dtype))
    for name, value in persistents.items():
        if name not in entries:
            if value is not None:
                report.missing.append(name)
            continue
        if is_array(value):
            report.check(name, entries[name], tuple(value.shape), _kind(value.dtype))
        elif value is None:  # not created yet (lazy): any numeric value of any shape fits
            report.check(name, entries[name], None, "c")
        else:
            kind = "b" if isinstance(value, bool) else "f" if isinstance(value, float) else "i"
            report.check(name, entries[name], (), kind)
    report.unexpected = [n for n in entries if n not in params and n not in persistents]
    report.raise_if_any()

    for name, p in params.items():
        if name in entries:
            value = entries[name]
            if p.array is None:
                p.initialize(value.shape)
            _copy_into(p.array, value, p.device)
    for name, (sub, attr) in owners.items():
        if name not in entries:
            continue
        old = getattr(sub, attr)
        value = entries[name]
        if is_array(old):
            _copy_into(old, value, sub.device)
        elif isinstance(old, bool | int | float):
            object.__setattr__(sub, attr, type(old)(value.item()))
        else:  # None until now: a scalar, or an array on the link's device
            object.__setattr__(
                sub, attr, value.item() if value.ndim == 0 else sub.device.send(value)
            )


def _copy_into(target: Any, value: numpy.ndarray, device: Any) -> None:
    host = numpy.asarray(value, dtype=_np_dtype(target.dtype))
    target[...] = device.send(host)


# ----------------------------------------------------------------------------- optimizers
def _rules(optimizer: Optimizer) -> Iterator[tuple[str, Parameter, UpdateRule | None]]:
    target = optimizer.target
    if target is None:
        raise ValueError(
            f"the {type(optimizer).__name__} has no target; call optimizer.setup(link) before "
            "saving or loading its state"
        )
    for path, param in target.namedparams():
        yield path[1:], param, param.update_rule


def _optimizer_entries(optimizer: Optimizer) -> Iterator[tuple[str, numpy.ndarray]]:
    yield "t", numpy.asarray(optimizer.t, dtype=numpy.int64)
    yield "epoch", numpy.asarray(optimizer.epoch, dtype=numpy.int64)
    for name, _, rule in _rules(optimizer):
        if rule is None:
            continue
        yield f"{name}/t", numpy.asarray(rule.t, dtype=numpy.int64)
        for key, value in (rule.state or {}).items():
            yield f"{name}/{key}", to_numpy(value)


def _load_optimizer(entries: dict[str, numpy.ndarray], optimizer: Optimizer, source: str) -> None:
    what = f"the {type(optimizer).__name__}"
    report = _Mismatch(source, what)
    expected = {"t", "epoch"}
    for counter in ("t", "epoch"):
        if counter in entries:
            report.check(counter, entries[counter], (), "i")
        else:
            report.missing.append(counter)
    plans = []  # (rule or None, param, fresh state or None)
    for name, param, rule in _rules(optimizer):
        new_rule = rule if rule is not None else optimizer.create_update_rule()
        counter = f"{name}/t"
        expected.add(counter)
        if counter not in entries:
            if rule is not None:
                report.missing.append(counter)
            continue
        report.check(counter, entries[counter], (), "i")
        template = new_rule.init_state(param) if param.array is not None else {}
        keys = [f"{name}/{k}" for k in template]
        expected.update(keys)
        present = [k for k in keys if k in entries]
        if present and len(present) < len(keys):
            report.missing.extend(k for k in keys if k not in entries)
        for key, array in zip(keys, template.values(), strict=True):
            if key in entries:
                report.check(key, entries[key], tuple(array.shape), _kind(array.dtype))
        plans.append((name, param, rule, new_rule, template if present else None))
    report.unexpected = [n for n in entries if n not in expected]
    report.raise_if_any()

    optimizer.t = int(entries["t"])
    optimizer.epoch = int(entries["epoch"])
    for name, param, rule, new_rule, template in plans:
        if rule is None:
            param.update_rule = new_rule
        new_rule.t = int(entries[f"{name}/t"])
        if template is None:
            new_rule.state = None  # saved before its first update: start afresh
            continue
        for key, array in template.items():
            _copy_into(array, entries[f"{name}/{key}"], param.device)
        new_rule.state = template
