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

from pytest_llmseed.errors import CompressedBodyError
from pytest_llmseed.exchange import encoding, multipart
from pytest_llmseed.exchange.bodies import NOT_JSON, parse_json

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


def keep_original_methods() -> None:
    """Have vcrpy take the transport methods as they are before a test's fixtures run.

    vcrpy sends what it records through the methods in place when its patch module is
    first imported. Imported while another fixture's patch is on (pytest-httpx's mock,
    set up before ``seeded_llm``), it would send every later test's LLM requests to that
    test's mock.
    """
    import vcr.patch  # noqa: F401


Methods = dict[tuple[type, str], Callable[..., Any]]
"""The transport methods as they were before vcrpy patched them, by (class, name)."""


def current_methods() -> Methods:
    """The transport methods in place now: taken before vcrpy patches them, they are where
    traffic that is not an LLM's goes, as if no cassette were active (pytest-httpx's mock,
    if its fixture patched them first; vcrpy itself sends to the methods of its import)."""
    return {(cls, name): getattr(cls, name) for cls, name, _ in targets()}


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
    """A response body with its content-encoding decoded the way the client will decode it,
    never past ``encoding.MAX_DECODED`` (CompressedBodyError)."""
    if "content-encoding" not in headers:
        return raw  # the usual replay: the body was stored decoded
    try:
        return encoding.decode(encoding.names(headers.get_list("content-encoding")), raw)
    except CompressedBodyError as exc:
        if exc.unsupported is None:
            raise
    # An encoding whose library is installed (the client asked for it) but cannot decode with
    # a bound (brotli before 1.2): decoded as the client will, through a response of our own
    # (of the headers' library: httpx or httpx2), without touching the client's stream.
    http = http_library(headers)
    decoded: bytes = http.Response(200, headers=headers, stream=http.ByteStream(raw)).read()
    return decoded


def with_content(request: Any, content: bytes, url: Any = None) -> Any:
    """A new request like ``request`` that sends ``content`` (to ``url``, if given): its
    headers a list copy (pairs would be normalized again), their length left for the
    library to set."""
    http = http_library(request)
    headers = http.Headers(request.headers)
    headers.pop("content-length", None)
    return http.Request(
        request.method,
        request.url if url is None else url,
        headers=headers,
        content=content,
        extensions=request.extensions,
    )


def sent_data(request: Any) -> Any:
    """A request's body as data: JSON parsed, a multipart form as its fields, else None."""
    try:
        body = b"".join(request.stream)
    except TypeError:  # an async-only upload stream: not read here
        return None
    data = parse_json(body)
    if data is not NOT_JSON:
        return data
    return multipart.fields(request.headers.get("content-type", ""), body)
