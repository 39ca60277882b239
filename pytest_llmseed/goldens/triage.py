"""Why a golden probably changed: the request, the backend, or the output itself."""

from __future__ import annotations

from typing import Any

from pytest_llmseed.goldens.compare import compared_parts
from pytest_llmseed.goldens.diffs import diff_lines
from pytest_llmseed.goldens.severity import classify
from pytest_llmseed.providers.registry import BACKEND_KEYS
from pytest_llmseed.records import Severity


def _metas(document: Any) -> list[dict[str, Any]]:
    """Each answer's ``meta`` mapping (an empty one where a file has something else)."""
    if not isinstance(document, dict):
        return []
    found = [document.get("meta")]
    calls = document.get("calls")
    if document.get("kind") == "calls":
        found = (
            [c.get("meta") for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []
        )
    return [meta if isinstance(meta, dict) else {} for meta in found]


def triage(old: Any, new: Any) -> str:
    """One line saying the likely cause: the request, the backend, or the output itself."""
    old_parts, new_parts = compared_parts(old), compared_parts(new)
    old_requests = [r for r, _ in old_parts]
    new_requests = [r for r, _ in new_parts]
    if old_requests != new_requests:
        if len(old_requests) != len(new_requests):
            what = f"{len(old_requests)} → {len(new_requests)} LLM calls"
        else:
            first = next(
                i for i, (a, b) in enumerate(zip(old_requests, new_requests, strict=True)) if a != b
            )
            (old_endpoint, old_body), (new_endpoint, new_body) = (
                old_requests[first],
                new_requests[first],
            )
            if old_endpoint != new_endpoint:
                what = f"endpoint {old_endpoint} → {new_endpoint}"
            else:
                changed = diff_lines(old_body, new_body)
                what = changed[0].lstrip("~+- ").removesuffix(":") if changed else "request body"
            if len(old_requests) > 1:
                what = f"call {first + 1}: {what}"
        return f"triage: request changed: the code now asks something else ({what})"
    for a, b in zip(_metas(old), _metas(new), strict=False):
        if a.get("seed") != b.get("seed"):
            return f"triage: request changed: seed {a.get('seed')} → {b.get('seed')}"
    backend: list[tuple[str, Any, Any]] = []
    for a, b in zip(_metas(old), _metas(new), strict=False):
        for key in BACKEND_KEYS:
            change = (key, a.get(key), b.get(key))
            if change[1] != change[2] and change not in backend:
                backend.append(change)
    if backend:
        shown = "; ".join(f"{k} {x} → {y}" for k, x, y in backend)
        return f"triage: backend changed: {shown}"
    return (
        "triage: output changed at the same request and backend "
        "(sampling noise or a real regression)"
    )


def with_severity(line: str, severity: Severity) -> str:
    """A triage line with the change's severity at its end."""
    return f"{line} — severity: {severity}"


def triage_with_severity(old: Any, new: Any) -> tuple[str, Severity]:
    """The triage line (severity included) and the severity of a changed golden."""
    severity = classify(old, new)
    return with_severity(triage(old, new), severity), severity


def describe_change(old: Any, new: Any) -> list[str]:
    """Triage line then path-by-path differences between two loaded golden documents."""
    old_parts = compared_parts(old)
    new_parts = compared_parts(new)

    def shape(parts: list[tuple[Any, Any]]) -> Any:
        answers = [{"request": request[1], "output": output} for request, output in parts]
        return answers[0] if len(old_parts) == len(new_parts) == 1 else answers

    line, _severity = triage_with_severity(old, new)
    return [line, *diff_lines(shape(old_parts), shape(new_parts))]
