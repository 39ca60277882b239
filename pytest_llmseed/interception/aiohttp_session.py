"""google-genai's async client over aiohttp: its requests through the same intercept layer.

With aiohttp installed, ``client.aio`` calls ``aiohttp.ClientSession.request`` itself, with
no httpx transport between (the OpenAI SDK's and litellm's aiohttp clients have one, and are
intercepted there). vcrpy's aiohttp patch records and replays those requests; on top of it,
each google-genai request is seen as an httpx request (of the library the SDK loaded) by the
``Interceptor``, so it gets its seed, its credentials noted and its call logged, as on httpx.
Only requests the SDK sent are taken (by its ``x-goog-api-client`` header): any other aiohttp
traffic, an aiohttp-backed httpx transport's included, goes on as it came.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pytest_llmseed.interception.intercept import Interceptor
from pytest_llmseed.interception.transports import HTTP_LIBRARIES
from pytest_llmseed.interception.wrappers import wrap_async
from pytest_llmseed.providers.sdks import sent_by_genai

# Set by aiohttp itself on the body it reads: not to be applied again to the decoded bytes.
_DECODED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


def _http() -> Any:
    """httpx2 or httpx, whichever google-genai loaded (it imports one of them), or None."""
    return next((sys.modules[name] for name in HTTP_LIBRARIES if name in sys.modules), None)


def _as_http_request(session: Any, method: str, url: Any, kwargs: dict[str, Any]) -> Any:
    """The aiohttp call as an httpx request when google-genai sent it with a body of bytes
    (as it does), else None: any other call goes on untouched."""
    http = _http()
    if http is None:
        return None  # google-genai not loaded: not its request
    headers = http.Headers(list(session.headers.items()))
    headers.update(kwargs.get("headers") or {})
    data = kwargs.get("data")
    if not sent_by_genai(headers) or kwargs.get("json") is not None or kwargs.get("params"):
        return None
    if not (data is None or isinstance(data, bytes | str)):
        return None
    return http.Request(method, str(url), headers=headers, content=data)


def _adapter(send: Callable[..., Any]) -> Callable[..., Any]:
    """An httpx-shaped transport method over aiohttp's ``_request`` (``send``): it sends the
    httpx request's body and answers with the body read in full, the aiohttp response
    itself kept in the extensions to give back to the SDK."""
    from vcr.stubs.aiohttp_stubs import MockClientResponse

    async def handle_async_request(session: Any, request: Any) -> Any:
        kwargs = dict(request.extensions["llmseed_aiohttp_kwargs"])
        headers = dict(kwargs.get("headers") or {})
        if request.content != kwargs.get("data"):
            headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        kwargs.update(headers=headers, data=request.content)
        response = await send(session, request.method, str(request.url), **kwargs)
        body = await response.read()
        http = _http()
        replayed = isinstance(response, MockClientResponse)
        extensions: dict[str, Any] = {"llmseed_aiohttp_response": response}
        if not replayed:
            extensions["http_version"] = b"HTTP/1.1"  # live, as probe.went_live reads it
        return http.Response(
            response.status,
            headers=[
                (k, v)
                for k, v in response.headers.items()
                if replayed or k.lower() not in _DECODED_HEADERS
            ],
            stream=http.ByteStream(body),
            request=request,
            extensions=extensions,
        )

    return handle_async_request


def wrap_session_request(
    interceptor: Interceptor,
    on_miss: Callable[[Exception], BaseException],
    inner: Callable[..., Any],
) -> Callable[..., Any]:
    """``ClientSession._request`` over vcrpy's (``inner``): google-genai's requests through
    the intercept layer, anything else straight to ``inner``."""
    import inspect

    adapted = _adapter(inner)
    # The probe's extra requests go past vcrpy: to the adapter over aiohttp's own method.
    adapted.__wrapped__ = _adapter(inspect.unwrap(inner))  # type: ignore[attr-defined]
    layered = wrap_async(interceptor, on_miss, adapted, adapted)

    async def _request(session: Any, method: str, url: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        request = _as_http_request(session, method, url, kwargs)
        if request is None:
            return await inner(session, method, url, **kwargs)
        request.extensions["llmseed_aiohttp_kwargs"] = kwargs
        response = await layered(session, request)
        return response.extensions["llmseed_aiohttp_response"]

    return _request


@contextmanager
def intercepting_aiohttp(
    interceptor: Interceptor, on_miss: Callable[[Exception], BaseException]
) -> Iterator[None]:
    """Wrap vcrpy's ``ClientSession._request`` patch, where aiohttp is loaded (enter after
    the cassette, leave before it)."""
    import inspect

    client = sys.modules.get("aiohttp.client")  # vcrpy imports it where it is installed
    session = getattr(client, "ClientSession", None)
    patched = getattr(session, "_request", None)
    if session is None or patched is None or inspect.unwrap(patched) is patched:
        yield  # aiohttp is not installed, or vcrpy left it alone
        return
    session._request = wrap_session_request(interceptor, on_miss, patched)
    try:
        yield
    finally:
        session._request = patched
