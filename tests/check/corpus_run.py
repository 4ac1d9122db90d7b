"""Running a corpus entry (correct op or planted bug) the way gradkit.testing's runner does."""

from __future__ import annotations

from typing import Any

import numpy as np

import gradkit
from gradkit.check import CheckResult, check_backward, check_double_backward, check_with_resampling


def run_entry(entry: Any, dtype: str, seed: int, device: str = "cpu") -> CheckResult:
    """Check a corpus entry (correct op or planted bug) at ``seed``, resampling its inputs at
    non-differentiable points, as gradkit.testing's runner does."""

    def run(attempt: int) -> CheckResult:
        rng = np.random.default_rng([seed, attempt])
        inputs = entry.inputs(rng, dtype)
        params = entry.params(rng, dtype) if getattr(entry, "params", None) else []
        if device != "cpu":
            dev = gradkit.get_device(device)
            inputs = [dev.send(x) for x in inputs]
            for p in params:
                p.to_device(dev)
        func = entry.make(*params)
        options = dict(entry.options, params=params, seed=seed, raise_on_failure=False)
        if entry.check == "double_backward":
            return check_double_backward(func, inputs, None, **options)
        return check_backward(func, inputs, **options)

    return check_with_resampling(run, raise_on_failure=False)
