"""The whole run's report: every test's record plus what the session found (unused
cassettes, the what-if swap, where pending changes went), and the totals and orders every
output (terminal, JSON, Markdown, HTML) shows."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from pytest_llmseed.records import (
    SEVERITY_ORDER,
    CassetteStatus,
    GoldenStatus,
    TestRecord,
    severity_rank,
)


@dataclass
class RunReport:
    """All records of a run plus session-level findings (unused cassettes)."""

    ci: bool = False
    probe: int = 0
    """``--llmseed-probe``'s N (0: not probing)."""
    records: dict[str, TestRecord] = field(default_factory=dict)
    unused_cassettes: list[str] = field(default_factory=list)
    swap: str = ""  # a what-if run's model swaps, ``FROM=TO, ...`` (empty: not one)
    pending_from: str | None = None
    """``--llmseed-pending-dir`` as the run's hints give it to ``llmseed review --from``
    (None: pending changes sit beside the goldens)."""

    def add(self, record: TestRecord) -> None:
        """Add or replace a test's record (a rerun replaces the earlier one)."""
        self.records[record.nodeid] = record

    @property
    def drifted(self) -> list[TestRecord]:
        """Records with a changed or missing golden, in node id order."""
        return [r for _, r in sorted(self.records.items()) if r.drifted]

    @property
    def varied(self) -> list[TestRecord]:
        """Tests whose probed calls got different outputs, in node id order."""
        return [r for _, r in sorted(self.records.items()) if r.varied]

    @property
    def attention(self) -> list[TestRecord]:
        """Records worth a reviewer's attention (drift or a cassette miss): breaking first,
        then rewording, cosmetic, the rest (a miss, a missing golden); by node id within."""
        return sorted(
            (r for r in self.records.values() if r.needs_attention),
            key=lambda r: (severity_rank(r.severity), r.nodeid),
        )

    def by_severity(self) -> dict[str, int]:
        """Changed goldens per severity, breaking first (every severity named, zero or not)."""
        found = [g.severity for r in self.records.values() for g in r.goldens if g.severity]
        return {str(s): found.count(s) for s in SEVERITY_ORDER}

    @property
    def review_command(self) -> str:
        """The ``llmseed review`` command that finds this run's pending changes."""
        if self.pending_from is None:
            return "llmseed review"
        return f"llmseed review --from {shlex.quote(self.pending_from)}"

    @property
    def empty(self) -> bool:
        """No test used ``seeded_llm`` and nothing was found: nothing to report."""
        return not self.records and not self.unused_cassettes

    def counts(self) -> dict[str, int]:
        """Totals for the summary line."""
        goldens = [g.status for r in self.records.values() for g in r.goldens]
        cassettes = [r.cassette_status for r in self.records.values()]
        return {
            "tests": len(self.records),
            "drifted": len(self.drifted),
            "cassettes_replayed": cassettes.count(CassetteStatus.HIT),
            "cassette_misses": cassettes.count(CassetteStatus.MISS),
            "cassettes_recorded": cassettes.count(CassetteStatus.RECORDED),
            "goldens_matched": goldens.count(GoldenStatus.MATCHED),
            "goldens_changed": goldens.count(GoldenStatus.CHANGED),
            "goldens_missing": goldens.count(GoldenStatus.MISSING),
            "goldens_new": goldens.count(GoldenStatus.NEW),
            "goldens_updated": goldens.count(GoldenStatus.UPDATED),
            "pending": sum(len(r.pending) for r in self.records.values()),
            "unused_cassettes": len(self.unused_cassettes),
            "goldens_tolerated": sum(g.tolerated for r in self.records.values() for g in r.goldens),
            "varied": len(self.varied),
            **{f"goldens_{k}": n for k, n in self.by_severity().items()},
        }
