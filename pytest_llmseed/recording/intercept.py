"""The layer around vcrpy's patched httpx2 transports: seeds in, exchanges and keys noted.

vcrpy patches the transport classes while a cassette is active; this module patches the
same methods again, on top, so the request it sees first is the one vcrpy matches and
records (seed already injected), and the response it sees is vcrpy's complete body,
recorded or replayed. Working at the transport makes it reach every OpenAI client of the
process, including the ones the code under test builds itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..hooks import NO_HOOKS, UserHooks
from . import scrub
from .calls import CallLog, LLMCall, endpoint_name
from .cassettes import is_transient
from .seeding import inject_seed, takes_seed
from .streams import assemble_stream
from .user_secrets import NO_USER_SECRETS, UserSecrets, pattern_matches


class Recorder:
    """Per-test state shared by the transport wrappers and the vcrpy hooks."""

    def __init__(
        self,
        *,
        seed: int,
        inject: bool,
        known_secrets: list[str | None],
        user_secrets: UserSecrets = NO_USER_SECRETS,
        hooks: UserHooks = NO_HOOKS,
    ) -> None:
        self.seed = seed
        self.inject = inject
        self.log = CallLog()
        self.user_secrets = user_secrets
        self.hooks = hooks
        self._secrets: set[str] = set(scrub.usable_secrets(known_secrets))
        self._found: set[str] = set()  # values of the project's patterns, however short

    def secrets(self) -> list[str]:
        """Every credential seen so far (configured keys and those sent in requests)."""
        if not self._found:
            return scrub.usable_secrets(self._secrets)
        found = set(scrub.usable_secrets(self._secrets)) | self._found
        return sorted(found, key=len, reverse=True)

    def notice(self, body: Any) -> None:
        """Remember the values of the project's secret patterns in a body or text."""
        if self.user_secrets.patterns:
            self._found.update(pattern_matches(body, self.user_secrets.patterns))

    def _note_user_secrets(self, request: Any) -> None:
        import httpx2

        for name in self.user_secrets.headers:
            self._secrets.update(request.headers.get_list(name))
        if self.user_secrets.patterns:
            self.notice(str(request.url))
            if isinstance(request.stream, httpx2.ByteStream):
                self.notice(b"".join(request.stream))
            for value in request.headers.values():
                self.notice(value)

    def _wants_seed(self, request: Any, body: bytes) -> bool:
        if self.hooks.inject_seed is None:
            return self.inject
        from vcr.request import Request

        headers = dict(request.headers.items())
        proposed = scrub.scrub_request(
            Request(request.method, str(request.url), body, headers),
            self.secrets(),
            self.user_secrets.headers,
        )
        answer = self.hooks.inject_seed(proposed, self.seed)
        return self.inject if answer is None else bool(answer)

    def prepare(self, request: Any) -> Any:
        """Note the request's credentials; return it with the seed injected when it takes one."""
        import httpx2

        headers = request.headers
        # Three lookups instead of decoding every header: this runs on every request.
        for value in headers.get_list("authorization"):
            self._secrets.add(scrub.bearer_token(value))
        for name in ("api-key", "x-api-key"):
            self._secrets.update(headers.get_list(name))
        if request.url.query:
            for name, value in request.url.params.multi_items():
                if name.lower() in scrub.SECRET_QUERY_PARAMETERS:
                    self._secrets.add(value)
        if self.user_secrets.patterns or self.user_secrets.headers:
            self._note_user_secrets(request)
        may_seed = self.inject or self.hooks.inject_seed is not None
        if not may_seed or not takes_seed(request.method, request.url.path):
            return request
        if not isinstance(request.stream, httpx2.ByteStream):
            return request  # a streamed upload is not a completion request
        body = b"".join(request.stream)
        seeded = inject_seed(body, self.seed)
        if seeded is None or not self._wants_seed(request, body):
            return request
        headers = [
            (k, v) for k, v in request.headers.multi_items() if k.lower() != "content-length"
        ]
        return httpx2.Request(
            request.method,
            request.url,
            headers=headers,
            content=seeded,
            extensions=request.extensions,
        )

    def observe(self, request: Any, response: Any) -> None:
        """Add a completed LLM exchange to ``calls``; transient errors are not exchanges."""
        import httpx2

        endpoint = endpoint_name(request.method, request.url.path)
        if endpoint is None or is_transient(response.status_code):
            return
        if not isinstance(response.stream, httpx2.ByteStream):
            return  # not vcrpy's buffered body: reading it would consume the caller's stream
        raw = b"".join(response.stream)
        if "content-encoding" in response.headers:
            # Decode content-encoding the way the client will, without touching its stream.
            body = httpx2.Response(
                response.status_code, headers=response.headers, stream=httpx2.ByteStream(raw)
            ).read()
        else:
            body = raw  # the usual replay: vcrpy stored the body decoded
        text = body.decode("utf-8", errors="replace")
        self.notice(text)  # a secret the model echoed, for the golden
        streamed = "text/event-stream" in response.headers.get("content-type", "")
        if streamed:
            parsed: Any = assemble_stream(text)
        else:
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = text
        try:
            sent = json.loads(b"".join(request.stream))
        except (ValueError, TypeError):
            sent = None
        call = LLMCall(
            endpoint=endpoint,
            request=sent,
            response=parsed,
            status_code=response.status_code,
            streamed=streamed,
            url=str(request.url),
        )
        self.log.add(call, response)


def _targets() -> list[tuple[type, str, bool]]:
    import httpx2

    # The same methods vcrpy patches for httpx2 (vcr/patch.py), so nothing it records is missed.
    return [
        (httpx2.HTTPTransport, "handle_request", False),
        (httpx2.AsyncHTTPTransport, "handle_async_request", True),
        (httpx2.MockTransport, "handle_request", False),
        (httpx2.MockTransport, "handle_async_request", True),
        (httpx2.WSGITransport, "handle_request", False),
        (httpx2.ASGITransport, "handle_async_request", True),
    ]


@contextmanager
def intercepting(
    recorder: Recorder, on_miss: Callable[[Exception], BaseException]
) -> Iterator[None]:
    """Wrap vcrpy's transport patches (enter after the cassette, leave before it)."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    def wrap_sync(inner: Callable[..., Any]) -> Callable[..., Any]:
        def handle_request(transport: Any, request: Any) -> Any:
            __tracebackhide__ = True
            request = recorder.prepare(request)
            try:
                response = inner(transport, request)
            except CannotOverwriteExistingCassetteException as exc:
                miss = exc
            else:
                recorder.observe(request, response)
                return response
            # Raised outside the except block so vcrpy's own message is not chained in.
            raise on_miss(miss)

        return handle_request

    def wrap_async(inner: Callable[..., Any]) -> Callable[..., Any]:
        async def handle_async_request(transport: Any, request: Any) -> Any:
            __tracebackhide__ = True
            request = recorder.prepare(request)
            try:
                response = await inner(transport, request)
            except CannotOverwriteExistingCassetteException as exc:
                miss = exc
            else:
                recorder.observe(request, response)
                return response
            # Raised outside the except block so vcrpy's own message is not chained in.
            raise on_miss(miss)

        return handle_async_request

    _missing = object()
    saved: list[tuple[type, str, Any]] = []
    try:
        for cls, name, is_async in _targets():
            own = cls.__dict__.get(name, _missing)
            inner = getattr(cls, name)
            saved.append((cls, name, own))
            setattr(cls, name, wrap_async(inner) if is_async else wrap_sync(inner))
        yield
    finally:
        for cls, name, own in reversed(saved):
            if own is _missing:
                delattr(cls, name)
            else:
                setattr(cls, name, own)
