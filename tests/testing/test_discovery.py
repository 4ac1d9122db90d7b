"""Discovery: ops with specs, probing of ops without one, exclusions, and clear errors, on a
throwaway package written to tmp_path."""

from __future__ import annotations

import os
import sys

import pytest

from gradkit.testing import DiscoveryError, discover, resolve
from gradkit.testing.discovery import forward_arity, probe

UNARY = """
import numpy as np
import gradkit
from gradkit.testing import Input, OpSpec, Unchecked, op_spec

CONSTANT = 3


class Elementwise(gradkit.FunctionNode):
    '''A base class: no forward, so not an op.'''


@op_spec(inputs=[Input(domain=(-2.0, 2.0))], shapes=[(3, 4), ()], reference=np.tanh)
class Tanh(Elementwise):
    def forward(self, inputs):
        xp = gradkit.get_array_module(inputs[0])
        self.retain_outputs((0,))
        return (xp.tanh(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 - y * y),)


class BadTanh(Tanh):
    def backward(self, target_input_indexes, grad_outputs):
        (y,) = self.get_retained_outputs()
        return (grad_outputs[0] * (1 + y * y),)


class Sin(gradkit.FunctionNode):
    def forward(self, inputs):
        xp = gradkit.get_array_module(inputs[0])
        self.retain_inputs((0,))
        return (xp.sin(inputs[0]),)

    def backward(self, target_input_indexes, grad_outputs):
        raise NotImplementedError


class _Private(gradkit.FunctionNode):
    def forward(self, inputs):
        return inputs


class GradHelper(gradkit.FunctionNode):
    spec = Unchecked("checked through Tanh's double backward")

    def forward(self, inputs):
        return inputs


@op_spec(name="square_sum", shapes=[(3,)])
@op_spec(name="square", shapes=[(2, 2)])
def square(x):
    return x * x
"""

BINARY = """
import gradkit


class Mul2(gradkit.FunctionNode):
    def forward(self, inputs):
        x, y = inputs
        return (x * y,)


class Log(gradkit.Function):
    def forward(self, inputs):
        (x,) = inputs
        xp = gradkit.get_array_module(x)
        return (xp.log(x),)

    def backward(self, inputs, grad_outputs):
        return (grad_outputs[0] / inputs[0],)


class MatSquare(gradkit.FunctionNode):
    def forward(self, inputs):
        (x,) = inputs
        return (x @ x,)


class Scaled(gradkit.FunctionNode):
    def __init__(self, factor):
        self.factor = factor

    def forward(self, inputs):
        return (inputs[0] * self.factor,)


class Broken(gradkit.Function):
    def forward(self, inputs):
        raise RuntimeError("needs a weight matrix")
"""

FILES = {
    "__init__.py": "from toyops.unary import Tanh, square\n",
    "unary.py": UNARY,
    "binary.py": BINARY,
    "__main__.py": "raise SystemExit('__main__ must not be imported by discovery')\n",
    "tests/__init__.py": "",
    "tests/test_ops.py": "import a_module_that_does_not_exist\n",
    "test_helpers.py": "import a_module_that_does_not_exist\n",
    "sub/__init__.py": "",
    "sub/deep.py": """
        import gradkit


        class Deep(gradkit.FunctionNode):
            def forward(self, inputs):
                return (inputs[0] + inputs[0],)
    """,
}


@pytest.fixture
def toyops(make_package) -> str:
    return make_package("toyops", FILES)


def test_finds_every_op_of_the_package_sorted(toyops: str) -> None:
    found = discover(toyops)
    assert [(t.name, t.path, t.inferred) for t in found.targets] == [
        ("badtanh", "toyops.unary.BadTanh", False),
        ("deep", "toyops.sub.deep.Deep", True),
        ("log", "toyops.binary.Log", True),
        ("matsquare", "toyops.binary.MatSquare", True),
        ("mul2", "toyops.binary.Mul2", True),
        ("sin", "toyops.unary.Sin", True),
        ("square", "toyops.unary.square", False),
        ("square_sum", "toyops.unary.square", False),
        ("tanh", "toyops.unary.Tanh", False),
    ]
    assert [n.path for n in found.needs_spec] == ["toyops.binary.Broken", "toyops.binary.Scaled"]
    assert [(e.path, e.reason) for e in found.excluded] == [
        ("toyops.unary.GradHelper", "checked through Tanh's double backward")
    ]


def test_discovery_is_deterministic(toyops: str) -> None:
    first = discover(toyops)
    second = discover(toyops)
    assert [t.name for t in first.targets] == [t.name for t in second.targets]
    assert first.needs_spec == second.needs_spec


def test_probing_infers_arity_domain_and_shapes(toyops: str) -> None:
    by_name = {t.name: t for t in discover(toyops).targets}
    sin = by_name["sin"].spec
    assert len(sin.inputs) == 1 and sin.inputs[0].float_domain == (-1.0, 1.0)
    assert [c.token for c in sin.shapes] == ["3x4", "3x3", "5", "scalar"]
    assert len(by_name["mul2"].spec.inputs) == 2
    assert by_name["log"].spec.inputs[0].float_domain == (0.5, 2.0)  # log(-1) is NaN
    assert [c.token for c in by_name["matsquare"].spec.shapes] == ["3x3", "5"]  # x @ x


def test_needs_spec_says_why_and_shows_a_spec(toyops: str) -> None:
    by_path = {n.path: n.message for n in discover(toyops).needs_spec}
    scaled = by_path["toyops.binary.Scaled"]
    assert "needs a spec: its constructor needs arguments (factor)" in scaled
    assert "Scaled.spec = OpSpec(" in scaled and 'kwargs={"factor": ...}' in scaled
    broken = by_path["toyops.binary.Broken"]
    assert "forward failed on every probed input" in broken
    assert "RuntimeError: needs a weight matrix" in broken
    assert "Broken.spec = OpSpec(" in broken


def test_without_probing_every_spec_less_op_needs_a_spec(toyops: str) -> None:
    found = discover(toyops, probe_missing=False)
    assert all(not t.inferred for t in found.targets)
    assert "toyops.unary.Sin" in [n.path for n in found.needs_spec]


def test_a_single_module_only_yields_its_own_ops(toyops: str) -> None:
    names = [t.name for t in discover(f"{toyops}.binary").targets]
    assert names == ["log", "matsquare", "mul2"]


def test_a_package_root_finds_reexported_specs_once(toyops: str) -> None:
    import toyops as pkg

    found = discover(pkg.__name__ + ".unary", pkg)  # both routes reach Tanh
    assert [t.name for t in found.targets].count("tanh") == 1


@pytest.mark.parametrize("name", ["toyops.unary.Tanh", "toyops.unary:Tanh"])
def test_an_op_by_name(toyops: str, name: str) -> None:
    (target,) = discover(name).targets
    assert target.path == "toyops.unary.Tanh" and target.name == "tanh"


def test_an_op_object_and_its_callable(toyops: str) -> None:
    import numpy as np
    from toyops.unary import Tanh

    import gradkit

    (target,) = discover(Tanh).targets
    f = target.function()
    x = gradkit.Variable(np.array([0.5]))
    assert f(x).array == pytest.approx(np.tanh(0.5))
    assert f(x).array == pytest.approx(np.tanh(0.5))  # a fresh node on every call
    file, line = target.location
    assert file.endswith(os.path.join("toyops", "unary.py")) and line > 1


def test_inherited_spec_names_the_subclass(toyops: str) -> None:
    from toyops.unary import BadTanh, Tanh

    (target,) = discover(BadTanh).targets
    assert target.name == "badtanh" and target.spec is Tanh.spec


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("toyopz", "no module named 'toyopz'"),
        ("toyops.unry", "has no module or attribute 'unry'. Did you mean 'unary'"),
        ("toyops.unary.Tahn", "Did you mean 'Tanh'"),
        ("toyops.unary.CONSTANT", "is a int, not a Function or FunctionNode class"),
        ("toyops.needs_dep", "needs the module 'not_installed_dependency', which is not"),
        ("toyops.raises", "ZeroDivisionError: division by zero (at "),
        # The user's file and line, not "<frozen importlib._bootstrap>".
        ("toyops.syntax", "SyntaxError: invalid syntax (at "),
        ("toyopz.Tanh", "no module named 'toyopz' (looking for 'toyopz.Tanh')"),
        ("toyops.unary.py", "looks like a file name, but a TARGET is a module name: toyops.unary "),
        ("toyops/unary.py:Tanh", "a TARGET is a module name: toyops.unary:Tanh "),
        # np is numpy, imported by the module: not an op, and never walked as a package.
        ("toyops.unary.np", "'np' in toyops.unary is the module 'numpy', which toyops.unary "),
        ("toyops.plain.helper", "is a function without a spec: only Function and FunctionNode"),
    ],
)
def test_resolution_errors_are_clear(make_package, target: str, message: str) -> None:
    make_package(
        "toyops",
        {
            **FILES,
            "needs_dep.py": "import not_installed_dependency\n",
            "raises.py": "1 / 0\n",
            "syntax.py": "X = 1\ndef f(:\n    pass\n",
            "plain.py": "def helper(x):\n    return x\n",
        },
    )
    with pytest.raises(DiscoveryError) as info:
        resolve(target)
    assert message in str(info.value)
    assert "<frozen" not in str(info.value)
    if target == "toyops.syntax":
        assert str(info.value).endswith(f"{os.sep}syntax.py:2). Fix the module, then run again.")


def test_a_missing_module_is_named_for_the_plugin(toyops: str) -> None:
    with pytest.raises(DiscoveryError) as info:
        resolve("toyopz.unary.Tanh")
    assert (info.value.target, info.value.missing) == ("toyopz.unary.Tanh", "toyopz")
    with pytest.raises(DiscoveryError) as info:
        resolve("toyops.needs_dep_missing_too")
    assert info.value.missing is None  # toyops is there: not a sys.path problem


ENGINE = {
    "__init__.py": "",
    "core.py": "def double(x):\n    return x * 2.0\n\n\ndef triple(x):\n    return x * 3.0\n",
}

LIBRARY = {
    "__init__.py": "from lib.math import double\nfrom lib.more import triple\n",
    # The spec attached with op_spec where the op is re-exported...
    "math.py": """
        from engine.core import double
        from gradkit.testing import op_spec

        __all__ = ["double"]

        op_spec(dtypes="float64", devices="cpu")(double)
    """,
    # ... or assigned as an attribute.
    "more.py": """
        from engine.core import triple
        from gradkit.testing import OpSpec

        __all__ = ["triple"]

        triple.spec = OpSpec(dtypes="float64", devices="cpu")
    """,
}


def test_a_reexported_op_is_named_where_its_spec_is_attached(make_package) -> None:
    """Importing engine.core.double does not attach its spec: listings and reproduce commands
    must name the library's module, which does."""
    make_package("engine", ENGINE)
    make_package("lib", LIBRARY)
    paths = {t.name: t.path for t in discover("lib").targets}
    assert paths == {"double": "lib.math.double", "triple": "lib.more.triple"}
    (target,) = discover("lib.double").targets
    assert target.path == "lib.math.double"
    (target,) = discover("lib:triple").targets
    assert target.path == "lib:triple"  # as typed: it resolves
    from engine.core import double

    (target,) = discover(double).targets
    assert target.path == "lib.math.double"


def test_needs_spec_template_reflects_arity_and_constructor(make_package) -> None:
    make_package(
        "argops",
        {
            "__init__.py": "",
            "ops.py": """
                import gradkit


                class Scale(gradkit.FunctionNode):
                    def __init__(self, k, axis=-1):
                        self.k, self.axis = k, axis

                    def forward(self, inputs):
                        return (inputs[0] * self.k,)


                class Affine(gradkit.FunctionNode):
                    def forward(self, inputs):
                        x, W = inputs
                        raise ValueError("needs W of shape (in, out)")
            """,
        },
    )
    by_path = {n.path: n.message for n in discover("argops").needs_spec}
    scale = by_path["argops.ops.Scale"]
    assert "        inputs=[Input(domain=(-1.0, 1.0))],\n" in scale
    assert '        kwargs={"k": ..., "axis": -1},  # the constructor\'s arguments' in scale
    affine = by_path["argops.ops.Affine"]
    assert "        inputs=[Input(domain=(-1.0, 1.0)), Input(domain=(-1.0, 1.0))],\n" in affine
    assert "kwargs" not in affine


ARITIES = {
    "x, W, b = inputs": 3,
    "(x,) = inputs": 1,
    "[x, W] = inputs": 2,
    "y = inputs[0] * inputs[1]": 2,
    "y = inputs[2]": 3,
    "x, *rest = inputs": None,  # a variable number
    "y = inputs[0] * len(inputs)": None,  # inputs used otherwise too
    "y = inputs[-1]": None,
    "y = 0": None,
}


@pytest.mark.parametrize(("line", "arity"), ARITIES.items())
def test_forward_arity_reads_the_source(tmp_path, monkeypatch, line: str, arity) -> None:
    source = (
        "import gradkit\n\n\nclass Op(gradkit.FunctionNode):\n"
        f"    def forward(self, inputs):\n        {line}\n        return (y,)\n"
    )
    (tmp_path / "arity_op.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    module = importlib.import_module("arity_op")
    try:
        assert forward_arity(module.Op) == arity
    finally:
        del sys.modules["arity_op"]


def test_a_submodule_that_fails_to_import_stops_a_package_walk(make_package) -> None:
    make_package("toyops", {**FILES, "needs_dep.py": "import not_installed_dependency\n"})
    with pytest.raises(DiscoveryError, match=r"toyops.needs_dep.*not_installed_dependency"):
        discover("toyops")


def test_two_ops_with_one_name_are_an_error(make_package) -> None:
    dup = "import gradkit\nfrom gradkit.testing import OpSpec\n\n\n" + (
        "class Tanh(gradkit.FunctionNode):\n"
        "    spec = OpSpec()\n\n"
        "    def forward(self, inputs):\n"
        "        return inputs\n"
    )
    make_package("toyops", {**FILES, "dup.py": dup})
    with pytest.raises(DiscoveryError, match=r"both be named 'tanh'.*toyops.dup.Tanh"):
        discover("toyops")


def test_probe_reports_a_spec_for_a_good_op(toyops: str) -> None:
    from toyops.binary import Mul2

    spec = probe(Mul2)
    assert len(spec.inputs) == 2


def test_a_helper_imported_from_elsewhere_is_not_an_op_unless_exported(make_package) -> None:
    """A spec'd function a module merely uses (imported from another package) is not one of
    its ops; listed in the module's ``__all__`` it is (a re-export)."""
    make_package(
        "helperuser",
        {
            "__init__.py": "",
            "uses.py": "from gradkit_ops import tanh\n\n__all__ = []\n",
            "reexports.py": "from gradkit_ops import tanh\n\n__all__ = ['tanh']\n",
        },
    )
    assert not discover("helperuser.uses").targets
    assert {t.obj.__name__ for t in discover("helperuser.reexports").targets} == {"tanh"}
