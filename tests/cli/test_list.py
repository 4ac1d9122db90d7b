"""``gradkit list``: the ops, their specs and the case matrix; ``--ids``; ``--coverage``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.conftest import Run

pytestmark = pytest.mark.usefixtures("examples")


def test_list_shows_ops_specs_and_case_counts(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli("list", "custom_ops", "--devices", "cpu,strict")
    assert run.code == 0
    run.out_lines(
        "custom_ops: 3 ops, 147 cases selected (seed 0)",
        "",
        "linear  custom_ops.linear.LinearFunction  (classic Function, first order only)",
        "  inputs   3",
        "  dtypes   float16, float32, float64",
        "  shapes   4x3_3x2_2, 1x5_5x3_3",
        "  devices  cpu, strict, gpu",
        "  checks   forward, backward, double_backward, device",
        "  cases    42 (forward 12, backward 12, double_backward 12, device 6)",
        "",
        "logcosh  custom_ops.activations.LogCosh",
        "tanh  custom_ops.activations.Tanh",
        "  shapes   3x4, scalar, 0x3",
    )


def test_list_ids_are_the_case_ids(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli("list", "custom_ops", "--ids", "-k", "tanh and float64 and cpu")
    assert run.out.splitlines() == [
        f"tanh-float64-{shape}-cpu-{check}"
        for shape in ("3x4", "scalar", "0x3")
        for check in ("forward", "backward", "double_backward")
    ]


def test_list_of_an_empty_selection_is_not_an_error(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli("list", "custom_ops", "-k", "nothing")
    assert run.code == 0
    run.out_lines("custom_ops: 3 ops, 0 cases selected (seed 0)", "  cases    0")


def test_coverage_table(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli("list", "custom_ops_buggy", "--coverage", "--dtypes", "float32,float64")
    assert run.code == 1
    run.out_lines(
        "                         float32                    float64",
        "op      check            cpu      strict   gpu      cpu      strict   gpu",
        "linear  forward          ok       ok       skip[[]1[]]  ok       ok       skip[[]1[]]",
        "linear  backward         FAIL     FAIL     skip[[]1[]]  FAIL     FAIL     skip[[]1[]]",
        "linear  double_backward  skip[[]2[]]  skip[[]2[]]  skip[[]1[]]  skip[[]2[]]  *",
        "linear  device           -        ok       skip[[]1[]]  -        ok       skip[[]1[]]",
        "",
        "ok: every case verified; *",
        "[[]1[]] device 'gpu' is not available*",
        "[[]2[]] double backward not supported (classic Function)",
        "44 cases of 1 op in * s: *",
    )


def test_check_coverage_follows_the_report(gradkit_cli: Callable[..., Run]) -> None:
    run = gradkit_cli("check", "custom_ops", "--devices", "cpu", "--coverage", "-k", "tanh")
    assert run.code == 0
    run.out_lines(
        "*= summary =*",
        "OK (exit status 0)",
        "",
        "*= coverage =*",
        "                       float16  float32  float64",
        "op    check            cpu      cpu      cpu",
        "tanh  forward          ok       ok       ok",
        "tanh  backward         ok       ok       ok",
        "tanh  double_backward  ok       ok       ok",
    )
