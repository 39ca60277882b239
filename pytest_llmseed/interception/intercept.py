"""The layer around vcrpy's patched httpx transports: seeds in, exchanges and keys noted.

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

from pytest_llmseed.cassettes.cassette import is_transient
from pytest_llmseed.config.values import NO_USER_SECRETS, Profile, UserSecrets
from pytest_llmseed.exchange import multipart
from pytest_llmseed.exchange.bodies import decoded_body, parse_answer
from pytest_llmseed.exchange.calls import SEED_REFUSED, CallLog, LLMCall, ProbeResult, endpoint_name
from pytest_llmseed.hooks import NO_HOOKS, UserHooks
from pytest_llmseed.interception import probe, refusal, transports
from pytest_llmseed.interception.transports import http_library
from pytest_llmseed.providers.openai import inject_seed, takes_seed
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.redaction.project_secrets import pattern_matches

_EXACT = Profile("exact")


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
        refused: refusal.RefusedHosts | None = None,
        probe: int = 0,
        profile: Profile = _EXACT,
    ) -> None:
        self.seed = seed
        self.inject = inject
        self.log = CallLog()
        self.user_secrets = user_secrets
        self.hooks = hooks
        self._secrets: set[str] = set(scrub.usable_secrets(known_secrets))
        self._found: set[str] = set()  # values of the project's patterns, however short
        self.refused = refused if refused is not None else refusal.RefusedHosts()
        """The session's hosts that refuse ``seed``: their requests go out unseeded."""
        self.probe = probe
        self.profile = profile

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
        http = http_library(request)

        for name in self.user_secrets.headers:
            self._secrets.update(request.headers.get_list(name))
        if self.user_secrets.patterns:
            self.notice(str(request.url))
            if isinstance(request.stream, http.ByteStream):
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
        return self.outgoing(request)[0]

    def outgoing(self, request: Any) -> tuple[Any, str | None]:
        """``prepare``, and why a request that would take our seed goes without (or None)."""
        http = http_library(request)

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
            return request, None
        if not isinstance(request.stream, http.ByteStream):
            return request, None  # a streamed upload is not a completion request
        body = b"".join(request.stream)
        seeded = inject_seed(body, self.seed)
        if seeded is None or not self._wants_seed(request, body):
            return request, None
        if self.refused and str(request.url) in self.refused:
            return request, SEED_REFUSED
        # A copy of the request's headers as they are (a list copy, where a list of pairs
        # would be normalized again one by one), its length left to the new body.
        headers = http.Headers(request.headers)
        headers.pop("content-length", None)
        seeded_request = http.Request(
            request.method,
            request.url,
            headers=headers,
            content=seeded,
            extensions=request.extensions,
        )
        return seeded_request, None

    def refuses_seed(self, sent: Any, original: Any, response: Any) -> bool:
        """Whether ``response`` refuses the seed we injected (the host is then remembered)."""
        if sent is original or response.status_code != 400:
            return False
        if not isinstance(response.stream, http_library(response).ByteStream):
            return False
        if not refusal.names_seed(400, decoded_body(response.headers, b"".join(response.stream))):
            return False
        self.refused.add(str(sent.url))
        return True

    def wants_probe(self, request: Any, response: Any) -> bool:
        """Whether to send this request again to measure determinism: a live LLM answer."""
        return (
            self.probe > 1
            and response.status_code == 200
            and endpoint_name(request.method, request.url.path) is not None
            and probe.went_live(response)
        )

    def observe(
        self,
        request: Any,
        response: Any,
        *,
        unseeded: str | None = None,
        samples: list[probe.Sample] | None = None,
    ) -> None:
        """Add a completed LLM exchange to ``calls``; transient errors are not exchanges."""
        endpoint = endpoint_name(request.method, request.url.path)
        if endpoint is None or is_transient(response.status_code):
            return
        if not isinstance(response.stream, http_library(response).ByteStream):
            return  # not vcrpy's buffered body: reading it would consume the caller's stream
        text = decoded_body(response.headers, b"".join(response.stream)).decode(
            "utf-8", errors="replace"
        )
        self.notice(text)  # a secret the model echoed, for the golden
        parsed, streamed = parse_answer(response.headers, text)
        sent = _sent(request)
        measured: ProbeResult | None = None
        if samples is not None:
            answers = [
                parsed,
                *(probe.sample_answer(h, raw) for code, h, raw in samples if code == 200),
            ]
            measured = probe.measure(endpoint, sent, answers, self.profile)
        call = LLMCall(
            endpoint=endpoint,
            request=sent,
            response=parsed,
            status_code=response.status_code,
            streamed=streamed,
            url=str(request.url),
            unseeded=unseeded,
            probe=measured,
        )
        self.log.add(call, response)


def _sent(request: Any) -> Any:
    """The request body as data: JSON parsed, a multipart form as its fields, else None."""
    try:
        body = b"".join(request.stream)
    except TypeError:  # an async-only upload stream: not read here
        return None
    try:
        return json.loads(body)
    except ValueError:
        pass
    return multipart.fields(request.headers.get("content-type", ""), body)


def _wrap_sync(
    recorder: Recorder, on_miss: Callable[[Exception], BaseException], inner: Callable[..., Any]
) -> Callable[..., Any]:
    from vcr.errors import CannotOverwriteExistingCassetteException

    original = probe.unpatched(inner)

    def handle_request(transport: Any, request: Any) -> Any:
        __tracebackhide__ = True
        sent, unseeded = recorder.outgoing(request)
        try:
            with refusal.in_flight(sent is not request):
                response = inner(transport, sent)
            if recorder.refuses_seed(sent, request, response):
                # Our seed broke the request: the caller's request, as it was made.
                sent, unseeded = request, SEED_REFUSED
                response = inner(transport, sent)
        except CannotOverwriteExistingCassetteException as exc:
            miss = exc
        else:
            samples = None
            if recorder.wants_probe(sent, response):
                samples = probe.sample_sync(original, transport, sent, recorder.probe - 1)
            recorder.observe(sent, response, unseeded=unseeded, samples=samples)
            return response
        # Raised outside the except block so vcrpy's own message is not chained in.
        raise on_miss(miss)

    return handle_request


def _wrap_async(
    recorder: Recorder, on_miss: Callable[[Exception], BaseException], inner: Callable[..., Any]
) -> Callable[..., Any]:
    from vcr.errors import CannotOverwriteExistingCassetteException

    original = probe.unpatched(inner)

    async def handle_async_request(transport: Any, request: Any) -> Any:
        __tracebackhide__ = True
        sent, unseeded = recorder.outgoing(request)
        try:
            with refusal.in_flight(sent is not request):
                response = await inner(transport, sent)
            if recorder.refuses_seed(sent, request, response):
                sent, unseeded = request, SEED_REFUSED
                response = await inner(transport, sent)
        except CannotOverwriteExistingCassetteException as exc:
            miss = exc
        else:
            samples = None
            if recorder.wants_probe(sent, response):
                count = recorder.probe - 1
                samples = await probe.sample_async(original, transport, sent, count)
            recorder.observe(sent, response, unseeded=unseeded, samples=samples)
            return response
        # Raised outside the except block so vcrpy's own message is not chained in.
        raise on_miss(miss)

    return handle_async_request


@contextmanager
def intercepting(
    recorder: Recorder, on_miss: Callable[[Exception], BaseException]
) -> Iterator[None]:
    """Wrap vcrpy's transport patches (enter after the cassette, leave before it)."""
    _missing = object()
    saved: list[tuple[type, str, Any]] = []
    try:
        for cls, name, is_async in transports.targets():
            own = cls.__dict__.get(name, _missing)
            inner = getattr(cls, name)
            saved.append((cls, name, own))
            wrap = _wrap_async if is_async else _wrap_sync
            setattr(cls, name, wrap(recorder, on_miss, inner))
        for cls in transports.aiohttp_targets():
            name = "handle_async_request"
            saved.append((cls, name, cls.__dict__[name]))
            setattr(
                cls, name, _wrap_async(recorder, on_miss, transports.buffered(cls.__dict__[name]))
            )
        yield
    finally:
        for cls, name, own in reversed(saved):
            if own is _missing:
                delattr(cls, name)
            else:
                setattr(cls, name, own)
