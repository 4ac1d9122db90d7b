"""gradkit's pytest plugin: every case of your ops as a pytest item, with the CLI's ids.

Installed with gradkit and loaded through the ``pytest11`` entry point. At load it imports only
pytest (and gradkit's standard-library option table), and it does nothing until a project asks
for gradkit cases in one of three ways:

* a test module holds a :class:`~gradkit.testing.suite.CheckSuite` at module level
  (``ops = CheckSuite("mypkg.ops")``): one item per case, no test function written by hand;
* the ini option ``gradkit_targets = mypkg.ops`` collects the cases of whole packages without
  any test file, in runs that are not restricted to some files;
* a test takes the :func:`gradcase` fixture and carries ``@pytest.mark.gradkit(TARGET...)``:
  it runs once per case and makes its own assertions on a :class:`GradCase`.

Options (``pytest --help``, section "gradkit") come from the one definition in
:data:`gradkit.testing.OPTIONS`: ``--gradkit-dtypes``, ``--gradkit-devices``,
``--gradkit-shapes``, ``--gradkit-checks``, ``--gradkit-seed``, ``--gradkit-hypothesis N`` and
``--gradkit-require-gpu``. pytest's own ``-k`` selects by case id. Item names are the case ids
(``tanh-float32-3x4-cpu-backward``), generated in a deterministic order with seeds derived from
them, so ``-n auto`` (pytest-xdist) and ``--lf`` see the same items in every process.

A case that fails reports the checker's text report (worst elements, diagnosis and a one-line
``gradkit check`` reproduction). A case that cannot run here (no CuPy or CUDA device, a dtype
the device lacks, a spec ``Skip``) is skipped with its reason; with ``--gradkit-require-gpu`` a
missing GPU fails instead. Cases on a GPU carry the ``gpu`` marker, so ``-m gpu`` selects them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from gradkit.testing import Case, CaseResult, Discovery, Selection, Target
    from gradkit.testing.suite import CheckSuite

__all__ = ["GradCase", "GradkitSuite", "GradkitCaseItem", "gradcase"]

_INI_TARGETS = "gradkit_targets"
_MARKERS = (
    "gpu: needs CuPy and a CUDA device (skipped cleanly otherwise)",
    "slow: long-running test",
    "gradkit(*targets, dtypes=None, devices=None, shapes=None, checks=None, keyword=None): "
    "run the test once per gradient-check case of these ops, each handed to it by the "
    "gradcase fixture",
)


# ----------------------------------------------------------------------------- options
def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the shared options (:data:`gradkit.testing.OPTIONS`) and the ini option."""
    from gradkit.testing.options import OPTIONS  # the standard library only

    group = parser.getgroup("gradkit", "gradkit: gradient checks of ops")
    for option in OPTIONS:
        if not option.in_pytest:
            continue  # -k is pytest's own
        if option.is_switch:
            group.addoption(
                option.pytest_flag,
                action="store_true",
                default=False,
                dest=_dest(option.name),
                help=option.help,
            )
        else:
            group.addoption(
                option.pytest_flag,
                action="store",
                default=None,
                dest=_dest(option.name),
                metavar=option.metavar,
                help=option.help,
            )
    parser.addini(
        _INI_TARGETS,
        "modules, packages or ops (as gradkit check's TARGET) whose gradient-check cases are "
        "collected without any test file, in runs not restricted to some files",
        type="linelist",
        default=[],
    )


def _dest(name: str) -> str:
    return f"gradkit_{name}"


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers and validate the gradkit options (a typo is a usage error)."""
    for marker in _MARKERS:
        config.addinivalue_line("markers", marker)
    config.stash[_STATE] = _State(config)


# ----------------------------------------------------------------------------- state
class _State:
    """What a test session shares: the parsed options, the selection and discoveries."""

    def __init__(self, config: pytest.Config) -> None:
        from gradkit.testing.options import OPTIONS  # the standard library only

        self.config = config
        self.values: dict[str, Any] = {}
        for option in OPTIONS:
            if not option.in_pytest:
                continue
            raw = config.getoption(_dest(option.name))
            if raw is None or option.is_switch:
                self.values[option.name] = raw
                continue
            try:
                self.values[option.name] = option.parse(raw)
            except ValueError as error:
                raise pytest.UsageError(f"{option.pytest_flag}: {error}") from None
        self.require_gpu = bool(self.values.get("require_gpu"))
        if self.values.get("devices"):
            # As on the command line, a device asked for must be there: a CI job that asks
            # for the GPU must not pass by skipping every case (usage error, exit status 4).
            from gradkit.testing.runner import require_devices

            try:
                require_devices(self.values["devices"], "--gradkit-devices")
            except ValueError as error:
                raise pytest.UsageError(str(error)) from None
        self._selection: Selection | None = None
        self._discoveries: dict[tuple[Any, ...], Discovery] = {}
        self._locations: dict[int, tuple[str, int] | None] = {}

    @property
    def selection(self) -> Selection:
        """The cases the command line selects (all of them without gradkit options)."""
        if self._selection is None:
            from gradkit.testing import Selection

            self._selection = Selection.from_options(self.values)
        return self._selection

    def cases(self, targets: tuple[Any, ...], suite: CheckSuite | None = None) -> list[Case]:
        """The selected cases of ``targets``, narrowed by ``suite``'s filters. Raises
        ``ValueError`` (a DiscoveryError included) with a one-paragraph message."""
        from gradkit.testing import generate_cases

        discovery = self.discover(targets)
        if discovery.needs_spec:
            raise ValueError("\n\n".join(n.message for n in discovery.needs_spec))
        if not discovery.targets:
            names = ", ".join(t if isinstance(t, str) else repr(t) for t in targets)
            raise ValueError(
                f"found no op to check in {names}: no Function or FunctionNode class defined "
                "there, and nothing with an OpSpec"
            )
        cases = generate_cases(discovery.targets, self.selection)
        if suite is not None:
            cases = [c for c in cases if suite.accepts(c)]
        return cases

    def discover(self, targets: tuple[Any, ...]) -> Discovery:
        """:func:`gradkit.testing.discover` of ``targets``, once per session. A TARGET whose
        module is not on ``sys.path`` raises ``ValueError`` saying how to put it there."""
        found = self._discoveries.get(targets)
        if found is None:
            from gradkit.testing import DiscoveryError, discover

            try:
                found = self._discoveries[targets] = discover(*targets)
            except DiscoveryError as error:
                if error.missing is None or "." in error.missing:
                    raise
                message = not_on_sys_path(self.config, error.missing, error.target)
                raise ValueError(message) from None
        return found

    def location(self, target: Target) -> tuple[str, int] | None:
        """``(file, line)`` of the target's backward, looked up once per target."""
        key = id(target)
        if key not in self._locations:
            self._locations[key] = target.location
        return self._locations[key]


_STATE = pytest.StashKey[_State]()


def not_on_sys_path(config: pytest.Config, module: str, target: str | None = None) -> str:
    """The message for a TARGET whose top-level ``module`` Python cannot find under pytest.

    Plain ``pytest`` does not put the current directory on ``sys.path`` (``python -m pytest``
    does, and so does ``gradkit check``), so a project's own modules are found only through
    the ``pythonpath`` ini option or an installed package. When the module's file is in the
    invocation directory, the rootdir or its ``src/``, the message says where, and which
    ``pythonpath`` entry to add.
    """
    from gradkit.testing.discovery import did_you_mean

    looking = f" (looking for {target!r})" if target and target != module else ""
    root = config.rootpath
    for directory in (config.invocation_params.dir, root, root / "src"):
        for name in (f"{module}.py", f"{module}/"):
            if (directory / name).exists():
                entry = os.path.relpath(directory, root).replace(os.sep, "/")
                return (
                    f"no module named {module!r} on sys.path{looking}: {name} is in "
                    f"{directory}, but that directory is not on sys.path, and plain pytest does "
                    "not add the current directory as python -m pytest does. Add "
                    f'pythonpath = ["{entry}"] to [tool.pytest.ini_options] in pyproject.toml '
                    f"(pythonpath = {entry} under [pytest] in pytest.ini), run python -m "
                    "pytest, or install the package (pip install -e .)."
                )
    return (
        f"no module named {module!r} on sys.path{looking}.{did_you_mean(module)} Under pytest "
        "a TARGET must be importable from sys.path: for a module of your project, add its "
        'directory to pythonpath (pythonpath = ["."] under [tool.pytest.ini_options] in '
        "pyproject.toml, relative to the rootdir), run python -m pytest from that directory, "
        "or install the package (pip install -e .)."
    )


def _state(config: pytest.Config) -> _State:
    return config.stash[_STATE]


# ----------------------------------------------------------------------------- items
class _CaseFailedError(Exception):
    """A case whose outcome is not ok; carries the checker's text report."""


class GradkitCaseItem(pytest.Item):
    """One case as a pytest item, named by its id (``tanh-float32-3x4-cpu-backward``)."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.result: CaseResult | None = None
        if case.device.startswith("gpu"):
            self.add_marker(pytest.mark.gpu)

    def runtest(self) -> None:
        """Run the case through the shared runner and turn its outcome into pytest's."""
        from gradkit.testing import Outcome, run_case

        state = _state(self.config)
        result = self.result = run_case(self.case, require_gpu=state.require_gpu)
        self.user_properties.append(("gradkit_repro", result.repro))
        if result.outcome is Outcome.SKIPPED:
            # Reported at the item's location (the op's backward), like a skip marker.
            raise pytest.skip.Exception(result.reason or "skipped", _use_item_location=True)
        if result.outcome is Outcome.XFAILED:
            pytest.xfail(result.reason or "expected to fail")
        if not result.ok:
            raise _CaseFailedError(result.render())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The checker's report for a failing case; pytest's own for anything else."""
        if isinstance(excinfo.value, _CaseFailedError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """Where the case points: the op's backward (file and line), and the case id."""
        where = _state(self.config).location(self.case.target)
        if where is None:
            return self.path, None, self.name
        return where[0], where[1] - 1, self.name


class _CaseCollector(pytest.Collector):
    """Base of the collectors that turn targets into :class:`GradkitCaseItem` items."""

    def _items(self, targets: tuple[Any, ...], suite: CheckSuite | None) -> list[pytest.Item]:
        try:
            cases = _state(self.config).cases(targets, suite)
        except ValueError as error:
            raise self.CollectError(f"{self.nodeid}: {error}") from error
        return [GradkitCaseItem.from_parent(self, name=c.id, case=c) for c in cases]


class GradkitSuite(_CaseCollector):
    """The cases of a module-level :class:`~gradkit.testing.suite.CheckSuite`."""

    def __init__(self, *, suite: CheckSuite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def collect(self) -> list[pytest.Item]:
        """One item per selected case of the suite's ops."""
        return self._items(self.suite.targets, self.suite)


class _IniTargets(_CaseCollector):
    """The cases of the ``gradkit_targets`` ini option."""

    def collect(self) -> list[pytest.Item]:
        return self._items(tuple(self.config.getini(_INI_TARGETS)), None)


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    """Collect a module-level CheckSuite (no suite can exist before its module is imported,
    so other projects pay one dictionary lookup per name)."""
    module = sys.modules.get("gradkit.testing.suite")
    if module is not None and isinstance(obj, module.CheckSuite):
        return GradkitSuite.from_parent(collector, name=name, suite=obj)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[Any]:
    """Add the ``gradkit_targets`` cases to the session's collection, so they are collected,
    deselected (``-k``, ``-m``, ``--lf``) and distributed (xdist) like any other tests."""
    report = yield
    if (
        isinstance(collector, pytest.Session)
        and report.passed
        and collector.config.getini(_INI_TARGETS)
        and _whole_run(collector.config)
    ):
        report.result.append(
            _IniTargets.from_parent(collector, name=_INI_TARGETS, nodeid=_INI_TARGETS)
        )
    return report


def _whole_run(config: pytest.Config) -> bool:
    """Whether the run is not restricted to some files: no path given (testpaths or the
    current directory), or at least one directory among the paths given."""
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        return True
    base = config.invocation_params.dir
    for arg in config.args:
        path = arg.split("::")[0]
        if "::" not in arg and os.path.isdir(os.path.join(base, path)):
            return True
    return False


# ----------------------------------------------------------------------------- gradcase
class GradCase:
    """One case, handed to a test by the :func:`gradcase` fixture.

    Attributes:
        case: the :class:`~gradkit.testing.Case` (its ``target`` holds the op and its spec).
        require_gpu: whether a missing GPU is a failure rather than a skip.
    """

    def __init__(self, case: Case, *, require_gpu: bool = False) -> None:
        self.case = case
        self.require_gpu = require_gpu

    @property
    def id(self) -> str:
        """The case id, e.g. ``linear-float64-4x3_3x2_2-cpu-backward``."""
        return self.case.id

    @property
    def dtype(self) -> str:
        """The dtype name of the case."""
        return self.case.dtype

    @property
    def device(self) -> str:
        """The device name of the case."""
        return self.case.device

    @property
    def check(self) -> str:
        """The check: ``forward``, ``backward``, ``double_backward`` or ``device``."""
        return self.case.check

    @property
    def seed(self) -> int:
        """The case's seed (derived from its id and ``--gradkit-seed``)."""
        return self.case.seed

    @property
    def op(self) -> Any:
        """The op under test (a Function or FunctionNode class, or a function)."""
        return self.case.target.obj

    def function(self) -> Callable[..., Any]:
        """The op as a callable over Variables; it builds a fresh node for every call."""
        return self.case.target.function()

    def inputs(self) -> list[Any]:
        """The case's input arrays on its device: the runner's first sample (drawn from the
        case seed), or the inputs of a hand-computed example."""
        import numpy

        from gradkit.testing.inputs import draw_inputs, input_dtype, place_inputs

        case, spec = self.case, self.case.target.spec
        if case.hypothesis:
            raise ValueError(f"{case.id}: a hypothesis-driven case draws new inputs per example")
        if case.example is not None:
            raw, _expected = spec.examples[case.example]
            host = [
                numpy.asarray(x, dtype=input_dtype(inp, case.dtype))
                for x, inp in zip(raw, spec.inputs, strict=True)
            ]
            return place_inputs(host, case.device)
        assert case.shape is not None
        host = list(draw_inputs(spec, case.shape, case.dtype, numpy.random.default_rng(case.seed)))
        return place_inputs(host, case.device, noncontiguous=case.shape.noncontiguous)

    def variables(self) -> list[Any]:
        """:meth:`inputs` wrapped in :class:`gradkit.Variable`."""
        import gradkit

        return [gradkit.Variable(a) for a in self.inputs()]

    def run(self) -> CaseResult:
        """Run the case through the shared runner and return its result (never raises)."""
        from gradkit.testing import run_case

        return run_case(self.case, require_gpu=self.require_gpu)

    def assert_ok(self) -> CaseResult:
        """Run the case and fail the test with the checker's report unless it passed."""
        result = self.run()
        if not result.ok:
            pytest.fail(result.render(), pytrace=False)
        return result

    def unavailable(self) -> str | None:
        """Why the case cannot run here (a spec Skip, a missing device, a dtype the device
        lacks), or ``None``."""
        import numpy

        import gradkit

        expectation = self.case.expectation
        if expectation is not None and not expectation.xfail:
            return expectation.reason
        try:
            gradkit.get_device(self.device).send(numpy.zeros(1, dtype=self.dtype))
        except ValueError as error:
            return str(error)
        except TypeError as error:
            return f"device {self.device} does not support dtype {self.dtype}: {error}"
        return None

    def __repr__(self) -> str:
        return f"GradCase({self.id!r})"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the ``gradcase`` fixture over the cases the ``gradkit`` marker names."""
    if "gradcase" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("gradkit")
    if marker is None:
        pytest.fail(
            f"{metafunc.definition.nodeid} uses the gradcase fixture but has no "
            "@pytest.mark.gradkit(TARGET, ...) naming the ops to check, e.g. "
            "@pytest.mark.gradkit('mypkg.ops.Linear', dtypes='float64')",
            pytrace=False,
        )
    from gradkit.testing.suite import CheckSuite

    problem = None
    try:
        suite = CheckSuite(*marker.args, **marker.kwargs)
        cases = _state(metafunc.config).cases(suite.targets, suite)
    except (TypeError, ValueError) as error:
        problem = f"{metafunc.definition.nodeid}: {error}"
    if problem is not None:  # outside the except block: no "during handling" chain
        pytest.fail(problem, pytrace=False)
    params = [
        pytest.param(c, id=c.id, marks=[pytest.mark.gpu] if c.device.startswith("gpu") else [])
        for c in cases
    ]
    metafunc.parametrize("gradcase", params, indirect=True)


@pytest.fixture
def gradcase(request: pytest.FixtureRequest) -> GradCase:
    """The current :class:`GradCase` of a test marked ``@pytest.mark.gradkit(TARGET...)``.

    A case that cannot run here is skipped with the reason before the test starts (with
    ``--gradkit-require-gpu``, a missing GPU fails it); a spec ``XFail`` entry marks the test
    as expected to fail.
    """
    case = getattr(request, "param", None)
    if case is None:
        pytest.fail("the gradcase fixture needs @pytest.mark.gradkit(TARGET, ...)", pytrace=False)
    state = _state(request.config)
    grad_case = GradCase(case, require_gpu=state.require_gpu)
    reason = grad_case.unavailable()
    if reason is not None:
        if state.require_gpu and case.device.startswith("gpu"):
            pytest.fail(f"a GPU is required (--gradkit-require-gpu): {reason}", pytrace=False)
        pytest.skip(reason)
    expectation = case.expectation
    if expectation is not None and expectation.xfail:
        request.applymarker(pytest.mark.xfail(reason=expectation.reason, strict=True))
    return grad_case
