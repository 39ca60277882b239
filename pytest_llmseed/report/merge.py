"""Several CI shards' JSON reports read back and merged into one run's report.

Each shard's report is checked for the shape ``report_schema.json`` gives it (by hand: the
schema's validator is not a dependency), and a problem names the file and the entry.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_llmseed.errors import ReportFileError
from pytest_llmseed.records import TestRecord
from pytest_llmseed.report.jsonfile import SCHEMA_VERSION
from pytest_llmseed.report.run import RunReport

MAX_REPORT = 64 * 1024 * 1024
"""Largest JSON report read, in bytes (a report of thousands of tests is a few MB)."""

_TOP_LEVEL = {"schema_version": int, "ci": bool, "summary": dict, "tests": list}


def _check_top_level(data: Any, path: Path) -> None:
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ReportFileError(
            path, "not a pytest-llmseed JSON report (written with --llmseed-report)"
        )
    version = data["schema_version"]
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise ReportFileError(
            path,
            f"schema_version {version} is newer than this pytest-llmseed reads "
            f"({SCHEMA_VERSION}); upgrade it to merge this report",
        )
    for key, kind in _TOP_LEVEL.items():
        if not isinstance(data.get(key), kind):
            raise ReportFileError(path, f"{key!r} is missing or not a {kind.__name__}")
    unused = data.get("unused_cassettes")
    if not isinstance(unused, list) or not all(isinstance(p, str) for p in unused):
        raise ReportFileError(path, "'unused_cassettes' is missing or not a list of paths")


def read_report(path: Path) -> RunReport:
    """One shard's JSON report as a ``RunReport``; ReportFileError says what is wrong."""
    try:
        if path.stat().st_size > MAX_REPORT:
            raise ReportFileError(path, f"it is larger than {MAX_REPORT // (1024 * 1024)} MB")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportFileError(path, f"cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ReportFileError(path, "not valid JSON (it is not UTF-8 text)") from None
    except RecursionError:
        raise ReportFileError(path, "not valid JSON (it nests too deeply)") from None
    except ValueError as exc:  # JSONDecodeError, or a number too long to read
        problem = str(exc).split(":", 1)[0] if not isinstance(exc, json.JSONDecodeError) else exc
        raise ReportFileError(path, f"not valid JSON ({problem})") from None
    _check_top_level(data, path)
    report = RunReport(ci=data["ci"], unused_cassettes=list(data["unused_cassettes"]))
    report.swap, report.probe = _what_if_run(data.get("whatif"), path)
    for index, entry in enumerate(data["tests"]):
        try:
            record = TestRecord.from_dict(entry)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
            problem = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            problem = f"tests[{index}] is not a test record ({problem})"
            raise ReportFileError(path, problem) from None
        report.add(record)
    return report


def _what_if_run(found: Any, path: Path) -> tuple[str, int]:
    """A what-if shard's model swaps (``FROM=TO, ...``) and probe count; ("", 0) otherwise."""
    if found is None:
        return "", 0
    try:
        pairs = [(e["from"], e["to"]) for e in found["swap"]]
        probe = found.get("probe") or {}
        requests = probe.get("requests", 0)
        if not pairs or not all(isinstance(v, str) for p in pairs for v in p):
            raise TypeError
        if not isinstance(requests, int):
            raise TypeError
        return ", ".join(f"{old}={new}" for old, new in pairs), requests
    except (KeyError, TypeError, AttributeError):
        raise ReportFileError(path, "'whatif' is not a what-if summary") from None


def merge(reports: Sequence[RunReport]) -> RunReport:
    """One report of all shards' tests.

    A test in several reports (overlapping shards, a re-run) keeps its failing record.
    Each shard judges unused cassettes as a full run of the modules it collected would
    (deselected tests' cassettes count as used), so the merged list is their union.
    """
    merged = RunReport(ci=any(r.ci for r in reports))
    unused: set[str] = set()
    for report in reports:
        for nodeid, record in report.records.items():
            kept = merged.records.get(nodeid)
            if kept is None or kept.outcome != "failed":
                merged.add(record)
        unused.update(report.unused_cassettes)
    merged.unused_cassettes = sorted(unused)
    # Shards of one what-if run share its swaps: the merged report answers it again.
    merged.swap = next((r.swap for r in reports if r.swap), "")
    merged.probe = max((r.probe for r in reports), default=0)
    return merged


def merge_files(paths: Sequence[Path]) -> RunReport:
    """Read and merge the reports at ``paths``."""
    return merge([read_report(path) for path in paths])


def merge_command(paths: Sequence[Path], *, json_path: Path | None, html_path: Path | None) -> int:
    """``llmseed report --merge``: write the merged report, print its summary; exit code."""
    from pytest_llmseed.files.escape import for_terminal
    from pytest_llmseed.report.outputs import write_outputs
    from pytest_llmseed.report.terminal import summary_lines

    try:
        merged = merge_files(paths)
    except ReportFileError as exc:
        print(f"llmseed: {for_terminal(str(exc))}", file=sys.stderr)
        return 2
    write_outputs(
        merged,
        json_path=json_path,
        html_path=html_path,
        step_summary=os.environ.get("GITHUB_STEP_SUMMARY"),
    )
    for text in summary_lines(merged) or ["no test used seeded_llm"]:
        print(text)  # summary_lines escapes what it shows
    print(f"merged {len(paths)} report(s): {len(merged.records)} tests")
    return 1 if merged.drifted or merged.unused_cassettes else 0
