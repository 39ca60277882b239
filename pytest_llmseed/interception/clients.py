"""The OpenAI clients behind ``seeded_llm.client`` / ``async_client``, built once per setting.

Building an ``openai.OpenAI`` (its httpx or httpx2 client, proxy lookup, TLS context) is
slow next to replaying a test from its cassette. Tests whose environment gives the same
client settings share one sync client for the run, as a module-level client in an
application would; a test that changes ``OPENAI_*`` or proxy variables gets a client of
its own settings.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pytest_llmseed.interception.tls import DeferredContext

if TYPE_CHECKING:
    import ssl

    import openai

# What ``openai.OpenAI()`` / ``AzureOpenAI()`` and their HTTP client read from the
# environment: every OPENAI_* / AZURE_OPENAI_* variable, proxies, certificates.
_CLIENT_ENV_PREFIXES = (
    "OPENAI_",
    "AZURE_OPENAI_",
    "SSL_CERT_",
    *(
        name
        for proxy in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        for name in (proxy, proxy.upper())
    ),
)


@functools.cache
def shared_ssl_context() -> DeferredContext:
    """One TLS context for the run: one per client would read the same CA store again.

    The SDK's HTTP library builds it at the first handshake (``tls``): a run that only
    replays never reads a CA store.
    """
    create: Callable[[], ssl.SSLContext] = sdk_http_library().create_ssl_context
    return DeferredContext(create)


def sdk_http_library() -> Any:
    """The HTTP library the installed OpenAI SDK builds its clients on (httpx2 or httpx)."""
    import importlib

    import openai

    # openai 1.x/2.x: DefaultHttpxClient subclasses httpx.Client; 3.x: httpx2.Client.
    base = openai.DefaultHttpxClient.__mro__[1]
    return importlib.import_module(base.__module__.partition(".")[0])


def client_settings() -> tuple[tuple[str, str], ...]:
    """The part of the environment a new client would be built from."""
    env = os.environ
    # Names first, values only of the few that matter: os.environ decodes a value on
    # every read.
    return tuple(sorted((name, env[name]) for name in env if name.startswith(_CLIENT_ENV_PREFIXES)))


class ClientCache:
    """Sync clients shared by the tests of one run, keyed by their settings."""

    def __init__(self) -> None:
        self._clients: dict[tuple[tuple[str, str], ...], openai.OpenAI] = {}

    def sync_client(self) -> openai.OpenAI:
        """The run's client for the current environment, built on first use."""
        key = client_settings()
        client = self._clients.get(key)
        # A test may have closed it (``with seeded_llm.client:``): the next one gets a new one.
        if client is None or client.is_closed():
            client = self._clients[key] = new_sync_client()
        return client

    def close(self) -> None:
        """Close every client (their connection pools); later calls build new ones."""
        clients, self._clients = self._clients, {}
        for client in clients.values():
            client.close()


def new_sync_client() -> openai.OpenAI:
    """An ``openai.OpenAI`` from the environment, with the session's TLS context."""
    import openai

    return openai.OpenAI(http_client=openai.DefaultHttpxClient(verify=shared_ssl_context()))


def new_async_client() -> openai.AsyncOpenAI:
    """An ``openai.AsyncOpenAI`` from the environment, with the session's TLS context.

    Not shared between tests: an async client's connections belong to the event loop that
    opened them, and each test may run in a loop of its own.
    """
    import openai

    return openai.AsyncOpenAI(
        http_client=openai.DefaultAsyncHttpxClient(verify=shared_ssl_context())
    )
