"""user_code: where in the user's code an exception was raised, and its traceback as text."""

from __future__ import annotations

import numpy as np

from gradkit.check.user_code import format_traceback, user_location


def _raise_in_numpy() -> None:
    np.linalg.inv(np.zeros((2, 2)))  # raises inside NumPy


def test_user_location_skips_library_frames_and_falls_back() -> None:
    try:
        _raise_in_numpy()
    except np.linalg.LinAlgError as exc:
        loc = user_location(exc)
    assert loc is not None and (loc.filename, loc.name) == (__file__, "_raise_in_numpy")
    assert loc.lineno == _raise_in_numpy.__code__.co_firstlineno + 1
    assert loc.line == "np.linalg.inv(np.zeros((2, 2)))  # raises inside NumPy"
    assert str(loc) == f"{__file__}:{loc.lineno} in _raise_in_numpy"
    assert user_location(ValueError("never raised")) is None


def test_format_traceback_is_the_exception_as_python_prints_it() -> None:
    try:
        _raise_in_numpy()
    except np.linalg.LinAlgError as exc:
        text = format_traceback(exc)
    assert text.startswith("Traceback (most recent call last):")
    assert f'File "{__file__}", line' in text and "in _raise_in_numpy" in text
    assert text.endswith("numpy.linalg.LinAlgError: Singular matrix")
