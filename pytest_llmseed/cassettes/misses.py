"""The failure text for a request with no recorded answer: the nearest one, and what to run."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pytest_llmseed.cassettes.matching import form_or_none, json_or_missing
from pytest_llmseed.config.entries import PRESET_DESCRIPTIONS
from pytest_llmseed.config.values import NO_VOLATILE, Volatile
from pytest_llmseed.exchange.bodies import NOT_JSON as MISSING
from pytest_llmseed.files.escape import terminal
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.redaction.volatile import suggest


def explain_miss(
    exc: Any,
    record_mode: str,
    nodeid: str,
    volatile: Volatile = NO_VOLATILE,
    *,
    diff: Callable[[Any, Any], list[str]],
) -> str:
    """The failure text for a request that has no recorded answer (``diff`` shows two
    JSON bodies' differences path by path, as golden diffs do)."""
    cassette = exc.cassette
    request = exc.failed_request
    path = Path(cassette.path)
    exists = path.is_file()
    lines = [
        "llmseed: no recorded answer for this request",
        f"  request:  {terminal(request.method)} {terminal(_safe_uri(request.uri))}",
        f"  cassette: {terminal(str(path))}" + ("" if exists else " (does not exist yet)"),
        f"  record mode: {record_mode}",
    ]
    similar = exc.similar_requests or []
    if similar:
        nearest, _successes, failures = similar[0]
        index = next((i for i, r in enumerate(cassette.requests) if r is nearest), None)
        label = f"#{index + 1} of {len(cassette)}" if index is not None else "nearest"
        lines.append(f"nearest recorded request ({label}) differs in:")
        for matcher, _message in failures:
            if matcher == "llmseed_body":
                old, new = json_or_missing(nearest), json_or_missing(request)
                if old is MISSING or new is MISSING:
                    old, new = form_or_none(nearest), form_or_none(request)
                    if old is None or new is None:
                        lines.append("  body: the raw bodies differ")
                        continue
                    lines.append("  body: the multipart form fields differ")
                lines.extend("  " + terminal(text) for text in body_diff(old, new, diff))
            else:
                old_value = getattr(nearest, matcher, "?")
                new_value = getattr(request, matcher, "?")
                lines.append(
                    f"  {matcher}: {terminal(repr(old_value))} -> {terminal(repr(new_value))}"
                )
        lines.extend(terminal(line) for line in volatile_hint(nearest, request, failures, volatile))
    elif len(cassette):
        lines.append(f"the cassette has {len(cassette)} recorded request(s); none is similar")
    elif exists:
        lines.append("the cassette holds no interactions")
    if record_mode == "once" and exists:
        lines.append("record mode 'once' never adds to an existing cassette.")
    # A changed request makes the old interactions stale: re-record the test's cassette.
    mode = "all" if exists else "once"
    host = urlsplit(request.uri).netloc
    lines.append(f"To record it from {terminal(host)} (needs the API key and the network), run:")
    lines.append(f"  pytest {terminal(shlex.quote(nodeid))} --llmseed-record-mode={mode}")
    lines.append("then review the changed golden with `llmseed review` (it is left pending).")
    return "\n".join(lines)


def volatile_hint(
    nearest: Any, request: Any, failures: list[tuple[str, Any]], volatile: Volatile
) -> list[str]:
    """Lines naming the ``llmseed_volatile`` entries that would make the request replay,
    when it differs from the nearest recorded one only in values that look like presets."""
    if not failures or any(name not in ("llmseed_body", "query") for name, _ in failures):
        return []
    old, new = json_or_missing(nearest), json_or_missing(request)
    if old is MISSING or new is MISSING:
        old, new = _text(nearest.body), _text(request.body)
    names = suggest([old, sorted(nearest.query)], [new, sorted(request.query)], volatile)
    if not names:
        return []
    described = " and ".join(PRESET_DESCRIPTIONS[name] for name in names)
    listed = ", ".join(f'"{name}"' for name in names)
    return [
        f"it differs only in values that look like {described}: they change from run to run.",
        "To match them as equal (goldens then show placeholders), add to the ini file:",
        "  llmseed_volatile =",
        *(f"      {name}" for name in names),
        f"or mark the test @pytest.mark.llmseed(volatile=[{listed}]).",
    ]


def _text(body: Any) -> str | None:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body if isinstance(body, str) else None


MAX_BODY_DIFF_LINES = 20


def body_diff(recorded: Any, sent: Any, diff: Callable[[Any, Any], list[str]]) -> list[str]:
    """What changed from the nearest recorded JSON body to the one sent, path by path.

    Long text (a prompt) is diffed word by word with a few words of context, as goldens
    are: one changed word in a 400-word prompt is a couple of lines, not the prompt twice.
    """
    lines = diff(recorded, sent)
    if len(lines) > MAX_BODY_DIFF_LINES:
        cut = len(lines) - MAX_BODY_DIFF_LINES + 1
        lines = [*lines[: MAX_BODY_DIFF_LINES - 1], f"… and {cut} more line(s)"]
    return lines


def _safe_uri(uri: str) -> str:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(uri)
    query = [
        (k, scrub.REDACTED if k.lower() in scrub.SECRET_QUERY_PARAMETERS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
