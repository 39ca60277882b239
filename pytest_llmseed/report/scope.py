"""Whether a run ran every test to completion: only such a run may judge goldens and
cassettes unused (and syrupy delete them under ``--snapshot-update``). A usage or collection
error, an interruption, ``-x`` / ``--maxfail`` or a selection make the run incomplete."""

from __future__ import annotations

from typing import Protocol

import pytest


class RunScope(Protocol):
    """What the run covered (``session.RunScope``, filled in by the session's hooks)."""

    selected: int
    finished: set[str]
    deselected: int
    collection_errors: int
    workers_lost: int
    bad_markers: list[str]
    unaccounted: list[str]


def incomplete(
    scope: RunScope, session: pytest.Session, exitstatus: int, args: list[str]
) -> list[str]:
    """Why the run did not run every test that owns a golden (empty if it did)."""
    why = []
    if scope.bad_markers:
        why.append(f"a bad @pytest.mark.llmseed marker ({scope.bad_markers[0]})")
    elif exitstatus == pytest.ExitCode.INTERRUPTED and not scope.collection_errors:
        why.append("the run was interrupted")
    elif exitstatus == pytest.ExitCode.USAGE_ERROR:
        why.append("a usage error stopped the run")
    elif exitstatus == pytest.ExitCode.INTERNAL_ERROR:
        why.append("an internal error stopped the run")
    elif exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        why.append("no test was collected")
    if scope.collection_errors:
        why.append(f"{scope.collection_errors} error(s) during collection")
    if scope.deselected:
        why.append(f"{scope.deselected} test(s) deselected")
    if any("::" in str(arg) for arg in args):
        why.append("single tests were selected")
    not_run = scope.selected - len(scope.finished)
    if not_run > 0 and not why:
        stop = session.shouldfail or session.shouldstop
        why.append(f"{not_run} test(s) did not run" + (f" ({stop})" if stop else ""))
    if scope.workers_lost:
        why.append(f"{scope.workers_lost} xdist worker(s) ended early")
    why.extend(f"{nodeid} failed before seeded_llm started" for nodeid in scope.unaccounted)
    return why
