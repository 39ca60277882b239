"""The provider adapters, in the order they are asked: the ones that recognize their
requests by path and headers first, OpenAI (which takes every other request: compatible
servers share no mark) last."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pytest_llmseed.providers import anthropic, gemini, openai
from pytest_llmseed.providers.base import Adapter

ADAPTERS: tuple[Adapter, ...] = (anthropic, gemini, openai)
DEFAULT: Adapter = openai
"""The adapter of an endpoint no adapter owns (goldens written before it had a name)."""

STRUCTURED_KEYS = frozenset().union(*(a.STRUCTURED_KEYS for a in ADAPTERS))
"""Keys of any provider's golden outputs whose values the code acts on."""
FINISH_KEYS = frozenset().union(*(a.FINISH_KEYS for a in ADAPTERS))
"""Keys of any provider's golden outputs that say why an answer ended."""
CUT_OFF = frozenset().union(*(a.CUT_OFF for a in ADAPTERS))
"""Finish / stop reasons, of any provider, that mean the answer was cut off or withheld."""
EMBEDDING_ENDPOINTS = frozenset().union(*(a.EMBEDDING_ENDPOINTS for a in ADAPTERS))
"""Endpoints, of any provider, that answer with vectors."""
BACKEND_KEYS = tuple(dict.fromkeys(key for a in (DEFAULT, *ADAPTERS) for key in a.BACKEND_KEYS))
"""Keys of a golden's ``meta`` that name the backend, of any provider (in the order triage
names them: OpenAI's fingerprint before the model)."""


def adapter_for_request(method: str, url: str, headers: Any) -> Adapter:
    """The adapter of a request (its method, full URL and case-insensitive headers)."""
    path = urlsplit(url).path
    return next(a for a in ADAPTERS if a.recognizes(method, path, headers))


def endpoint_of(method: str, url: str, headers: Any) -> tuple[Adapter, str | None]:
    """A request's adapter, and the endpoint it calls (None: not an LLM call)."""
    adapter = adapter_for_request(method, url, headers)
    return adapter, adapter.endpoint_name(method, urlsplit(url).path)


def adapter_for_endpoint(endpoint: str) -> Adapter:
    """The adapter whose endpoint (as a golden or an ``LLMCall`` names it) this is."""
    return next((a for a in ADAPTERS if a.owns_endpoint(endpoint)), DEFAULT)


def adapter_for_answer(data: dict[str, Any]) -> tuple[Adapter, str] | None:
    """The adapter and endpoint of a dumped SDK answer object, if one knows it."""
    for adapter in ADAPTERS:
        endpoint = adapter.answer_endpoint(data)
        if endpoint is not None:
            return adapter, endpoint
    return None
