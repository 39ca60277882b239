"""Instructions per replayed test, counted by valgrind's callgrind: ours, the peer, the floor.

Timings move with whatever else the machine does; instruction counts do not. For each
variant the bench counts the instructions of two cold replays (``-p no:cacheprovider``) of
the same generated suite, one of its first module only and one of all its modules, and
divides the difference by the number of tests between them. What every run pays once
(start-up, imports, the first test's imports, the session's end) cancels out; what is left is
the whole cost of one more test, garbage collection and report included. Run it by hand::

    python bench/instructions.py                      # 300 tests in 3 modules (about 8 minutes)
    python bench/instructions.py --variant before=/tmp/llmseed-before

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


def instructions(directory: Path, env: dict[str, str], selection: list[str]) -> int:
    """Instructions callgrind counts for one cold ``pytest -q`` run in ``directory``."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "pytest",
        "-q",
        *COLD,
        *selection,
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


def per_test(directory: Path, env: dict[str, str], tests: int, modules: int) -> float:
    """Instructions of one more replayed test: all modules against the first module alone."""
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
        return (everything.result() - alone.result()) / (tests - first)


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
    opts = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("bench: valgrind is not installed (apt-get install -y valgrind)")
    if opts.modules < 2 or opts.tests < 2 * opts.modules:
        parser.error("--modules must be at least 2, with at least 2 tests per module")
    root = Path(tempfile.mkdtemp(prefix="llmseed-instructions-"))
    try:
        dirs, base_url = record_replay_suites(root, opts.tests, opts.modules, print)
        env = environment(base_url)
        counts = {"floor": per_test(dirs["floor"], env, opts.tests, opts.modules)}
        counts["peer"] = per_test(dirs["peer"], env, opts.tests, opts.modules)
        counts["ours"] = per_test(dirs["ours"], env, opts.tests, opts.modules)
        for label, directory in (v.partition("=")[::2] for v in opts.variant):
            variant_env = environment(base_url, os.path.abspath(directory))
            counts[label] = per_test(dirs["ours"], variant_env, opts.tests, opts.modules)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    floor, peer = counts["floor"], counts["peer"] - counts["floor"]
    print("\n| variant | instructions per test | above the floor | x peer |")
    print("|---|---|---|---|")
    for name, count in counts.items():
        above = count - floor
        ratio = f"{above / peer:.3f} x" if name != "floor" else ""
        print(f"| {name} | {count / 1e6:.2f} M | {above / 1e6:.2f} M | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
