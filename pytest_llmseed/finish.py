"""The end of one test: what happened to its cassette and goldens, as a ``TestRecord``.

Goldens that did not match become pending changes here, with the cassette the test
re-recorded, so that a golden and its cassette are reviewed together.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pytest_llmseed.config.settings import RunSettings
from pytest_llmseed.exchange.calls import SEED_REFUSED
from pytest_llmseed.files.paths import relative_path
from pytest_llmseed.goldens import outcomes
from pytest_llmseed.interception.probe import probe_records
from pytest_llmseed.records import CassetteStatus, GoldenRecord, TestRecord, Tokens
from pytest_llmseed.redaction import secrets as scrub

if TYPE_CHECKING:
    from collections.abc import Callable

    from syrupy.assertion import SnapshotAssertion

    from pytest_llmseed.context import TestContext


def cassette_status(*, missed: bool, recorded: bool, calls: int) -> CassetteStatus:
    """What happened to the test's cassette: a miss wins, then a recording."""
    if missed:
        return CassetteStatus.MISS
    if recorded:
        return CassetteStatus.RECORDED
    return CassetteStatus.HIT if calls else CassetteStatus.NO_CALLS


class EndOfTest(NamedTuple):
    """What the end-of-test accounting needs to know about the test."""

    nodeid: str
    cassette: Path
    cassette_status: CassetteStatus
    snapshot: SnapshotAssertion | None
    run: RunSettings
    test_dir: Path
    renamed_from: str | None = None


class TestEnded(NamedTuple):
    """What ``account`` found: the test's record, its first golden, a diverted cassette."""

    record: TestRecord
    golden_first: str | None
    """The test's first golden file, relative to the rootdir (its others share the stem)."""
    cassette_pending: Path | None
    """Where the cassette the test recorded goes instead (a golden drifted with it)."""


def account(
    context: TestContext, end: EndOfTest, *, save_cassette: Callable[[Path | None], None]
) -> TestEnded:
    """What happened in the test: cassette hit / miss / recorded, each golden's outcome.

    Goldens that did not match are written as pending changes; when such a test also
    recorded live, its cassette is saved as pending too (``save_cassette`` is handed where),
    so a golden and its cassette are reviewed together. The cassette is saved first: a run
    cut short never leaves a pending golden whose cassette was still to come.
    """
    run = end.run
    results = outcomes.outcomes(end.snapshot) if end.snapshot is not None else []
    drift = [g for g in results if g.received is not None]
    cassette_pending = None
    # A what-if run's recordings are the other model's: never the committed cassette.
    if (drift or run.swap) and end.cassette_status is CassetteStatus.RECORDED:
        from pytest_llmseed.review.binding import pending_path

        cassette_pending = pending_path(
            end.cassette, pending_dir=run.pending_dir, rootdir=run.rootdir, base=end.test_dir
        )
    save_cassette(cassette_pending)
    secrets = context.secrets()
    # A test id can hold a key (``ids=[KEY]``): reports and pending labels get it redacted.
    nodeid = scrub.redact_text(end.nodeid, secrets)
    results = [_redacted(g, secrets) for g in results]
    drift = [g for g in results if g.received is not None]
    pending = (
        _write_pending(drift, end._replace(nodeid=nodeid), cassette_pending, secrets)
        if drift
        else []
    )
    calls = context.log.calls
    settings = context.settings
    record = TestRecord(
        nodeid=nodeid,
        seed=settings.seed,
        record_mode=settings.record_mode,
        cassette=relative_path(end.cassette, run.rootdir),
        cassette_status=end.cassette_status,
        calls=len(calls),
        goldens=tuple(replace(g, path=relative_path(Path(g.path), run.rootdir)) for g in results),
        pending=tuple(_from_root(p, run.rootdir) for p in pending),
        probes=probe_records(calls),
        unseeded=tuple(i for i, call in enumerate(calls, 1) if call.unseeded == SEED_REFUSED),
        swapped=tuple(sorted(context.swapped)),
        tokens=_tokens(end) if run.swap else None,
        renamed_from=end.renamed_from,
    )
    first = None
    if end.snapshot is not None:
        first = relative_path(outcomes.first_location(end.snapshot), run.rootdir)
    return TestEnded(record, first, cassette_pending)


def _tokens(end: EndOfTest) -> tuple[Tokens, Tokens] | None:
    """A what-if test's token usage before and after, from its goldens' meta."""
    if end.snapshot is None:
        return None
    from pytest_llmseed.goldens.tokens import tokens_before_after

    return tokens_before_after(end.snapshot)


def _redacted(golden: GoldenRecord, secrets: list[str]) -> GoldenRecord:
    """The golden's record with every secret out of its texts (what reports show)."""

    def clean(text: str | None) -> str | None:
        return None if text is None else scrub.redact_text(text, secrets)

    return replace(
        golden,
        name=scrub.redact_text(golden.name, secrets),
        triage=clean(golden.triage),
        stored=clean(golden.stored),
        received=clean(golden.received),
    )


def _from_root(path: Path, rootdir: Path) -> str:
    """A pending change's path relative to the rootdir, even in a pending dir outside it:
    the report must not carry the runner's absolute paths."""
    shown = relative_path(path, rootdir)
    if os.path.isabs(shown):
        try:
            return os.path.relpath(shown, rootdir)
        except ValueError:  # another drive
            return shown
    return shown


def _write_pending(
    drift: list[GoldenRecord], end: EndOfTest, cassette_pending: Path | None, secrets: list[str]
) -> list[Path]:
    """Each changed golden as a pending change, with the cassette recorded with them."""
    # Imported for drift only: a passing test writes no pending change.
    from pytest_llmseed.review.staging import write_pending_golden

    run = end.run
    return [
        write_pending_golden(
            golden=Path(g.path),
            received=g.received or "",
            nodeid=end.nodeid,
            triage=g.triage_line or "",
            cassette=end.cassette if cassette_pending else None,
            cassette_pending=cassette_pending,
            pending_dir=run.pending_dir,
            rootdir=run.rootdir,
            base=end.test_dir,
            secrets=secrets,
        )
        for g in drift
    ]
