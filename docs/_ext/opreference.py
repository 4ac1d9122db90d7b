"""Sphinx extension: the op reference, generated from the ops' specs.

Two directives, for MyST pages (a fenced block: ``{op-reference} math``) and rST pages
(``.. op-reference:: math``) alike:

``op-reference CATEGORY``
    Every op a category exports (its ``__all__``, in that order), grouped by the module that
    defines the op family: the module docstring (the math), then for each op its signature,
    its docstring and a table of its specs (dtypes, devices, checks, double backward, input
    domains and kinks), with every skip and its reason. ``CATEGORY`` is the short name of
    one of :data:`gradkit_ops.CATEGORIES` (``math``) or any importable module with an
    ``__all__`` of ops.
``op-categories``
    A table of every category in :data:`gradkit_ops.CATEGORIES`, a hidden toctree of the
    category pages that exist next to the page (``ops/<name>.md``), and the full reference,
    inline, of each category that has no page yet, so a new category is documented the day it
    is added to ``CATEGORIES``.

The content is built as reStructuredText by plain functions (:func:`render_category`,
:func:`render_categories`, :func:`spec_summary`) that need neither Sphinx nor a build; the
directives only parse what they return. Docstrings are reStructuredText (Google sections go
through napoleon when Sphinx is installed). A docstring that does not parse cleanly is shown as
a literal block, and the build warns (``opreference.docstring``), naming the op.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = [
    "SpecSummary",
    "category_module",
    "category_name",
    "op_families",
    "signature_of",
    "spec_summary",
    "render_op",
    "render_category",
    "render_categories",
    "setup",
]

#: A docstring checker: ``vet(text, where)`` is True when ``text`` may be parsed as
#: reStructuredText; False makes the renderer show it as a literal block.
Vet = Callable[[str, str], bool]

CHECK_LABELS = {
    "forward": "forward vs reference",
    "backward": "backward",
    "double_backward": "double backward",
    "device": "device agreement",
}

_RST_SPECIAL = re.compile(r"([\\`*_|\[\]<>])")
_INDENT = "   "


def _text(value: Any) -> str:
    """``value`` as reStructuredText that shows exactly its characters (no markup)."""
    return _RST_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def _literal(value: Any) -> str:
    """``value`` as inline literal text, or escaped text where a literal cannot hold it."""
    text = " ".join(str(value).split())
    if not text or "``" in text or text != text.strip() or text.endswith("`"):
        return _text(text)
    return f"``{text}``"


def _indent(lines: Sequence[str], prefix: str = _INDENT) -> list[str]:
    return [prefix + line if line.strip() else "" for line in lines]


# ------------------------------------------------------------------------- categories


def _registry() -> tuple[ModuleType, ...]:
    """The categories of gradkit_ops, in reference order (none where it cannot be imported)."""
    try:
        import gradkit_ops
    except ImportError:  # the renderer works on any op module, gradkit_ops or not
        return ()
    return tuple(getattr(gradkit_ops, "CATEGORIES", ()))


def category_module(name: str) -> ModuleType:
    """The category module named ``name``: the short name of one of
    :data:`gradkit_ops.CATEGORIES` (``"math"``), else an importable module (any module with an
    ``__all__`` of ops, e.g. a third-party op library's)."""
    for category in _registry():
        if category_name(category) == name:
            return category
    try:
        return importlib.import_module(name)
    except ImportError as error:
        known = ", ".join(category_name(c) for c in _registry())
        raise ValueError(
            f"{name!r} is neither a category of gradkit_ops ({known}) nor an importable "
            f"module: {error}"
        ) from None


def category_name(category: ModuleType) -> str:
    """The short name of a category module: ``gradkit_ops.math`` -> ``math``."""
    return category.__name__.rpartition(".")[2]


def _exports(category: ModuleType) -> list[tuple[str, Any]]:
    names = getattr(category, "__all__", None)
    if names is None:
        raise ValueError(f"op category {category.__name__} has no __all__")
    missing = [name for name in names if not hasattr(category, name)]
    if missing:
        raise ValueError(f"op category {category.__name__} lists missing names {missing}")
    return [(name, getattr(category, name)) for name in names]


def _submodules(category: ModuleType) -> list[ModuleType]:
    # A category package's own modules, imported by path: a package attribute can be shadowed
    # by a function of the same name (gradkit_ops.array.reshape).
    path = getattr(category, "__path__", None)
    if path is None:
        return []
    return [
        importlib.import_module(f"{category.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(path), key=lambda info: info.name)
        if not info.name.startswith("_")
    ]


def op_families(category: ModuleType) -> list[tuple[ModuleType, list[tuple[str, Any]]]]:
    """The category's exports grouped by the module that holds each op family, in the order
    of first appearance in ``__all__``.

    An op belongs to the module of the category that exports it (lists it in ``__all__``),
    preferring the one that defines it; engine ops re-exported by a category module (``exp``
    in ``gradkit_ops.math.exponential``) belong there, with their specs. An op no category
    module lists belongs to the module that defines it.
    """
    modules = _submodules(category)
    families: dict[str, tuple[ModuleType, list[tuple[str, Any]]]] = {}
    for name, op in _exports(category):
        owners = [
            m for m in modules if name in getattr(m, "__all__", ()) and vars(m).get(name) is op
        ]
        owners.sort(key=lambda m: m.__name__ != getattr(op, "__module__", None))
        owner = owners[0] if owners else inspect.getmodule(op) or category
        families.setdefault(owner.__name__, (owner, []))[1].append((name, op))
    return list(families.values())


# ------------------------------------------------------------------------- ops and specs


class _Annotation:
    """An annotation shown as written (``from __future__ import annotations`` makes them
    strings, which inspect would quote)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def signature_of(op: Any) -> str:
    """The call signature of ``op`` (``(x: Any) -> Variable``), annotations unquoted; ``()``
    when it has none that inspect can read."""
    try:
        sig = inspect.signature(op)
    except (TypeError, ValueError):
        return "()"

    def plain(annotation: Any) -> Any:
        if annotation is inspect.Parameter.empty:
            return annotation
        if isinstance(annotation, str):
            return _Annotation(annotation)
        return _Annotation(inspect.formatannotation(annotation))

    params = [p.replace(annotation=plain(p.annotation)) for p in sig.parameters.values()]
    sig = sig.replace(parameters=params, return_annotation=plain(sig.return_annotation))
    return " ".join(str(sig).split())


def _input_names(op: Any, n: int) -> list[str]:
    # The wrapper's positional parameters name its inputs; a class's do not.
    if not inspect.isclass(op):
        try:
            params = [
                p.name
                for p in inspect.signature(op).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError):
            params = []
        if len(params) >= n:
            return params[:n]
    return [f"input {i}" for i in range(n)]


def _number(value: float) -> str:
    return f"{value:g}"


def _describe_input(inp: Any) -> str:
    """What a spec declares about one input: dtype, domain, kinks, generator."""
    parts = []
    if inp.dtype is not None:
        parts.append(inp.dtype)
    if inp.domain is not None:
        low, high = inp.domain
        if inp.is_float:
            parts.append(f"in ({_number(low)}, {_number(high)})")
        else:
            parts.append(f"integers in [{_number(low)}, {_number(high)})")
    if inp.kinks:
        points = ", ".join(_number(k) for k in inp.kinks)
        parts.append(f"kinks at {points} (margin {_number(inp.kink_margin)})")
    if inp.values is not None:
        fn = getattr(inp.values, "__name__", "")
        parts.append(f"values from {fn}()" if fn and fn != "<lambda>" else "custom values")
    if inp.is_float and inp.differentiable is False:
        parts.append("not differentiated")
    return ", ".join(parts)


def _scope(skip: Any) -> str:
    parts = []
    for field, label in (
        ("dtypes", "dtype"),
        ("devices", "device"),
        ("checks", "check"),
        ("shapes", "shape"),
    ):
        values = getattr(skip, field)
        if values:
            shown = [CHECK_LABELS.get(v, v) if field == "checks" else v for v in values]
            parts.append(f"{label}{'s' if len(values) > 1 else ''} {', '.join(shown)}")
    return "; ".join(parts) or "every case"


def _check_label(check: str, spec: Any) -> str:
    if check == "forward" and spec.reference is None:
        return "forward vs examples"
    return CHECK_LABELS.get(check, check)


@dataclass(frozen=True)
class SpecSummary:
    """What one spec of an op declares, as the reference shows it.

    Attributes:
        name: the spec's name in case ids (``tanh``, ``softmax_axis0``).
        call: the keyword arguments the spec calls the op with (``axis=0``), or ``""``.
        factory: whether the spec builds the op with a factory of its own.
        dtypes, devices: the declared ones less those whose every case is skipped (or
            expected to fail).
        checks: the checks that run, by label (``forward vs reference``...); a check whose
            every case is expected to fail is labelled ``(known failure)``.
        double_backward: ``yes``, or ``no: <reason>`` (``not checked: ...`` where the spec
            does not ask for it).
        inputs: per input that declares something, ``(name, description)``.
        skips: per Skip or XFail entry, ``(kind, scope, reason)`` with kind ``skipped`` or
            ``expected to fail``.
    """

    name: str
    call: str
    factory: bool
    dtypes: tuple[str, ...]
    devices: tuple[str, ...]
    checks: tuple[str, ...]
    double_backward: str
    inputs: tuple[tuple[str, str], ...]
    skips: tuple[tuple[str, str, str], ...]


def _status(cases: Sequence[Any]) -> str:
    """``runs`` if some case runs, else ``xfail`` if some is expected to fail, else
    ``skipped`` (``none`` without cases)."""
    if not cases:
        return "none"
    expectations = [c.expectation for c in cases]
    if any(e is None for e in expectations):
        return "runs"
    return "xfail" if any(e.xfail for e in expectations) else "skipped"


def _reasons(cases: Sequence[Any]) -> str:
    reasons: list[str] = []
    for case in cases:
        e = case.expectation
        if e is not None and e.reason not in reasons:
            reasons.append(e.reason)
    return "; ".join(reasons)


def spec_summary(target: Any) -> SpecSummary:
    """Summarize one target (an op bound to one spec, :class:`gradkit.testing.target.Target`)
    from the cases its spec generates, exactly those the plugin and the CLI run."""
    from gradkit.testing import generate_cases

    spec = target.spec
    cases = generate_cases([target])

    def runs(**where: str) -> list[Any]:
        return [c for c in cases if all(getattr(c, k) == v for k, v in where.items())]

    dtypes = tuple(d for d in spec.dtypes if _status(runs(dtype=d)) == "runs")
    devices = tuple(d for d in spec.devices if _status(runs(device=d)) == "runs")
    checks = []
    for check in spec.checks:
        label = _check_label(check, spec)
        status = _status(runs(check=check))
        if status == "runs":
            checks.append(label)
        elif status == "xfail":
            checks.append(f"{label} (known failure)")

    db_cases = runs(check="double_backward")
    db_status = _status(db_cases)
    if target.is_classic:
        double = "no: a classic Function supports first-order gradients only"
    elif "double_backward" not in spec.checks:
        if not any(spec.differentiable):
            double = "no: no input is differentiable"
        else:
            listed = ", ".join(_check_label(c, spec) for c in spec.checks)
            double = f"not checked: this spec checks {listed}"
    elif db_status == "runs":
        skipped = [c for c in db_cases if c.expectation is not None]
        double = "yes" if not skipped else f"yes, except some cases: {_reasons(skipped)}"
    elif db_status == "xfail":
        double = f"no (known failure): {_reasons(db_cases)}"
    else:
        double = f"no: {_reasons(db_cases)}" if db_cases else "no: no case"

    names = _input_names(target.obj, len(spec.inputs))
    inputs = tuple(
        (name, desc)
        for name, inp in zip(names, spec.inputs, strict=True)
        if (desc := _describe_input(inp))
    )
    call = ", ".join(f"{k}={v!r}" for k, v in spec.kwargs.items())
    skips = tuple(
        ("expected to fail" if s.xfail else "skipped", _scope(s), s.reason) for s in spec.skips
    )
    return SpecSummary(
        name=target.name,
        call=call,
        factory=spec.factory is not None,
        dtypes=dtypes,
        devices=devices,
        checks=tuple(checks),
        double_backward=double,
        inputs=inputs,
        skips=skips,
    )


# ------------------------------------------------------------------------- docstrings


def _docstring(obj: Any, what: str) -> str:
    """The docstring of ``obj`` as reStructuredText: Google sections (``Args:``) converted by
    napoleon when Sphinx is installed, as autodoc would."""
    # The object's own docstring: inspect.getdoc would show a class's base's.
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return ""
    doc = inspect.cleandoc(doc)
    try:
        from sphinx.ext.napoleon import Config
        from sphinx.ext.napoleon.docstring import GoogleDocstring
    except ImportError:
        return doc
    # ivar fields rather than attribute directives: nothing in a docstring may register an
    # object of its own (the directives parse each docstring twice, see setup()).
    config = Config(napoleon_use_param=True, napoleon_use_rtype=True, napoleon_use_ivar=True)
    return str(GoogleDocstring(doc, config, what=what)).strip()


def _docstring_block(text: str, where: str, vet: Vet | None) -> list[str]:
    """The docstring's lines, or a literal block where ``vet`` rejects it."""
    if not text:
        return []
    if vet is None or vet(text, where):
        return [*text.splitlines(), ""]
    return [
        f"*The docstring of {_text(where)} is shown as written: it is not valid reStructuredText.*",
        "",
        "::",
        "",
        *_indent(text.splitlines()),
        "",
    ]


# ------------------------------------------------------------------------- rendering


def _public_module(name: str, op: Any, category: ModuleType) -> str:
    """Where users import the op from: ``gradkit_ops`` re-exports every category's ops."""
    if category in _registry():
        import gradkit_ops

        if getattr(gradkit_ops, name, None) is op:
            return "gradkit_ops"
    return category.__name__


def _documented_earlier(name: str, op: Any, category: ModuleType) -> bool:
    """Whether an earlier category of gradkit_ops exports the same op under the same name:
    it is documented there (and indexed once, so cross-references have one target)."""
    registry = _registry()
    if category not in registry:
        return False
    earlier = registry[: registry.index(category)]
    return any(name in getattr(c, "__all__", ()) and getattr(c, name, None) is op for c in earlier)


def _spec_table(name: str, summaries: Sequence[SpecSummary]) -> list[str]:
    lines = [
        f".. list-table:: Specs of {_text(name)}",
        "   :header-rows: 1",
        "   :class: op-specs",
        "",
        "   * - Spec",
        "     - Dtypes",
        "     - Devices",
        "     - Checks",
        "     - Double backward",
        "     - Inputs",
    ]
    for s in summaries:
        spec_cell = _literal(s.name)
        if s.call:
            spec_cell += f" ({_literal(s.call)})"
        elif s.factory:
            spec_cell += " (its own factory)"
        inputs = "; ".join(f"{_text(n)}: {_text(d)}" for n, d in s.inputs)
        lines += [
            f"   * - {spec_cell}",
            f"     - {_text(', '.join(s.dtypes)) or 'none'}",
            f"     - {_text(', '.join(s.devices)) or 'none'}",
            f"     - {_text(', '.join(s.checks)) or 'none'}",
            f"     - {_text(s.double_backward)}",
            f"     - {inputs or 'floats in (-1, 1)'}",
        ]
    lines.append("")
    skips = [(s.name, kind, scope, reason) for s in summaries for kind, scope, reason in s.skips]
    if skips:
        lines += ["Skips:", ""]
        for spec, kind, scope, reason in skips:
            lines.append(f"- {_literal(spec)}, {_text(scope)}, {kind}: {_text(reason)}")
        lines.append("")
    return lines


def render_op(name: str, op: Any, category: ModuleType, *, vet: Vet | None = None) -> str:
    """The reference of one op as reStructuredText: its signature (a ``py:function`` or
    ``py:class`` object), its docstring and the table of its specs with their skips."""
    from gradkit.testing.spec import Unchecked, specs_of
    from gradkit.testing.target import targets_of

    kind = "class" if inspect.isclass(op) else "function"
    lines = [
        f".. py:{kind}:: {name}{signature_of(op)}",
        f"   :module: {_public_module(name, op, category)}",
    ]
    if _documented_earlier(name, op, category):
        lines.append("   :no-index:")
    lines.append("")
    body = _docstring_block(_docstring(op, kind), f"{category.__name__}.{name}", vet)
    specs = specs_of(op)
    if isinstance(specs, Unchecked):
        body += [f"Not checked on its own: {_text(specs.reason)}", ""]
    elif specs is None:
        body += ["No spec: gradkit does not verify this op.", ""]
    else:
        summaries = [spec_summary(t) for t in targets_of(op, path=f"{category.__name__}.{name}")]
        body += _spec_table(name, summaries)
    lines += _indent(body)
    return "\n".join(lines) + "\n"


def _title(text: str, underline: str) -> list[str]:
    return [text, underline * max(len(text), 3), ""]


def render_category(category: ModuleType, *, vet: Vet | None = None, level: str = "-") -> str:
    """The reference of every op a category exports, as reStructuredText: one section per op
    family (titled with its ops' names, ``level`` the underline character), holding the
    family module's docstring and :func:`render_op` of each op."""
    out: list[str] = []
    for module, ops in op_families(category):
        out += _title(_text(", ".join(name for name, _ in ops)), level)
        if module is not category:
            out += _docstring_block(_docstring(module, "module"), module.__name__, vet)
        for name, op in ops:
            out += [render_op(name, op, category, vet=vet)]
    return "\n".join(out)


def _summary(category: ModuleType, vet: Vet | None) -> str:
    """The first paragraph of a category's docstring, on one line, as reStructuredText."""
    doc = inspect.getdoc(category) or ""
    summary = " ".join(doc.split("\n\n", 1)[0].split())
    if summary and (vet is None or vet(summary, category.__name__)):
        return summary
    return _text(summary)


def render_categories(
    categories: Sequence[ModuleType],
    *,
    has_page: Callable[[str], bool],
    vet: Vet | None = None,
) -> str:
    """The op categories as reStructuredText: a table (name, summary, ops linked to their
    reference), a hidden toctree of the pages that ``has_page(name)`` says exist, and the full
    reference inline (:func:`render_category`) of each category without a page."""
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :class: op-categories",
        "",
        "   * - Category",
        "     - What it holds",
        "     - Ops",
    ]
    pages = [category_name(c) for c in categories if has_page(category_name(c))]
    for category in categories:
        name = category_name(category)
        ops = ", ".join(
            f":py:obj:`{n} <{_public_module(n, op, category)}.{n}>`" for n, op in _exports(category)
        )
        where = f":doc:`{name}`" if name in pages else f"{_text(name)} (below)"
        lines += [f"   * - {where}", f"     - {_summary(category, vet)}", f"     - {ops}"]
    lines.append("")
    if pages:
        lines += [".. toctree::", "   :hidden:", "", *_indent(pages), ""]
    for category in categories:
        if category_name(category) not in pages:
            lines += _title(_text(category_name(category)), "=")
            lines += _docstring_block(_docstring(category, "module"), category.__name__, vet)
            lines.append(render_category(category, vet=vet, level="-"))
    return "\n".join(lines)


# ------------------------------------------------------------------------- Sphinx


def _source_files(category: ModuleType) -> list[str]:
    """The files a category's reference is made from: its modules and its ops' modules."""
    objects: list[Any] = [category]
    for module, ops in op_families(category):
        objects += [module, *(op for _, op in ops)]
    files = []
    for obj in objects:
        try:
            path = inspect.getsourcefile(obj)
        except TypeError:
            path = None
        if path and path not in files:
            files.append(path)
    return files


def setup(app: Any) -> dict[str, Any]:
    """Register the ``op-reference`` and ``op-categories`` directives."""
    from docutils import nodes
    from docutils.parsers.rst import Parser, roles
    from docutils.utils import Reporter, new_document
    from sphinx.util import logging
    from sphinx.util.docutils import SphinxDirective

    logger = logging.getLogger(__name__)

    def parse_rst(text: str, document: nodes.document, reporter: Any) -> list[nodes.Node]:
        # A fresh rST parse into a scratch document that shares the page's settings (and so
        # Sphinx's environment and roles): MyST's own nested parse would read Markdown.
        scratch = new_document(document["source"], document.settings)
        scratch.reporter = reporter
        blank = roles._roles.get("")
        Parser().parse(text, scratch)
        if blank is not None:  # docutils resets the default role after a parse
            roles._roles[""] = blank
        return list(scratch.children)

    class _OpDirective(SphinxDirective):
        def vet(self, text: str, where: str) -> bool:
            """Parse a docstring aside; warn and refuse it if docutils reports a problem.

            It is parsed inside a container, as it will be inside an object description: a
            section title there is a problem too.
            """
            document = self.state.document
            reporter = Reporter(document["source"], 2, 5, stream=False)
            problems: list[str] = []

            def note(message: nodes.system_message) -> None:
                if message["level"] >= 2:
                    line = message.get("line")
                    at = f" (docstring line {line - 2})" if line and line > 2 else ""
                    # The message's first paragraph: astext() would prefix source and level.
                    text = message[0].astext() if len(message) else message.astext()
                    problems.append(" ".join(text.split()) + at)

            reporter.attach_observer(note)
            wrapped = ".. container::\n\n" + "\n".join(_indent(text.splitlines()))
            parse_rst(wrapped, document, reporter)
            if problems:
                logger.warning(
                    "the docstring of %s is not valid reStructuredText, shown as a literal "
                    "block: %s",
                    where,
                    "; ".join(problems),
                    location=self.get_location(),
                    type="opreference",
                    subtype="docstring",
                )
            return not problems

        def emit(self, text: str) -> list[nodes.Node]:
            return parse_rst(text, self.state.document, self.state.document.reporter)

    class OpReference(_OpDirective):
        """``op-reference CATEGORY``: the reference of every op of one category."""

        required_arguments = 1
        has_content = False

        def run(self) -> list[nodes.Node]:
            try:
                category = category_module(self.arguments[0])
                # Rebuild the page when a module it documents changes.
                for path in _source_files(category):
                    self.env.note_dependency(path)
                text = render_category(category, vet=self.vet)
            except ValueError as error:
                raise self.error(f"op-reference: {error}") from None
            return self.emit(text)

    class OpCategories(_OpDirective):
        """``op-categories``: every category of gradkit_ops, linked or inline."""

        has_content = False

        def run(self) -> list[nodes.Node]:
            import gradkit_ops

            # Which category pages exist changes without this page changing: read it again
            # at every build.
            self.env.note_reread()
            folder = self.env.docname.rpartition("/")[0]

            def has_page(name: str) -> bool:
                return f"{folder}/{name}".lstrip("/") in self.env.found_docs

            try:
                text = render_categories(gradkit_ops.CATEGORIES, has_page=has_page, vet=self.vet)
            except ValueError as error:
                raise self.error(f"op-categories: {error}") from None
            return self.emit(text)

    app.add_directive("op-reference", OpReference)
    app.add_directive("op-categories", OpCategories)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
