"""Whether data loaded from a cassette file is a cassette vcrpy can replay.

Refused with the reason (``CassetteFileError`` naming the file) before vcrpy would crash on
it later, at load, match or replay; another tool's recording is named for what it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_llmseed.errors import CassetteFileError

# Top-level keys of other tools' recordings, so a wrong file is named for what it is.
_FOREIGN_FORMATS = (
    ("http_interactions", "a Ruby VCR / Betamax cassette"),
    ("log", "a HAR file (Polly.js, browser or proxy export)"),
    ("responses", "a recording of the 'responses' library"),
    ("mappings", "a WireMock mapping file"),
)


def check_shape(path: Path, data: Any) -> None:
    """Refuse, with the reason, what vcrpy would crash on later (at load, match or replay)."""
    if not isinstance(data, dict):
        hint = (
            " (the layout of vcrpy before 1.0)"
            if isinstance(data, list) and data and isinstance(data[0], dict)
            else ""
        )
        raise CassetteFileError(
            path, f"expected a mapping with 'interactions', found {type(data).__name__}{hint}"
        )
    interactions = data.get("interactions")
    if not isinstance(interactions, list):
        foreign = next((what for key, what in _FOREIGN_FORMATS if key in data), None)
        looks = f"; it looks like {foreign}" if foreign else ""
        raise CassetteFileError(
            path, f"it has no 'interactions' list (not a vcrpy cassette{looks})"
        )
    version = data.get("version", 1)
    if version != 1:
        raise CassetteFileError(
            path, f"it has cassette format version {version!r}; vcrpy cassettes are version 1"
        )
    for index, interaction in enumerate(interactions):
        ok = (
            isinstance(interaction, dict)
            and isinstance(interaction.get("request"), dict)
            and isinstance(interaction.get("response"), dict)
            and {"method", "uri"} <= set(interaction["request"])
            and (
                isinstance(interaction["response"].get("status"), dict)
                or "status_code" in interaction["response"]  # vcrpy's old httpx layout
            )
        )
        if not ok:
            raise CassetteFileError(
                path,
                f"interaction #{index + 1} lacks request method/uri or response status",
            )
        request, response = interaction["request"], interaction["response"]
        # Parts vcrpy always writes but a hand-written cassette may leave out.
        request.setdefault("body", None)
        request.setdefault("headers", {})
        response.setdefault("headers", {})
        if isinstance(response.get("status"), dict):
            response["status"].setdefault("message", None)
        problem = _request_problem(request) or _response_problem(response)
        if problem:
            raise CassetteFileError(path, f"interaction #{index + 1}: {problem}")


def _headers_problem(headers: Any, where: str) -> str | None:
    if not isinstance(headers, dict):
        return f"{where} headers are {type(headers).__name__}, not a mapping"
    for name, values in headers.items():
        items = values if isinstance(values, list) else [values]
        if not isinstance(name, str) or not all(isinstance(v, str) for v in items):
            return f"{where} header {name!r} is not text"
        # httpx sends and rebuilds header values as ASCII; anything else fails at replay.
        if not (name.isascii() and all(v.isascii() for v in items)):
            return f"{where} header {name!r} is not ASCII"
    return None


def _request_problem(request: dict[str, Any]) -> str | None:
    if not isinstance(request["method"], str) or not isinstance(request["uri"], str):
        return "request method and uri must be text"
    body = request.get("body")
    if not (body is None or isinstance(body, str | bytes) or hasattr(body, "read")):
        return (
            f"the request body is a {type(body).__name__}; expected text, "
            "or JSON as a mapping under 'json:'"
        )
    return _headers_problem(request.get("headers", {}), "request")


def _response_problem(response: dict[str, Any]) -> str | None:
    if "status_code" in response and "status" not in response:
        status: Any = {"code": response["status_code"]}
        body: Any = {"string": response.get("content")}
    else:
        status, body = response["status"], response.get("body")
    code = status.get("code")
    if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
        return f"response status code {code!r} is not an HTTP status (100-599)"
    message = status.get("message")
    if message is not None and (not isinstance(message, str) or not message.isascii()):
        return f"response status message {message!r} is not ASCII text"
    if not isinstance(body, dict) or "string" not in body:
        return "the response body must be a mapping with 'string' (or 'json')"
    if not isinstance(body["string"], str | bytes):
        return f"the response body is {type(body['string']).__name__}, not text"
    return _headers_problem(response.get("headers", {}), "response")
