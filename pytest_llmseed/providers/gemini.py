"""The Gemini API (``google-genai`` SDK, Google AI's ``/v1`` and ``/v1beta``) as the
plugin needs to know it: ``models/{model}:generateContent``, ``:streamGenerateContent``,
``:embedContent`` and ``:countTokens``; the seed at ``generationConfig.seed``; the SSE
chunks of a stream assembled into one response; what a golden shows of a response; and
which changes are breaking (function calls, ``finishReason`` SAFETY or MAX_TOKENS).
No pytest, vcrpy or google-genai here."""

from __future__ import annotations

import json
import re
from typing import Any

from pytest_llmseed.exchange.bodies import answer_data, parse_json
from pytest_llmseed.exchange.sse import iter_sse
from pytest_llmseed.providers.base import GENERIC

NAME = "Gemini"
STRUCTURED_KEYS = frozenset({"functionCall", "name", "args"})
FINISH_KEYS = frozenset({"finishReason"})
CUT_OFF = frozenset(
    {"MAX_TOKENS", "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"}
)
BACKEND_KEYS = ("modelVersion",)
EMBEDDING_ENDPOINTS = frozenset({"models.embed_content"})

_METHOD = re.compile(r"/v1(?:alpha|beta)?/(?:tuned)?[mM]odels/[^/:]+:([A-Za-z]+)$")
_ENDPOINTS = {
    "generateContent": "models.generate_content",
    "streamGenerateContent": "models.generate_content",
    "embedContent": "models.embed_content",
    "batchEmbedContents": "models.embed_content",
    "countTokens": "models.count_tokens",
}
_SEEDED = frozenset({"generateContent", "streamGenerateContent"})
UNSEEDED_ENDPOINT = "unseeded (this endpoint takes no seed)"


_MODEL = re.compile(r"(/(?:tuned)?[mM]odels/)([^/:]+)(:[A-Za-z]+/?)$")
"""The model in a method's path: ``models/{model}:generateContent``."""


def request_model(path: str, body: Any) -> str | None:
    """The model a request names: in its URL path, ``models/{model}:method``."""
    found = _MODEL.search(path)
    return found[2] if found and _method(path) else None


def with_model(path: str, body: Any, model: str) -> tuple[str, Any]:
    """The path naming ``model`` instead (the body does not name it)."""
    found = _MODEL.search(path)
    if found is None or not _method(path):
        return path, body
    return path[: found.start(2)] + model + path[found.end(2) :], body


def _method(path: str) -> str | None:
    found = _METHOD.search(path.rstrip("/"))
    return found[1] if found else None


def recognizes(method: str, path: str, headers: Any) -> bool:
    """A request to one of the Gemini API's model methods (the path is unmistakable)."""
    return _method(path) in _ENDPOINTS


def endpoint_name(method: str, path: str) -> str | None:
    """``models.generate_content`` (streamed or not), ``models.embed_content`` or
    ``models.count_tokens`` for a POST to them, else None."""
    if method.upper() != "POST":
        return None
    return _ENDPOINTS.get(_method(path) or "")


def owns_endpoint(endpoint: str) -> bool:
    """Whether ``endpoint`` is one of the Gemini API's."""
    return endpoint in _ENDPOINTS.values()


def vectors(endpoint: str, answer: dict[str, Any]) -> list[Any] | None:
    """The ``values`` of an ``embedContent`` (``embedding``) or ``batchEmbedContents``
    (``embeddings``) answer."""
    if endpoint != "models.embed_content":
        return None
    found = answer.get("embeddings") or [answer.get("embedding")]
    return [item.get("values") if isinstance(item, dict) else item for item in found]


def takes_seed(method: str, path: str) -> bool:
    """True for a ``generateContent`` request, streamed or not."""
    return method.upper() == "POST" and _method(path) in _SEEDED


def inject_seed(body: bytes, seed: int) -> bytes | None:
    """The body with ``generationConfig.seed`` set (``generationConfig`` made if absent), or
    None: not a JSON object, or a seed already there (the caller's, never overwritten)."""
    data = parse_json(body)
    if not isinstance(data, dict):
        return None
    config = data.get("generationConfig")
    if config is None:
        config = data["generationConfig"] = {}
    if not isinstance(config, dict) or "seed" in config:
        return None
    config["seed"] = seed
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def request_seed(request: Any) -> tuple[Any, Any]:
    """The request without ``generationConfig.seed`` (nor a ``generationConfig`` that held
    only it), and the seed."""
    if not isinstance(request, dict) or not isinstance(request.get("generationConfig"), dict):
        return request, None
    config = dict(request["generationConfig"])
    seed = config.pop("seed", None)
    rest = {k: v for k, v in request.items() if k != "generationConfig"}
    if config:
        rest["generationConfig"] = config
    return rest, seed


def answer_endpoint(data: dict[str, Any]) -> str | None:
    """``models.generate_content`` for a dumped ``GenerateContentResponse``."""
    if isinstance(data.get("candidates"), list) and (
        "model_version" in data or "modelVersion" in data or "usage_metadata" in data
    ):
        return "models.generate_content"
    return None


def parse_answer(headers: Any, text: str) -> tuple[Any, bool]:
    """A Gemini answer as data (SSE chunks assembled into one response)."""
    return answer_data(headers, text, assemble_stream)


def assemble_stream(text: str) -> Any:
    """The response a non-streamed call would have returned: each candidate's text parts
    joined (thoughts apart from the answer), function calls kept whole, the last
    ``finishReason``, ``usageMetadata`` and ``modelVersion``."""
    result: dict[str, Any] = {}
    candidates: dict[int, dict[str, Any]] = {}
    for _event, data in iter_sse(text):
        chunk = parse_json(data)
        if not isinstance(chunk, dict):
            continue
        for key, value in chunk.items():
            if key != "candidates":
                result[key] = value
        for candidate in chunk.get("candidates") or []:
            slot = candidates.setdefault(candidate.get("index", 0), {"parts": []})
            for key, value in candidate.items():
                if key != "content":
                    slot[key] = value
            content = candidate.get("content") or {}
            if content.get("role"):
                slot["role"] = content["role"]
            for part in content.get("parts") or []:
                _add_part(slot["parts"], part)
    result["candidates"] = [_finish(candidates[i]) for i in sorted(candidates)]
    return result


def _add_part(parts: list[dict[str, Any]], part: dict[str, Any]) -> None:
    last = parts[-1] if parts else None
    if (
        isinstance(part.get("text"), str)
        and last is not None
        and isinstance(last.get("text"), str)
        and bool(last.get("thought")) == bool(part.get("thought"))
    ):
        last["text"] += part["text"]
        if part.get("thoughtSignature"):
            last["thoughtSignature"] = part["thoughtSignature"]
        return
    parts.append(dict(part))


def _finish(slot: dict[str, Any]) -> dict[str, Any]:
    role = slot.pop("role", "model")
    parts = slot.pop("parts")
    return {"content": {"parts": parts, "role": role}, **slot}


def _part_output(part: Any) -> Any:
    if not isinstance(part, dict):
        return part
    if part.get("thought"):
        return {"thought": True}  # its text varies between recordings: summarized in meta
    if isinstance(part.get("functionCall"), dict):
        call = part["functionCall"]
        return {"functionCall": {"name": call.get("name"), "args": call.get("args") or {}}}
    return {k: v for k, v in part.items() if k != "thoughtSignature"}


def output(endpoint: str, answer: dict[str, Any], request: Any, parsed: list[Any] | None) -> Any:
    """Each candidate's parts (text, function calls' name and args as data) and
    ``finishReason``; a token count as it is; embeddings summarized generically."""
    if endpoint == "models.count_tokens":
        return {k: v for k, v in answer.items() if k == "totalTokens"}
    if endpoint != "models.generate_content":
        return GENERIC
    shown = []
    for candidate in answer.get("candidates") or []:
        parts = (candidate.get("content") or {}).get("parts") or []
        item: dict[str, Any] = {"parts": [_part_output(p) for p in parts]}
        item["finishReason"] = candidate.get("finishReason")
        shown.append(item)
    feedback = answer.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        shown.append({"finishReason": feedback["blockReason"]})
    return shown


def meta(endpoint: str, answer: dict[str, Any], seed: Any, unseeded: str | None) -> dict[str, Any]:
    """``modelVersion``, ``usageMetadata``, thoughts summarized, and the seed."""
    found: dict[str, Any] = {}
    for key in ("modelVersion", "usageMetadata"):
        if answer.get(key) is not None:
            found[key] = answer[key]
    thoughts = [
        part["text"]
        for candidate in answer.get("candidates") or []
        for part in (candidate.get("content") or {}).get("parts") or []
        if isinstance(part, dict) and part.get("thought") and isinstance(part.get("text"), str)
    ]
    if thoughts:
        found["thoughts"] = [{"characters": len(t), "opening": t[:80]} for t in thoughts]
    if unseeded:
        found["seed"] = unseeded
    elif endpoint == "models.generate_content":
        found["seed"] = seed
    else:
        found["seed"] = UNSEEDED_ENDPOINT
    return found
