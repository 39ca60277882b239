"""Which HTTP transports carry the OpenAI SDK's traffic, for the layer in ``intercept``.

The SDK sends through httpx2 (3.x) or httpx (1.x, 2.x, and a legacy ``httpx.Client`` given
to 3.x, as litellm does); both libraries have the same transport classes and methods. Its
aiohttp client (``DefaultAioHttpClient``) and litellm's async client use httpx transports
that hand the request to aiohttp, which vcrpy records through its aiohttp patcher.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

# Only libraries already imported are patched: vcrpy's patch module imports both when
# installed, and an environment without one of them (openai 3.x needs no httpx) never
# imports it here.
HTTP_LIBRARIES = ("httpx2", "httpx")

# The httpx transports that send through aiohttp: httpx-aiohttp (openai 1.x/2.x's aiohttp
# extra), its copy vendored in openai 3.x, litellm's.
_AIOHTTP_TRANSPORTS = (
    ("httpx_aiohttp.transport", "AiohttpTransport"),
    ("openai._vendor.httpx_aiohttp.transport", "AiohttpTransport"),
    ("litellm.llms.custom_httpx.aiohttp_transport", "LiteLLMAiohttpTransport"),
)


def http_library(message: Any) -> Any:
    """The module (httpx or httpx2) a request, response or headers object belongs to."""
    return sys.modules[type(message).__module__.partition(".")[0]]


def targets() -> list[tuple[type, str, bool]]:
    """``(class, method, is_async)``: the methods vcrpy patches for httpx and httpx2
    (vcr/patch.py), so nothing it records is missed."""
    found: list[tuple[type, str, bool]] = []
    for name in HTTP_LIBRARIES:
        http = sys.modules.get(name)
        if http is None:
            continue
        found += [
            (http.HTTPTransport, "handle_request", False),
            (http.AsyncHTTPTransport, "handle_async_request", True),
            (http.MockTransport, "handle_request", False),
            (http.MockTransport, "handle_async_request", True),
            (http.WSGITransport, "handle_request", False),
            (http.ASGITransport, "handle_async_request", True),
        ]
    return found


def aiohttp_targets() -> list[type]:
    """The aiohttp-backed transport classes loaded in this process (imported with the SDK)."""
    found = (getattr(sys.modules.get(module), name, None) for module, name in _AIOHTTP_TRANSPORTS)
    return [c for c in found if isinstance(c, type) and "handle_async_request" in c.__dict__]


def buffered(inner: Callable[..., Any]) -> Callable[..., Any]:
    """An aiohttp transport's method with the response read in full into memory, so the
    intercept layer can see it (aiohttp's body is a live stream)."""

    async def handle_async_request(transport: Any, request: Any) -> Any:
        response = await inner(transport, request)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        http = http_library(response)
        return http.Response(
            response.status_code,
            headers=response.headers,
            stream=http.ByteStream(raw),
            request=request,
            extensions=response.extensions,
        )

    return handle_async_request


def decoded_body(headers: Any, raw: bytes) -> bytes:
    """A response body with its content-encoding decoded the way the client will decode it."""
    if "content-encoding" not in headers:
        return raw  # the usual replay: vcrpy stored the body decoded
    # Decoded through a response of our own (of the headers' library: httpx or httpx2),
    # without touching the client's stream.
    http = http_library(headers)
    decoded: bytes = http.Response(200, headers=headers, stream=http.ByteStream(raw)).read()
    return decoded
