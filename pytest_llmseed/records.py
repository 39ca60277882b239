"""What happened in a run, as typed data: per test seed, cassette and golden outcomes, drift.

Built from per-test records that travel on pytest's reports (so xdist workers' results merge
in the controller); dicts exist only at that boundary and in the JSON report. Rendering is
elsewhere: ``terminal``, ``jsonfile``, ``markdown``, ``htmlpage``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class GoldenStatus(StrEnum):
    """What happened to one golden assertion."""

    MATCHED = "matched"
    CHANGED = "changed"
    NEW = "new"
    MISSING = "missing"
    UPDATED = "updated"


class CassetteStatus(StrEnum):
    """What happened to a test's cassette."""

    HIT = "hit"
    MISS = "miss"
    RECORDED = "recorded"
    NO_CALLS = "no-calls"


class Severity(StrEnum):
    """How much a changed golden matters (``goldens.severity`` decides)."""

    COSMETIC = "cosmetic"
    """Only whitespace, quotes, unicode forms or case."""
    REWORDING = "rewording"
    """The text changed; the structure (tool calls, JSON, finish reason) did not."""
    BREAKING = "breaking"
    """Tool calls, structured output, a refusal, JSON or a bad finish reason changed."""


SEVERITY_ORDER = (Severity.BREAKING, Severity.REWORDING, Severity.COSMETIC)
"""The order reviewers read changes in: what breaks the code first."""


def severity_rank(severity: Severity | str | None) -> int:
    """Where a change of ``severity`` sorts for a reviewer (no severity last)."""
    order = [str(s) for s in SEVERITY_ORDER]
    return order.index(str(severity)) if severity is not None and str(severity) in order else 3


class FailOn(StrEnum):
    """``--llmseed-fail-on``: which drift fails the run."""

    ANY = "any"
    BREAKING = "breaking"


DRIFTED_GOLDENS = (GoldenStatus.CHANGED, GoldenStatus.MISSING)


def triage_line(sentence: str, severity: Severity | str | None = None) -> str:
    """A triage sentence as shown to people: ``triage: ...``, its severity at the end
    (records keep the sentence alone, the JSON report too)."""
    shown = f"triage: {sentence}"
    return shown if severity is None else f"{shown} — severity: {severity}"


@dataclass(frozen=True)
class GoldenRecord:
    """One golden assertion of a test, as reported (``path`` relative to the rootdir)."""

    name: str
    path: str
    status: GoldenStatus
    triage: str | None = None
    stored: str | None = None
    """The stored golden's text it was compared with, when it did not match."""
    received: str | None = None
    """The received golden's text when it did not match (the pending change)."""
    severity: Severity | None = None
    """How much a changed golden matters; None unless ``status`` is changed."""
    tolerated: bool = False
    """Changed, but below ``--llmseed-fail-on``: pending and reported, the test passed."""

    @property
    def triage_line(self) -> str | None:
        """The triage as shown to people: ``triage: ...``, the severity at its end."""
        return triage_line(self.triage, self.severity) if self.triage else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (the report's ``goldens`` entries)."""
        data: dict[str, Any] = {
            "name": self.name,
            "path": self.path,
            "status": str(self.status),
            "triage": self.triage,
            "severity": None if self.severity is None else str(self.severity),
            "tolerated": self.tolerated,
        }
        if self.stored is not None:
            data["stored"] = self.stored
        if self.received is not None:
            data["received"] = self.received
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GoldenRecord:
        """Inverse of ``to_dict``."""
        return cls(
            name=data["name"],
            path=data["path"],
            status=GoldenStatus(data["status"]),
            triage=data.get("triage"),
            stored=data.get("stored"),
            received=data.get("received"),
            severity=Severity(data["severity"]) if data.get("severity") else None,
            tolerated=bool(data.get("tolerated")),
        )


@dataclass(frozen=True)
class ProbeRecord:
    """What ``--llmseed-probe=N`` measured for one LLM call of a test."""

    call: int
    """The call's position in the test, from 1."""
    endpoint: str
    samples: int
    """How many identical requests were sent (the recorded one included)."""
    distinct: int
    """How many different outputs came back, compared as the test's goldens compare."""
    fingerprints: list[str] = field(default_factory=list)
    """The ``system_fingerprint`` values seen, in order of first appearance."""
    kind: str = "text"  # what the outputs hold: text, structured or tool calls

    @property
    def varied(self) -> bool:
        """Identical requests got different outputs."""
        return self.distinct > 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (the report's ``probe`` entries)."""
        return {
            "call": self.call,
            "endpoint": self.endpoint,
            "samples": self.samples,
            "distinct": self.distinct,
            "fingerprints": list(self.fingerprints),
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeRecord:
        """Inverse of ``to_dict``."""
        fields = {k: data[k] for k in ("call", "endpoint", "samples", "distinct")}
        kind = str(data.get("kind") or "text")
        return cls(**fields, fingerprints=list(data["fingerprints"]), kind=kind)


@dataclass
class TestRecord:
    """One test's LLM story; ``to_dict`` is what crosses from xdist workers."""

    __test__ = False  # not a test class, whatever pytest's collection thinks of the name

    nodeid: str
    seed: int
    record_mode: str
    cassette: str
    cassette_status: CassetteStatus = CassetteStatus.NO_CALLS
    calls: int = 0
    # Tuples, not lists: a record lives until the run ends, and the empty tuple (most tests'
    # case) is one shared object the garbage collector does not track, unlike empty lists.
    goldens: tuple[GoldenRecord, ...] = ()
    pending: tuple[str, ...] = ()
    outcome: str = "passed"
    probes: tuple[ProbeRecord, ...] = ()
    """Per probed call, what ``--llmseed-probe`` measured (empty when not probing)."""
    unseeded: tuple[int, ...] = ()
    """Calls (from 1) sent without the injected seed because the server refused it."""
    renamed_from: str | None = None
    """An unused cassette holding the request this test missed: a probable rename's."""

    @property
    def varied(self) -> bool:
        """A probed call of this test got different outputs for identical requests."""
        return any(p.varied for p in self.probes)

    @property
    def drifted(self) -> bool:
        """A golden changed or went missing (a recording alone is not drift)."""
        return any(g.status in DRIFTED_GOLDENS for g in self.goldens)

    @property
    def needs_attention(self) -> bool:
        """Worth a reviewer's look: drift, or a request the cassette had no answer for."""
        return self.drifted or self.cassette_status is CassetteStatus.MISS

    @property
    def triage(self) -> str | None:
        """The first triage sentence among this test's changed goldens."""
        return next((g.triage for g in self.goldens if g.triage), None)

    @property
    def triage_line(self) -> str | None:
        """The first triage among this test's changed goldens, as shown to people."""
        return next((g.triage_line for g in self.goldens if g.triage), None)

    @property
    def severity(self) -> Severity | None:
        """The most serious severity among this test's changed goldens (None: none changed)."""
        found = {g.severity for g in self.goldens if g.severity is not None}
        return next((s for s in SEVERITY_ORDER if s in found), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (also the per-test entry of the JSON report)."""
        return {
            "nodeid": self.nodeid,
            "outcome": self.outcome,
            "seed": self.seed,
            "record_mode": self.record_mode,
            "cassette": {"path": self.cassette, "status": str(self.cassette_status)},
            "calls": self.calls,
            "goldens": [g.to_dict() for g in self.goldens],
            "pending": list(self.pending),
            "triage": self.triage,
            "probe": [p.to_dict() for p in self.probes],
            "unseeded": list(self.unseeded),
        } | ({"renamed_from": self.renamed_from} if self.renamed_from else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestRecord:
        """Inverse of ``to_dict``."""
        return cls(
            nodeid=data["nodeid"],
            seed=data["seed"],
            record_mode=data["record_mode"],
            cassette=data["cassette"]["path"],
            cassette_status=CassetteStatus(data["cassette"]["status"]),
            calls=data["calls"],
            goldens=tuple(GoldenRecord.from_dict(g) for g in data["goldens"]),
            pending=tuple(data["pending"]),
            outcome=data["outcome"],
            probes=tuple(ProbeRecord.from_dict(p) for p in data.get("probe") or []),
            unseeded=tuple(data.get("unseeded") or []),
            renamed_from=data.get("renamed_from"),
        )


@dataclass
class RunReport:
    """All records of a run plus session-level findings (unused cassettes)."""

    ci: bool = False
    probe: int = 0
    """``--llmseed-probe``'s N (0: not probing)."""
    records: dict[str, TestRecord] = field(default_factory=dict)
    unused_cassettes: list[str] = field(default_factory=list)
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
