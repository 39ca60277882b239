"""An OpenAI-compatible HTTP server for tests (standard library only).

The server speaks enough of the OpenAI wire protocol for the official SDK to
work against it: chat completions (plain, streamed, tool calls, structured
outputs, refusals), legacy completions, the Responses API, model listing and
the Azure deployment-style paths.

Generated text is a pure function of ``(seed, canonical request)`` when a seed
is given, mimicking "seeded sampling", and random otherwise.  That is what lets
record/replay tests tell a replayed answer from a live one.  Faults (error
statuses, dropped connections, truncated streams, delays) can be queued to
exercise client error handling.

Modes, all restored by ``reset()``: ``refuse_seed`` (answer seeded requests
with the 400 that servers without seed support give), ``seed_fidelity`` and
``noise_seed`` (best-effort seeding), ``fingerprints`` (rotate
``system_fingerprint``), ``shape`` and ``stream_done`` (answer like vLLM,
Ollama, llama.cpp or a bare server), and ``scripted`` / ``script()`` (canned
answers by prompt).  Embeddings, moderations, image generation, audio
transcription and file upload live in ``llm_server_endpoints.py``, the Anthropic
Messages API and the Gemini API in ``llm_server_providers.py``, each imported only
when one of them is called so this file still works copied alone.

Usage::

    with FakeOpenAIServer() as server:
        client = openai.OpenAI(api_key="sk-test-x", base_url=server.base_url)
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import math
import random
import re
import socket
import ssl
import string
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["SHAPES", "FakeOpenAIServer", "ReceivedRequest", "ScriptRule", "make_text"]

# Ordinary words only, so generated text is easy to read in failing assertions.
_VOCABULARY: tuple[str, ...] = (
    "apple", "river", "stone", "light", "garden", "window", "quiet", "morning",
    "paper", "table", "orange", "cloud", "market", "bridge", "silver", "forest",
    "candle", "summer", "winter", "letter", "basket", "music", "yellow", "ocean",
    "harbor", "meadow", "pencil", "kitchen", "station", "valley", "thunder", "button",
    "mirror", "ladder", "blanket", "pocket", "village", "copper", "feather", "island",
    "journey", "lantern", "marble", "needle", "orchard", "pepper", "rabbit", "saddle",
    "tunnel", "velvet", "wagon", "anchor", "butter", "canvas", "desert", "engine",
    "fabric", "gravel", "hollow", "jacket",
)  # fmt: skip

# Keys that do not change *what* is asked, only how it is delivered or billed,
# so streamed and non-streamed variants of a request produce the same text.
_NON_SEMANTIC_KEYS = frozenset({"stream", "stream_options", "seed", "user", "n"})

_DEFAULT_FINGERPRINT = "fp_test_0001"
_DEFAULT_MODEL_VERSIONS: dict[str, str] = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
}
_DEFAULT_WORDS = 12
_MAX_WORDS = 200
_ECHO_CHARS = 40
# Beyond this nesting depth the schema generator stops expanding optional or
# repeated parts, so self-referencing schemas still terminate.
_MAX_SCHEMA_DEPTH = 6
_REFUSAL_TEXT = "I can't help with that."
# Statuses the SDK retries: a tiny retry-after keeps retry tests fast.
_RETRIED_STATUSES = frozenset({408, 409, 429})
# Wire formats FakeOpenAIServer.shape can emulate on (legacy) chat completions.
SHAPES = ("openai", "vllm", "ollama", "llamacpp", "bare")
# llama.cpp reports its build number and commit as the fingerprint.
_LLAMACPP_FINGERPRINT = "b6123-79c1160b"
# Keys only OpenAI itself sends; compatible servers leave them out.
_OPENAI_ONLY_KEYS = frozenset({"system_fingerprint", "service_tier"})
# Served by llm_server_endpoints (imported on first use); multipart ones parse
# the raw body instead of JSON.
_EXTRA_ENDPOINTS = frozenset(
    {"/embeddings", "/moderations", "/images/generations", "/audio/transcriptions", "/files"}
)
_MULTIPART_ENDPOINTS = frozenset({"/audio/transcriptions", "/files"})
# The Anthropic Messages API and the Gemini API live in llm_server_providers.
_GEMINI_METHOD = re.compile(r"/v1(?:alpha|beta)?/models/[^/:]+:[A-Za-z]+$")
_SEED_REFUSAL = "Unrecognized request argument supplied: seed"


@dataclass(frozen=True)
class ReceivedRequest:
    """One HTTP request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any | None


@dataclass(frozen=True)
class ScriptRule:
    """A canned answer, used when ``match`` occurs in the prompt.

    ``match`` is a substring, or a compiled regex searched for, in the last user
    message (chat), the prompt (legacy completions) or the last user input
    (Responses API).  ``reply`` is the answer text, sent verbatim.
    ``arguments`` is the object a tool call (the tool named ``tool``, or the
    first one the model calls) or a structured output (``json_schema`` /
    ``json_object`` response format) carries.  A rule with only a ``reply``
    makes the model answer in text even when tools are offered; one naming a
    ``tool`` makes it call that tool (arguments generated if not given).
    A rule with a ``model`` answers only requests naming that model (a what-if
    run's other model answers differently).
    """

    match: str | re.Pattern[str]
    reply: str | None = None
    arguments: Mapping[str, Any] | None = None
    tool: str | None = None
    model: str | None = None

    def matches(self, prompt: str, model: object = None) -> bool:
        if self.model is not None and model != self.model:
            return False
        if isinstance(self.match, str):
            return self.match in prompt
        return self.match.search(prompt) is not None


@dataclass(frozen=True)
class _Fault:
    """A queued misbehaviour consumed by the next request."""

    kind: str  # "fail" | "drop" | "delay"
    status: int = 500
    body: Any | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class _JsonReply:
    status: int
    payload: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _StreamReply:
    events: Iterator[bytes]


@dataclass(frozen=True)
class _RawReply:
    """A non-JSON body, such as a ``response_format=text`` transcription."""

    status: int
    data: bytes
    content_type: str


_Reply = _JsonReply | _StreamReply | _RawReply


class _ApiError(Exception):
    """Raised inside request handling to answer with an OpenAI-style error."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.payload = _error_body(message, type_=type_, param=param, code=code)


def _error_body(
    message: str, *, type_: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def _hex(nbytes: int = 12) -> str:
    # Ids are random even for seeded requests, as on the real service.
    return random.SystemRandom().getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()


# --------------------------------------------------------------------------
# Deterministic generation
# --------------------------------------------------------------------------


def _canonical(request: Mapping[str, Any]) -> str:
    trimmed = {k: v for k, v in request.items() if k not in _NON_SEMANTIC_KEYS}
    return json.dumps(trimmed, sort_keys=True)


_ECHOED_IDS = frozenset(
    {"id", "tool_call_id", "call_id", "tool_use_id", "previous_response_id", "signature"}
    | {"encrypted_content"}
)


def without_ids(value: Any) -> Any:
    """``value`` without the ids and blobs a conversation echoes back (``ids_unread``)."""
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k not in _ECHOED_IDS}
    return value


def _rng(seed: int | None, request: Mapping[str, Any], salt: str = "") -> random.Random:
    """A RNG fixed by (seed, canonical request, salt), or fresh randomness."""
    if seed is None:
        return random.SystemRandom()
    material = f"{seed}|{_canonical(request)}"
    if salt:
        # Salted streams (tool arguments, extra choices) must not disturb the
        # unsalted one that make_text documents.
        material += f"|{salt}"
    digest = hashlib.sha256(material.encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _content_text(content: Any) -> str:
    """Text of a message content: a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part, str):
                texts.append(part)
        return "".join(texts)
    return ""


def _messages(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = request.get("messages")
    if isinstance(raw, list):
        return [m for m in raw if isinstance(m, dict)]
    return []


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def _tool_result_text(request: Mapping[str, Any]) -> str | None:
    """Content of a trailing tool result, if the conversation ends with one."""
    messages = _messages(request)
    if messages and messages[-1].get("role") == "tool":
        return _content_text(messages[-1].get("content"))
    items = request.get("input")
    if isinstance(items, list) and items:
        last = items[-1]
        if isinstance(last, dict) and last.get("type") == "function_call_output":
            output = last.get("output")
            return output if isinstance(output, str) else _content_text(output)
    return None


def _responses_user_text(request: Mapping[str, Any]) -> str:
    items = request.get("input")
    if isinstance(items, str):
        return items
    if isinstance(items, list):
        for item in reversed(items):
            if isinstance(item, dict) and item.get("role") == "user":
                return _content_text(item.get("content"))
    return ""


def _legacy_prompt(request: Mapping[str, Any]) -> str:
    prompt = request.get("prompt")
    if isinstance(prompt, list):
        prompt = prompt[0] if prompt else ""
    return prompt if isinstance(prompt, str) else json.dumps(prompt)


def _echo_source(request: Mapping[str, Any]) -> str:
    tool_text = _tool_result_text(request)
    if tool_text is not None:
        return tool_text
    if "messages" in request:
        return _last_user_text(_messages(request))
    if "prompt" in request:
        return _legacy_prompt(request)
    return _responses_user_text(request)


def _words(rng: random.Random, count: int) -> str:
    pieces: list[str] = []
    for i in range(count):
        pieces.append(rng.choice(_VOCABULARY))
        if i < count - 1:
            # Long answers get line breaks so multi-line outputs are exercised.
            pieces.append("\n" if count > 20 and (i + 1) % 10 == 0 else " ")
    return "".join(pieces)


def _generate_text(seed: int | None, request: Mapping[str, Any], words: int, salt: str = "") -> str:
    prefix = f"[{_echo_source(request)[:_ECHO_CHARS]}] "
    return prefix + _words(_rng(seed, request, salt), max(words, 1))


def make_text(seed: int | None, request: Mapping[str, Any], words: int) -> str:
    """Return the answer text for ``request`` sampled with ``seed``.

    The text is ``"[<prompt, first 40 chars>] "`` followed by ``words`` words
    (a newline every 10 words when there are more than 20).  The prompt is the
    last user message (chat), the first prompt (legacy completions), the last
    user input (Responses API), or the trailing tool result if there is one.
    With an integer seed the words depend only on the seed and the request
    minus ``stream``, ``stream_options``, ``seed``, ``user`` and ``n``; with
    ``None`` they are random on every call.
    """
    return _generate_text(seed, request, words)


def _resolve_ref(root: Any, ref: str) -> Any:
    """Follow a local JSON pointer such as ``#/$defs/Address``."""
    if not ref.startswith("#"):
        return {}
    node = root
    for raw in ref[1:].split("/"):
        if not raw:
            continue
        token = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        else:
            return {}
    return node


def _number_bounds(schema: Mapping[str, Any], step: float) -> tuple[float, float]:
    """Inclusive (low, high) range honouring (exclusive) minimum/maximum."""
    lo, hi = 0.0, 100.0
    for key, offset in (("minimum", 0.0), ("exclusiveMinimum", step)):
        if isinstance(schema.get(key), (int, float)):
            lo = schema[key] + offset
    for key, offset in (("maximum", 0.0), ("exclusiveMaximum", -step)):
        if isinstance(schema.get(key), (int, float)):
            hi = schema[key] + offset
    if hi < lo:
        # Only one bound was given and it lies outside the default range.
        has_min = "minimum" in schema or "exclusiveMinimum" in schema
        lo, hi = (lo, lo + 100) if has_min else (hi - 100, hi)
    return lo, hi


def _formatted_string(fmt: Any, rng: random.Random) -> str | None:
    """A valid value for a JSON-schema string ``format``, None if unknown.

    Each branch draws only what it needs: the draw order of the original
    formats (and of plain strings) must not change, or every generated value
    already recorded in cassettes and goldens would change with it.
    """
    if fmt == "date-time":
        return f"2024-01-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
    if fmt == "date":
        return f"2024-01-{rng.randint(1, 28):02d}"
    if fmt == "uuid":
        h = f"{rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
    if fmt == "email":
        return f"{rng.choice(_VOCABULARY)}@example.com"
    if fmt == "time":
        return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    if fmt == "duration":
        return f"PT{rng.randint(1, 59)}M"
    if fmt == "hostname":
        return f"{rng.choice(_VOCABULARY)}.example.com"
    if fmt == "uri":
        return f"https://example.com/{rng.choice(_VOCABULARY)}"
    if fmt == "ipv4":
        return f"192.0.2.{rng.randint(1, 254)}"
    if fmt == "ipv6":
        return f"2001:db8::{rng.randint(1, 0xFFFF):x}"
    return None


def _string_for_schema(schema: Mapping[str, Any], rng: random.Random) -> str:
    formatted = _formatted_string(schema.get("format"), rng)
    if formatted is not None:
        # A format fixes the value's shape; length bounds cannot be honoured too.
        return formatted
    word = rng.choice(_VOCABULARY)
    min_length = schema.get("minLength")
    if isinstance(min_length, int) and len(word) < min_length:
        word = (word * (min_length // len(word) + 1))[:min_length]
    max_length = schema.get("maxLength")
    if isinstance(max_length, int) and len(word) > max_length:
        word = word[: max(max_length, 0)]
    return word


def _item_count(schema: Mapping[str, Any], depth: int) -> int:
    """How many array items to generate: minItems, else one, at most maxItems."""
    count = 0 if depth >= _MAX_SCHEMA_DEPTH else 1
    min_items, max_items = schema.get("minItems"), schema.get("maxItems")
    if isinstance(min_items, int):
        count = min_items
    if isinstance(max_items, int):
        count = min(count, max_items)
    return count


def _value_for_schema(schema: Any, rng: random.Random, root: Any, depth: int = 0) -> Any:
    """Build a value conforming to a (JSON) schema, drawing choices from ``rng``."""
    if not isinstance(schema, dict):
        return {}
    if isinstance(schema.get("$ref"), str):
        if depth > _MAX_SCHEMA_DEPTH * 2:
            return {}
        return _value_for_schema(_resolve_ref(root, schema["$ref"]), rng, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return rng.choice(enum)
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            concrete = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            if not concrete or (depth >= _MAX_SCHEMA_DEPTH and len(concrete) < len(options)):
                return None
            return _value_for_schema(concrete[0], rng, root, depth + 1)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and all_of:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in all_of:
            sub = part
            if isinstance(sub, dict) and isinstance(sub.get("$ref"), str):
                sub = _resolve_ref(root, sub["$ref"])
            if isinstance(sub, dict):
                merged = {**sub, **merged}
        return _value_for_schema(merged, rng, root, depth + 1)

    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"

    if kind == "object":
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return {}
        return {
            name: _value_for_schema(sub, rng, root, depth + 1) for name, sub in properties.items()
        }
    if kind == "array":
        items = schema.get("items", {})
        count = _item_count(schema, depth)
        return [_value_for_schema(items, rng, root, depth + 1) for _ in range(count)]
    if kind == "string":
        return _string_for_schema(schema, rng)
    if kind == "integer":
        lo, hi = _number_bounds(schema, 1)
        return rng.randint(math.ceil(lo), max(math.ceil(lo), math.floor(hi)))
    if kind == "number":
        lo, hi = _number_bounds(schema, 0.01)
        return min(max(round(rng.uniform(lo, hi), 2), lo), hi)
    if kind == "boolean":
        return rng.random() < 0.5
    return None


def _word_count(text: str) -> int:
    return len(text.split())


def _prompt_tokens(request: Mapping[str, Any]) -> int:
    if "messages" in request:
        return sum(_word_count(_content_text(m.get("content"))) for m in _messages(request))
    if "prompt" in request:
        return _word_count(_legacy_prompt(request))
    items = request.get("input")
    if isinstance(items, str):
        return _word_count(items)
    if isinstance(items, list):
        contents = [item.get("content") for item in items if isinstance(item, dict)]
        return sum(_word_count(_content_text(content)) for content in contents)
    return 0


def _stream_pieces(text: str) -> list[str]:
    """Split text into word-sized deltas whose concatenation is ``text``."""
    pieces = re.split(r"(?<=\s)(?=\S)", text)
    return [p for p in pieces if p]


def _fragments(text: str, parts: int = 3) -> list[str]:
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _sse(payload: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(payload)}\n\n".encode()


_SSE_DONE = b"data: [DONE]\n\n"


# --------------------------------------------------------------------------
# Endpoint logic
# --------------------------------------------------------------------------


def _read_seed(fake: FakeOpenAIServer, body: Mapping[str, Any]) -> int | None:
    """The seed generation uses: the request's, possibly perturbed (see seed_fidelity)."""
    seed = body.get("seed")
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise _ApiError(
            400,
            f"Invalid type for 'seed': expected an integer, but got {type(seed).__name__} instead.",
            param="seed",
            code="invalid_type",
        )
    return fake._sampling_seed(seed)


def _word_budget(body: Mapping[str, Any], *keys: str) -> tuple[int, bool]:
    """Number of words to generate and whether the limit truncates the answer."""
    for key in keys:
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return min(value, _MAX_WORDS), value < 5
    return _DEFAULT_WORDS, False


def _function_tools(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    functions = [t.get("function") for t in tools if isinstance(t, dict)]
    return [f for f in functions if isinstance(f, dict) and isinstance(f.get("name"), str)]


def _chosen_tools(body: Mapping[str, Any], rule: ScriptRule | None) -> list[dict[str, Any]]:
    """Functions the model 'decides' to call; empty when it answers in text."""
    tools = _function_tools(body)
    choice = body.get("tool_choice")
    messages = _messages(body)
    if not tools or choice == "none" or (messages and messages[-1].get("role") == "tool"):
        return []
    if isinstance(choice, dict):
        forced = choice.get("function")
        name = forced.get("name") if isinstance(forced, dict) else None
        if isinstance(name, str):
            return [t for t in tools if t["name"] == name][:1] or [{"name": name}]
    if rule is not None and rule.tool is not None:
        return [t for t in tools if t["name"] == rule.tool][:1]
    if rule is not None and rule.arguments is None and choice != "required":
        # A scripted text reply: the model answers instead of calling a tool.
        return []
    wants_both = re.search(r"\bboth\b", _last_user_text(messages), re.IGNORECASE) is not None
    if wants_both and len(tools) >= 2 and body.get("parallel_tool_calls") is not False:
        return tools[:2]
    return tools[:1]


@dataclass
class _ChoicePlan:
    """What one chat choice says, before it is rendered plain or streamed."""

    content: str | None = None
    refusal: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "stop"

    def completion_tokens(self) -> int:
        count = _word_count(self.content or "") + _word_count(self.refusal or "")
        for call in self.tool_calls:
            count += _word_count(call["function"]["arguments"])
        return count


def _format_content(
    body: Mapping[str, Any], fmt: Any, seed: int | None, text: str, salt: str
) -> str:
    """Apply a ``response_format`` (chat) or ``text.format`` (Responses) to text."""
    if not isinstance(fmt, dict):
        return text
    if fmt.get("type") == "json_object":
        confidence = round(_rng(seed, body, f"{salt}|confidence").random(), 2)
        return json.dumps({"answer": text, "confidence": confidence})
    if fmt.get("type") == "json_schema":
        # Chat nests the schema under "json_schema"; Responses puts it inline.
        holder = fmt.get("json_schema", fmt)
        schema = holder.get("schema", {}) if isinstance(holder, dict) else {}
        value = _value_for_schema(schema, _rng(seed, body, f"{salt}|json_schema"), schema)
        return json.dumps(value)
    return text


def _answer_text(
    body: Mapping[str, Any], fmt: Any, seed: int | None, rule: ScriptRule | None, salt: str = ""
) -> tuple[str, bool]:
    """The text answer (formatted) and whether the word budget truncated it."""
    is_structured = isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema")
    if rule is not None and rule.arguments is not None and is_structured:
        return json.dumps(rule.arguments), False
    if rule is not None and rule.reply is not None:
        return rule.reply, False
    words, truncated = _word_budget(
        body, "max_tokens", "max_completion_tokens", "max_output_tokens"
    )
    text = _generate_text(seed, body, words, salt)
    return _format_content(body, fmt, seed, text, salt), truncated


def _scripted_arguments(rule: ScriptRule | None, tool: str) -> Mapping[str, Any] | None:
    """The arguments ``rule`` scripts for a call of ``tool``, if any."""
    if rule is None or rule.tool not in (None, tool):
        return None
    return rule.arguments


def _tool_calls(
    body: Mapping[str, Any], seed: int | None, rule: ScriptRule | None, salt: str
) -> list[dict[str, Any]]:
    calls = []
    for i, tool in enumerate(_chosen_tools(body, rule)):
        scripted = _scripted_arguments(rule, tool["name"]) if i == 0 else None
        if scripted is not None:
            value: Any = scripted
        else:
            rng = _rng(seed, body, f"{salt}|tool{i}|{tool['name']}")
            schema = tool.get("parameters") or {"type": "object", "properties": {}}
            value = _value_for_schema(schema, rng, schema)
        call = {"name": tool["name"], "arguments": json.dumps(value)}
        calls.append({"id": f"call_{_hex()}", "type": "function", "function": call})
    return calls


def _plan_chat_choice(
    body: Mapping[str, Any], seed: int | None, index: int, rule: ScriptRule | None
) -> _ChoicePlan:
    salt = f"choice{index}" if index else ""
    messages = _messages(body)
    last_is_user = bool(messages) and messages[-1].get("role") == "user"
    if last_is_user and re.search(r"\bREFUSE\b", _last_user_text(messages)):
        return _ChoicePlan(refusal=_REFUSAL_TEXT)
    calls = _tool_calls(body, seed, rule, salt)
    if calls:
        return _ChoicePlan(tool_calls=calls, finish_reason="tool_calls")
    if messages and messages[-1].get("role") == "tool" and rule is not None and rule.reply is None:
        # The rule scripted the tool call; the answer to its result is generated.
        rule = None
    text, truncated = _answer_text(body, body.get("response_format"), seed, rule, salt)
    return _ChoicePlan(content=text, finish_reason="length" if truncated else "stop")


def _choice_count(body: Mapping[str, Any]) -> int:
    n = body.get("n")
    return n if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 16 else 1


def _chat_usage(body: Mapping[str, Any], plans: list[_ChoicePlan]) -> dict[str, Any]:
    prompt = _prompt_tokens(body)
    completion = sum(p.completion_tokens() for p in plans)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


# -- compatible-server shapes ----------------------------------------------


def _shaped_id(shape: str, prefix: str) -> str | None:
    """A response id as ``shape`` makes them (None: that server sends no id)."""
    if shape == "bare":
        return None
    if shape == "ollama":
        # Ollama numbers responses with a small random integer.
        return f"{prefix}-{random.randrange(1000)}"
    if shape == "vllm":
        return f"{prefix}-{uuid.uuid4().hex}"
    if shape == "llamacpp":
        alphabet = string.ascii_letters + string.digits
        return f"{prefix}-{''.join(random.choices(alphabet, k=32))}"
    return f"{prefix}-{_hex()}"


def _shaped_fingerprint(fake: FakeOpenAIServer) -> str | None:
    if fake.shape == "ollama":
        return "fp_ollama"
    if fake.shape == "llamacpp":
        return _LLAMACPP_FINGERPRINT
    return fake._next_fingerprint()


def _shaped_usage(shape: str, usage: Mapping[str, Any]) -> dict[str, Any]:
    if shape == "openai":
        return dict(usage)
    core = {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
    return {**core, "prompt_tokens_details": None} if shape == "vllm" else core


def _timings(usage: Mapping[str, Any]) -> dict[str, Any]:
    """llama.cpp's per-request speed report, at a fixed fake speed."""
    prompt_n, predicted_n = usage["prompt_tokens"], usage["completion_tokens"]
    return {
        "cache_n": 0,
        "prompt_n": prompt_n,
        "prompt_ms": round(prompt_n * 0.8, 3),
        "prompt_per_token_ms": 0.8,
        "prompt_per_second": 1250.0,
        "predicted_n": predicted_n,
        "predicted_ms": round(predicted_n * 12.5, 3),
        "predicted_per_token_ms": 12.5,
        "predicted_per_second": 80.0,
    }


def _shaped_choice(shape: str, choice: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(choice)
    if shape in ("ollama", "bare") and out.get("logprobs") is None:
        out.pop("logprobs", None)
    for key in ("message", "delta"):
        part = out.get(key)
        if isinstance(part, dict):
            # Only OpenAI annotates; only OpenAI and vLLM have a refusal channel.
            dropped = {"annotations"} if shape == "vllm" else {"annotations", "refusal"}
            out[key] = {k: v for k, v in part.items() if k not in dropped}
    if shape == "vllm":
        out["stop_reason"] = None
        if "text" in out:
            out["prompt_logprobs"] = None
    return out


def _shaped(
    shape: str, payload: Mapping[str, Any], usage: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A completion (or chunk) as ``shape`` sends it, with ``usage`` if not None."""
    if shape == "openai":
        return {**payload, "usage": dict(usage)} if usage is not None else dict(payload)
    out = {k: v for k, v in payload.items() if k not in _OPENAI_ONLY_KEYS and v is not None}
    if shape in ("ollama", "llamacpp") and "system_fingerprint" in payload:
        out["system_fingerprint"] = payload["system_fingerprint"]
    out["choices"] = [_shaped_choice(shape, c) for c in payload["choices"]]
    if usage is not None and shape != "bare":
        out["usage"] = _shaped_usage(shape, usage)
        if shape == "llamacpp":
            out["timings"] = _timings(usage)
    if shape == "vllm" and not str(payload.get("object", "")).endswith(".chunk"):
        out.update(prompt_logprobs=None, kv_transfer_params=None)
    return out


def _stream_reply(
    fake: FakeOpenAIServer,
    chunks: list[dict[str, Any]],
    usage: Mapping[str, Any],
    body: Mapping[str, Any],
) -> _StreamReply:
    """SSE events for ``chunks`` in the server's shape, with usage where it puts it."""
    shape = fake.shape
    options = body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    # OpenAI puts "usage": null on every chat chunk but the last (placed before
    # "choices", so the default shape's bytes stay what they always were).
    null_usage = include_usage and shape == "openai" and chunks[0]["object"].startswith("chat")
    if null_usage:
        chunks = [
            {**{k: v for k, v in c.items() if k != "choices"}, "usage": None, **c} for c in chunks
        ]
    events = []
    for i, chunk in enumerate(chunks):
        # llama.cpp reports usage (and timings) on the chunk that ends the answer.
        final_usage = usage if shape == "llamacpp" and i == len(chunks) - 1 else None
        events.append(_sse(_shaped(shape, chunk, final_usage)))
    if include_usage and shape in ("openai", "vllm", "ollama"):
        events.append(_sse(_shaped(shape, {**chunks[-1], "choices": []}, usage)))
    if fake.stream_done:
        events.append(_SSE_DONE)
    return _StreamReply(iter(events))


def _chat_chunks(base: dict[str, Any], plans: list[_ChoicePlan]) -> list[dict[str, Any]]:
    chunks: list[dict[str, Any]] = []

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> None:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        chunks.append({**base, "choices": [choice]})

    for index, plan in enumerate(plans):
        first_content = "" if plan.content is not None else None
        chunk(index, {"role": "assistant", "content": first_content, "refusal": None})
        for piece in _stream_pieces(plan.content or ""):
            chunk(index, {"content": piece})
        for piece in _stream_pieces(plan.refusal or ""):
            chunk(index, {"refusal": piece})
        for i, call in enumerate(plan.tool_calls):
            head = {
                "index": i,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            chunk(index, {"tool_calls": [head]})
            for fragment in _fragments(call["function"]["arguments"]):
                chunk(index, {"tool_calls": [{"index": i, "function": {"arguments": fragment}}]})
        chunk(index, {}, plan.finish_reason)
    return chunks


def _chat_message(plan: _ChoicePlan) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": plan.content,
        "refusal": plan.refusal,
        "annotations": [],
    }
    if plan.tool_calls:
        message["tool_calls"] = plan.tool_calls
    return message


def _chat_completions(fake: FakeOpenAIServer, body: dict[str, Any]) -> _Reply:
    if not isinstance(body.get("messages"), list):
        raise _ApiError(400, "Missing required parameter: 'messages'.", param="messages")
    if not isinstance(body.get("model"), str):
        raise _ApiError(400, "Missing required parameter: 'model'.", param="model")
    seed = _read_seed(fake, body)
    rule = fake._rule_for(_last_user_text(_messages(body)), body.get("model"))
    sampled = without_ids(body) if fake.ids_unread else body
    plans = [_plan_chat_choice(sampled, seed, i, rule) for i in range(_choice_count(body))]
    if fake.shape not in ("openai", "vllm"):
        # Servers without a refusal field just say it.
        plans = [_ChoicePlan(content=p.refusal) if p.refusal else p for p in plans]
    base = {
        "id": _shaped_id(fake.shape, "chatcmpl"),
        "created": int(time.time()),
        "model": fake.model_versions.get(body["model"], body["model"]),
        "system_fingerprint": _shaped_fingerprint(fake),
        "service_tier": "default",
    }
    if body.get("stream") is True:
        chunks = _chat_chunks({**base, "object": "chat.completion.chunk"}, plans)
        return _stream_reply(fake, chunks, _chat_usage(body, plans), body)
    choices = [
        {
            "index": index,
            "message": _chat_message(plan),
            "finish_reason": plan.finish_reason,
            "logprobs": None,
        }
        for index, plan in enumerate(plans)
    ]
    payload = {**base, "object": "chat.completion", "choices": choices}
    return _JsonReply(200, _shaped(fake.shape, payload, _chat_usage(body, plans)))


def _legacy_completions(fake: FakeOpenAIServer, body: dict[str, Any]) -> _Reply:
    if "prompt" not in body:
        raise _ApiError(400, "Missing required parameter: 'prompt'.", param="prompt")
    if not isinstance(body.get("model"), str):
        raise _ApiError(400, "Missing required parameter: 'model'.", param="model")
    seed = _read_seed(fake, body)
    rule = fake._rule_for(_legacy_prompt(body), body.get("model"))
    answers = [
        _answer_text(body, None, seed, rule, f"choice{i}" if i else "")
        for i in range(_choice_count(body))
    ]
    texts = [text for text, _ in answers]
    prompt_tokens = _prompt_tokens(body)
    completion_tokens = sum(_word_count(t) for t in texts)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    base: dict[str, Any] = {
        "id": _shaped_id(fake.shape, "cmpl"),
        "object": "text_completion",
        "created": int(time.time()),
        "model": fake.model_versions.get(body["model"], body["model"]),
        "system_fingerprint": _shaped_fingerprint(fake),
    }
    if fake.shape == "llamacpp":
        # The llama.cpp slot that served the request.
        base["id_slot"] = 0

    def choice(index: int, text: str, finish_reason: str | None) -> dict[str, Any]:
        return {"text": text, "index": index, "logprobs": None, "finish_reason": finish_reason}

    finishes = ["length" if truncated else "stop" for _, truncated in answers]
    if body.get("stream") is not True:
        choices = [choice(i, text, finishes[i]) for i, text in enumerate(texts)]
        return _JsonReply(200, _shaped(fake.shape, {**base, "choices": choices}, usage))
    chunks = []
    for index, text in enumerate(texts):
        chunks += [{**base, "choices": [choice(index, p, None)]} for p in _stream_pieces(text)]
        chunks.append({**base, "choices": [choice(index, "", finishes[index])]})
    return _stream_reply(fake, chunks, usage, body)


def _responses(fake: FakeOpenAIServer, body: dict[str, Any]) -> _Reply:
    if "seed" in body:
        # The real Responses API has no seed parameter and rejects it.
        raise _ApiError(400, "Unknown parameter: 'seed'.", param="seed", code="unknown_parameter")
    if not isinstance(body.get("model"), str):
        raise _ApiError(400, "Missing required parameter: 'model'.", param="model")
    # Deterministic (as if seed 0) so recorded and live answers are comparable.
    # The real API still reports "completed" for tiny limits, so ignore truncation.
    text_config = body.get("text")
    fmt = text_config.get("format") if isinstance(text_config, dict) else None
    sampled = without_ids(body) if fake.ids_unread else body
    rule = fake._rule_for(_responses_user_text(body), body.get("model"))
    text, _ = _answer_text(sampled, fmt, 0, rule)

    input_tokens = _prompt_tokens(body)
    output_tokens = _word_count(text)
    part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    message = {
        "type": "message",
        "id": f"msg_{_hex()}",
        "status": "completed",
        "role": "assistant",
        "content": [part],
    }
    output = _responses_items(sampled, rule) or [message]
    created = time.time()
    response: dict[str, Any] = {
        "id": f"resp_{_hex()}",
        "object": "response",
        "created_at": int(created),
        "status": "completed",
        "completed_at": int(created),
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": fake.model_versions.get(body["model"], body["model"]),
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": text_config if isinstance(text_config, dict) else {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools", []),
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        },
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }
    if "reasoning.encrypted_content" in (body.get("include") or []):
        # A blob that differs on every call, as the real one does.
        blob = {"type": "reasoning", "id": f"rs_{_hex()}", "summary": []}
        size = 24 + random.SystemRandom().randrange(8)
        response["output"] = [{**blob, "encrypted_content": _hex(size)}, *output]
    if body.get("stream") is not True:
        return _JsonReply(200, response)
    return _StreamReply(_responses_events(response))


def _responses_items(body: Mapping[str, Any], rule: ScriptRule | None) -> list[dict[str, Any]]:
    """Function calls the model makes on the Responses API: when function tools are offered
    and the input does not end with a call's output (as Chat Completions decides)."""
    offered = body.get("tools") or []
    tools = [t for t in offered if isinstance(t, dict) and t.get("type") == "function"]
    items = body.get("input")
    last = items[-1] if isinstance(items, list) and items else None
    answered = isinstance(last, dict) and last.get("type") == "function_call_output"
    if not tools or answered or body.get("tool_choice") == "none":
        return []
    chat = {"tools": [{"type": "function", "function": t} for t in tools]}
    chat["messages"] = [{"role": "user", "content": _responses_user_text(body)}]
    calls = _tool_calls({**body, **chat}, 0, rule, "responses")
    return [
        {
            "type": "function_call",
            "id": f"fc_{_hex()}",
            "call_id": call["id"],
            "name": call["function"]["name"],
            "arguments": call["function"]["arguments"],
            "status": "completed",
        }
        for call in calls
    ]


def _responses_events(response: dict[str, Any]) -> Iterator[bytes]:
    """The Responses API event stream that builds up ``response``."""
    sequence = 0

    def event(kind: str, **fields: Any) -> bytes:
        nonlocal sequence
        data = {"type": kind, "sequence_number": sequence, **fields}
        sequence += 1
        return _sse(data, kind)

    pending = {**response, "status": "in_progress", "output": [], "usage": None}
    pending["completed_at"] = None
    yield event("response.created", response=pending)
    yield event("response.in_progress", response=pending)
    for index, item in enumerate(response["output"]):
        if item["type"] != "message":
            yield event("response.output_item.added", output_index=index, item=item)
            yield event("response.output_item.done", output_index=index, item=item)
            continue
        [part] = item["content"]
        location = {"item_id": item["id"], "output_index": index, "content_index": 0}
        added = {**item, "status": "in_progress", "content": []}
        yield event("response.output_item.added", output_index=index, item=added)
        yield event("response.content_part.added", part={**part, "text": ""}, **location)
        for piece in _stream_pieces(part["text"]):
            yield event("response.output_text.delta", delta=piece, logprobs=[], **location)
        yield event("response.output_text.done", text=part["text"], logprobs=[], **location)
        yield event("response.content_part.done", part=part, **location)
        yield event("response.output_item.done", output_index=index, item=item)
    yield event("response.completed", response=response)


def _models(fake: FakeOpenAIServer) -> list[str]:
    names = dict.fromkeys([*fake.model_versions, *fake.model_versions.values()])
    names["gpt-3.5-turbo-instruct"] = None
    return list(names)


def _model_object(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1700000000, "owned_by": "system"}


# --------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------

_DEPLOYMENT_PATH = re.compile(r"/openai/deployments/([^/]+)(/.*)")


def _api_path(path: str) -> tuple[str, str | None] | None:
    """Map a request path to (endpoint path, Azure deployment) or None if unknown."""
    match = _DEPLOYMENT_PATH.fullmatch(path)
    if match:
        return match.group(2), unquote(match.group(1))
    for prefix in ("/openai/v1/", "/v1/", "/openai/"):
        if path.startswith(prefix):
            return path[len(prefix) - 1 :], None
    return None


def _authorized(headers: Mapping[str, str], query: Mapping[str, list[str]]) -> bool:
    bearer = re.fullmatch(r"\s*bearer\s+(\S+)\s*", headers.get("authorization", ""), re.IGNORECASE)
    if bearer:
        return True
    if headers.get("api-key", "").strip():
        return True
    return any(v.strip() for v in query.get("api-key", []))


class _HTTPServer(ThreadingHTTPServer):
    """Threading server that tracks connections so stop() can sever them."""

    daemon_threads = True
    # Idle keep-alive connections must not make server_close() block.
    block_on_close = False

    def __init__(self, address: tuple[str, int], fake: FakeOpenAIServer) -> None:
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        self.fake._count_connection()
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def sever_all(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Client disconnects are routine in fault tests; only report real bugs.
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeOpenAI/1.0"

    @property
    def fake(self) -> FakeOpenAIServer:
        server = self.server
        assert isinstance(server, _HTTPServer)
        return server.fake

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr logging."""

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except OSError:
            # Peer went away (reset, broken pipe) or stop() severed the socket.
            self.close_connection = True

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # Skip trailers up to the blank line.
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        started = time.monotonic()
        fake = self.fake
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        headers = {name.lower(): value for name, value in self.headers.items()}
        body = self._read_body()
        try:
            parsed: Any | None = json.loads(body) if body else None
        except ValueError:
            parsed = None
        fake._record(
            ReceivedRequest(
                method=self.command,
                path=url.path,
                query=query,
                headers=headers,
                body=body,
                json=parsed,
            )
        )

        fault = fake._take_fault()
        if fault is not None and fault.kind == "delay":
            fake._sleep(fault.seconds)
        elif fault is not None and fault.kind == "drop":
            # Close without a single response byte.
            self.close_connection = True
            return
        elif fault is not None:
            fault_headers = {**fault.headers}
            if fault.status in _RETRIED_STATUSES or fault.status >= 500:
                fault_headers.setdefault("retry-after-ms", "1")
            payload = fault.body if fault.body is not None else _fault_body(fault.status)
            self._send_json(_JsonReply(fault.status, payload, fault_headers), started)
            return

        try:
            if fake.echo_request and isinstance(parsed, dict) and "messages" in parsed:
                reply = _echo_reply(fake, self.path, headers, parsed)
            else:
                reply = self._route(url.path, query, headers, body, parsed)
        except _ApiError as error:
            reply = _JsonReply(error.status, error.payload)
        except Exception as error:
            # A bug in this module: show it in the test output and to the client
            # instead of silently dropping the connection.
            traceback.print_exc()
            message = f"FakeOpenAIServer failed: {error!r}"
            reply = _JsonReply(500, _error_body(message, type_="server_error"))
        if isinstance(reply, _JsonReply):
            self._send_json(reply, started)
        elif isinstance(reply, _RawReply):
            self._send_body(reply.status, reply.data, reply.content_type, {}, started)
        else:
            self._send_stream(reply, started)

    def _route(
        self,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        raw: bytes,
        parsed: Any | None,
    ) -> _Reply:
        fake = self.fake
        if "anthropic-version" in headers or _GEMINI_METHOD.search(path):
            # Imported here, not at the top: this file must also work copied alone.
            import llm_server_providers

            return llm_server_providers.route(fake, self.command, path, query, headers, parsed)
        if not _authorized(headers, query):
            raise _ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        mapped = _api_path(path.rstrip("/") or "/")
        not_found = _ApiError(404, f"Invalid URL ({self.command} {path})")
        if mapped is None:
            raise not_found
        endpoint, deployment = mapped

        if self.command == "GET" and deployment is None:
            if endpoint == "/models":
                data = [_model_object(m) for m in _models(fake)]
                return _JsonReply(200, {"object": "list", "data": data})
            if endpoint.startswith("/models/"):
                name = unquote(endpoint[len("/models/") :])
                if name in _models(fake):
                    return _JsonReply(200, _model_object(name))
                raise _ApiError(
                    404, f"The model '{name}' does not exist", param="model", code="model_not_found"
                )
        if self.command != "POST":
            raise not_found
        return self._route_post(endpoint, deployment, headers, raw, parsed, not_found)

    def _route_post(
        self,
        endpoint: str,
        deployment: str | None,
        headers: Mapping[str, str],
        raw: bytes,
        parsed: Any | None,
        not_found: _ApiError,
    ) -> _Reply:
        fake = self.fake
        handlers: dict[str, Any] = {
            "/chat/completions": _chat_completions,
            "/completions": _legacy_completions,
            "/responses": _responses,
        }
        if endpoint in _EXTRA_ENDPOINTS:
            # Imported here, not at the top: this file must also work copied alone.
            import llm_server_endpoints

            if endpoint in _MULTIPART_ENDPOINTS:
                content_type = headers.get("content-type", "")
                return llm_server_endpoints.handle_multipart(
                    fake, endpoint, content_type, raw, deployment
                )
            handlers = llm_server_endpoints.JSON
        handler = handlers.get(endpoint)
        if handler is None or (deployment and handler is _responses):
            raise not_found
        if parsed is None and raw.strip():
            raise _ApiError(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly.)",
            )
        if not isinstance(parsed, dict):
            raise _ApiError(400, "The request body must be a JSON object.")
        if deployment is not None and "model" not in parsed:
            # Azure names the model by deployment; fill it in so Azure and /v1
            # requests canonicalize (and therefore generate) identically.
            parsed = {**parsed, "model": deployment}
        if fake.refuse_seed and "seed" in parsed:
            raise _ApiError(400, _SEED_REFUSAL, param="seed")
        reply: _Reply = handler(fake, parsed)
        return reply

    def _common_headers(self, started: float) -> None:
        self.send_header("x-request-id", f"req_{_hex(16)}")
        self.send_header("openai-processing-ms", str(int((time.monotonic() - started) * 1000)))
        cookie = self.fake.set_cookie
        if cookie is not None:
            self.send_header("Set-Cookie", cookie)

    def _send_json(self, reply: _JsonReply, started: float) -> None:
        data = json.dumps(reply.payload).encode()
        self._send_body(reply.status, data, "application/json", reply.headers, started)

    def _send_body(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: Mapping[str, str],
        started: float,
    ) -> None:
        gzipped = self.fake.gzip_responses
        if gzipped:
            data = gzip.compress(data, mtime=0)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        for name, value in headers.items():
            self.send_header(name, value)
        self._common_headers(started)
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, reply: _StreamReply, started: float) -> None:
        cut_after = self.fake._take_mid_stream_drop()
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        # Chunked framing: a stream cut before its terminating chunk is then a
        # detectable protocol error for the client, not a clean EOF.
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self._common_headers(started)
        self.end_headers()
        for sent, event in enumerate(reply.events):
            if cut_after is not None and (sent >= cut_after or event == _SSE_DONE):
                # Abrupt end: no [DONE], no terminating chunk.
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _echo_reply(
    fake: FakeOpenAIServer, path: str, headers: Mapping[str, str], body: Mapping[str, Any]
) -> _Reply:
    """A chat completion whose text is the request's path and headers (see echo_request)."""
    lines = [path, *(f"{name}: {value}" for name, value in sorted(headers.items()))]
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            lines.append("basic user: " + base64.b64decode(credential).decode())
    text = "\n".join(lines)
    base = {"id": "chatcmpl-echo", "created": 0, "model": body.get("model", "gpt-4o")}
    if not body.get("stream"):
        message = {"role": "assistant", "content": text}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        return _JsonReply(200, {**base, "object": "chat.completion", "choices": [choice]})
    step = max(1, fake.echo_piece)
    chunks = [
        {**base, "object": "chat.completion.chunk", "choices": [
            {"index": 0, "delta": {"content": text[i : i + step]}, "finish_reason": None}
        ]}
        for i in range(0, len(text), step)
    ]  # fmt: skip
    return _StreamReply(iter([*(_sse(c) for c in chunks), _SSE_DONE]))


def _fault_body(status: int) -> dict[str, Any]:
    if status == 429:
        return _error_body(
            "Rate limit reached for requests. Please try again shortly.",
            type_="requests",
            code="rate_limit_exceeded",
        )
    if status >= 500:
        return _error_body(
            "The server had an error while processing your request. Sorry about that!",
            type_="server_error",
        )
    if status == 401:
        return _error_body(
            "Incorrect API key provided.", type_="invalid_request_error", code="invalid_api_key"
        )
    return _error_body(f"Injected error with status {status}.", type_="invalid_request_error")


# --------------------------------------------------------------------------
# Public server object
# --------------------------------------------------------------------------


class FakeOpenAIServer:
    """A local OpenAI-compatible server with seeded generation and fault injection."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
    ) -> None:
        """``tls``: a server-side context (its certificate loaded) to serve HTTPS with."""
        self._host = host
        self._port = port
        self._tls = tls
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Set on stop() so injected delays end early instead of pinning threads.
        self._stopping = threading.Event()
        self._faults: deque[_Fault] = deque()
        self._mid_stream_drops: deque[int] = deque()
        self.requests: list[ReceivedRequest] = []
        self.connections = 0
        self._restore_defaults()

    def _restore_defaults(self) -> None:
        """The documented settings, as after construction or reset()."""
        self.system_fingerprint = _DEFAULT_FINGERPRINT
        self.model_versions: dict[str, str] = dict(_DEFAULT_MODEL_VERSIONS)
        self.gzip_responses = False
        self.set_cookie: str | None = None
        #: Answer any request whose JSON body has a ``seed`` key with HTTP 400
        #: "Unrecognized request argument supplied: seed", as servers without
        #: seed support do.
        self.refuse_seed = False
        #: Probability that a seeded chat/legacy request gets the text its seed
        #: determines; otherwise the seed is perturbed by a draw from the noise
        #: RNG (see noise_seed), so "best effort" seeding can be emulated.
        self.seed_fidelity = 1.0
        self.noise_seed = None
        self.fingerprints = None
        #: Wire format of (legacy) chat completions, one of SHAPES: "openai";
        #: "vllm" (no system_fingerprint/service_tier, stop_reason per choice,
        #: prompt_logprobs and kv_transfer_params); "ollama" (ids like
        #: "chatcmpl-123", system_fingerprint "fp_ollama", no logprobs); "llamacpp"
        #: (a build fingerprint, timings, usage on the last stream chunk, id_slot
        #: on legacy completions); "bare" (no id, fingerprint or usage).
        self.shape = "openai"
        #: False: streams end without the ``data: [DONE]`` line.
        self.stream_done = True
        #: Canned answers, first match wins (see ScriptRule and script()).
        self.scripted: list[ScriptRule] = []
        #: Answer every chat completion with the request's path and headers (a Basic
        #: credential decoded too), as a careless server or proxy echoes them; streamed
        #: in pieces of ``echo_piece`` characters so a credential spans several events.
        self.echo_request = False
        self.echo_piece = 5
        #: Sample as a model that does not read the ids a conversation echoes back
        #: (tool-call ids, call ids, ``previous_response_id``, ``tool_use_id``) nor its
        #: opaque blobs, and sample Anthropic answers from the request as if seeded: two
        #: recordings of one agent loop then get the same words, each with fresh ids.
        self.ids_unread = False

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        """Bind and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self._host, self._port), self)
        if self._tls is not None:
            # Each accepted connection does its handshake; a client that refuses the
            # certificate only fails its own accept (an OSError socketserver drops).
            httpd.socket = self._tls.wrap_socket(httpd.socket, server_side=True)
        self._port = httpd.server_address[1]
        self._httpd = httpd
        # A short poll interval keeps stop() fast.
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeOpenAIServer:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut down, sever open connections and close the socket (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.sever_all()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Clear the log and queued faults and restore default settings."""
        with self._lock:
            self._faults.clear()
            self._mid_stream_drops.clear()
            self.requests.clear()
            self.connections = 0
        self._restore_defaults()

    # -- modes -------------------------------------------------------------

    @property
    def noise_seed(self) -> int | None:
        """Seed of the RNG that decides (and salts) unfaithful seeded answers.

        Setting it restarts that RNG, so a run's sequence of faithful and
        perturbed answers repeats; None seeds it from the OS.
        """
        return self._noise_seed

    @noise_seed.setter
    def noise_seed(self, value: int | None) -> None:
        with self._lock:
            self._noise_seed = value
            self._noise = random.Random(value)

    @property
    def fingerprints(self) -> list[str] | None:
        """When set, successive chat/legacy responses take these ``system_fingerprint``
        values in turn (cycling, starting over on assignment); None: system_fingerprint."""
        return self._fingerprints

    @fingerprints.setter
    def fingerprints(self, value: list[str] | None) -> None:
        with self._lock:
            self._fingerprints = list(value) if value else None
            self._fingerprint_turn = 0

    def script(self, *rules: ScriptRule | tuple[str, str]) -> None:
        """Add canned answers: ScriptRule objects or ``(substring, reply)`` pairs."""
        for rule in rules:
            self.scripted.append(rule if isinstance(rule, ScriptRule) else ScriptRule(*rule))

    # -- addresses ---------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the requested one before start())."""
        return self._port

    @property
    def root_url(self) -> str:
        """``http://host:port`` (``https`` when serving TLS) — the Azure endpoint form."""
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """``http://host:port/v1`` (``https`` when serving TLS) — the OpenAI base URL form."""
        return f"{self.root_url}/v1"

    # -- fault injection ---------------------------------------------------

    def fail_next(
        self,
        status: int = 500,
        *,
        times: int = 1,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` and an error body."""
        fault = _Fault("fail", status=status, body=body, headers=dict(headers or {}))
        self._queue(fault, times)

    def drop_next(self, *, times: int = 1) -> None:
        """Close the connection of the next ``times`` requests without answering."""
        self._queue(_Fault("drop"), times)

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Wait ``seconds`` before answering each of the next ``times`` requests."""
        self._queue(_Fault("delay", seconds=seconds), times)

    def drop_mid_stream_next(self, *, after_chunks: int = 2) -> None:
        """Cut the next streamed answer after ``after_chunks`` SSE events."""
        with self._lock:
            self._mid_stream_drops.append(after_chunks)

    # -- internals used by the handler -------------------------------------

    def _queue(self, fault: _Fault, times: int) -> None:
        with self._lock:
            self._faults.extend([fault] * times)

    def _rule_for(self, prompt: str, model: object = None) -> ScriptRule | None:
        return next((rule for rule in self.scripted if rule.matches(prompt, model)), None)

    def _next_fingerprint(self) -> str:
        with self._lock:
            if not self._fingerprints:
                return self.system_fingerprint
            turn = self._fingerprint_turn
            self._fingerprint_turn += 1
            return self._fingerprints[turn % len(self._fingerprints)]

    def _sampling_seed(self, seed: int) -> int:
        """``seed``, or (with probability 1 - seed_fidelity) a perturbed one."""
        if self.seed_fidelity >= 1.0:
            return seed
        with self._lock:
            faithful = self._noise.random() < self.seed_fidelity
            salt = self._noise.getrandbits(62)
        # Far outside any seed a client sends, so a perturbed answer never
        # coincides with another seed's faithful one.
        return seed if faithful else seed + (salt + 1) * 2**64

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _take_mid_stream_drop(self) -> int | None:
        with self._lock:
            return self._mid_stream_drops.popleft() if self._mid_stream_drops else None

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)
