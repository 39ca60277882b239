"""The scale rows: the replay of a large suite (default 4,000 tests) against the 600-test one.

Modules keep the size of the replay bench's (100 tests each), so what changes is only how
many tests the session holds: a per-test cost that grows with the suite shows as a mean
in-test time above the small suite's, and memory kept per test as peak RSS.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from measure import COLD, Result, alternate, environment, expect_passed, run_pytest, times
from recording import record_replay_suites


def bench_scale(
    root: Path,
    opts: argparse.Namespace,
    envs: Callable[[str], dict[str, dict[str, str]]],
    say: Callable[[str], None],
) -> Any:
    """Record the large suites, then time cold replays of ours, each variant, peer, floor."""
    per_module = max(1, opts.tests // opts.modules)
    modules = max(1, opts.scale_tests // per_module)
    dirs, base_url = record_replay_suites(root / "scale", opts.scale_tests, modules, say)
    env = environment(base_url)
    variants: dict[str, Callable[[], Result]] = {
        name: partial(run_pytest, dirs["ours"], COLD, plugin_env)
        for name, plugin_env in envs(base_url).items()
    }
    variants["peer"] = partial(run_pytest, dirs["peer"], COLD, env)
    variants["floor"] = partial(run_pytest, dirs["floor"], COLD, env)
    for name, run in variants.items():
        expect_passed(run(), opts.scale_tests, f"the {name} replay of the large suite")
    say(f"timing the replay of {opts.scale_tests} tests (cold)")
    return times(alternate(variants, opts.scale_runs, say))
