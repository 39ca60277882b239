"""The JSON report (schema: ``report_schema.json`` beside this module)."""

from __future__ import annotations

import json

from pytest_llmseed.records import RunReport

SCHEMA_VERSION = 1


def to_json(report: RunReport) -> str:
    """The JSON report's text."""
    data = {
        "schema_version": SCHEMA_VERSION,
        "ci": report.ci,
        "summary": report.counts(),
        "tests": [r.to_dict() for _, r in sorted(report.records.items())],
        "unused_cassettes": report.unused_cassettes,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
