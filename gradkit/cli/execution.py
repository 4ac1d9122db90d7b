"""Running a plan's cases: in this process, or in N worker processes (``--jobs N``).

Workers are started with ``spawn`` (no fork of a process holding NumPy's threads): each one
imports the TARGETs and generates the same cases from the same options, checks that it got the
same case ids, then runs chunks of case indexes and sends back each verdict. The seeds derive
from the case ids, so a case gets the same verdict in any worker as with ``--jobs 1``.
Results are handed to ``on_result`` as they arrive and returned in case order.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

from gradkit.cli.errors import UsageError
from gradkit.cli.plan import Plan

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gradkit.testing import Case, CaseResult

__all__ = ["execute", "chunk_size"]

# One worker's cases, set by _init_worker.
_WORKER_CASES: list[Case] = []
# Threads per worker for BLAS and OpenMP: the processes already use the cores.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _digest(cases: Sequence[Case]) -> int:
    return zlib.crc32("\n".join(c.id for c in cases).encode())


def chunk_size(n_cases: int, jobs: int) -> int:
    """Cases per task: small enough to balance the workers (about 16 tasks each), large
    enough that sending tasks costs little.

    >>> chunk_size(13716, 2), chunk_size(10, 2)
    (64, 1)
    """
    return max(1, min(64, math.ceil(n_cases / (jobs * 16))))


def _init_worker(targets: tuple[str, ...], values: dict[str, Any], digest: int) -> None:
    from gradkit.testing import Selection, discover, generate_cases

    # Ctrl-C reaches the whole process group: the main process stops the run, the workers
    # must not print a traceback each. A worker whose main process is gone (killed) exits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()

    cases = generate_cases(discover(*targets).targets, Selection.from_options(values))
    if _digest(cases) != digest:
        raise RuntimeError(
            "a worker process generated other cases than the main process: discovery or case "
            "generation of these targets is not deterministic (run with --jobs 1)"
        )
    _WORKER_CASES[:] = cases


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _run_chunk(indexes: list[int], require_gpu: bool) -> list[tuple[int, Any, str, str, Any]]:
    from gradkit.testing import run_case

    out = []
    for index in indexes:
        r = run_case(_WORKER_CASES[index], require_gpu=require_gpu)
        out.append((index, r.verdict, r.outcome.value, r.repro, r.reason))
    return out


@contextmanager
def _single_threaded_children() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _run_parallel(
    plan: Plan, jobs: int, on_result: Callable[[CaseResult], None]
) -> list[CaseResult]:
    from gradkit.testing import CaseResult, Outcome

    cases = plan.cases
    size = chunk_size(len(cases), jobs)
    chunks = [list(range(i, min(i + size, len(cases)))) for i in range(0, len(cases), size)]
    results: list[CaseResult | None] = [None] * len(cases)
    initargs = (plan.targets, plan.values, _digest(cases))
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)),
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=initargs,
    )
    on_term = signal.signal(signal.SIGTERM, _stop) if _in_main_thread() else None
    try:
        with _single_threaded_children():  # the workers start on the first submissions
            pending: set[Future[Any]] = {
                pool.submit(_run_chunk, chunk, plan.require_gpu) for chunk in chunks
            }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                for index, verdict, outcome, repro, reason in future.result():
                    result = CaseResult(cases[index], verdict, Outcome(outcome), repro, reason)
                    results[index] = result
                    on_result(result)
    except BaseException:
        # Interrupted, or a worker failed: stop the workers now, not after their current
        # chunks (ProcessPoolExecutor has no public way to do that).
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        if on_term is not None:
            signal.signal(signal.SIGTERM, on_term)
    pool.shutdown(wait=True)
    return [r for r in results if r is not None]


def execute(
    plan: Plan, *, jobs: int = 1, on_result: Callable[[CaseResult], None] | None = None
) -> list[CaseResult]:
    """Run every case of ``plan``, in ``jobs`` processes, and return the results in case
    order; ``on_result`` gets each result as it arrives."""
    from gradkit.testing import run_cases

    def report(_: CaseResult) -> None:
        return None

    on_result = on_result or report
    if jobs <= 1 or len(plan.cases) < 2:
        results = []
        for result in run_cases(plan.cases, require_gpu=plan.require_gpu):
            results.append(result)
            on_result(result)
        return results
    try:
        return _run_parallel(plan, jobs, on_result)
    except BrokenProcessPool as error:
        raise UsageError(
            f"a worker process died ({error}). Run with --jobs 1 to see the failure in this "
            "process."
        ) from error
