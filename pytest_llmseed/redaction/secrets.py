"""Keeping credentials out of everything written to disk. Works on vcrpy's request/response."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pytest_llmseed.exchange.bodies import (
    NOT_JSON,
    dump_json,
    json_or_text,
    map_strings,
    parse_json,
)
from pytest_llmseed.exchange.sse import looks_like_sse, parse_field, split_lines

REDACTED = "<llmseed:redacted>"

# Request headers that carry credentials or identify the account: never recorded.
SECRET_REQUEST_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "x-goog-api-key",
        "openai-organization",
        "openai-project",
        "cookie",
    }
)
# The headers whose whole value is a key (Azure OpenAI, Anthropic, Gemini); Authorization
# carries one after its scheme.
KEY_HEADERS = ("api-key", "x-api-key", "x-goog-api-key")
# Volatile headers that say which machine recorded; dropped so cassettes stay stable and
# reveal nothing about the recorder's environment. Matching never looks at headers anyway.
VOLATILE_REQUEST_HEADER_PREFIXES = ("x-stainless-",)
VOLATILE_REQUEST_HEADERS = frozenset(
    {"user-agent", "host", "connection", "accept-encoding", "content-length"}
)
SECRET_RESPONSE_HEADERS = frozenset({"set-cookie", "openai-organization", "openai-project"})
SECRET_QUERY_PARAMETERS = frozenset({"api-key", "api_key", "key", "access_token"})

# Shorter values are too likely to occur by accident (and are not real keys anyway).
MIN_SECRET_LENGTH = 8


def usable_secrets(values: Iterable[str | None]) -> list[str]:
    """The values worth searching for, longest first so a key never hides a longer one."""
    found = {v.strip() for v in values if v and len(v.strip()) >= MIN_SECRET_LENGTH}
    return sorted(found, key=len, reverse=True)


def bearer_token(value: str) -> str:
    """The credential inside an Authorization header value."""
    scheme, _, token = value.partition(" ")
    return token.strip() if token and scheme.lower() in {"bearer", "basic", "token"} else value


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every literal secret in ``text``."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_value(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of JSON-like data (dicts, lists, strings) with every secret replaced."""
    secrets = list(secrets)
    if not secrets:
        return value
    return map_strings(value, lambda text: redact_text(text, secrets), keys=True)


def _redact_json(text: str, secrets: list[str]) -> str | None:
    """Redact inside JSON strings, where an escape (``\\u002d``) can hide a literal key."""
    data = parse_json(text)
    if data is NOT_JSON:
        return None
    redacted = redact_value(data, secrets)
    return dump_json(redacted) if redacted != data else None


def _string_leaves(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, Any, tuple[Any, ...]]]:
    """(container, key, path) of every string inside ``value``; choices keyed by 'index'."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        step = key
        if isinstance(value, list) and isinstance(child, dict) and "index" in child:
            step = ("index", str(child["index"]))  # stream chunks carry one choice each
        if isinstance(child, str):
            yield value, key, (*path, step)
        else:
            yield from _string_leaves(child, (*path, step))


def _redact_split(events: list[Any], secrets: list[str]) -> bool:
    """Redact a secret spread over several events (a streamed model echoing a key).

    The deltas of one field (e.g. ``choices[0].delta.content``) are joined in order; where
    a secret appears in the joined text, the parts of the deltas it covers are replaced.
    """
    fields: dict[tuple[Any, ...], list[tuple[Any, Any]]] = {}
    for event in events:
        for container, key, path in _string_leaves(event, ()):
            fields.setdefault(path, []).append((container, key))
    changed = False
    for leaves in fields.values():
        if len(leaves) < 2:
            continue
        for _ in range(1000):  # each round removes one occurrence
            texts = [container[key] for container, key in leaves]
            joined = "".join(texts)
            found = [(joined.find(s), s) for s in secrets if s in joined]
            if not found:
                break
            start, secret = min(found)
            end = start + len(secret)
            offset = 0
            placed = False
            for (container, key), text in zip(leaves, texts, strict=True):
                lo, hi = offset, offset + len(text)
                offset = hi
                if hi <= start or lo >= end:
                    continue
                keep_head = text[: max(0, start - lo)]
                keep_tail = text[max(0, end - lo) :] if end < hi else ""
                container[key] = keep_head + ("" if placed else REDACTED) + keep_tail
                placed = True
            changed = True
    return changed


def _redact_sse(text: str, secrets: list[str]) -> str:
    """Redact an SSE body: inside each event's JSON, and across the deltas of a stream."""
    parts = split_lines(text)  # lines at even positions, their line breaks between
    events: list[tuple[int, Any]] = []
    for index in range(0, len(parts), 2):
        line = parts[index]
        name, payload = parse_field(line)
        data = json_or_text(payload) if name == "data" else None
        if not isinstance(data, dict | list):
            parts[index] = redact_text(line, secrets)
            continue
        redacted = redact_value(data, secrets)
        events.append((index, redacted))
        if redacted != data:
            parts[index] = "data: " + dump_json(redacted)
    if _redact_split([event for _, event in events], secrets):
        for index, event in events:
            parts[index] = "data: " + dump_json(event)
    return redact_text("".join(parts), secrets)


def redact_body(body: Any, secrets: list[str]) -> Any:
    """Redact a body that may be bytes, str or None; other shapes are returned unchanged."""
    if not secrets:
        return body
    text: str | None = body if isinstance(body, str) else None
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    if text is not None and text.lstrip()[:1] in ("{", "["):
        redacted = _redact_json(text, secrets)
        if redacted is not None:
            return redacted.encode() if isinstance(body, bytes) else redacted
    elif text is not None and looks_like_sse(text):
        sse = _redact_sse(text, secrets)
        if sse != text:
            return sse.encode() if isinstance(body, bytes) else sse
    if isinstance(body, bytes):
        encoded = [s.encode() for s in secrets]
        for secret in encoded:
            if secret in body:
                body = body.replace(secret, REDACTED.encode())
        return body
    if isinstance(body, str):
        return redact_text(body, secrets)
    return body


def may_hold_secrets(request: Any, secrets: list[str]) -> bool:
    """Whether scrubbing could change the request's URI or body (what matching looks at).

    A quick test, for the requests of a cassette being loaded: ours were scrubbed when
    written, but a cassette recorded by plain vcrpy may hold a key in its URL or body.
    """
    uri = request.uri
    if "?" in uri:
        query = uri.partition("?")[2].lower()
        if any(name in query for name in SECRET_QUERY_PARAMETERS):
            return True
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    elif body is None:
        body = b""
    elif not isinstance(body, bytes):
        return True  # a file-like or streamed body: let the scrubber read it
    return any(secret in uri or secret.encode() in body for secret in secrets)


def scrub_request(
    request: Any, secrets: list[str], headers_too: frozenset[str] = frozenset()
) -> Any:
    """A copy of a vcrpy Request without credential headers, query keys or key literals.

    ``headers_too``: the project's own secret headers (lower case), dropped as well.
    """
    from vcr.filters import remove_query_parameters
    from vcr.request import Request

    # Built anew rather than deep-copied and filtered: this runs for every live request.
    headers = {}
    for name, value in request.headers.items():
        lower = name.lower()
        if (
            lower in SECRET_REQUEST_HEADERS
            or lower in headers_too
            or lower in VOLATILE_REQUEST_HEADERS
            or lower.startswith(VOLATILE_REQUEST_HEADER_PREFIXES)
        ):
            continue
        # A key sent in any other header (a proxy's, a custom one) is replaced, not kept.
        headers[name] = redact_text(value, secrets) if isinstance(value, str) else value
    clean = Request(request.method, request.uri, redact_body(request.body, secrets), headers)
    secret_params = [name for name, _ in clean.query if name.lower() in SECRET_QUERY_PARAMETERS]
    if secret_params:
        clean = remove_query_parameters(clean, secret_params)
    clean.uri = redact_text(clean.uri, secrets)
    return clean


def scrub_response(
    response: dict[str, Any], secrets: list[str], headers_too: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Remove cookies/account headers and key literals from a vcrpy response dict in place."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in SECRET_RESPONSE_HEADERS or name.lower() in headers_too:
            del headers[name]
        else:
            headers[name] = [redact_text(str(v), secrets) for v in headers[name]]
    body = response.get("body")
    if isinstance(body, dict) and "string" in body:
        body["string"] = redact_body(body["string"], secrets)
    return response
