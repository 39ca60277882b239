"""After a test: what happened to each of its golden assertions (matched, changed, new...)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_llmseed.errors import GoldenFileError
from pytest_llmseed.goldens.fileformat import SUFFIX, GoldenText, load_golden
from pytest_llmseed.records import GoldenRecord, GoldenStatus, Severity

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from pytest_llmseed.config.values import ModelSwap

NEW_GOLDEN_TRIAGE = "new golden: nothing stored yet for this assertion"


def _triage(old: str, new: str, swap: ModelSwap | None) -> tuple[str, Severity]:
    # Imported for a changed golden only (the diff machinery: deepdiff, word diffs).
    from pytest_llmseed.goldens.swapped import with_swapped_models
    from pytest_llmseed.goldens.triage import triage_with_severity

    try:
        return triage_with_severity(with_swapped_models(load_golden(old), swap), load_golden(new))
    except GoldenFileError as exc:
        # Unreadable: nothing to compare, so nothing can be let through.
        return f"the stored golden cannot be read ({exc})", Severity.BREAKING


def outcomes(snapshot: SnapshotAssertion) -> list[GoldenRecord]:
    """The status of every assertion the test made through ``snapshot``, in order.

    Paths are the golden files' absolute paths; the fixture makes them rootdir-relative.
    """
    results = []
    context = getattr(snapshot.extension, "context", None)
    swap = context.swap if context is not None else None  # a what-if run compares answers
    for _index, result in sorted(snapshot.executions.items()):
        name, path = result.snapshot_name, str(result.snapshot_location)
        # A change below --llmseed-fail-on passed (the extension marked it): still a change.
        tolerated = bool(result.success and getattr(result.asserted_data, "tolerated", None))
        if result.success and not tolerated:
            status = (
                GoldenStatus.NEW
                if result.created
                else GoldenStatus.UPDATED
                if result.updated
                else GoldenStatus.MATCHED
            )
            results.append(GoldenRecord(name=name, path=path, status=status))
            continue
        if not isinstance(result.asserted_data, str | GoldenText):
            continue  # serialization itself failed: the test shows that error
        received = str(result.asserted_data)  # the text of a golden that did not match
        severity: Severity | None = None
        if result.recalled_data is None:
            status, triage, stored = GoldenStatus.MISSING, NEW_GOLDEN_TRIAGE, None
        else:
            stored = str(result.recalled_data)
            status = GoldenStatus.CHANGED
            triage, severity = _triage(stored, received, swap)
        results.append(
            GoldenRecord(
                name=name,
                path=path,
                status=status,
                triage=triage,
                stored=stored,
                received=received,
                severity=severity,
                tolerated=tolerated,
            )
        )
    return results


def first_location(snapshot: SnapshotAssertion) -> Path:
    """Where the test's first golden (assertion index 0) lives, asserted or not."""
    execution = snapshot.executions.get(0)
    if execution is not None:
        return Path(execution.snapshot_location)
    # Not asserted (the test failed first): ask the extension, as syrupy would.
    return Path(snapshot.extension.get_location(test_location=snapshot.test_location, index=0))


def files_like(first: Path) -> list[Path]:
    """The golden files on disk of the test whose first golden is ``first`` (any index)."""
    stem = first.name.removesuffix(SUFFIX)
    pattern = re.compile(re.escape(stem) + r"(\.\d+)?" + re.escape(SUFFIX))
    if not first.parent.is_dir():
        return []
    return sorted(p for p in first.parent.iterdir() if pattern.fullmatch(p.name))
