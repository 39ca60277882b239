"""The answer of a what-if run (``--llmseed-swap-model``): per test unchanged, cosmetic,
rewording or breaking, totals, token usage before and after, how many tests vary, and the
swaps that matched nothing. Data first; terminal, Markdown and JSON forms of it here, the
HTML one in ``whatif_html``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pytest_llmseed.files.escape import for_markdown, for_markdown_code, for_terminal
from pytest_llmseed.records import GoldenStatus, TestRecord, Tokens
from pytest_llmseed.report.run import RunReport

UNCHANGED = "unchanged"
NOT_COMPARED = "not compared"
VERDICTS = ("breaking", "rewording", "cosmetic", UNCHANGED, NOT_COMPARED)
"""The answers for one test, in the order a reader wants them: what breaks first."""


@dataclass(frozen=True)
class WhatIfTest:
    """One test under the other model."""

    nodeid: str
    verdict: str
    before: Tokens
    after: Tokens
    failed: bool
    varied: bool


def _sum(found: Iterable[Tokens]) -> Tokens:
    total = Tokens()
    for t in found:
        total = Tokens(
            total.prompt + t.prompt, total.completion + t.completion, total.total + t.total
        )
    return total


@dataclass(frozen=True)
class WhatIf:
    """The whole suite under the other model."""

    swap: str
    tests: list[WhatIfTest]
    """Breaking first, then rewording, cosmetic, unchanged, not compared; by node id."""
    unmatched: list[str]
    """Swaps (``FROM=TO``) no request of the run named."""
    probe: int

    def totals(self) -> dict[str, int]:
        """Tests per verdict, in ``VERDICTS`` order (not compared only when some were)."""
        found = {v: sum(t.verdict == v for t in self.tests) for v in VERDICTS}
        return {v: n for v, n in found.items() if n or v != NOT_COMPARED}

    @property
    def before(self) -> Tokens:
        """Token usage summed over the stored goldens."""
        return _sum(t.before for t in self.tests)

    @property
    def after(self) -> Tokens:
        """Token usage summed over the answers the other model gave."""
        return _sum(t.after for t in self.tests)

    @property
    def ratio(self) -> float | None:
        """Total tokens after / before (None: the goldens record no usage)."""
        return self.after.total / self.before.total if self.before.total else None

    @property
    def varied(self) -> int:
        """Tests whose probed calls got different outputs under the other model."""
        return sum(t.varied for t in self.tests)


def verdict(record: TestRecord) -> str:
    """One test's answer: its worst golden change; breaking when it failed without one (the
    code under test broke); not compared when it had no stored golden to compare with."""
    if record.severity is not None:
        return str(record.severity)
    if record.outcome == "failed":
        return "breaking"
    if not record.goldens or any(g.status is GoldenStatus.MISSING for g in record.goldens):
        return NOT_COMPARED
    return UNCHANGED


def what_if(report: RunReport) -> WhatIf | None:
    """The what-if answer of a run (None: not a what-if run)."""
    if not report.swap:
        return None
    matched = {name for r in report.records.values() for name in r.swapped}
    entries = report.swap.split(", ")
    tests = [
        WhatIfTest(
            r.nodeid,
            verdict(r),
            *(r.tokens or (Tokens(), Tokens())),
            failed=r.outcome == "failed",
            varied=r.varied,
        )
        for r in report.records.values()
    ]
    tests.sort(key=lambda t: (VERDICTS.index(t.verdict), t.nodeid))
    unmatched = [e for e in entries if e.partition("=")[0] not in matched]
    return WhatIf(report.swap, tests, unmatched, report.probe)


def _tokens(t: Tokens) -> str:
    return f"prompt {t.prompt}, completion {t.completion}, total {t.total}"


def _short(t: Tokens) -> str:
    return f"{t.prompt}+{t.completion}={t.total}"


def ratio_text(found: WhatIf) -> str:
    """``x1.08`` (or ``n/a`` where the goldens record no usage)."""
    return "n/a" if found.ratio is None else f"x{found.ratio:.2f}"


def headline(found: WhatIf) -> str:
    """``what if gpt-4o-mini=gpt-4.1-mini: 5 tests: 1 breaking, 2 rewording, ...``."""
    counts = ", ".join(f"{n} {v}" for v, n in found.totals().items())
    return f"what if {found.swap}: {len(found.tests)} test(s): {counts}"


def token_line(found: WhatIf) -> str:
    """Token usage before and after, summed, and the ratio of the totals (per test, the
    terminal and Markdown show ``prompt+completion=total``)."""
    return (
        f"tokens before (goldens): {_tokens(found.before)}; after: {_tokens(found.after)} "
        f"({ratio_text(found)} total)"
    )


def probe_text(found: WhatIf) -> str | None:
    """How deterministic the other model is on the suite (None when not probed)."""
    if not found.probe:
        return None
    return (
        f"probe: {found.varied} of {len(found.tests)} test(s) vary under the new model "
        f"({found.probe} requests per call)"
    )


def unmatched_text(entry: str) -> str:
    """The warning for a swap no request named."""
    old = entry.partition("=")[0]
    named = "a model" if old == "*" else f"model {old!r}"
    return (
        f"swap {entry} matched no request: no request named {named} "
        "(check the model names the code sends)"
    )


def terminal_lines(found: WhatIf) -> list[str]:
    """The what-if section of the terminal summary."""
    lines = [for_terminal(headline(found)), token_line(found)]
    for t in found.tests:
        failed = " (failed)" if t.failed else ""
        varied = " varies" if t.varied else ""
        lines.append(
            f"  {t.verdict:<12} {for_terminal(t.nodeid)}{failed}{varied}: tokens "
            f"{_short(t.before)} -> {_short(t.after)}"
        )
    probe = probe_text(found)
    lines += [probe] if probe else []
    lines += [for_terminal(unmatched_text(e)) for e in found.unmatched]
    return lines


def markdown_lines(found: WhatIf) -> list[str]:
    """The what-if section of GitHub's step summary: headline, tokens, a table."""
    out = [f"**{for_markdown(headline(found))}**", "", for_markdown(token_line(found)), ""]
    probe = probe_text(found)
    out += [for_markdown(probe), ""] if probe else []
    out += [f"- {for_markdown(unmatched_text(e))}" for e in found.unmatched]
    out += ["", "| verdict | test | tokens before | tokens after |", "|---|---|---|---|"]
    for t in found.tests:
        verdict_shown = f"**{t.verdict}**" if t.verdict == "breaking" else t.verdict
        out.append(
            f"| {verdict_shown} | {for_markdown_code(t.nodeid)} | {_short(t.before)} "
            f"| {_short(t.after)} |"
        )
    return [*out, ""]


def to_json(found: WhatIf) -> dict[str, Any]:
    """The JSON report's ``whatif`` object."""
    return {
        "swap": [
            {"from": old, "to": new}
            for old, _, new in (e.partition("=") for e in found.swap.split(", "))
        ],
        "totals": found.totals(),
        "tokens": {
            "before": found.before._asdict(),
            "after": found.after._asdict(),
            "ratio": found.ratio,
        },
        "probe": {"requests": found.probe, "varied": found.varied} if found.probe else None,
        "unmatched": found.unmatched,
        "tests": [
            {
                "nodeid": t.nodeid,
                "verdict": t.verdict,
                "failed": t.failed,
                "varied": t.varied,
                "tokens": {"before": t.before._asdict(), "after": t.after._asdict()},
            }
            for t in found.tests
        ],
    }
