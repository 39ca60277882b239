"""Keeping credentials out of everything written to disk. Works on vcrpy's request/response."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pytest_llmseed.config.values import MIN_SECRET_LENGTH
from pytest_llmseed.exchange.bodies import (
    NOT_JSON,
    dump_json,
    json_or_text,
    map_strings,
    parse_json,
)
from pytest_llmseed.exchange.sse import parse_field, split_lines
from pytest_llmseed.redaction.search import (
    REDACTED,
    leaks,
    redact_bytes,
    redact_text,
    secrets_regex,
)

__all__ = ["REDACTED", "leaks", "redact_text", "secrets_regex"]  # their home is search.py


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


def usable_secrets(values: Iterable[str | None]) -> list[str]:
    """The values worth searching for, longest first so a key never hides a longer one."""
    found = {v.strip() for v in values if v and len(v.strip()) >= MIN_SECRET_LENGTH}
    return sorted(found, key=len, reverse=True)


def credential_values(value: str) -> list[str]:
    """The secrets in an ``Authorization`` / ``Proxy-Authorization`` value, whatever the scheme.

    The credential after the scheme (``Bearer``, ``Basic``, ``ApiKey``, ``Digest``, ...) and
    the whole value; for ``Basic``, the decoded ``user:password`` and the password as well.
    """
    value = value.strip()
    scheme, _, credential = value.partition(" ")
    credential = credential.strip()
    found = [value, credential] if credential else [value]
    if scheme.lower() == "basic" and credential:
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        if decoded:
            found.extend([decoded, decoded.partition(":")[2]])
    return found


def bearer_token(value: str) -> str:
    """The credential inside an Authorization header value (after any scheme)."""
    return credential_values(value)[-1] if " " in value.strip() else value


def cookie_values(value: str) -> list[str]:
    """The secrets in a ``Cookie`` header: the header, each ``name=value`` pair and value."""
    found = [value.strip()]
    for pair in value.split(";"):
        found.extend([pair.strip(), pair.partition("=")[2].strip()])
    return found


def redact_value(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of JSON-like data (dicts, lists, strings) with every secret replaced."""
    pattern = secrets_regex(secrets)
    return value if pattern is None else _redact_data(value, pattern)


def _redact_data(value: Any, pattern: re.Pattern[str]) -> Any:
    return map_strings(value, lambda text: pattern.sub(REDACTED, text), keys=True)


def _redact_json(text: str, pattern: re.Pattern[str]) -> str | None:
    """Redact inside JSON strings, where an escape (``\\u002d``) can hide a literal key."""
    data = parse_json(text)
    if data is NOT_JSON:
        return None
    redacted = _redact_data(data, pattern)
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


def _cut(texts: list[str], spans: list[tuple[int, int]]) -> list[str]:
    """``texts`` with the parts the ``spans`` of their concatenation cover removed; the marker
    goes where each span starts. One walk over texts and spans together."""
    joined = "".join(texts)
    result: list[str] = []
    offset = 0
    first = 0  # the first span that may still reach the current text
    for text in texts:
        lo, hi = offset, offset + len(text)
        offset = hi
        while first < len(spans) and spans[first][1] <= lo:
            first += 1
        pieces: list[str] = []
        position = lo
        index = first
        while index < len(spans) and spans[index][0] < hi:
            start, end = spans[index]
            if start > position:
                pieces.append(joined[position:start])
            if start >= lo:
                pieces.append(REDACTED)
            position = max(position, min(end, hi))
            if end > hi:
                break  # it goes on in the next text
            index += 1
        pieces.append(joined[position:hi])
        result.append("".join(pieces))
    return result


def _redact_split(events: list[Any], pattern: re.Pattern[str]) -> bool:
    """Redact a secret spread over several events (a streamed model echoing a key).

    The deltas of one field (e.g. ``choices[0].delta.content``) are joined in order and
    searched once; the parts of the deltas each occurrence covers are replaced.
    """
    fields: dict[tuple[Any, ...], list[tuple[Any, Any]]] = {}
    for event in events:
        for container, key, path in _string_leaves(event, ()):
            fields.setdefault(path, []).append((container, key))
    changed = False
    for leaves in fields.values():
        if len(leaves) < 2:
            continue
        texts = [container[key] for container, key in leaves]
        spans = [m.span() for m in pattern.finditer("".join(texts)) if m[0] != REDACTED]
        if not spans:
            continue
        for (container, key), text in zip(leaves, _cut(texts, spans), strict=True):
            container[key] = text
        changed = True
    return changed


def _redact_sse(text: str, pattern: re.Pattern[str]) -> str:
    """Redact a text read as an SSE stream: each event's JSON (its ``data:`` lines joined, as
    the SDKs read them, whatever other fields come first), and across a stream's deltas."""
    parts = split_lines(text)  # lines at even positions, their line breaks between
    events: list[tuple[list[int], Any, Any]] = []  # data lines, the event, its redacted copy
    data_lines: list[int] = []

    def end_event() -> None:
        if not data_lines:
            return
        payload = "\n".join(parse_field(parts[i])[1] for i in data_lines)
        data = json_or_text(payload)
        if isinstance(data, dict | list):
            events.append((list(data_lines), data, _redact_data(data, pattern)))
        data_lines.clear()

    for index in range(0, len(parts), 2):
        line = parts[index]
        if not line:
            end_event()
        elif parse_field(line)[0] == "data":
            data_lines.append(index)
    end_event()
    _redact_split([redacted for _, _, redacted in events], pattern)
    for lines, data, redacted in events:
        if redacted == data:
            continue  # kept byte for byte
        parts[lines[0]] = "data: " + dump_json(redacted)
        for extra in lines[1:]:  # the event's other data lines, now in the first one
            parts[extra] = ""
            parts[extra - 1] = ""
    return pattern.sub(REDACTED, "".join(parts))


def redact_body(body: Any, secrets: list[str]) -> Any:
    """Redact a body that may be bytes, str or None; other shapes are returned unchanged."""
    pattern = secrets_regex(secrets)
    if pattern is None:
        return body
    text: str | None = body if isinstance(body, str) else None
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return redact_bytes(body, secrets)
    if text is None:
        return body
    redacted: str | None = None
    if text.lstrip()[:1] in ("{", "["):
        redacted = _redact_json(text, pattern)
    if redacted is None:
        # Any other text is read as a stream: the SDKs accept events whose first field is
        # any of SSE's (or an unknown one, ignored), and a plain text has no data lines.
        redacted = _redact_sse(text, pattern) if "data" in text else None
    if redacted is None:
        redacted = pattern.sub(REDACTED, text)
    if redacted == text:
        return body
    return redacted.encode() if isinstance(body, bytes) else redacted


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
    if "@" in uri.partition("?")[0]:
        return True  # credentials in the URL (user:password@host)
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "surrogateescape")
    elif body is None:
        body = ""
    elif not isinstance(body, str):
        return True  # a file-like or streamed body: let the scrubber read it
    pattern = secrets_regex(secrets)
    return pattern is not None and (leaks(uri, secrets) or leaks(body, secrets))


def without_userinfo(uri: str) -> str:
    """``uri`` without the ``user:password@`` part of its authority (credentials, always)."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri
    authority, slash, tail = rest.partition("/")
    if "@" not in authority:
        return uri
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{tail}"


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
    uri = without_userinfo(request.uri)
    clean = Request(request.method, uri, redact_body(request.body, secrets), headers)
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
