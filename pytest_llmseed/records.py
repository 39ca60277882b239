"""What happened in a run, as typed data: per test seed, cassette and golden outcomes, drift.

Per-test records travel on pytest's reports (so xdist workers' results merge in the
controller); dicts exist only at that boundary and in the JSON report. The whole run's
report is ``report.run.RunReport``; rendering is elsewhere in ``report``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, NamedTuple


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
        """JSON-compatible form (the report's ``goldens`` entries; texts only when kept)."""
        data = {
            k: v for k, v in asdict(self).items() if v is not None or k in ("triage", "severity")
        }
        data["status"] = str(self.status)
        data["severity"] = None if self.severity is None else str(self.severity)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GoldenRecord:
        """Inverse of ``to_dict``."""
        given = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        given["status"] = GoldenStatus(data["status"])
        given["severity"] = Severity(data["severity"]) if data.get("severity") else None
        return cls(**{**given, "tolerated": bool(data.get("tolerated"))})


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
        return {**asdict(self), "fingerprints": list(self.fingerprints)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeRecord:
        """Inverse of ``to_dict``."""
        given = {f.name: data[f.name] for f in fields(cls) if f.name != "kind"}
        # Reports written before probe entries said their kind read as text.
        return cls(**given, kind=str(data.get("kind") or "text"))


class Tokens(NamedTuple):
    """Token usage of a test's LLM answers, as their goldens' meta says it."""

    prompt: int = 0
    completion: int = 0
    total: int = 0

    @classmethod
    def pair(cls, data: dict[str, Any] | None) -> tuple[Tokens, Tokens] | None:
        """Before and after, from the JSON form ``{"before": {...}, "after": {...}}``."""
        return (cls(**data["before"]), cls(**data["after"])) if data else None


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
    swapped: tuple[str, ...] = ()
    """What-if runs: the ``FROM`` of each model swap the test's requests matched."""
    tokens: tuple[Tokens, Tokens] | None = None
    """What-if runs: token usage before (the stored goldens' meta) and after (received)."""
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
            "swapped": list(self.swapped),
            "tokens": dict(
                zip(("before", "after"), map(Tokens._asdict, self.tokens or ()), strict=False)
            ),
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
            swapped=tuple(data.get("swapped") or []),
            tokens=Tokens.pair(data.get("tokens")),
            renamed_from=data.get("renamed_from"),
        )
