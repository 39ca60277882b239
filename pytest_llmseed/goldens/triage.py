"""Why a golden probably changed: the request, the backend, or the output itself."""

from __future__ import annotations

from typing import Any

from pytest_llmseed.goldens.compare import compared_parts
from pytest_llmseed.goldens.diffs import diff_lines
from pytest_llmseed.goldens.severity import classify
from pytest_llmseed.providers.registry import BACKEND_KEYS
from pytest_llmseed.records import Severity, triage_line


def _backends(document: Any) -> list[dict[str, Any]]:
    """Each call's meta: a calls golden's per call, a plain value's from the calls the test
    made before asserting it, an answer's own (an empty one where a file has something else)."""
    if not isinstance(document, dict):
        return []
    if document.get("kind") == "calls":
        calls = document.get("calls")
        found = (
            [c.get("meta") for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []
        )
        return [meta if isinstance(meta, dict) else {} for meta in found]
    meta = document.get("meta")
    if not isinstance(meta, dict):
        return []
    if document.get("kind") in ("text", "data"):
        calls = meta.get("calls")
        return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []
    return [meta]


def _request_change(old_requests: list[Any], new_requests: list[Any]) -> str:
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
    return f"request changed: the code now asks something else ({what})"


def _backend_change(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> str | None:
    """What changed in the backends of calls at the same positions (which call, when
    there are several)."""
    several = max(len(old), len(new)) > 1
    seeds, backend = [], []
    for n, (a, b) in enumerate(zip(old, new, strict=False), start=1):
        where = f"call {n}: " if several else ""
        if a.get("seed") != b.get("seed"):
            seeds.append(f"{where}seed {a.get('seed')} → {b.get('seed')}")
        changes = [
            f"{key} {a.get(key)} → {b.get(key)}" for key in BACKEND_KEYS if a.get(key) != b.get(key)
        ]
        if changes:
            backend.append(where + "; ".join(changes))
    if seeds:
        return "request changed: " + "; ".join(seeds)
    if backend:
        return "backend changed: " + "; ".join(backend)
    return None


def triage(old: Any, new: Any) -> str:
    """One sentence saying the likely cause: the request, the backend, or the output itself."""
    old_requests = [r for r, _ in compared_parts(old)]
    new_requests = [r for r, _ in compared_parts(new)]
    if old_requests != new_requests:
        return _request_change(old_requests, new_requests)
    old_backends, new_backends = _backends(old), _backends(new)
    found = _backend_change(old_backends, new_backends)
    if found is not None:
        return found
    if new_backends and not old_backends:
        return (
            "output changed; the stored golden does not say which backend recorded it "
            "(accepting it keeps the backend from now on)"
        )
    return "output changed at the same request and backend (sampling noise or a real regression)"


def triage_with_severity(old: Any, new: Any) -> tuple[str, Severity]:
    """The triage sentence and the severity of a changed golden."""
    return triage(old, new), classify(old, new)


def describe_change(old: Any, new: Any) -> list[str]:
    """Triage line then path-by-path differences between two loaded golden documents."""
    old_parts = compared_parts(old)
    new_parts = compared_parts(new)

    def shape(parts: list[tuple[Any, Any]]) -> Any:
        answers = [{"request": request[1], "output": output} for request, output in parts]
        return answers[0] if len(old_parts) == len(new_parts) == 1 else answers

    sentence, severity = triage_with_severity(old, new)
    return [triage_line(sentence, severity), *diff_lines(shape(old_parts), shape(new_parts))]
