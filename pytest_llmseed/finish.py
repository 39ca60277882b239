"""The end of one test: what happened to its cassette and goldens, as a ``TestRecord``.

Goldens that did not match become pending changes here, with the cassette the test
re-recorded, so that a golden and its cassette are reviewed together.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pytest_llmseed.config.settings import RunContext
from pytest_llmseed.files.paths import relative_path
from pytest_llmseed.goldens import outcomes
from pytest_llmseed.interception.probe import probe_records
from pytest_llmseed.records import CassetteStatus, GoldenRecord, TestRecord

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from pytest_llmseed.fixture import SeededLLM


def cassette_status(*, missed: bool, recorded: bool, calls: int) -> CassetteStatus:
    """What happened to the test's cassette: a miss wins, then a recording."""
    if missed:
        return CassetteStatus.MISS
    if recorded:
        return CassetteStatus.RECORDED
    return CassetteStatus.HIT if calls else CassetteStatus.NO_CALLS


class TestEnd(NamedTuple):
    """What the end-of-test accounting needs to know about the test."""

    nodeid: str
    cassette: Path
    cassette_status: CassetteStatus
    snapshot: SnapshotAssertion | None
    run: RunContext
    test_dir: Path


def account(llm: SeededLLM, end: TestEnd, redirect: list[Path]) -> None:
    """What happened in the test: cassette hit / miss / recorded, each golden's outcome.

    Goldens that did not match are written as pending changes; when such a test also
    recorded live, its cassette is saved as pending too (``redirect`` tells the cassette's
    persister where), so a golden and its cassette are reviewed together.
    """
    run = end.run
    results = outcomes.outcomes(end.snapshot) if end.snapshot is not None else []
    drift = [g for g in results if g.received is not None]
    pending = _write_pending(drift, end, redirect) if drift else []
    calls = llm.calls
    llm.record = TestRecord(
        nodeid=end.nodeid,
        seed=llm.seed,
        record_mode=llm.record_mode,
        cassette=relative_path(end.cassette, run.rootdir),
        cassette_status=end.cassette_status,
        calls=len(calls),
        goldens=tuple(replace(g, path=relative_path(Path(g.path), run.rootdir)) for g in results),
        pending=tuple(relative_path(p, run.rootdir) for p in pending),
        probes=probe_records(calls),
        unseeded=tuple(i for i, call in enumerate(calls, 1) if call.unseeded),
    )
    if end.snapshot is not None:
        llm.golden_first = relative_path(outcomes.first_location(end.snapshot), run.rootdir)


def _write_pending(drift: list[GoldenRecord], end: TestEnd, redirect: list[Path]) -> list[Path]:
    """Each changed golden as a pending change; a cassette recorded with them goes pending too."""
    # Imported for drift only: a passing test writes no pending change.
    from pytest_llmseed.review.staging import pending_path, write_pending_golden

    run = end.run
    if end.cassette_status is CassetteStatus.RECORDED:
        redirect.append(
            pending_path(
                end.cassette, pending_dir=run.pending_dir, rootdir=run.rootdir, base=end.test_dir
            )
        )
    return [
        write_pending_golden(
            golden=Path(g.path),
            received=g.received or "",
            nodeid=end.nodeid,
            triage=g.triage or "",
            cassette=end.cassette if redirect else None,
            cassette_pending=redirect[0] if redirect else None,
            pending_dir=run.pending_dir,
            rootdir=run.rootdir,
            base=end.test_dir,
        )
        for g in drift
    ]
