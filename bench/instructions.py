"""Instructions per replayed test and of start-up, counted by valgrind's callgrind.

Timings move with whatever else the machine does; instruction counts do not. For each
variant the bench counts the instructions of two cold replays (``-p no:cacheprovider``) of
the same generated suite, one of its first module only and one of all its modules, and
divides the difference by the number of tests between them. What every run pays once
(start-up, imports, the first test's imports, the session's end) cancels out; what is left is
the whole cost of one more test, garbage collection and report included. The whole run of
all modules is shown too, divided by the tests: the counterpart of the replay bench's
"from the wall time" row, where what a run pays once is spread over its tests.

Start-up is ``pytest --co`` of 2,000 plain tests with the plugin and with ``-p no:llmseed``.
A full garbage collection walks the whole heap, and whether one falls before or after the
collection of 2,000 tests moves a run by tens of millions: a few thousand objects more
(a module's functions) can move it. So each pair of runs is repeated with 0 to 63,000 empty
lists allocated first (about one full collection's period), and the ratios are averaged.
Run it by hand::

    python bench/instructions.py                      # 300 tests in 3 modules (about 8 minutes)
    python bench/instructions.py --variant before=/tmp/llmseed-before
    python bench/instructions.py --startup-only       # start-up alone (about 5 minutes)

Needs ``valgrind`` (``apt-get install -y valgrind``). Like ``replay.py`` it records the
suites once against the project's test server on 127.0.0.1 and replays them offline.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from measure import COLD, environment
from recording import record_replay_suites
from suites import write_startup_suite

# Objects allocated before pytest starts, to sample where the full collections fall.
PADDINGS = tuple(range(0, 63001, 9000))


def callgrind(python_args: list[str], directory: Path, env: dict[str, str]) -> int:
    """Instructions callgrind counts for ``python <python_args>`` run in ``directory``."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        *python_args,
    ]
    # A fixed hash seed: the same run executes the same instructions.
    run_env = {**env, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        command, check=False, cwd=directory, env=run_env, capture_output=True, text=True
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        sys.exit(f"bench: {' '.join(command)} in {directory} failed:\n{done.stdout[-3000:]}")
    return int(found[1])


def instructions(directory: Path, env: dict[str, str], selection: list[str]) -> int:
    """Instructions callgrind counts for one cold ``pytest -q`` run in ``directory``."""
    return callgrind(["-m", "pytest", "-q", *COLD, *selection], directory, env)


def startup_count(directory: Path, env: dict[str, str], padding: int, args: list[str]) -> int:
    """Instructions of one ``pytest --co`` after ``padding`` empty lists were allocated."""
    code = (
        f"import builtins; builtins.llmseed_bench_padding = [[] for _ in range({padding})]; "
        "import sys, pytest; "
        f"sys.exit(pytest.main(['-q', '--co', {', '.join(map(repr, [*COLD, *args]))}]))"
    )
    return callgrind(["-c", code], directory, env)


def startup(root: Path, env: dict[str, str], tests: int) -> list[tuple[int, int, int]]:
    """(padding, with the plugin, without it) for each padding."""
    directory = write_startup_suite(root, tests)
    for args in ([], ["-p", "no:llmseed"]):  # bytecode written before counting
        warm_up = [sys.executable, "-m", "pytest", "-q", "--co", *COLD, *args]
        subprocess.run(warm_up, check=False, cwd=directory, env=env, capture_output=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            (
                padding,
                pool.submit(startup_count, directory, env, padding, []),
                pool.submit(startup_count, directory, env, padding, ["-p", "no:llmseed"]),
            )
            for padding in PADDINGS
        ]
        return [(padding, on.result(), off.result()) for padding, on, off in jobs]


def print_startup(rows: list[tuple[int, int, int]], tests: int) -> None:
    print(f"\n| padding | with the plugin | -p no:llmseed | ratio |  (pytest --co, {tests} tests)")
    print("|---|---|---|---|")
    ratios = [on / off for _, on, off in rows]
    for (padding, on, off), ratio in zip(rows, ratios, strict=True):
        print(f"| {padding} | {on / 1e6:.1f} M | {off / 1e6:.1f} M | {ratio:.4f} x |")
    mean = sum(ratios) / len(ratios)
    print(f"| mean |  |  | {mean:.4f} x (from {min(ratios):.4f} to {max(ratios):.4f}) |")


def per_test(directory: Path, env: dict[str, str], tests: int, modules: int) -> tuple[float, int]:
    """Instructions of one more replayed test (all modules against the first module alone),
    and of the whole run of all modules."""
    first = tests // modules
    # Replayed once first, so both counts read cached bytecode: the two runs go in parallel,
    # and one must not count compiling a module the other then reads. A collection alone
    # is not enough: the plugin imports its recording and golden modules at the first test
    # (a variant's fresh checkout has no bytecode for them yet).
    warm_up = [sys.executable, "-m", "pytest", "-q", *COLD]
    subprocess.run(warm_up, check=False, cwd=directory, env=env, capture_output=True)
    with ThreadPoolExecutor(max_workers=2) as pool:  # valgrind runs on one core each
        alone = pool.submit(instructions, directory, env, ["test_mod0.py"])
        everything = pool.submit(instructions, directory, env, [])
        whole = everything.result()
        return (whole - alone.result()) / (tests - first), whole


def print_counts(counts: dict[str, tuple[float, int]], tests: int) -> None:
    """Per test, and the whole run (start-up and the session's end included) per test."""
    floor, floor_run = counts["floor"]
    peer, peer_run = counts["peer"][0] - floor, counts["peer"][1] - floor_run
    print(
        "\n| variant | instructions per test | above the floor | x peer "
        f"| whole run of {tests} tests | above the floor, per test | x peer |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, (count, run) in counts.items():
        above, run_above = count - floor, run - floor_run
        ratio = f"{above / peer:.3f} x" if name != "floor" else ""
        run_ratio = f"{run_above / peer_run:.3f} x" if name != "floor" else ""
        print(
            f"| {name} | {count / 1e6:.2f} M | {above / 1e6:.2f} M | {ratio} "
            f"| {run / 1e6:.0f} M | {run_above / tests / 1e6:.2f} M | {run_ratio} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=300, help="replayed tests (default 300)")
    parser.add_argument("--modules", type=int, default=3, help="modules they are spread over")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL=DIR",
        help="also count the pytest_llmseed package in DIR (repeatable)",
    )
    parser.add_argument("--startup-tests", type=int, default=2000, help="plain tests for --co")
    parser.add_argument("--startup-only", action="store_true", help="count start-up alone")
    opts = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("bench: valgrind is not installed (apt-get install -y valgrind)")
    if opts.modules < 2 or opts.tests < 2 * opts.modules:
        parser.error("--modules must be at least 2, with at least 2 tests per module")
    root = Path(tempfile.mkdtemp(prefix="llmseed-instructions-"))
    if opts.startup_only:
        try:
            print_startup(
                startup(root, environment("http://127.0.0.1:9/v1"), opts.startup_tests),
                opts.startup_tests,
            )
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return 0
    try:
        dirs, base_url = record_replay_suites(root, opts.tests, opts.modules, print)
        env = environment(base_url)
        counts = {"floor": per_test(dirs["floor"], env, opts.tests, opts.modules)}
        counts["peer"] = per_test(dirs["peer"], env, opts.tests, opts.modules)
        counts["ours"] = per_test(dirs["ours"], env, opts.tests, opts.modules)
        for label, directory in (v.partition("=")[::2] for v in opts.variant):
            variant_env = environment(base_url, os.path.abspath(directory))
            counts[label] = per_test(dirs["ours"], variant_env, opts.tests, opts.modules)
        started = startup(root, env, opts.startup_tests)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print_counts(counts, opts.tests)
    print_startup(started, opts.startup_tests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
