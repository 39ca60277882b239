"""Replay benchmark: pytest-llmseed against the pytest-recording + syrupy glue it replaces.

Run it with the Python that has the project and its test extra installed::

    python bench/replay.py            # the full run: 600 tests, 5 alternating runs (minutes)
    python bench/replay.py --quick    # 120 tests, 3 runs, a smaller stream (about 2 minutes)
    python bench/replay.py --tests 1200 --runs 7 --json out.json --keep /tmp/bench
    python bench/replay.py --variant before=/tmp/old   # also time the plugin found there

It writes generated suites to a temporary directory, records them once against the
project's OpenAI-compatible test server (``tests/llm_server.py``, on 127.0.0.1) and a small
server of its own for the oversized answers, stops the servers, then times the replays side
by side in one run, alternating the variants and taking the median. Nothing but 127.0.0.1
is contacted; the key is a fake ``sk-test-...``.

Measured (docs/performance.md says what each row means):

- replay of N tests, cold (``-p no:cacheprovider``, a fresh CI clone) and warm: ours, the
  peer (pytest-recording + syrupy) and the floor (an in-memory ``httpx2.MockTransport``, a
  plain assert); the overhead per test above the floor; cold once more with the suite's
  files dropped from the page cache before each run (``posix_fadvise``, Linux);
- the scale rows: the same suites with 4,000 tests, replayed cold (time per test, peak RSS);
- start-up: ``pytest --co`` of 2,000 tests that never use ``seeded_llm``, plugin on and off;
- one 20,000-chunk SSE stream replayed: test time and peak RSS growth, ours and the peer;
- the failure diff of a changed 2,000-word answer: time to render it, ours and the peer;
- the N tests under ``-n 2`` against serial (cold), next to the floor's ratio.

``--variant LABEL=DIR`` adds a column: the same measurements with the ``pytest_llmseed``
package found in ``DIR`` first on ``PYTHONPATH`` (another checkout, a branch), interleaved
with the others, so that before/after comparisons share the machine's conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import suites
import table
from big_server import BigAnswerServer
from measure import (
    COLD,
    Result,
    alternate,
    environment,
    expect_passed,
    run_dropped,
    run_pytest,
    times,
)
from recording import RECORD_OURS, RECORD_PEER, record_replay_suites
from scale import bench_scale

NEEDED = ("pytest-llmseed", "pytest-recording", "syrupy", "pytest-xdist", "vcrpy", "openai")
Say = Callable[[str], None]


def plugin_envs(base_url: str, opts: argparse.Namespace) -> dict[str, dict[str, str]]:
    """One environment per plugin column: the installed plugin, then each ``--variant``."""
    envs = {"ours": environment(base_url)}
    for label, directory in opts.variant:
        envs[label] = environment(base_url, directory)
    return envs


def replay_variants(
    dirs: dict[str, Path], envs: dict[str, dict[str, str]], env: dict[str, str]
) -> dict[str, Callable[[], Result]]:
    """Each plugin column, the peer and the floor: warm, cold, cold with the suite's files
    out of the page cache, and cold under ``-n 2``.

    Cold is a fresh CI clone: ``-p no:cacheprovider``, so nothing is kept between runs
    (pytest's cache, and with it the plugin's parse cache). Warm runs keep pytest's cache,
    filled by the run before. "Dropped" is cold on a machine that has let go of the suite's
    files (test modules, cassettes, goldens) since their last run; Python and the installed
    packages stay cached.
    """
    variants: dict[str, Callable[[], Result]] = {}
    runs = {name: (dirs["ours"], e) for name, e in envs.items()}
    runs.update(peer=(dirs["peer"], env), floor=(dirs["floor"], env))
    for name, (directory, run_env) in runs.items():
        variants[name] = partial(run_pytest, directory, [], run_env)
        variants[f"{name} cold"] = partial(run_pytest, directory, COLD, run_env)
        variants[f"{name} dropped"] = partial(run_dropped, directory, COLD, run_env)
        variants[f"{name} -n 2"] = partial(run_pytest, directory, [*COLD, "-n", "2"], run_env)
    return variants


def bench_replay(root: Path, opts: argparse.Namespace, say: Say) -> Any:
    """Record the three suites once, then time their replays, warm, cold and ``-n 2``."""
    dirs, base_url = record_replay_suites(root, opts.tests, opts.modules, say)
    env, envs = environment(base_url), plugin_envs(base_url, opts)
    for name, plugin_env in envs.items():
        # Warm-up (bytecode caches, file cache, pytest's cache) and a check: every golden
        # compared.
        check = run_pytest(dirs["ours"], [], plugin_env)
        if f"{opts.tests} snapshots passed" not in check.output:
            sys.exit(f"bench: {name} did not compare {opts.tests} goldens:\n{check.output[-4000:]}")
    variants = replay_variants(dirs, envs, env)
    for name, run in variants.items():
        expect_passed(run(), opts.tests, f"the {name} replay")
    say("timing replays")
    return times(alternate(variants, opts.runs, say))


def bench_startup(root: Path, opts: argparse.Namespace, say: Say) -> Any:
    """``pytest --co`` of plain tests with the plugin loaded and with ``-p no:llmseed``."""
    directory = suites.write_startup_suite(root, opts.startup_tests)
    envs = plugin_envs("http://127.0.0.1:9/v1", opts)
    variants: dict[str, Callable[[], Result]] = {
        name: partial(run_pytest, directory, ["--co"], env) for name, env in envs.items()
    }
    variants["without"] = partial(run_pytest, directory, ["--co", "-p", "no:llmseed"], envs["ours"])
    for run in variants.values():
        run()
    say(f"timing start-up (--co of {opts.startup_tests} tests)")
    # Start-up differences are small: twice the runs for a steadier median.
    return times(alternate(variants, 2 * opts.runs, say))


def bench_big(root: Path, opts: argparse.Namespace, say: Say) -> Any:
    """The long stream and the long answer's diff, recorded from the bench's own server."""
    dirs = suites.write_big_suites(root)
    say(f"recording a {opts.stream_chunks}-chunk stream and a {opts.diff_words}-word answer")
    with BigAnswerServer(stream_chunks=opts.stream_chunks, answer_words=opts.diff_words) as big:
        env = environment(big.base_url)
        for name, directory in dirs.items():
            run_pytest(directory, RECORD_OURS if name.endswith("ours") else RECORD_PEER, env)
    for name in ("diff-ours", "diff-peer"):
        if suites.change_marker(dirs[name]) != 1:
            sys.exit(f"bench: the {name} cassette does not hold the long answer")
    envs = plugin_envs(big.base_url, opts)
    stream = {name: partial(run_pytest, dirs["stream-ours"], [], e) for name, e in envs.items()}
    stream["peer"] = partial(run_pytest, dirs["stream-peer"], [], env)
    diff = {name: partial(run_pytest, dirs["diff-ours"], [], e, 1) for name, e in envs.items()}
    diff["peer"] = partial(run_pytest, dirs["diff-peer"], [], env, 1)
    # That the change is shown is checked for ours only: syrupy cuts lines as long as this
    # answer around their first difference, so its diff need not show the changed word.
    for name, plugin_env in envs.items():
        shown = run_pytest(dirs["diff-ours"], ["-vv"], plugin_env, expect=1).output
        if suites.CHANGED_MARKER not in shown:
            sys.exit(f"bench: {name}'s failure does not show the change:\n{shown[-4000:]}")
    for run in stream.values():
        run()
    say("timing the long stream")
    streams = alternate(stream, opts.runs, say)
    say("timing the long answer's diff")
    diffs = alternate(diff, opts.runs, say)
    return {
        "stream": {
            name: {
                "seconds": [_test(r, "test_stream")["seconds"] for r in runs],
                "rss_growth_mb": [_test(r, "test_stream")["rss_growth_kb"] / 1024 for r in runs],
                "process_peak_rss_mb": [r.maxrss_kb / 1024 for r in runs],
            }
            for name, runs in streams.items()
        },
        "diff": {
            name: {
                "diff_seconds": [r.timings.get("diff_seconds", 0.0) for r in runs],
                "test_seconds": [_test(r, "test_long_answer")["seconds"] for r in runs],
            }
            for name, runs in diffs.items()
        },
    }


def _test(result: Result, name: str) -> dict[str, float]:
    """The timing record of the test called ``name`` in one run."""
    return next(t for nodeid, t in result.timings["tests"].items() if nodeid.endswith(name))


def _variant(text: str) -> tuple[str, str]:
    label, sep, directory = text.partition("=")
    if not sep or not label or not (Path(directory) / "pytest_llmseed").is_dir():
        raise argparse.ArgumentTypeError(
            f"expected LABEL=DIR with DIR/pytest_llmseed/ a copy of the package, got {text!r}"
        )
    if label in ("ours", "peer", "floor", "without"):
        raise argparse.ArgumentTypeError(f"the label {label!r} is taken; choose another")
    return label, str(Path(directory).resolve())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options; ``--quick`` lowers every size that was not given explicitly."""
    parser = argparse.ArgumentParser(
        description="Time pytest-llmseed replay against pytest-recording + syrupy.",
    )
    parser.add_argument("--tests", type=int, help="replay tests (default 600; quick 120)")
    parser.add_argument("--modules", type=int, default=6, help="modules they are spread over")
    parser.add_argument("--runs", type=int, help="timed runs per variant (default 5; quick 3)")
    parser.add_argument("--startup-tests", type=int, help="plain tests for --co (default 2000)")
    parser.add_argument("--stream-chunks", type=int, help="SSE chunks (default 20000; quick 5000)")
    parser.add_argument("--diff-words", type=int, default=2000, help="words of the long answer")
    parser.add_argument(
        "--scale-tests", type=int, help="tests of the scale rows (default 4000; quick 600; 0: off)"
    )
    parser.add_argument("--scale-runs", type=int, help="scale rows' runs (default 3; quick 1)")
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument(
        "--variant",
        type=_variant,
        action="append",
        default=[],
        metavar="LABEL=DIR",
        help="also time the pytest_llmseed package in DIR (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw timings to this file")
    parser.add_argument("--keep", type=Path, help="generate the suites here and keep them")
    opts = parser.parse_args(argv)
    quick = opts.quick
    opts.tests = opts.tests or (120 if quick else 600)
    opts.runs = opts.runs or (3 if quick else 5)
    opts.startup_tests = opts.startup_tests or (500 if quick else 2000)
    opts.stream_chunks = opts.stream_chunks or (5000 if quick else 20000)
    if opts.scale_tests is None:
        opts.scale_tests = 600 if quick else 4000
    opts.scale_runs = opts.scale_runs or (1 if quick else 3)
    if opts.tests < opts.modules or opts.runs < 1:
        parser.error("--tests must be at least --modules, and --runs at least 1")
    return opts


def versions() -> dict[str, str]:
    """Versions of the tools compared, for the record."""
    found = {}
    for name in NEEDED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            sys.exit(f"bench: {name} is not installed; install the project with its [test] extra")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, record, time, print the table."""
    opts = parse_args(argv)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    data: dict[str, Any] = {
        "config": {
            "tests": opts.tests,
            "modules": opts.modules,
            "runs": opts.runs,
            "startup_tests": opts.startup_tests,
            "stream_chunks": opts.stream_chunks,
            "scale_tests": opts.scale_tests,
            "scale_runs": opts.scale_runs,
            "diff_words": opts.diff_words,
            "plugins": ["ours", *(label for label, _ in opts.variant)],
            "variants": dict(opts.variant),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg()[0],
            "versions": versions(),
        }
    }
    if opts.keep:
        opts.keep.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="llmseed-bench-", dir=opts.keep))
    started = time.perf_counter()
    try:
        data["replay"] = bench_replay(root, opts, say)
        if opts.scale_tests:
            data["scale"] = bench_scale(root, opts, partial(plugin_envs, opts=opts), say)
        data["startup"] = bench_startup(root, opts, say)
        data.update(bench_big(root, opts, say))
    finally:
        if not opts.keep:
            shutil.rmtree(root, ignore_errors=True)
    cfg = data["config"]
    cfg["bench_seconds"] = round(time.perf_counter() - started, 1)
    cfg["load_average_at_end"] = os.getloadavg()[0]
    if opts.json:
        opts.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(
        f"\npytest-llmseed replay benchmark: {cfg['tests']} tests in {cfg['modules']} modules, "
        f"median of {cfg['runs']} runs, Python {cfg['python']}, {cfg['cpus']} CPUs, "
        f"load average {cfg['load_average_at_start']:.1f} → {cfg['load_average_at_end']:.1f}, "
        f"{cfg['bench_seconds']} s\n"
    )
    print(table.markdown(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
