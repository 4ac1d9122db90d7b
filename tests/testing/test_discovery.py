"""Discovery: ops with specs, probing of ops without one, exclusions, and clear errors, on a
throwaway package written to tmp_path."""

from __future__ import annotations

import os

import pytest

from gradkit.testing import DiscoveryError, discover, resolve
from gradkit.testing.discovery import probe

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
    assert "Scaled.spec = OpSpec(" in scaled and "kwargs=" in scaled
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
        ("toyops.raises", "ZeroDivisionError"),
    ],
)
def test_resolution_errors_are_clear(make_package, target: str, message: str) -> None:
    make_package(
        "toyops",
        {
            **FILES,
            "needs_dep.py": "import not_installed_dependency\n",
            "raises.py": "1 / 0\n",
        },
    )
    with pytest.raises(DiscoveryError) as info:
        resolve(target)
    assert message in str(info.value)


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
