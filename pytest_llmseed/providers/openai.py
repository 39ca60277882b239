"""The OpenAI API as the rest of the plugin needs to know it (and every OpenAI-compatible
server: Azure OpenAI, vLLM, Ollama, llama.cpp): the endpoints, which requests take a seed
and how it goes into their body, where a request names its model, and which changes of an
answer are breaking (``base.Adapter``; what a golden shows of an answer is in
``openai_golden``, how a stream is assembled into one answer in ``openai_stream``). No
pytest, vcrpy or openai here."""

from __future__ import annotations

from typing import Any

from pytest_llmseed.exchange.bodies import answer_data, parse_json
from pytest_llmseed.providers import openai_golden, openai_stream
from pytest_llmseed.providers.base import body_model, with_body_model

NAME = "OpenAI"
STRUCTURED_KEYS = frozenset({"tool_calls", "parsed", "arguments", "name", "type"})
FINISH_KEYS = frozenset({"finish_reason"})
CUT_OFF = frozenset({"length", "content_filter"})
BACKEND_KEYS = ("system_fingerprint", "model")
EMBEDDING_ENDPOINTS = frozenset({"embeddings"})


output = openai_golden.output
"""What a golden compares of an OpenAI answer (``openai_golden``)."""
meta = openai_golden.meta
"""What a golden keeps of an OpenAI answer to explain drift (``openai_golden``)."""
answer_endpoint = openai_golden.answer_endpoint
vectors = openai_golden.vectors
assemble_stream = openai_stream.assemble_stream
"""A streamed OpenAI answer assembled into the object it spells (``openai_stream``)."""


def recognizes(method: str, path: str, headers: Any) -> bool:
    """Every request the other adapters do not claim: OpenAI-compatible servers share no
    header or path prefix, so this adapter is the registry's last."""
    return True


# Endpoints whose API has a `seed` parameter. Matched on the path's tail so that Azure
# (`/openai/deployments/<name>/chat/completions`) and proxies with a prefix are covered.
# The Responses API (`/responses`) has no seed: sending one is a 400, so it is never seeded.
SEEDED_PATH_SUFFIXES = ("/chat/completions", "/completions")


def takes_seed(method: str, path: str) -> bool:
    """True for a Chat Completions or legacy Completions creation request."""
    return method.upper() == "POST" and path.rstrip("/").endswith(SEEDED_PATH_SUFFIXES)


def inject_seed(body: bytes, seed: int) -> bytes | None:
    """Return ``body`` with ``"seed": seed`` added, or None when it must stay as it is.

    Left alone: bodies that are not a JSON object, and bodies that already have a ``seed``
    key (the caller's choice, even ``null``, is never overwritten). The key is spliced in
    before the closing brace instead of re-serializing, so the SDK's bytes stay as they were.
    """
    data = parse_json(body)
    if not isinstance(data, dict) or "seed" in data:
        return None
    head = body.rstrip()
    if not head.endswith(b"}"):
        return None
    head = head[:-1].rstrip()
    separator = b"" if head.endswith(b"{") else b","
    return head + separator + b'"seed":' + str(seed).encode() + b"}"


# Path tail -> endpoint name as the SDK spells the resource.
_ENDPOINTS = (
    ("/chat/completions", "chat.completions"),
    ("/completions", "completions"),
    ("/responses", "responses"),
    ("/embeddings", "embeddings"),
    ("/moderations", "moderations"),
    ("/images/generations", "images.generate"),
    ("/images/edits", "images.edit"),
    ("/images/variations", "images.create_variation"),
    ("/audio/transcriptions", "audio.transcriptions"),
    ("/audio/translations", "audio.translations"),
    ("/audio/speech", "audio.speech"),
    ("/files", "files"),
    ("/uploads", "uploads"),
    ("/batches", "batches"),
)


_NAMES = frozenset(name for _suffix, name in _ENDPOINTS)


def owns_endpoint(endpoint: str) -> bool:
    """Whether ``endpoint`` is one of the OpenAI API's."""
    return endpoint in _NAMES


def request_seed(request: Any) -> tuple[Any, Any]:
    """The request without its top-level ``seed``, and the seed."""
    if not isinstance(request, dict):
        return request, None
    return {k: v for k, v in request.items() if k != "seed"}, request.get("seed")


def endpoint_name(method: str, path: str) -> str | None:
    """The API endpoint a request creates something on, or None if it is not an LLM call."""
    if method.upper() != "POST":
        return None
    tail = path.rstrip("/")
    for suffix, name in _ENDPOINTS:
        if tail.endswith(suffix):
            return name
    return None


def request_model(path: str, body: Any) -> str | None:
    """The model a request names: the JSON body's ``model``."""
    return body_model(path, body)


def with_model(path: str, body: Any, model: str) -> tuple[str, Any]:
    """The body naming ``model`` instead (what-if runs)."""
    return with_body_model(path, body, model)


def parse_answer(headers: Any, text: str) -> tuple[Any, bool]:
    """An LLM answer's body as data (an SSE stream assembled), and whether it was streamed."""
    return answer_data(headers, text, assemble_stream)
