"""The Anthropic Messages API (``anthropic`` SDK) as the plugin needs to know it: its
endpoints, no seed (the API has none: its calls are recorded unseeded and their goldens say
so), its event stream assembled into one Message, what a golden shows of a Message, and
which changes are breaking (tool use, ``stop_reason`` ``max_tokens`` or ``refusal``).
No pytest, vcrpy or anthropic here."""

from __future__ import annotations

from typing import Any

from pytest_llmseed.exchange.bodies import answer_data, json_or_text, parse_json
from pytest_llmseed.exchange.sse import iter_sse
from pytest_llmseed.providers.base import GENERIC, body_model, with_body_model

NAME = "Anthropic"
STRUCTURED_KEYS = frozenset({"input", "name", "type"})
FINISH_KEYS = frozenset({"stop_reason"})
CUT_OFF = frozenset({"max_tokens", "refusal"})
BACKEND_KEYS = ("model",)
EMBEDDING_ENDPOINTS: frozenset[str] = frozenset()
UNSEEDED = "unseeded (the Anthropic API takes no seed)"

# Path tail -> endpoint name as the SDK spells the resource.
_ENDPOINTS = (
    ("/messages/count_tokens", "messages.count_tokens"),
    ("/messages", "messages"),
)
_NAMES = frozenset(name for _suffix, name in _ENDPOINTS)


def recognizes(method: str, path: str, headers: Any) -> bool:
    """A Messages request: the SDK (and every framework over it) sends ``anthropic-version``
    on each request; OpenAI's Assistants API has ``/threads/{id}/messages`` and never it."""
    return headers.get("anthropic-version") is not None


def endpoint_name(method: str, path: str) -> str | None:
    """``messages`` or ``messages.count_tokens`` for a POST to them, else None."""
    if method.upper() != "POST":
        return None
    tail = path.rstrip("/")
    return next((name for suffix, name in _ENDPOINTS if tail.endswith(suffix)), None)


def owns_endpoint(endpoint: str) -> bool:
    """Whether ``endpoint`` is one of the Messages API's."""
    return endpoint in _NAMES


def vectors(endpoint: str, answer: dict[str, Any]) -> list[Any] | None:
    """None: the Messages API has no embeddings."""
    return None


def takes_seed(method: str, path: str) -> bool:
    """Never: the Messages API has no seed, and an unknown key is a 400."""
    return False


def inject_seed(body: bytes, seed: int) -> bytes | None:
    """Nothing to inject: the API has no seed."""
    return None


def request_seed(request: Any) -> tuple[Any, Any]:
    """The request as it is: it never carries a seed."""
    return request, None


def answer_endpoint(data: dict[str, Any]) -> str | None:
    """``messages`` for a dumped ``Message``."""
    if data.get("type") == "message" and isinstance(data.get("content"), list):
        return "messages"
    return None


def request_model(path: str, body: Any) -> str | None:
    """The model a request names: the JSON body's ``model``."""
    return body_model(path, body)


def with_model(path: str, body: Any, model: str) -> tuple[str, Any]:
    """The body naming ``model`` instead (what-if runs)."""
    return with_body_model(path, body, model)


def parse_answer(headers: Any, text: str) -> tuple[Any, bool]:
    """A Messages answer as data (an event stream assembled into one Message)."""
    return answer_data(headers, text, assemble_stream)


def assemble_stream(text: str) -> Any:
    """The Message a non-streamed call would have returned, from ``message_start``,
    ``content_block_start`` / ``_delta`` / ``_stop``, ``message_delta`` and ``message_stop``."""
    message: dict[str, Any] = {}
    blocks: dict[int, dict[str, Any]] = {}
    pieces: dict[int, dict[str, list[str]]] = {}
    for _event, data in iter_sse(text):
        payload = parse_json(data)
        if not isinstance(payload, dict):
            continue
        kind = payload.get("type")
        if kind == "message_start" and isinstance(payload.get("message"), dict):
            message = dict(payload["message"])
        elif kind == "content_block_start":
            index = payload.get("index", len(blocks))
            blocks[index] = dict(payload.get("content_block") or {})
            pieces[index] = {}
        elif kind == "content_block_delta":
            _fold(pieces.setdefault(payload.get("index", 0), {}), payload.get("delta") or {})
        elif kind == "message_delta":
            message.update(payload.get("delta") or {})
            usage = payload.get("usage")
            if isinstance(usage, dict):
                message["usage"] = {**(message.get("usage") or {}), **usage}
    message["content"] = [_finish(blocks.get(i, {}), pieces.get(i, {})) for i in sorted(blocks)]
    return message


_DELTA_FIELDS = {
    "text_delta": ("text", "text"),
    "input_json_delta": ("partial_json", "input"),
    "thinking_delta": ("thinking", "thinking"),
    "signature_delta": ("signature", "signature"),
}


def _fold(gathered: dict[str, list[str]], delta: dict[str, Any]) -> None:
    field = _DELTA_FIELDS.get(str(delta.get("type")))
    if field is not None and isinstance(delta.get(field[0]), str):
        gathered.setdefault(field[1], []).append(delta[field[0]])


def _finish(block: dict[str, Any], gathered: dict[str, list[str]]) -> dict[str, Any]:
    for key, parts in gathered.items():
        joined = "".join(parts)
        if key == "input":
            block["input"] = json_or_text(joined) if joined.strip() else {}
        else:
            block[key] = block.get(key, "") + joined
    return block


_THINKING = ("thinking", "redacted_thinking")


def _block_output(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    kind = block.get("type")
    if kind == "text":
        return {"type": "text", "text": block.get("text")}
    if kind in ("tool_use", "server_tool_use"):
        return {"type": kind, "name": block.get("name"), "input": block.get("input")}
    if kind in _THINKING:
        # The model's reasoning varies between recordings: only that it thought is compared
        # (what it thought is summarized in ``meta``).
        return {"type": kind}
    return {k: v for k, v in block.items() if k not in ("id", "signature", "citations")}


def output(endpoint: str, answer: dict[str, Any], request: Any, parsed: list[Any] | None) -> Any:
    """A Message's content blocks (text as text, tool use input as data, thinking as its
    mere presence) and its ``stop_reason``; a token count as it is."""
    if endpoint != "messages":
        return {k: v for k, v in answer.items() if k not in ("id", "type")} or GENERIC
    shown: dict[str, Any] = {"content": [_block_output(b) for b in answer.get("content") or []]}
    shown["stop_reason"] = answer.get("stop_reason")
    if answer.get("stop_sequence") is not None:
        shown["stop_sequence"] = answer["stop_sequence"]
    return shown


def _thinking(blocks: list[Any]) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") not in _THINKING:
            continue
        summary: dict[str, Any] = {"type": block["type"]}
        thought = block.get("thinking")
        if isinstance(thought, str):
            summary["characters"] = len(thought)
            summary["opening"] = thought[:80]
        for key in ("signature", "data"):
            if isinstance(block.get(key), str):
                summary[key] = "<opaque>"  # its size varies between recordings too
        found.append(summary)
    return found


def meta(endpoint: str, answer: dict[str, Any], seed: Any, unseeded: str | None) -> dict[str, Any]:
    """Model, usage, thinking summarized (signatures as opaque blobs), and that the call was
    unseeded."""
    found: dict[str, Any] = {}
    for key in ("model", "usage"):
        if answer.get(key) is not None:
            found[key] = answer[key]
    thinking = _thinking(answer.get("content") or [])
    if thinking:
        found["thinking"] = thinking
    found["seed"] = UNSEEDED
    return found
