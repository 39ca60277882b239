"""Keeping credentials out of everything written to disk. Works on vcrpy's request/response."""

from __future__ import annotations

import base64
import functools
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

REDACTED = "<llmseed:redacted>"

# Request headers that carry credentials or identify the account: never recorded.
SECRET_REQUEST_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "openai-organization",
        "openai-project",
        "cookie",
    }
)
# Volatile headers that say which machine recorded; dropped so cassettes stay stable and
# reveal nothing about the recorder's environment. Matching never looks at headers anyway.
VOLATILE_REQUEST_HEADER_PREFIXES = ("x-stainless-",)
VOLATILE_REQUEST_HEADERS = frozenset(
    {"user-agent", "host", "connection", "accept-encoding", "content-length"}
)
SECRET_RESPONSE_HEADERS = frozenset({"set-cookie", "openai-organization", "openai-project"})
SECRET_QUERY_PARAMETERS = frozenset({"api-key", "api_key", "key", "access_token"})

# Beyond this many secrets one flat alternation would try each at every position; a trie
# of them tries one branch per character instead.
_FLAT_LIMIT = 16
# JSON (\u002d) and YAML (\x2d) escapes a stored file could hide a key behind.
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\/")


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


def _trie_pattern(secrets: list[str]) -> str:
    """One regex of many literals as a trie: a branch per character, the longest match first."""
    root: dict[str, Any] = {}
    for secret in secrets:
        node = root
        for char in secret:
            node = node.setdefault(char, {})
        node[""] = True
    out: list[str] = []
    # Iterative (a long key must not exhaust the recursion limit): each item is a node to
    # expand, or a piece of pattern text to emit.
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        chars = sorted(c for c in item if c)
        if not chars:
            continue
        ends = "" in item
        if len(chars) == 1 and not ends:
            stack.extend([item[chars[0]], re.escape(chars[0])])
            continue
        stack.append(")?" if ends else ")")
        for index in range(len(chars) - 1, -1, -1):
            stack.extend([item[chars[index]], re.escape(chars[index])])
            if index:
                stack.append("|")
        stack.append("(?:")
    return "".join(out)


@functools.lru_cache(maxsize=16)
def _compiled(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """The marker, then every secret: one regex, so a text is searched once for all of them.

    The marker comes first so that text already redacted is left as it is.
    """
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not ordered:
        return None
    marker = re.escape(REDACTED)
    flat = "|".join(re.escape(s) for s in ordered)
    if len(ordered) <= _FLAT_LIMIT:
        return re.compile(f"{marker}|{flat}")
    try:
        return re.compile(f"{marker}|{_trie_pattern(ordered)}")
    except (RecursionError, re.error, OverflowError):
        # Too deep a trie for the regex compiler: slower, still one pass, still correct.
        return re.compile(f"{marker}|{flat}")


def secrets_regex(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """The compiled search for ``secrets`` (and the marker), or None when there are none."""
    return _compiled(tuple(secrets))


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every literal secret in ``text``: one pass, however many secrets and matches."""
    pattern = secrets_regex(secrets)
    return pattern.sub(REDACTED, text) if pattern is not None else text


def _redact_bytes(body: bytes, pattern: re.Pattern[str], secrets: list[str]) -> bytes:
    """Redact bytes that are not UTF-8: matched byte for byte through latin-1."""
    latin = secrets_regex([s.encode("utf-8", "surrogatepass").decode("latin-1") for s in secrets])
    if latin is None:
        return body
    return latin.sub(REDACTED, body.decode("latin-1")).encode("latin-1")


def leaks(text: str, secrets: Iterable[str]) -> bool:
    """Whether ``text`` (what is about to be written) still holds a secret, even escaped."""
    pattern = secrets_regex(secrets)
    if pattern is None:
        return False
    if any(m[0] != REDACTED for m in pattern.finditer(text)):
        return True
    if "\\" not in text:
        return False
    unescaped = _ESCAPE.sub(
        lambda m: chr(int(m[1] or m[2], 16)) if (m[1] or m[2]) else "/", text
    )
    return any(m[0] != REDACTED for m in pattern.finditer(unescaped))


def redact_value(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of JSON-like data (dicts, lists, strings) with every secret replaced."""
    pattern = secrets_regex(secrets)
    if pattern is None:
        return value
    return map_strings(value, lambda text: pattern.sub(REDACTED, text), keys=True)


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


def _redact_sse(text: str, secrets: list[str], pattern: re.Pattern[str]) -> str:
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
            events.append((list(data_lines), data, redact_value(data, secrets)))
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
            return _redact_bytes(body, pattern, secrets)
    if text is None:
        return body
    redacted: str | None = None
    if text.lstrip()[:1] in ("{", "["):
        redacted = _redact_json(text, secrets)
    if redacted is None:
        # Any other text is read as a stream: the SDKs accept events whose first field is
        # any of SSE's (or an unknown one, ignored), and a plain text has no data lines.
        redacted = _redact_sse(text, secrets, pattern) if "data" in text else None
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
