"""What one test does to each LLM exchange: credentials noted, seeds in (models swapped in
a what-if run), a refused seed detected, probes wanted, exchanges logged. The wrappers on
vcrpy's patched transports (``interception.wrappers``) call it; on top of vcrpy's patch
it sees the request vcrpy matches and records and vcrpy's complete answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_llmseed.cassettes.cassette import is_transient, play_counts, played_unseeded
from pytest_llmseed.context import TestContext
from pytest_llmseed.exchange.calls import RECORDED_UNSEEDED, SEED_REFUSED, LLMCall, ProbeResult
from pytest_llmseed.hooks import NO_HOOKS, UserHooks
from pytest_llmseed.interception import probe, refusal
from pytest_llmseed.interception.swap import Swapper
from pytest_llmseed.interception.transports import (
    decoded_body,
    http_library,
    sent_data,
    with_content,
)
from pytest_llmseed.providers.registry import adapter_for_request, endpoint_of
from pytest_llmseed.providers.sdks import is_llm_request
from pytest_llmseed.redaction import secrets as scrub

_CREDENTIAL_HEADERS: dict[bytes, Callable[[str], list[str]]] = {
    b"authorization": scrub.credential_values,
    b"proxy-authorization": scrub.credential_values,
    b"cookie": scrub.cookie_values,
    **{name.encode(): (lambda value: [value]) for name in scrub.KEY_HEADERS},
}
"""The request headers that carry credentials (lower case), and how to read their values."""


class Interceptor:
    """One test's transport wrapper logic: credentials noted, seeds in, exchanges logged."""

    def __init__(
        self,
        context: TestContext,
        *,
        hooks: UserHooks = NO_HOOKS,
        refused: refusal.RefusedHosts | None = None,
        probe: int = 0,
        judge: probe.OutputJudge | None = None,
        swapper: Swapper | None = None,
    ) -> None:
        self.context = context
        self.seed = context.settings.seed
        self.inject = context.settings.inject_seed
        self.credentials = context.credentials
        self.hooks = hooks
        # The session's hosts that refuse ``seed``: their requests go out unseeded.
        self.refused = refused if refused is not None else refusal.RefusedHosts()
        self.probe = probe
        self.judge = judge  # how --llmseed-probe tells outputs apart, as goldens compare
        self.cassette: Any = None  # vcrpy's: which recorded request a replayed answer had
        self.swapper = swapper  # --llmseed-swap-model: the models a what-if run sends
        # The body of the last request read as data: an exchange asks for it twice.
        self._last_sent: tuple[Any, Any] = (None, None)

    def swapped(self, request: Any) -> Any:
        """The request with its model swapped in a what-if run, else as it is."""
        return request if self.swapper is None else self.swapper.swapped(request)

    def is_llm(self, request: Any) -> bool:
        """Whether the request is LLM traffic; any other passes by vcrpy, untouched."""
        hosts = self.context.settings.record_hosts
        return is_llm_request(request.headers, request.url.host, hosts)

    def _sent_data(self, request: Any) -> Any:
        if self._last_sent[0] is not request:
            self._last_sent = (request, sent_data(request))
        return self._last_sent[1]

    def played(self) -> dict[int, int]:
        """How often each recorded interaction has been played so far."""
        return play_counts(self.cassette) if self.cassette is not None else {}

    def recorded_unseeded(self, before: dict[int, int], sent: Any, response: Any) -> str | None:
        """``RECORDED_UNSEEDED`` when a replayed answer's recorded request had no seed."""
        if self.cassette is None or probe.went_live(response):
            return None
        body = self._sent_data(sent)
        adapter = adapter_for_request(sent.method, str(sent.url), sent.headers)
        if not isinstance(body, dict) or adapter.request_seed(body)[1] is None:
            return None
        return RECORDED_UNSEEDED if played_unseeded(self.cassette, before) else None

    def _note_project_secrets(self, request: Any) -> None:
        http = http_library(request)
        project = self.credentials.project
        for name in project.headers:
            self.credentials.add(request.headers.get_list(name))
        if project.patterns:
            self.credentials.notice(str(request.url))
            if isinstance(request.stream, http.ByteStream):
                self.credentials.notice(b"".join(request.stream))
            for value in request.headers.values():
                self.credentials.notice(value)

    def _wants_seed(self, request: Any, body: bytes) -> bool:
        if self.hooks.inject_seed is None:
            return self.inject
        from vcr.request import Request

        headers = dict(request.headers.items())
        proposed = scrub.scrub_request(
            Request(request.method, str(request.url), body, headers),
            self.credentials.all(),
            self.credentials.project.headers,
        )
        answer = self.hooks.inject_seed(proposed, self.seed)
        return self.inject if answer is None else bool(answer)

    def outgoing(self, request: Any) -> tuple[Any, str | None]:
        """The request, credentials noted, seeded if it takes a seed; why it went without."""
        http = http_library(request)
        headers = request.headers
        noted = self.credentials
        # One pass over the raw headers, decoding only the credentials': this runs on every
        # request, and a lookup per header name scans them all each time.
        for raw_name, raw_value in headers.raw:
            read = _CREDENTIAL_HEADERS.get(raw_name.lower())
            if read is not None:
                noted.add(read(raw_value.decode(headers.encoding)))
        if request.url.userinfo:
            # A base URL's user:password (percent-decoded, as a server would echo it).
            noted.add([request.url.password, f"{request.url.username}:{request.url.password}"])
        if request.url.query:
            noted.add(
                value
                for name, value in request.url.params.multi_items()
                if name.lower() in scrub.SECRET_QUERY_PARAMETERS
            )
        if noted.project.patterns or noted.project.headers:
            self._note_project_secrets(request)
        may_seed = self.inject or self.hooks.inject_seed is not None
        adapter = adapter_for_request(request.method, str(request.url), headers)
        if not may_seed or not adapter.takes_seed(request.method, request.url.path):
            return request, None
        if not isinstance(request.stream, http.ByteStream):
            return request, None  # a streamed upload is not a completion request
        body = b"".join(request.stream)
        seeded = adapter.inject_seed(body, self.seed)
        if seeded is None or not self._wants_seed(request, body):
            return request, None
        if self.refused and str(request.url) in self.refused:
            return request, SEED_REFUSED
        return with_content(request, seeded), None

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
            and endpoint_of(request.method, str(request.url), request.headers)[1] is not None
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
        adapter, endpoint = endpoint_of(request.method, str(request.url), request.headers)
        if endpoint is None or is_transient(response.status_code):
            return
        if not isinstance(response.stream, http_library(response).ByteStream):
            return  # not vcrpy's buffered body: reading it would consume the caller's stream
        text = decoded_body(response.headers, b"".join(response.stream)).decode(
            "utf-8", errors="replace"
        )
        self.credentials.notice(text)  # a secret the model echoed, for the golden
        parsed, streamed = adapter.parse_answer(response.headers, text)
        sent = self._sent_data(request)
        measured: ProbeResult | None = None
        if samples is not None and self.judge is not None:
            answers = [
                parsed,
                *(
                    probe.sample_answer(h, raw, adapter.parse_answer)
                    for code, h, raw in samples
                    if code == 200
                ),
            ]
            measured = probe.measure(endpoint, sent, answers, self.judge)
        call = LLMCall(
            endpoint=endpoint,
            request=sent,
            response=parsed,
            status_code=response.status_code,
            streamed=streamed,
            url=scrub.without_userinfo(str(request.url)),
            unseeded=unseeded,
            probe=measured,
        )
        self.context.log.add(call, response)
