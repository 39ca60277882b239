"""The Anthropic Messages API and the Gemini API for ``llm_server`` (standard library only).

``llm_server`` imports this module the first time a request for either arrives, so that
file still works copied alone. Enough of each wire protocol for the ``anthropic`` and
``google-genai`` SDKs: plain and streamed answers (Anthropic's named events, Gemini's SSE
chunks with ``?alt=sse``), tool use and function calls with arguments drawn from the
declared schema, token counting, Gemini embeddings, and the stop reasons a small limit
gives (``max_tokens``, ``MAX_TOKENS``). Gemini honours ``generationConfig.seed`` like the
OpenAI endpoints honour ``seed``; Anthropic has no seed, so its text is random (unless the
server's ``ids_unread`` makes it sample from the request, ids left out).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping
from typing import Any

from llm_server import (
    FakeOpenAIServer,
    _ApiError,
    _JsonReply,
    _Reply,
    _rng,
    _sse,
    _stream_pieces,
    _StreamReply,
    _value_for_schema,
    _word_budget,
    _words,
    without_ids,
)

__all__ = ["GEMINI_PATH", "route"]

GEMINI_PATH = re.compile(r"/v1(?:alpha|beta)?/models/([^/:]+):([A-Za-z]+)")
_ECHO = 40
# The SDK sends the JSON schema of a Python function as ``parameters_json_schema``.
_SCHEMA_KEYS = ("parametersJsonSchema", "parameters_json_schema", "parameters")
_GEMINI_VERSIONS = {"gemini-2.5-flash": "gemini-2.5-flash-001"}


def is_anthropic(path: str, headers: Mapping[str, str]) -> bool:
    """A Messages API request (the SDK sends ``anthropic-version`` on every one)."""
    return "anthropic-version" in headers and path.rstrip("/").startswith("/v1/messages")


def route(
    fake: FakeOpenAIServer,
    method: str,
    path: str,
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: Any,
) -> _Reply:
    """Answer an Anthropic or Gemini request."""
    if method != "POST":
        raise _ApiError(404, f"Invalid URL ({method} {path})")
    if not isinstance(body, dict):
        raise _ApiError(400, "The request body must be a JSON object.")
    if is_anthropic(path, headers):
        if not headers.get("x-api-key") and not headers.get("authorization"):
            raise _ApiError(401, "x-api-key header is required")
        if path.rstrip("/").endswith("/count_tokens"):
            return _JsonReply(200, {"input_tokens": _tokens(_anthropic_prompt(body))})
        return _anthropic(fake, body)
    found = GEMINI_PATH.fullmatch(path.rstrip("/"))
    if found is None:
        raise _ApiError(404, f"Invalid URL ({method} {path})")
    if not headers.get("x-goog-api-key") and not query.get("key"):
        raise _ApiError(403, "Method doesn't allow unregistered callers.")
    model, action = found[1], found[2]
    if action == "countTokens":
        return _JsonReply(200, {"totalTokens": _tokens(_gemini_prompt(body))})
    if action == "batchEmbedContents":
        requests = [r for r in body.get("requests") or [] if isinstance(r, dict)]
        vectors = [{"values": _vector(model, _gemini_prompt(r))} for r in requests]
        return _JsonReply(200, {"embeddings": vectors})
    if action == "embedContent":
        return _JsonReply(200, {"embedding": {"values": _vector(model, _gemini_prompt(body))}})
    if action in ("generateContent", "streamGenerateContent"):
        answer = _gemini(fake, model, body)
        if action == "generateContent":
            return _JsonReply(200, answer)
        return _StreamReply(iter(_gemini_chunks(answer)))
    raise _ApiError(404, f"Invalid URL ({method} {path})")


def _tokens(text: str) -> int:
    return max(1, len(text.split()))


def _vector(model: str, text: str, dimensions: int = 8) -> list[float]:
    digest = hashlib.sha256(f"{model}|{text}".encode()).digest()
    return [round((b - 128) / 128, 6) for b in digest[:dimensions]]


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    texts = []
    for block in content if isinstance(content, list) else []:
        if isinstance(block, dict) and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif isinstance(block, dict) and block.get("type") == "tool_result":
            texts.append(_text_of(block.get("content")))
    return "".join(texts)


def _anthropic_prompt(body: Mapping[str, Any]) -> str:
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    return _text_of(messages[-1].get("content")) if messages else ""


def _tool_result_last(body: Mapping[str, Any]) -> bool:
    messages = body.get("messages") or []
    content = messages[-1].get("content") if messages and isinstance(messages[-1], dict) else None
    return isinstance(content, list) and any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in content
    )


def _anthropic(fake: FakeOpenAIServer, body: dict[str, Any]) -> _Reply:
    # Ids are random whatever the sampling, as on the real service.
    ids = random.SystemRandom()
    rng = _rng(0, without_ids(body)) if fake.ids_unread else _rng(None, body)
    words, truncated = _word_budget(body, "max_tokens")
    prompt = _anthropic_prompt(body)
    content: list[dict[str, Any]] = []
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        content.append(
            {"type": "thinking", "thinking": _words(rng, 8), "signature": f"sig{ids.random()}"}
        )
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("name")]
    choice = body.get("tool_choice") or {}
    if tools and not _tool_result_last(body) and choice.get("type") != "none":
        tool = next((t for t in tools if t["name"] == choice.get("name")), tools[0])
        schema = tool.get("input_schema") or {"type": "object"}
        arguments = _value_for_schema(schema, rng, schema)
        block = {"type": "tool_use", "id": f"toolu_{ids.getrandbits(48):012x}"}
        content.append({**block, "name": tool["name"], "input": arguments})
        stop = "tool_use"
    else:
        content.append({"type": "text", "text": f"[{prompt[:_ECHO]}] " + _words(rng, words)})
        stop = "max_tokens" if truncated else "end_turn"
    message = {
        "id": f"msg_{ids.getrandbits(64):016x}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": _tokens(prompt), "output_tokens": words},
    }
    if body.get("stream"):
        return _StreamReply(iter(_anthropic_events(message)))
    return _JsonReply(200, message)


_DELTAS = {"text": ("text_delta", "text"), "thinking": ("thinking_delta", "thinking")}


def _anthropic_events(message: dict[str, Any]) -> list[bytes]:
    def event(kind: str, **fields: Any) -> bytes:
        return _sse({"type": kind, **fields}, event=kind)

    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {**message["usage"], "output_tokens": 1}
    events = [event("message_start", message=start), event("ping")]
    for index, block in enumerate(message["content"]):
        kind = block["type"]
        empty = {"tool_use": {"input": {}}, "text": {"text": ""}}.get(kind)
        if kind == "thinking":
            empty = {"thinking": "", "signature": ""}
        head = {k: v for k, v in block.items() if k not in ("text", "thinking", "signature")}
        events.append(event("content_block_start", index=index, content_block={**head, **empty}))
        if kind in _DELTAS:
            delta_type, key = _DELTAS[kind]
            for piece in _stream_pieces(block[key]):
                delta = {"type": delta_type, key: piece}
                events.append(event("content_block_delta", index=index, delta=delta))
        if kind == "thinking":
            delta = {"type": "signature_delta", "signature": block["signature"]}
            events.append(event("content_block_delta", index=index, delta=delta))
        if kind == "tool_use":
            text = json.dumps(block["input"])
            for piece in (text[: len(text) // 2], text[len(text) // 2 :]):
                delta = {"type": "input_json_delta", "partial_json": piece}
                events.append(event("content_block_delta", index=index, delta=delta))
        events.append(event("content_block_stop", index=index))
    final = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    usage = {"output_tokens": message["usage"]["output_tokens"]}
    events.append(event("message_delta", delta=final, usage=usage))
    events.append(event("message_stop"))
    return events


def _gemini_prompt(body: Mapping[str, Any]) -> str:
    contents = body.get("contents") or [body.get("content") or {}]
    last = contents[-1] if contents and isinstance(contents[-1], dict) else {}
    texts = []
    for part in last.get("parts") or []:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif isinstance(part, dict) and isinstance(part.get("functionResponse"), dict):
            texts.append(json.dumps(part["functionResponse"].get("response"), sort_keys=True))
    return "".join(texts)


def _declarations(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = []
    for entry in body.get("tools") or []:
        # The API reads protobuf JSON: field names in snake case too (litellm sends them so).
        tool = entry or {}
        for declaration in (
            tool.get("functionDeclarations") or tool.get("function_declarations") or []
        ):
            if isinstance(declaration, dict) and declaration.get("name"):
                found.append(declaration)
    return found


def _gemini(fake: FakeOpenAIServer, model: str, body: dict[str, Any]) -> dict[str, Any]:
    config = body.get("generationConfig") or {}
    seed = config.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise _ApiError(400, "Invalid value at 'generation_config.seed'")
    sampled = fake._sampling_seed(seed) if seed is not None else None
    trimmed = {**body, "generationConfig": {k: v for k, v in config.items() if k != "seed"}}
    rng = _rng(sampled, trimmed)
    words, truncated = _word_budget(config, "maxOutputTokens")
    prompt = _gemini_prompt(body)
    declarations = _declarations(body)
    last = (body.get("contents") or [{}])[-1] or {}
    answered = any(isinstance(p, dict) and "functionResponse" in p for p in last.get("parts") or [])
    if declarations and not answered:
        declaration = declarations[0]
        schema = next(
            (declaration[k] for k in _SCHEMA_KEYS if isinstance(declaration.get(k), dict)), None
        )
        schema = _lower_types(schema or {"type": "object"})
        part: dict[str, Any] = {"functionCall": {"name": declaration["name"]}}
        part["functionCall"]["args"] = _value_for_schema(schema, rng, schema)
        parts, finish = [part], "STOP"
    else:
        parts = [{"text": f"[{prompt[:_ECHO]}] " + _words(rng, words)}]
        finish = "MAX_TOKENS" if truncated else "STOP"
    return {
        "candidates": [
            {"content": {"parts": parts, "role": "model"}, "finishReason": finish, "index": 0}
        ],
        "usageMetadata": {
            "promptTokenCount": _tokens(prompt),
            "candidatesTokenCount": words,
            "totalTokenCount": _tokens(prompt) + words,
        },
        "modelVersion": _GEMINI_VERSIONS.get(model, model),
        "responseId": f"resp{rng.getrandbits(48):012x}",
    }


def _lower_types(schema: Any) -> Any:
    """Gemini's ``parameters`` spell types in capitals (``OBJECT``); JSON Schema does not."""
    if isinstance(schema, dict):
        return {
            k: (v.lower() if k == "type" and isinstance(v, str) else _lower_types(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_lower_types(v) for v in schema]
    return schema


def _gemini_chunks(answer: dict[str, Any]) -> list[bytes]:
    candidate = answer["candidates"][0]
    parts = candidate["content"]["parts"]
    pieces = _stream_pieces(parts[0]["text"]) if "text" in parts[0] else []
    chunks: list[dict[str, Any]] = []
    head = {"modelVersion": answer["modelVersion"], "responseId": answer["responseId"]}
    for piece in pieces[:-1]:
        content = {"parts": [{"text": piece}], "role": "model"}
        chunks.append({"candidates": [{"content": content, "index": 0}], **head})
    last_parts = [{"text": pieces[-1]}] if pieces else parts
    last = {**candidate, "content": {"parts": last_parts, "role": "model"}}
    chunks.append({"candidates": [last], "usageMetadata": answer["usageMetadata"], **head})
    return [_sse(chunk) for chunk in chunks]
