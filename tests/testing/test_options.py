"""The shared option definitions and -k expressions: what both the CLI and the plugin read."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from gradkit.testing import OPTIONS, Selection, options
from gradkit.testing.keyword import KeywordExpression
from gradkit.testing.options import (
    OPTIONS_BY_NAME,
    normalize_device,
    parse_checks,
    parse_devices,
    parse_dtypes,
    parse_shape_tokens,
)


def test_every_option_is_defined_once_with_help() -> None:
    names = [o.name for o in OPTIONS]
    assert names == [
        "dtypes",
        "devices",
        "shapes",
        "checks",
        "keyword",
        "seed",
        "hypothesis",
        "require_gpu",
    ]
    assert all(o.help and o.flag.startswith("--") for o in OPTIONS)
    assert OPTIONS_BY_NAME["dtypes"].pytest_flag == "--gradkit-dtypes"
    assert OPTIONS_BY_NAME["require_gpu"].pytest_flag == "--gradkit-require-gpu"
    assert not OPTIONS_BY_NAME["keyword"].in_pytest  # pytest has its own -k
    assert OPTIONS_BY_NAME["require_gpu"].is_switch


def test_options_register_on_argparse_and_select() -> None:
    # What the CLI will do: one add_argument per option, then Selection.from_options.
    parser = argparse.ArgumentParser()
    for o in OPTIONS:
        flags = [o.flag] + ([o.short] if o.short else [])
        if o.is_switch:
            parser.add_argument(*flags, dest=o.name, action="store_true", help=o.help)
        else:
            parser.add_argument(*flags, dest=o.name, type=o.parse, default=o.default, help=o.help)
    args = parser.parse_args(["--dtypes", "float32", "-k", "tanh", "--seed", "3"])
    sel = Selection.from_options(vars(args))
    assert (sel.dtypes, sel.keyword, sel.seed, sel.devices) == (("float32",), "tanh", 3, None)
    with pytest.raises(SystemExit):
        parser.parse_args(["--dtypes", "float23"])


def test_from_options_parses_strings_and_ignores_runner_options() -> None:
    sel = Selection.from_options(
        {"devices": "cpu,gpu:0", "seed": None, "hypothesis": "4", "require_gpu": True}
    )
    assert (sel.devices, sel.seed, sel.hypothesis) == (("cpu", "gpu"), 0, 4)


def test_options_module_imports_no_numpy() -> None:
    # Loaded by path, as the plugin's import of it must not need gradkit/__init__ either.
    code = (
        "import sys, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('opts', {options.__file__!r})\n"
        "m = importlib.util.module_from_spec(spec)\n"
        "sys.modules['opts'] = m\n"
        "spec.loader.exec_module(m)\n"
        "print(len(m.OPTIONS), 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(len(OPTIONS)), "False"]


def test_parsers() -> None:
    assert parse_dtypes("float64, float16") == ("float64", "float16")
    assert parse_devices(["cpu", "CPU", "gpu:2"]) == ("cpu", "gpu:2")
    assert parse_checks("double-backward") == ("double_backward",)
    assert parse_shape_tokens("3x4_4,scalar,0x3,2x5nc,hypothesis,ex1") == (
        "3x4_4",
        "scalar",
        "0x3",
        "2x5nc",
        "hypothesis",
        "ex1",
    )
    assert normalize_device("gpu") == "gpu"
    with pytest.raises(ValueError, match="unknown device"):
        normalize_device("gpu:x")


@pytest.mark.parametrize(
    ("expr", "matching"),
    [
        ("tanh", {"tanh-float32-3x4-cpu-backward", "tanh-float16-scalar-strict-device"}),
        ("TANH and float16", {"tanh-float16-scalar-strict-device"}),
        ("not tanh", {"exp-float32-3x4-cpu-backward"}),
        ("exp or device", {"exp-float32-3x4-cpu-backward", "tanh-float16-scalar-strict-device"}),
        (
            "tanh and (float32 or strict)",
            {"tanh-float32-3x4-cpu-backward", "tanh-float16-scalar-strict-device"},
        ),
        (
            "not (tanh and cpu)",
            {"exp-float32-3x4-cpu-backward", "tanh-float16-scalar-strict-device"},
        ),
        ("3x4-cpu", {"tanh-float32-3x4-cpu-backward", "exp-float32-3x4-cpu-backward"}),
        (
            "",
            {
                "tanh-float32-3x4-cpu-backward",
                "tanh-float16-scalar-strict-device",
                "exp-float32-3x4-cpu-backward",
            },
        ),
    ],
)
def test_keyword_expressions(expr: str, matching: set[str]) -> None:
    ids = [
        "tanh-float32-3x4-cpu-backward",
        "tanh-float16-scalar-strict-device",
        "exp-float32-3x4-cpu-backward",
    ]
    compiled = KeywordExpression.compile(expr)
    assert {i for i in ids if compiled.matches(i)} == matching


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("tanh and", "expected a word"),
        ("(tanh", "missing ')'"),
        ("tanh)", "unexpected ')'"),
        ("or tanh", "unexpected 'or'"),
        ("tanh & exp", "unexpected character '&'"),
    ],
)
def test_malformed_keyword_expressions(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match="invalid -k expression") as info:
        KeywordExpression.compile(expr)
    assert message in str(info.value)
