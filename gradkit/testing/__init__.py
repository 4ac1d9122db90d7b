"""gradkit.testing: op specs, discovery, case generation, hypothesis strategies and the runner.

How to verify ops, as data next to each op (:class:`OpSpec`), and the machinery that turns
specs into cases (``tanh-float32-3x4-cpu-backward``) and cases into verdicts. The pytest
plugin and the ``gradkit check`` CLI are thin shells over :func:`run_cases`.

>>> import numpy as np, gradkit
>>> from gradkit.testing import OpSpec, Selection, discover, generate_cases, run_cases
>>> class Cube(gradkit.FunctionNode):
...     def forward(self, inputs):
...         self.retain_inputs((0,))
...         return (inputs[0] ** 3,)
...     def backward(self, target_input_indexes, grad_outputs):
...         (x,) = self.get_retained_inputs()
...         return (3 * x * x * grad_outputs[0],)
>>> Cube.spec = OpSpec(shapes=[(2, 3), (4,)], reference=lambda x: x**3)
>>> cases = generate_cases(discover(Cube).targets, Selection(devices=("cpu",)))
>>> [c.id for c in cases][:2]
['cube-float16-2x3-cpu-forward', 'cube-float16-2x3-cpu-backward']
>>> {r.outcome.value for r in run_cases(cases)}
{'passed'}

Importing this package is cheap: each name is imported from its module on first use, and only
:mod:`gradkit.testing.strategies` imports hypothesis.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    # specs
    "OpSpec",
    "Input",
    "Skip",
    "XFail",
    "Unchecked",
    "op_spec",
    # discovery
    "discover",
    "resolve",
    "Discovery",
    "DiscoveryError",
    "NeedsSpec",
    "Target",
    # cases and selection
    "Case",
    "generate_cases",
    "Selection",
    "OPTIONS",
    "Option",
    # suites (what a test module declares for the pytest plugin)
    "CheckSuite",
    # running
    "run_cases",
    "run_case",
    "CaseResult",
    "Outcome",
    # hypothesis mode (imports hypothesis on first use)
    "run_hypothesis_check",
]

_HOMES = {
    "OpSpec": "spec",
    "Input": "spec",
    "Skip": "spec",
    "XFail": "spec",
    "Unchecked": "spec",
    "op_spec": "spec",
    "discover": "discovery",
    "resolve": "discovery",
    "Discovery": "discovery",
    "DiscoveryError": "discovery",
    "NeedsSpec": "discovery",
    "Target": "target",
    "Case": "cases",
    "generate_cases": "cases",
    "Selection": "selection",
    "OPTIONS": "options",
    "Option": "options",
    "CheckSuite": "suite",
    "run_cases": "runner",
    "run_case": "runner",
    "CaseResult": "runner",
    "Outcome": "runner",
    "run_hypothesis_check": "strategies",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'gradkit.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gradkit.testing.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
