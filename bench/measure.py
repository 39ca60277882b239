"""Running pytest in a generated suite and timing it: wall and CPU time, peak RSS, hooks."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAKE_KEY = "sk-test-bench-0123456789abcdef"
# Variables that would change what pytest or the plugins do in the generated suites.
# PYTHONDONTWRITEBYTECODE goes too: a developer's machine caches bytecode (and pytest's
# rewritten test modules), and without the cache every run would recompile them.
_DROPPED_ENV = (
    "CI",
    "GITHUB_STEP_SUMMARY",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTHONDONTWRITEBYTECODE",
)
_DROPPED_PREFIXES = ("OPENAI_", "AZURE_OPENAI_", "PYTEST_XDIST_")
BENCH_DIR = Path(__file__).resolve().parent
TIMING_PLUGIN = ("-p", "llmseed_bench_timing")  # bench/llmseed_bench_timing.py
COLD = ("-p", "no:cacheprovider")  # a fresh CI clone: nothing kept between runs


@dataclass
class Result:
    """One pytest run: wall and CPU time, peak RSS of the pytest process, exit code, output."""

    seconds: float
    cpu: float
    maxrss_kb: int
    code: int
    output: str
    timings: dict[str, Any] = field(default_factory=dict)


def environment(base_url: str, pythonpath: str | None = None) -> dict[str, str]:
    """The environment of a pytest run: the fake key, the server URL, nothing else.

    ``pythonpath`` puts another copy of the plugin first on the path (``--variant``).
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _DROPPED_ENV and not k.startswith(_DROPPED_PREFIXES)
    }
    env.update(OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=base_url)
    # The timing plugin comes from bench/; a variant's plugin copy goes before everything.
    paths = (pythonpath, str(BENCH_DIR), env.get("PYTHONPATH"))
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def run_pytest(cwd: Path, args: Sequence[str], env: dict[str, str], expect: int = 0) -> Result:
    """Run ``python -m pytest -q`` in ``cwd``; exit with its output if the exit code is wrong."""
    timings_file = cwd / ".bench-timings.json"
    timings_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-q", *TIMING_PLUGIN, *args]
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env={**env, "BENCH_TIMINGS": str(timings_file)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    output = proc.stdout.read().decode("utf-8", errors="replace")
    proc.stdout.close()
    # wait4 gives this child's own usage (with the workers it waited for), where
    # getrusage(RUSAGE_CHILDREN) would mix in every earlier run.
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code != expect:
        shown = output if len(output) < 8000 else output[:4000] + "\n[...]\n" + output[-4000:]
        sys.exit(f"bench: `{' '.join(command)}` in {cwd} exited {code}, not {expect}:\n{shown}")
    timings = json.loads(timings_file.read_text()) if timings_file.is_file() else {}
    cpu = usage.ru_utime + usage.ru_stime
    return Result(seconds, cpu, usage.ru_maxrss, code, output, timings)


def drop_from_page_cache(directory: Path) -> None:
    """Ask the kernel to let go of every file under ``directory`` (Linux).

    A machine that reclaims unused page cache (a CI virtual machine, this one) reads a
    suite's files from its disk again on the next run. Each file is written back first:
    dirty pages are not dropped.
    """
    if not hasattr(os, "posix_fadvise"):
        return
    for folder, _dirs, files in os.walk(directory):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def run_dropped(cwd: Path, args: Sequence[str], env: dict[str, str]) -> Result:
    """``run_pytest`` once the suite's own files are out of the page cache."""
    drop_from_page_cache(cwd)
    return run_pytest(cwd, args, env)


def alternate(
    variants: dict[str, Callable[[], Result]], runs: int, say: Callable[[str], None]
) -> dict[str, list[Result]]:
    """Run every variant ``runs`` times, rotating the order each round so drift spreads out."""
    names = list(variants)
    results: dict[str, list[Result]] = {name: [] for name in names}
    for round_ in range(runs):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            result = variants[name]()
            results[name].append(result)
            say(
                f"  run {round_ + 1}/{runs} {name}: {result.seconds:.2f} s wall, "
                f"{result.cpu:.2f} s CPU"
            )
    return results


def times(results: dict[str, list[Result]]) -> dict[str, dict[str, Any]]:
    """Per variant: wall and CPU seconds and peak RSS of every run, and in-test times.

    ``per_test_ms`` is, for each test, its fastest time over the runs; its median over the
    tests is the statistic least disturbed by other work on the machine. ``mean_test_ms``
    is each run's mean in-test time but for its first test (what grows if a test's cost
    grows with the suite).
    """
    summary: dict[str, dict[str, Any]] = {}
    for name, runs in results.items():
        fastest: dict[str, float] = {}
        means = []
        for run in runs:
            tests = run.timings.get("tests", {})
            for nodeid, test in tests.items():
                fastest[nodeid] = min(fastest.get(nodeid, test["seconds"]), test["seconds"])
            # The first test of a run pays the first imports (openai, for ours): left out.
            rest = [t["seconds"] for t in tests.values()][1:]
            if rest:
                means.append(sum(rest) / len(rest) * 1000)
        summary[name] = {
            "wall": [r.seconds for r in runs],
            "cpu": [r.cpu for r in runs],
            "peak_rss_mb": [r.maxrss_kb / 1024 for r in runs],
            "mean_test_ms": means,
            "per_test_ms": median(list(fastest.values())) * 1000 if fastest else None,
        }
    return summary


def median(values: Sequence[float]) -> float:
    """The median (the benchmark's statistic everywhere)."""
    return statistics.median(values)


def expect_passed(result: Result, tests: int, label: str) -> None:
    """Stop the benchmark if a replay did not pass all of its tests."""
    if f"{tests} passed" not in result.output:
        sys.exit(f"bench: {label} did not pass {tests} tests:\n{result.output[-4000:]}")
