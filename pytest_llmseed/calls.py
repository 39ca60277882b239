"""The record of one LLM exchange, and the assembly of streamed answers into one message."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_SSE_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Path tail -> endpoint name as the SDK spells the resource.
_ENDPOINTS = (
    ("/chat/completions", "chat.completions"),
    ("/completions", "completions"),
    ("/responses", "responses"),
    ("/embeddings", "embeddings"),
)


def endpoint_name(method: str, path: str) -> str | None:
    """The API endpoint a request creates something on, or None if it is not an LLM call."""
    if method.upper() != "POST":
        return None
    tail = path.rstrip("/")
    for suffix, name in _ENDPOINTS:
        if tail.endswith(suffix):
            return name
    return None


@dataclass(frozen=True)
class LLMCall:
    """One LLM exchange of a test: what was asked and the completed answer."""

    endpoint: str
    request: Any
    """The JSON request body as sent (seed included), parsed."""
    response: Any
    """The answer: the JSON body, or for a stream the events assembled into one object."""
    status_code: int = 200
    streamed: bool = False
    url: str = field(default="", compare=False)


def iter_sse(text: str) -> Iterator[tuple[str | None, str]]:
    """Yield ``(event, data)`` per server-sent event, following the SSE framing rules."""
    event: str | None = None
    data: list[str] = []
    # SSE lines end in CR, LF or CRLF only; str.splitlines would also split on U+2028 etc.
    # that a model may well write inside a JSON string.
    for line in _SSE_LINE_BREAK.split(text):
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield event, "\n".join(data)


def assemble_stream(text: str) -> Any:
    """Turn an SSE body into the object a non-streamed call would have returned."""
    payloads: list[Any] = []
    for _event, data in iter_sse(text):
        if data.strip() == "[DONE]":
            break
        try:
            payloads.append(json.loads(data))
        except ValueError:
            payloads.append(data)
    objects = [p for p in payloads if isinstance(p, dict)]
    if objects and all(p.get("object") == "chat.completion.chunk" for p in objects):
        return _assemble_chat(objects)
    if objects and all(p.get("object") == "text_completion" for p in objects):
        return _assemble_text(objects)
    for payload in reversed(objects):
        # Responses API: the terminal event carries the whole response.
        if isinstance(payload.get("response"), dict) and str(payload.get("type", "")).startswith(
            "response."
        ):
            return payload["response"]
    return payloads


def _header(chunks: list[dict[str, Any]], obj: str) -> dict[str, Any]:
    first = chunks[0]
    result: dict[str, Any] = {"id": first.get("id"), "object": obj}
    for key in ("created", "model", "system_fingerprint", "service_tier"):
        if key in first:
            result[key] = first[key]
    return result


def _assemble_chat(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    result = _header(chunks, "chat.completion")
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        if chunk.get("usage") is not None:
            result["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or []:
            slot = choices.setdefault(
                choice.get("index", 0),
                {
                    "index": choice.get("index", 0),
                    "message": {"role": "assistant"},
                    "tool_calls": {},
                },
            )
            delta = choice.get("delta") or {}
            message = slot["message"]
            if delta.get("role"):
                message["role"] = delta["role"]
            for key in ("content", "refusal"):
                if delta.get(key) is not None:
                    message[key] = message.get(key, "") + delta[key]
            for call in delta.get("tool_calls") or []:
                _merge_tool_call(slot["tool_calls"], call)
            if choice.get("finish_reason") is not None:
                slot["finish_reason"] = choice["finish_reason"]
    result["choices"] = []
    for index in sorted(choices):
        slot = choices[index]
        message = slot["message"]
        message.setdefault("content", None)
        message.setdefault("refusal", None)
        if slot["tool_calls"]:
            message["tool_calls"] = [slot["tool_calls"][i] for i in sorted(slot["tool_calls"])]
        result["choices"].append(
            {"index": index, "message": message, "finish_reason": slot.get("finish_reason")}
        )
    return result


def _merge_tool_call(calls: dict[int, dict[str, Any]], delta: dict[str, Any]) -> None:
    call = calls.setdefault(
        delta.get("index", 0),
        {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
    )
    if delta.get("id"):
        call["id"] = delta["id"]
    if delta.get("type"):
        call["type"] = delta["type"]
    function = delta.get("function") or {}
    if function.get("name"):
        call["function"]["name"] += function["name"]
    if function.get("arguments"):
        call["function"]["arguments"] += function["arguments"]


def _assemble_text(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    result = _header(chunks, "text_completion")
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        if chunk.get("usage") is not None:
            result["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or []:
            index = choice.get("index", 0)
            slot = choices.setdefault(index, {"index": index, "text": "", "finish_reason": None})
            slot["text"] += choice.get("text") or ""
            if choice.get("finish_reason") is not None:
                slot["finish_reason"] = choice["finish_reason"]
    result["choices"] = [choices[i] for i in sorted(choices)]
    return result


class CallList(list[LLMCall]):
    """``seeded_llm.calls``: a list, marked so that an empty one still snapshots as calls."""


class CallLog:
    """The calls of one test, with the HTTP response objects they came from."""

    def __init__(self) -> None:
        self.calls: list[LLMCall] = []
        # Kept (not weak) so that a stream object handed to the snapshot can be traced
        # back to its exchange; released with the log at the end of the test.
        self._responses: list[object] = []

    def add(self, call: LLMCall, response: object) -> None:
        """Append one exchange, remembering the response object the client got."""
        self.calls.append(call)
        self._responses.append(response)

    def for_response(self, response: object) -> LLMCall | None:
        """The exchange whose HTTP response is ``response`` (an SDK stream's ``.response``)."""
        for call, candidate in zip(self.calls, self._responses, strict=True):
            if candidate is response:
                return call
        return None

    def for_id(self, response_id: object) -> LLMCall | None:
        """The last exchange whose answer has this ``id`` (ids are unique per answer)."""
        if not response_id:
            return None
        for call in reversed(self.calls):
            if isinstance(call.response, dict) and call.response.get("id") == response_id:
                return call
        return None


ACTIVE_LOG: ContextVar[CallLog | None] = ContextVar("llmseed_active_log", default=None)
"""The running test's log, so the snapshot extension can find the request of an answer."""
