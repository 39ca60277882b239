"""pytest plugin the benchmark loads into every run (``-p llmseed_bench_timing``).

Per test: the time of its whole protocol (setup, call, teardown, report) and how much the
process's peak RSS grew during it; per run: the time spent rendering failed assertions
(``pytest_assertrepr_compare``, where syrupy's and our diffs are made). Written as JSON to
``$BENCH_TIMINGS`` at the end of the session; nothing is written by xdist workers.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Generator
from typing import Any

import pytest

_TESTS: dict[str, dict[str, float]] = {}
_DIFF_SECONDS = [0.0]


def _peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Generator[None, Any, Any]:
    rss, start = _peak_rss_kb(), time.perf_counter()
    try:
        return (yield)
    finally:
        _TESTS[item.nodeid] = {
            "seconds": time.perf_counter() - start,
            "rss_growth_kb": _peak_rss_kb() - rss,
        }


@pytest.hookimpl(wrapper=True)
def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: Any, right: Any
) -> Generator[None, Any, Any]:
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        _DIFF_SECONDS[0] += time.perf_counter() - start


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("BENCH_TIMINGS")
    if out and not os.environ.get("PYTEST_XDIST_WORKER"):
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({"tests": _TESTS, "diff_seconds": _DIFF_SECONDS[0]}, handle)
