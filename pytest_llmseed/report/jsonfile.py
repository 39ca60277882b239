"""The JSON report (schema: ``report_schema.json`` beside this module)."""

from __future__ import annotations

import json
from typing import Any

from pytest_llmseed.report.run import RunReport

SCHEMA_VERSION = 1


def to_json(report: RunReport) -> str:
    """The JSON report's text."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "ci": report.ci,
        "summary": report.counts(),
        "tests": [r.to_dict() for _, r in sorted(report.records.items())],
        "unused_cassettes": report.unused_cassettes,
    }
    if report.swap:
        from pytest_llmseed.report import whatif

        found = whatif.what_if(report)
        data["whatif"] = whatif.to_json(found) if found else None
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
