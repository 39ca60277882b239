"""The llmseed section of pytest's terminal summary, as lines (printing is the plugin's)."""

from __future__ import annotations

from pytest_llmseed.files.escape import for_terminal
from pytest_llmseed.records import TestRecord
from pytest_llmseed.report.run import RunReport

PROBE_ADVICE = (
    "    outputs vary at a fixed seed: compare these tests with a tolerant profile "
    '(@pytest.mark.llmseed(compare="normalized") or "fuzzy:0.8"), or assert properties '
    "of the output (fields, tool calls, JSON) instead of its exact text"
)
# A text profile cannot make two different tool calls or parsed values equal: other advice.
PROBE_ADVICE_BY_KIND = {
    "text": PROBE_ADVICE,
    "structured": (
        "    structured outputs vary at a fixed seed: compare them as data "
        '(@pytest.mark.llmseed(compare="json"), numbers with a tolerance), or assert the '
        "fields the code reads instead of the whole value"
    ),
    "tool calls": (
        "    tool calls vary at a fixed seed (which tool, or its arguments): a text profile "
        "cannot help; assert the calls the code relies on (tool names, the arguments it "
        "reads) instead of the whole output, and keep the recording as the reference"
    ),
}


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


# What the totals line names, in this order, when it happened: (count, singular, plural).
_TOTALS = (
    ("cassettes_replayed", "replayed", "replayed"),
    ("cassettes_recorded", "recorded", "recorded"),
    ("cassette_misses", "cassette miss", "cassette misses"),
    ("goldens_matched", "golden matched", "goldens matched"),
    ("goldens_new", "new golden", "new goldens"),
    ("goldens_updated", "golden updated", "goldens updated"),
    ("goldens_changed", "golden drifted", "goldens drifted"),
    ("goldens_missing", "golden missing", "goldens missing"),
)


def totals(report: RunReport) -> str:
    """What happened, in words: ``3 tests used seeded_llm: 3 recorded, 3 new goldens``.

    Only what happened is named. A recording is a recording and a miss a miss; "drifted" is
    kept for goldens that changed.
    """
    c = report.counts()
    parts = [_count(c[key], singular, plural) for key, singular, plural in _TOTALS if c[key]]
    said = ", ".join(parts) or "no LLM calls"
    return f"{_count(c['tests'], 'test')} used seeded_llm: {said}"


def severity_totals(report: RunReport) -> str | None:
    """``drift by severity: 1 breaking, 0 rewording, 2 cosmetic`` (None without drift)."""
    found = report.by_severity()
    if not any(found.values()):
        return None
    return "drift by severity: " + ", ".join(f"{n} {name}" for name, n in found.items())


def summary_lines(report: RunReport) -> list[str]:
    """The terminal summary: totals, then each drifted or missed test with triage and pending."""
    if report.empty:
        return []
    c = report.counts()
    lines = [totals(report)]
    if report.swap:
        from pytest_llmseed.report.whatif import terminal_lines, what_if

        found = what_if(report)
        lines += terminal_lines(found) if found else []
    by_severity = severity_totals(report)
    if by_severity:
        lines.append(by_severity)
    for record in report.attention:
        lines.extend(_drift_lines(record))
    if c["goldens_tolerated"]:
        lines.append(
            f"{c['goldens_tolerated']} changed golden(s) passed under --llmseed-fail-on=breaking "
            "(cosmetic or rewording); they stay pending until reviewed"
        )
    lines.extend(probe_lines(report))
    unseeded = sum(len(r.unseeded) for r in report.records.values())
    if unseeded:
        lines.append(
            f"{unseeded} call(s) went out unseeded (the server refused seed): their answers "
            "are as repeatable as the server's sampling"
        )
    # A miss that found its request in an unused cassette named it: a probable rename.
    renamed = {r.renamed_from: r.nodeid for r in report.records.values() if r.renamed_from}
    for path in report.unused_cassettes:
        lines.append(f"unused cassette: {for_terminal(path)}")
        if path in renamed:
            from pytest_llmseed.cassettes.misses import rename_command

            command = for_terminal(rename_command(path, renamed[path]))
            lines.append(f"    probable rename: run `{command}` to keep it")
    if c["pending"]:
        lines.append(f"{c['pending']} pending change(s): review with `{report.review_command}`")
    return lines


def _drift_lines(record: TestRecord) -> list[str]:
    # No golden record: the test failed before its assertion (or made none), whether a
    # golden file exists or not.
    goldens = ", ".join(g.status for g in record.goldens) or "not compared"
    severities = sorted({str(g.severity) for g in record.goldens if g.severity})
    severity = f" severity={','.join(severities)}" if severities else ""
    lines = [
        f"{for_terminal(record.nodeid)}: seed={record.seed} cassette={record.cassette_status} "
        f"golden={goldens}{severity}"
    ]
    if record.triage_line:
        lines.append(f"    {for_terminal(record.triage_line)}")
    if any(g.tolerated for g in record.goldens):
        lines.append("    passed: below --llmseed-fail-on=breaking (still pending)")
    for path in record.pending:
        lines.append(f"    pending: {for_terminal(path)}")
    return lines


def probe_lines(report: RunReport) -> list[str]:
    """What ``--llmseed-probe`` measured: how many tests were probed, which ones varied."""
    probed = [r for _, r in sorted(report.records.items()) if r.probes]
    if not report.probe or not probed:
        return []
    calls = sum(len(r.probes) for r in probed)
    varied = report.varied
    lines = [
        f"probe: {report.probe} requests per call: {calls} call(s) in {len(probed)} test(s) "
        f"probed, {len(varied)} test(s) gave varying outputs"
    ]
    for record in varied:
        for found in record.probes:
            if not found.varied:
                continue
            shown = for_terminal(", ".join(found.fingerprints)) or "none"
            lines.append(
                f"  varied: {for_terminal(record.nodeid)} call {found.call} ({found.endpoint}): "
                f"{found.distinct} distinct outputs in {found.samples} samples; "
                f"fingerprints: {shown}"
            )
    kinds = {found.kind for record in varied for found in record.probes if found.varied}
    lines += [advice for kind, advice in PROBE_ADVICE_BY_KIND.items() if kind in kinds]
    return lines
