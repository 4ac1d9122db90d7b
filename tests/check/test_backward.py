"""check_backward: its options, verdicts and guarantees, beyond the corpus."""

from __future__ import annotations

import inspect
import os
import pathlib

import numpy as np
import pytest
from corpus_bugs import TanhOneBadElement, TanhSign, noisy_tanh, scaled_sin
from corpus_correct import Abs, Exp, LinearFunction, Take, Tanh

import gradkit
from gradkit.arithmetic import matmul, transpose
from gradkit.check import GradientCheckError, Status, TolerancePolicy, check_backward
from gradkit.check.backward import SMALL_INPUT_ELEMENTS
from gradkit.check.localize import BISECT_MAX_EVALS, JACOBIAN_MAX_ELEMENTS


def tanh(x):
    return Tanh().apply((x,))[0]


def rand(*shape, lo=-1.0, hi=1.0, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape)


def test_result_records_what_was_checked() -> None:
    r = check_backward(tanh, [rand(3, 4)], seed=11, repro="cmd")
    assert r.passed and r.status is Status.PASSED
    assert (r.check, r.target, r.dtype, r.device) == ("backward", "tanh", "float64", "cpu")
    assert (r.seed, r.eps, r.atol, r.rtol, r.directions) == (11, 1e-3, 1e-9, 1e-7, 3)
    assert r.tier == 2  # 12 elements: small enough for the element-wise tier
    assert r.n_evals > 0 and r.time_s > 0
    assert [(i.index, i.name, i.shape, i.dtype) for i in r.inputs] == [(0, "x0", (3, 4), "float64")]
    assert r.inputs[0].max_abs_err is not None and r.inputs[0].worst == []


@pytest.mark.parametrize("shape", [(3, 4), (64, 64), (300, 300)])
def test_tier1_evaluations_do_not_depend_on_the_input_size(shape) -> None:
    for directions in (1, 3, 5):
        r = check_backward(tanh, [rand(*shape)], jacobian="never", directions=directions)
        assert r.passed and r.tier == 1
        # one forward with a graph, four stencil points per direction
        assert r.n_evals == 1 + 4 * directions


def test_same_seed_same_result_different_seed_different_directions() -> None:
    x = [rand(64, 64)]
    f = lambda v: TanhSign().apply((v,))[0]  # noqa: E731
    a = check_backward(f, x, seed=5, raise_on_failure=False)
    b = check_backward(f, x, seed=5, raise_on_failure=False)
    c = check_backward(f, x, seed=6, raise_on_failure=False)
    assert a.message == b.message
    assert a.message != c.message


def test_failure_raises_an_assertion_error_carrying_the_result() -> None:
    with pytest.raises(AssertionError) as info:
        check_backward(lambda v: TanhSign().apply((v,))[0], [rand(3, 4)])
    assert isinstance(info.value, GradientCheckError)
    assert info.value.result.subcheck == "values"


def test_forward_exception_is_an_error_verdict() -> None:
    def broken(x):
        raise RuntimeError("boom")

    r = check_backward(broken, [rand(3)], raise_on_failure=False)
    assert (r.status, r.subcheck) == (Status.ERROR, "exception")
    assert "RuntimeError" in r.message and "boom" in r.message
    with pytest.raises(GradientCheckError):
        check_backward(broken, [rand(3)])


def test_nondifferentiable_sample_is_reported_and_never_raises() -> None:
    x = np.array([0.0, 0.5, -0.3])  # |x| at its kink
    r = check_backward(lambda v: Abs().apply((v,))[0], [x], jacobian="never")
    assert r.status is Status.NONDIFFERENTIABLE
    assert "resample" in r.message


def test_a_kink_near_the_sample_is_resolved_by_smaller_steps() -> None:
    x = np.array([2e-4, 0.5, -0.3])  # inside the first stencil, outside the refined ones
    assert check_backward(lambda v: Abs().apply((v,))[0], [x]).passed


def test_integer_inputs_are_not_differentiated() -> None:
    x = rand(5, 3)
    idx = np.array([0, 4, 4, 1])
    r = check_backward(lambda a, i: Take().apply((a, i))[0], [x, idx])
    assert r.passed
    assert r.inputs[1].dtype == "int64" and r.inputs[1].max_abs_err is None


def test_no_grads_leaves_an_input_out() -> None:
    class WrongForSecond(gradkit.FunctionNode):
        def forward(self, inputs):
            return (inputs[0] * inputs[1],)

        def backward(self, indexes, gys):
            return (gys[0] * 7.0,) if indexes == (1,) else (gys[0], gys[0])

    f = lambda x, y: WrongForSecond().apply((x, y))[0]  # noqa: E731
    x, y = rand(3), np.ones(3)
    assert not check_backward(f, [x, y], raise_on_failure=False).passed
    assert check_backward(f, [x, y], no_grads=[False, True]).passed


def test_dtype_casts_inputs_and_selects_the_policy() -> None:
    r = check_backward(tanh, [rand(3, 4)], dtype="float16")
    assert r.dtype == "float16" and r.inputs[0].dtype == "float16"
    assert (r.atol, r.rtol) == (1e-2, 1e-2)


def test_parameters_are_checked_and_given_back() -> None:
    W = gradkit.Parameter(rand(3, 2, seed=1).astype(np.float32), name="W")
    original = W.array
    r = check_backward(lambda x: tanh(matmul(x, W)), [rand(4, 3).astype(np.float32)], params=[W])
    assert r.passed
    assert [i.name for i in r.inputs] == ["x0", "W"]
    assert W.array is original and W.grad is None

    class BadScale(gradkit.FunctionNode):  # the gradient of the weight only is doubled
        def forward(self, inputs):
            self.retain_inputs((0, 1))
            return (inputs[0] * inputs[1],)

        def backward(self, indexes, gys):
            x, w = self.get_retained_inputs()
            return gys[0] * w, 2 * gys[0] * x

    b = gradkit.Parameter(rand(4, seed=2), name="b")
    r = check_backward(
        lambda x: BadScale().apply((x, b))[0], [rand(4)], params=[b], raise_on_failure=False
    )
    assert r.subcheck == "values"
    assert "constant scale factor 2" in r.diagnosis and "'b'" in r.diagnosis


def test_given_grad_outputs_are_used_and_validated() -> None:
    x = rand(3, 4)
    gy = np.zeros((3, 4))
    gy[1, 2] = 1.0  # only one output element weighs: the sign bug elsewhere is invisible
    f = lambda v: TanhSign().apply((v,))[0]  # noqa: E731
    r = check_backward(f, [x], [gy], raise_on_failure=False)
    assert r.subcheck == "values"
    assert r.inputs[0].worst[0].index == (1, 2)
    with pytest.raises(ValueError, match="shape"):
        check_backward(f, [x], [np.zeros(3)])


def test_strict_device_inputs() -> None:
    dev = gradkit.get_device("strict")
    r = check_backward(matmul, [dev.send(rand(3, 4)), dev.send(rand(4, 2, seed=1))])
    assert r.passed and r.device == "strict"


def test_an_op_without_float64_support_is_checked_in_its_own_dtype() -> None:
    class Float32Only(gradkit.FunctionNode):
        def forward(self, inputs):
            (x,) = inputs
            if x.dtype != np.float32:
                raise TypeError("float32 only")
            self.retain_outputs((0,))
            return (np.tanh(x),)

        def backward(self, indexes, gys):
            (y,) = self.get_retained_outputs()
            return (gys[0] * (1 - y * y) * self.factor,)

    class Right(Float32Only):
        factor = 1.0

    class Wrong(Float32Only):
        factor = 1.5

    x = rand(3, 4).astype(np.float32)
    r = check_backward(lambda v: Right().apply((v,))[0], [x], jacobian="never")
    assert r.passed and r.eps == 2e-2  # float32's wider step
    r = check_backward(lambda v: Wrong().apply((v,))[0], [x], raise_on_failure=False)
    assert r.subcheck == "values" and "evaluated in" not in r.message


def test_jacobian_modes() -> None:
    small, large = [rand(3, 4)], [rand(40, 40)]
    assert check_backward(tanh, small, jacobian="never").tier == 1
    assert check_backward(tanh, small).tier == 2
    assert sum(a.size for a in small) <= SMALL_INPUT_ELEMENTS
    assert check_backward(tanh, large).tier == 1
    r = check_backward(tanh, large, jacobian="always")
    assert r.passed and r.tier == 2
    # a sampled block past the size limit, never every element
    assert r.n_evals <= 1 + 4 * 3 + 4 * (JACOBIAN_MAX_ELEMENTS + 1)
    with pytest.raises(ValueError, match="jacobian"):
        check_backward(tanh, small, jacobian="sometimes")


def test_one_wrong_element_of_ten_thousand_is_localized_at_bounded_cost() -> None:
    x = [rand(100, 100)]
    r = check_backward(lambda v: TanhOneBadElement().apply((v,))[0], x, raise_on_failure=False)
    assert r.subcheck == "values"
    assert r.inputs[0].worst[0].index == (12, 34)
    assert "one element (index (12, 34))" in r.diagnosis
    assert r.n_evals <= 1 + 3 * 12 + BISECT_MAX_EVALS + 3 * 4


def test_tolerance_overrides_apply_to_the_float64_comparison_too() -> None:
    f = lambda v: scaled_sin(1.0001)().apply((v,))[0]  # noqa: E731
    x = [rand(3, 4)]
    assert not check_backward(f, x, raise_on_failure=False).passed
    assert check_backward(f, x, rtol=1e-3).passed
    assert check_backward(f, x, tolerances={"float64": TolerancePolicy(1e-9, 1e-3)}).passed
    # a float16 check loosened by its caller keeps float64's tightness where that is looser
    assert not check_backward(f, x, dtype="float16", raise_on_failure=False).passed


def test_nondet_tol_allows_declared_nondeterminism() -> None:
    f = lambda v: noisy_tanh(1e-12)().apply((v,))[0]  # noqa: E731
    r = check_backward(f, [rand(3, 4)], raise_on_failure=False)
    assert r.subcheck == "nondeterministic"
    assert check_backward(f, [rand(3, 4)], nondet_tol=1e-9).passed


def test_classic_function() -> None:
    x, W, b = rand(4, 3), rand(3, 2, seed=1), rand(2, seed=2)
    r = check_backward(LinearFunction(), [x, W, b])
    assert r.passed and r.target == "LinearFunction"


def test_works_inside_no_backprop_mode() -> None:
    with gradkit.no_backprop_mode():
        assert check_backward(lambda v: Exp().apply((v,))[0], [rand(3)]).passed
        assert not gradkit.config.enable_backprop


@pytest.mark.parametrize(
    ("func", "reason"),
    [
        (lambda x: gradkit.Variable(np.zeros(3, dtype=np.int64)), "no floating output"),
        (lambda i: Take().apply((np.ones((5, 2)), i))[0], "no floating input"),
    ],
)
def test_nothing_to_differentiate_is_a_skip(func, reason) -> None:
    r = check_backward(func, [np.array([0, 1, 2])])
    assert r.status is Status.SKIPPED and reason in r.reason


def test_bad_arguments_are_refused_with_a_message() -> None:
    with pytest.raises(TypeError, match="inputs\\[0\\]"):
        check_backward(tanh, [[1.0, 2.0]])
    with pytest.raises(ValueError, match="no_grads"):
        check_backward(tanh, [rand(3)], no_grads=[True, False])
    with pytest.raises(ValueError, match="directions"):
        check_backward(tanh, [rand(3)], directions=0)


# ----------------------------------------------------------------------------- where it raised
class _MatMulNoTranspose(gradkit.FunctionNode):
    """x @ W whose backward forgets a transpose: it raises for non-square W."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        return (inputs[0] @ inputs[1],)

    def backward(self, indexes, gys):
        x, w = self.get_retained_inputs()
        return matmul(gys[0], w), matmul(transpose(x), gys[0])  # raises: gy @ W, not gy @ W.T


def _line_of(func, text: str) -> int:
    """The line number of the first line of ``func``'s source containing ``text``."""
    lines, start = inspect.getsourcelines(func)
    return start + next(i for i, line in enumerate(lines) if text in line)


def test_an_exception_in_backward_names_the_users_line() -> None:
    f = lambda x, w: _MatMulNoTranspose().apply((x, w))[0]  # noqa: E731
    r = check_backward(f, [rand(4, 3), rand(3, 2, seed=1)], raise_on_failure=False)
    assert (r.status, r.subcheck) == (Status.ERROR, "exception")
    line = _line_of(_MatMulNoTranspose.backward, "raises: gy @ W")
    where = f"{__file__}:{line}"
    assert f"(at {where} in _MatMulNoTranspose.backward)" in r.message
    assert "_MatMulNoTranspose raised ValueError in backward" in r.message
    # the diagnosis quotes the line and says what to do; the gradkit frames are left out
    assert r.diagnosis.startswith(
        f"ValueError raised at {where} in _MatMulNoTranspose.backward: `return matmul("
    )
    assert "x0 (4, 3) float64, x1 (3, 2) float64" in r.diagnosis
    assert "gradkit/" not in r.diagnosis.replace(__file__, "")


def test_an_exception_in_forward_or_a_perturbed_evaluation_names_the_users_line() -> None:
    def broken(x):
        raise RuntimeError("boom")  # the forward's line

    r = check_backward(broken, [rand(3)], raise_on_failure=False)
    assert f"(at {__file__}:{_line_of(broken, 'boom')} in broken)" in r.message

    calls = []

    def fragile(x):
        calls.append(1)
        if len(calls) > 1:
            raise FloatingPointError("perturbed")  # only on the numerical evaluations
        return tanh(x)

    r = check_backward(fragile, [rand(3)], raise_on_failure=False)
    assert "a numerical evaluation" in r.message
    assert f"(at {__file__}:{_line_of(fragile, 'perturbed')} in fragile)" in r.message


def test_raising_a_check_error_chains_the_users_exception() -> None:
    f = lambda x, w: _MatMulNoTranspose().apply((x, w))[0]  # noqa: E731
    with pytest.raises(GradientCheckError) as info:
        check_backward(f, [rand(4, 3), rand(3, 2, seed=1)])
    assert isinstance(info.value.__cause__, ValueError)  # pytest and scripts show its traceback


# ----------------------------------------------------------------------------- tolerances shown
def test_a_failed_float64_comparison_reports_float64_tolerances() -> None:
    f = lambda v: scaled_sin(1.0001)().apply((v,))[0]  # noqa: E731
    r = check_backward(f, [rand(3, 4)], dtype="float16", raise_on_failure=False)
    assert r.subcheck == "values" and "(evaluated in float64)" in r.message
    assert r.dtype == "float16"  # the case
    assert (r.atol, r.rtol) == (1e-9, 1e-7)  # the tolerances of the comparison that failed
    assert r.inputs[0].dtype == "float64"  # the errors listed are float64 ones
    assert r.inputs[0].max_abs_err > 1e-5


def test_a_failed_dtype_comparison_reports_that_dtypes_tolerances() -> None:
    class Float32Wrong(gradkit.FunctionNode):  # right in float64, 1% off in float32
        def forward(self, inputs):
            self.retain_outputs((0,))
            return (np.tanh(inputs[0]),)

        def backward(self, indexes, gys):
            (y,) = self.get_retained_outputs()
            k = 1.01 if y.dtype == np.float32 else 1.0
            return (gys[0] * (1 - y * y) * k,)

    f = lambda v: Float32Wrong().apply((v,))[0]  # noqa: E731
    r = check_backward(f, [rand(3, 4)], dtype="float32", raise_on_failure=False)
    assert r.subcheck == "values" and "beyond float32 tolerance" in r.message
    assert (r.atol, r.rtol, r.inputs[0].dtype) == (1e-5, 1e-4, "float32")


# ----------------------------------------------------------------------------- nondeterminism
class _NoisyForward(gradkit.FunctionNode):
    """tanh whose forward adds unseeded noise (backward is right and repeatable)."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        (x,) = inputs
        noise = 1e-6 * np.random.default_rng().standard_normal(x.shape)
        return (np.tanh(x) + noise.astype(x.dtype),)

    def backward(self, indexes, gys):
        (y,) = self.get_retained_outputs()
        return (gys[0] * (1 - y * y),)


def test_a_nondeterministic_forward_is_named_not_blamed_on_the_sample() -> None:
    f = lambda v: _NoisyForward().apply((v,))[0]  # noqa: E731
    r = check_backward(f, [rand(3, 4)], raise_on_failure=False)
    assert (r.status, r.subcheck) == (Status.FAILED, "nondeterministic"), r.render()
    assert "forward is not repeatable" in r.message and "output 0" in r.message
    assert "nondeterministic forward" in r.diagnosis


def test_user_location_of_an_installed_op_is_the_method_gradkit_called(tmp_path) -> None:
    from gradkit.check.user_code import user_location

    # an op library installed in site-packages: its backward is where gradkit handed over
    lib = tmp_path / "lib" / "site-packages" / "someops"
    lib.mkdir(parents=True)
    (lib / "ops.py").write_text(
        "import numpy as np\ndef backward(x):\n    return np.linalg.inv(x)  # the op's line\n"
    )
    namespace: dict = {}
    exec(compile((lib / "ops.py").read_text(), str(lib / "ops.py"), "exec"), namespace)

    def engine(x):  # stands for gradkit's frame (its file name): it calls the op and catches
        try:
            namespace["backward"](x)
        except np.linalg.LinAlgError as exc:
            return exc

    engine.__code__ = engine.__code__.replace(co_filename=gradkit.backprop.__file__)
    loc = user_location(engine(np.zeros((2, 2))))
    assert (loc.filename, loc.lineno, loc.name) == (str(lib / "ops.py"), 3, "backward")

    # a gradkit op checked directly: its own frame, not NumPy's
    r = check_backward(matmul, [rand(2, 3), rand(2, 3)], raise_on_failure=False)
    assert r.status is Status.ERROR
    assert f"(at {pathlib.Path(gradkit.__file__).parent}{os.sep}arithmetic" in r.message


class _TwiceTheGradient(gradkit.FunctionNode):
    """``a * b`` whose backward doubles both gradients (a planted bug)."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        return (inputs[0] * inputs[1],)

    def backward(self, target_input_indexes, grad_outputs):
        a, b = self.get_retained_inputs()
        (gy,) = grad_outputs
        return (2 * gy * b, 2 * gy * a)


def test_subnormal_float32_gradients_from_tiny_output_gradients_pass() -> None:
    # u = 3e-44 makes float32 gradients subnormal, where float32 cannot be relatively exact;
    # the comparison with the float64 reference allows its spacing there.
    a, b = rand(3, seed=1).astype(np.float32), rand(3, seed=2).astype(np.float32)
    u = [np.full(3, 3e-44, np.float32)]
    assert check_backward(lambda x, y: x * y, [a, b], u).passed


def test_a_wrong_gradient_is_caught_even_with_tiny_output_gradients() -> None:
    # The float64 comparison keeps its own, much smaller floor: the factor 2 shows.
    a, b = rand(3, seed=1).astype(np.float32), rand(3, seed=2).astype(np.float32)
    u = [np.full(3, 3e-44, np.float32)]
    r = check_backward(
        lambda x, y: _TwiceTheGradient().apply((x, y)), [a, b], u, raise_on_failure=False
    )
    assert r.status is Status.FAILED
