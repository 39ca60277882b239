"""What a golden shows of an OpenAI answer: Chat Completions choices, legacy Completions
text, Responses items (tool-call arguments and structured output as data), and the meta
that explains drift (model, system_fingerprint, usage, seed)."""

from __future__ import annotations

from typing import Any

from pytest_llmseed.exchange.bodies import json_or_text
from pytest_llmseed.providers.base import GENERIC

UNSEEDED = "unseeded (the Responses API takes no seed)"
UNSEEDED_ENDPOINT = "unseeded (this endpoint takes no seed)"
_SEEDED_ENDPOINTS = ("chat.completions", "completions")


def arguments(text: Any) -> Any:
    """Tool-call arguments parsed, so the golden shows structure, not an escaped string."""
    return json_or_text(text) if isinstance(text, str) else text


def _structured(request: Any) -> bool:
    """Whether the request asked for JSON output (json_object / json_schema)."""
    if not isinstance(request, dict):
        return False
    fmt = request.get("response_format")
    return isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema")


def _chat_output(
    answer: dict[str, Any], parsed: list[Any] | None = None, structured: bool = False
) -> list[Any]:
    choices = []
    for index, choice in enumerate(answer.get("choices") or []):
        message = choice.get("message") or {}
        item: dict[str, Any] = {"finish_reason": choice.get("finish_reason")}
        content = message.get("content")
        as_json = arguments(content) if structured else content
        if isinstance(as_json, dict | list):
            # Structured output: shown and compared as data, not as an escaped string.
            item["parsed"] = as_json
        elif content is not None:
            item["content"] = content
        if message.get("refusal") is not None:
            item["refusal"] = message["refusal"]
        if message.get("tool_calls"):
            item["tool_calls"] = [
                {
                    "type": call.get("type", "function"),
                    "name": (call.get("function") or {}).get("name"),
                    "arguments": arguments((call.get("function") or {}).get("arguments")),
                }
                for call in message["tool_calls"]
            ]
        if parsed is not None and index < len(parsed) and parsed[index] is not None:
            item["parsed"] = parsed[index]
            item.pop("content", None)
        choices.append(item)
    return choices


def _text_output(answer: dict[str, Any]) -> list[Any]:
    return [
        {"finish_reason": c.get("finish_reason"), "text": c.get("text")}
        for c in answer.get("choices") or []
    ]


def _responses_output(answer: dict[str, Any]) -> list[Any]:
    items = []
    for entry in answer.get("output") or []:
        kind = entry.get("type")
        if kind == "message":
            parts = entry.get("content") or []
            item: dict[str, Any] = {"type": "message"}
            text = "".join(p.get("text", "") for p in parts if p.get("type") == "output_text")
            refusal = "".join(p.get("refusal", "") for p in parts if p.get("type") == "refusal")
            if text:
                item["content"] = text
            if refusal:
                item["refusal"] = refusal
            items.append(item)
        elif kind == "function_call":
            items.append(
                {
                    "type": "function_call",
                    "name": entry.get("name"),
                    "arguments": arguments(entry.get("arguments")),
                }
            )
        else:
            items.append({k: v for k, v in entry.items() if k not in ("id", "status")})
    return items


# SDK answer objects' ``object`` field -> the endpoint that returns them.
_OBJECT_ENDPOINTS = {
    "chat.completion": "chat.completions",
    "text_completion": "completions",
    "response": "responses",
}


def answer_endpoint(data: dict[str, Any]) -> str | None:
    """The endpoint of a dumped SDK answer (ChatCompletion, Completion, Response)."""
    return _OBJECT_ENDPOINTS.get(str(data.get("object")))


def vectors(endpoint: str, answer: dict[str, Any]) -> list[Any] | None:
    """None: OpenAI's embeddings answers are summarized as they come (``goldens.summaries``)."""
    return None


def output(endpoint: str, answer: dict[str, Any], request: Any, parsed: list[Any] | None) -> Any:
    """What a golden compares of an OpenAI answer, or ``GENERIC``."""
    if endpoint == "chat.completions":
        return _chat_output(answer, parsed, _structured(request))
    if endpoint == "completions":
        return _text_output(answer)
    if endpoint == "responses":
        return _responses_output(answer)
    return GENERIC


def meta(endpoint: str, answer: dict[str, Any], seed: Any, unseeded: str | None) -> dict[str, Any]:
    """Model, system_fingerprint, service tier, usage and the seed of an OpenAI answer."""
    found: dict[str, Any] = {}
    for key in ("model", "system_fingerprint", "service_tier", "usage"):
        if answer.get(key) is not None:
            found[key] = answer[key]
    if endpoint == "responses":
        found["status"] = answer.get("status")
        found["seed"] = UNSEEDED
    elif unseeded:
        found["seed"] = unseeded
    elif endpoint in _SEEDED_ENDPOINTS:
        found["seed"] = seed
    else:
        found["seed"] = UNSEEDED_ENDPOINT
    return found
