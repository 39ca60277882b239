"""Keeping credentials out of everything written to disk. Works on vcrpy's request/response."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

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


def _redact_json(text: str, secrets: list[str]) -> str | None:
    """Redact inside JSON strings, where an escape (``\\u002d``) can hide a literal key."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    changed = False

    def walk(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, str):
            new = redact_text(value, secrets)
            changed = changed or new != value
            return new
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        return value

    data = walk(data)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) if changed else None


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
    if isinstance(body, bytes):
        encoded = [s.encode() for s in secrets]
        for secret in encoded:
            if secret in body:
                body = body.replace(secret, REDACTED.encode())
        return body
    if isinstance(body, str):
        return redact_text(body, secrets)
    return body


def scrub_request(request: Any, secrets: list[str]) -> Any:
    """A copy of a vcrpy Request without credential headers, query keys or key literals."""
    from vcr.filters import remove_headers, remove_query_parameters

    request = copy.deepcopy(request)
    drop = [
        name
        for name in request.headers
        if name.lower() in SECRET_REQUEST_HEADERS
        or name.lower() in VOLATILE_REQUEST_HEADERS
        or name.lower().startswith(VOLATILE_REQUEST_HEADER_PREFIXES)
    ]
    request = remove_headers(request, drop)
    secret_params = [name for name, _ in request.query if name.lower() in SECRET_QUERY_PARAMETERS]
    if secret_params:
        request = remove_query_parameters(request, secret_params)
    request.uri = redact_text(request.uri, secrets)
    request.body = redact_body(request.body, secrets)
    return request


def scrub_response(response: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    """Remove cookies/account headers and key literals from a vcrpy response dict in place."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in SECRET_RESPONSE_HEADERS:
            del headers[name]
        else:
            headers[name] = [redact_text(str(v), secrets) for v in headers[name]]
    body = response.get("body")
    if isinstance(body, dict) and "string" in body:
        body["string"] = redact_body(body["string"], secrets)
    return response
