"""What happened in a run, as plain data: per test seed, cassette and golden outcomes, drift.

Built from per-test records that travel on pytest's reports (so xdist workers' results merge
in the controller); rendered as terminal lines, JSON (schema: report_schema.json), Markdown
for GitHub's step summary. Printing happens only in the plugin's terminal-summary hook.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to the rootdir when under it (reports stay portable), else as is."""
    # Strings and a cache of resolved directories: this runs for several paths of every test.
    directory, name = os.path.split(os.fspath(path))
    real, base = os.path.join(_real(directory or os.curdir), name), _real(os.fspath(root))
    if real == base or real.startswith(base.rstrip(os.sep) + os.sep):
        return os.path.relpath(real, base)
    return str(path)


@functools.lru_cache(maxsize=256)
def _real(directory: str) -> str:
    return os.path.realpath(directory)


# Golden statuses, as reported.
MATCHED, CHANGED, NEW, MISSING, UPDATED = "matched", "changed", "new", "missing", "updated"
# Cassette statuses.
HIT, MISS, RECORDED, UNUSED_CALLS = "hit", "miss", "recorded", "no-calls"


@dataclass
class TestRecord:
    """One test's LLM story; ``to_dict`` is what crosses from xdist workers."""

    nodeid: str
    seed: int
    record_mode: str
    cassette: str
    cassette_status: str = UNUSED_CALLS
    calls: int = 0
    goldens: list[dict[str, Any]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    outcome: str = "passed"

    @property
    def drifted(self) -> bool:
        """Anything a reviewer should look at."""
        return self.cassette_status in (MISS, RECORDED) or any(
            g["status"] in (CHANGED, MISSING) for g in self.goldens
        )

    @property
    def triage(self) -> str | None:
        """The first triage line among this test's changed goldens."""
        return next((g["triage"] for g in self.goldens if g.get("triage")), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (also the per-test entry of the JSON report)."""
        return {
            "nodeid": self.nodeid,
            "outcome": self.outcome,
            "seed": self.seed,
            "record_mode": self.record_mode,
            "cassette": {"path": self.cassette, "status": self.cassette_status},
            "calls": self.calls,
            "goldens": self.goldens,
            "pending": self.pending,
            "triage": self.triage,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestRecord:
        """Inverse of ``to_dict``."""
        return cls(
            nodeid=data["nodeid"],
            seed=data["seed"],
            record_mode=data["record_mode"],
            cassette=data["cassette"]["path"],
            cassette_status=data["cassette"]["status"],
            calls=data["calls"],
            goldens=list(data["goldens"]),
            pending=list(data["pending"]),
            outcome=data["outcome"],
        )


@dataclass
class RunReport:
    """All records of a run plus session-level findings (unused cassettes)."""

    ci: bool = False
    records: dict[str, TestRecord] = field(default_factory=dict)
    unused_cassettes: list[str] = field(default_factory=list)

    def add(self, record: TestRecord) -> None:
        """Add or replace a test's record (a rerun replaces the earlier one)."""
        self.records[record.nodeid] = record

    @property
    def drifted(self) -> list[TestRecord]:
        """Records worth a reviewer's attention, in node id order."""
        return [r for _, r in sorted(self.records.items()) if r.drifted]

    def counts(self) -> dict[str, int]:
        """Totals for the summary line."""
        goldens = [g["status"] for r in self.records.values() for g in r.goldens]
        return {
            "tests": len(self.records),
            "drifted": len(self.drifted),
            "cassette_misses": sum(r.cassette_status == MISS for r in self.records.values()),
            "cassettes_recorded": sum(r.cassette_status == RECORDED for r in self.records.values()),
            "goldens_changed": goldens.count(CHANGED),
            "goldens_missing": goldens.count(MISSING),
            "goldens_new": goldens.count(NEW) + goldens.count(UPDATED),
            "pending": sum(len(r.pending) for r in self.records.values()),
            "unused_cassettes": len(self.unused_cassettes),
        }

    def lines(self) -> list[str]:
        """The terminal summary."""
        if not self.records and not self.unused_cassettes:
            return []
        c = self.counts()
        lines = [
            f"{c['tests']} tests used seeded_llm: {c['drifted']} drifted, "
            f"{c['cassette_misses']} cassette misses, {c['cassettes_recorded']} recorded, "
            f"{c['goldens_changed']} goldens changed, {c['goldens_missing']} missing, "
            f"{c['goldens_new']} written"
        ]
        for record in self.drifted:
            goldens = ", ".join(g["status"] for g in record.goldens) or "no golden"
            lines.append(
                f"{record.nodeid}: seed={record.seed} cassette={record.cassette_status} "
                f"golden={goldens}"
            )
            if record.triage:
                lines.append(f"    {record.triage}")
            for path in record.pending:
                lines.append(f"    pending: {path}")
        for path in self.unused_cassettes:
            lines.append(f"unused cassette: {path}")
        if c["pending"]:
            lines.append(f"{c['pending']} pending change(s): review with `llmseed review`")
        return lines

    def to_json(self) -> str:
        """The JSON report (see report_schema.json)."""
        data = {
            "schema_version": SCHEMA_VERSION,
            "ci": self.ci,
            "summary": self.counts(),
            "tests": [r.to_dict() for _, r in sorted(self.records.items())],
            "unused_cassettes": self.unused_cassettes,
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def markdown(self) -> str:
        """A table for GitHub's job summary."""
        c = self.counts()
        out = [
            "### pytest-llmseed",
            "",
            f"{c['tests']} tests used `seeded_llm`; {c['drifted']} drifted; "
            f"{c['pending']} pending change(s).",
            "",
        ]
        if self.drifted:
            out += ["| test | seed | cassette | golden | triage |", "|---|---|---|---|---|"]
            for r in self.drifted:
                goldens = ", ".join(g["status"] for g in r.goldens) or "-"
                triage = (r.triage or "").removeprefix("triage: ").replace("|", "\\|")
                out.append(
                    f"| `{r.nodeid}` | {r.seed} | {r.cassette_status} | {goldens} | {triage} |"
                )
        for path in self.unused_cassettes:
            out.append(f"- unused cassette: `{path}`")
        return "\n".join(out) + "\n"
