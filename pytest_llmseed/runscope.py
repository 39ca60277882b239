"""Whether a run ran every test to completion: only such a run may judge goldens and
cassettes unused (and syrupy delete them under ``--snapshot-update``). A usage or collection
error, an interruption, ``-x`` / ``--maxfail`` or a selection make the run incomplete."""

from __future__ import annotations

import pytest


class RunScope:
    """What the run covered, to tell a complete run (which may delete unused goldens) from
    one that stopped, failed to collect or ran a selection (which deletes nothing)."""

    def __init__(self) -> None:
        self.selected = 0
        self.finished: set[str] = set()
        self.deselected = 0
        self.collection_errors = 0
        self.workers_lost = 0
        self.bad_markers: list[str] = []
        self.unaccounted: list[str] = []

    def incomplete(self, session: pytest.Session, exitstatus: int, args: list[str]) -> list[str]:
        """Why the run did not run every test that owns a golden (empty if it did)."""
        why = []
        if self.bad_markers:
            why.append(f"a bad @pytest.mark.llmseed marker ({self.bad_markers[0]})")
        elif exitstatus == pytest.ExitCode.INTERRUPTED and not self.collection_errors:
            why.append("the run was interrupted")
        elif exitstatus == pytest.ExitCode.USAGE_ERROR:
            why.append("a usage error stopped the run")
        elif exitstatus == pytest.ExitCode.INTERNAL_ERROR:
            why.append("an internal error stopped the run")
        elif exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
            why.append("no test was collected")
        if self.collection_errors:
            why.append(f"{self.collection_errors} error(s) during collection")
        if self.deselected:
            why.append(f"{self.deselected} test(s) deselected")
        if any("::" in str(arg) for arg in args):
            why.append("single tests were selected")
        not_run = self.selected - len(self.finished)
        if not_run > 0 and not why:
            stop = session.shouldfail or session.shouldstop
            why.append(f"{not_run} test(s) did not run" + (f" ({stop})" if stop else ""))
        if self.workers_lost:
            why.append(f"{self.workers_lost} xdist worker(s) ended early")
        why.extend(f"{nodeid} failed before seeded_llm started" for nodeid in self.unaccounted)
        return why
