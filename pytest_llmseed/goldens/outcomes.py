"""After a test: what happened to each of its golden assertions (matched, changed, new...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import GoldenFileError
from ..report.model import GoldenStatus
from .fileformat import SUFFIX, GoldenText, load_golden
from .triage import triage

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

NEW_GOLDEN_TRIAGE = "triage: new golden: nothing stored yet for this assertion"


@dataclass(frozen=True)
class GoldenOutcome:
    """One assertion against a golden."""

    name: str
    path: Path
    status: GoldenStatus
    triage: str | None = None
    received: str | None = None
    """The received golden text when it did not match (the pending change)."""
    stored: str | None = None
    """The stored golden text it was compared with, when there was one."""


def _triage(old: str, new: str) -> str:
    try:
        return triage(load_golden(old), load_golden(new))
    except GoldenFileError as exc:
        return f"triage: the stored golden cannot be read ({exc})"


def outcomes(snapshot: SnapshotAssertion) -> list[GoldenOutcome]:
    """The status of every assertion the test made through ``snapshot``, in order."""
    results = []
    for _index, result in sorted(snapshot.executions.items()):
        path = Path(result.snapshot_location)
        if result.success:
            status = (
                GoldenStatus.NEW
                if result.created
                else GoldenStatus.UPDATED
                if result.updated
                else GoldenStatus.MATCHED
            )
            results.append(GoldenOutcome(result.snapshot_name, path, status))
            continue
        if not isinstance(result.asserted_data, str | GoldenText):
            continue  # serialization itself failed: the test shows that error
        received = str(result.asserted_data)  # the text of a golden that did not match
        if result.recalled_data is None:
            results.append(
                GoldenOutcome(
                    result.snapshot_name, path, GoldenStatus.MISSING, NEW_GOLDEN_TRIAGE, received
                )
            )
        else:
            triage = _triage(str(result.recalled_data), received)
            results.append(
                GoldenOutcome(
                    result.snapshot_name,
                    path,
                    GoldenStatus.CHANGED,
                    triage,
                    received,
                    str(result.recalled_data),
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
