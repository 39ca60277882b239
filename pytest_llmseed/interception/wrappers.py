"""The intercept layer put on vcrpy's patched transport methods for one test: each LLM
request goes through the test's ``Interceptor`` (seed in, sent again without it if the
server refuses it, probed, logged); other traffic goes to the methods in place before."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from pytest_llmseed.exchange.calls import SEED_REFUSED
from pytest_llmseed.interception import probe, refusal, transports
from pytest_llmseed.interception.intercept import Interceptor


def _exchange(
    interceptor: Interceptor, request: Any
) -> Generator[Any, Any, tuple[Any, Any, str | None]]:
    """One exchange's steps (sync and async alike): yields each request to send, is sent its
    response; returns what was sent, the response and why it went unseeded."""
    sent, unseeded = interceptor.outgoing(request)
    response = yield sent
    if interceptor.refuses_seed(sent, request, response):
        # Our seed broke the request: the caller's request, as it was made.
        sent, unseeded = request, SEED_REFUSED
        response = yield sent
    return sent, response, unseeded


class _Exchange:
    """One LLM request through the layer, what the sync and async wrappers share: the request
    to send next (``sent``), then the response and the call logged."""

    def __init__(self, interceptor: Interceptor, request: Any) -> None:
        self.interceptor = interceptor
        self.request = interceptor.swapped(request)
        self._steps = _exchange(interceptor, self.request)
        self.sent = next(self._steps)
        self._before = interceptor.played()
        self.response: Any = None
        self._unseeded: str | None = None

    def in_flight(self) -> AbstractContextManager[None]:
        """Around one send: whether the request carries our seed (vcrpy's callback asks)."""
        return refusal.in_flight(self.sent is not self.request)

    def answered(self, answer: Any) -> bool:
        """Hand over the answer to ``sent``; True when the exchange is complete."""
        try:
            self.sent = self._steps.send(answer)
        except StopIteration as done:
            self.sent, self.response, self._unseeded = done.value
            return True
        return False

    def wants_probe(self) -> bool:
        return self.interceptor.wants_probe(self.sent, self.response)

    def finish(self, samples: list[probe.Sample] | None) -> Any:
        """Log the completed exchange (with the probe's samples); the response."""
        interceptor = self.interceptor
        unseeded = self._unseeded or interceptor.recorded_unseeded(
            self._before, self.sent, self.response
        )
        interceptor.observe(self.sent, self.response, unseeded=unseeded, samples=samples)
        return self.response


def _wrap_sync(
    interceptor: Interceptor,
    on_miss: Callable[[Exception], BaseException],
    inner: Callable[..., Any],
    passthrough: Callable[..., Any],
) -> Callable[..., Any]:
    from vcr.errors import CannotOverwriteExistingCassetteException

    original = probe.unpatched(inner)

    def handle_request(transport: Any, request: Any) -> Any:
        __tracebackhide__ = True
        if not interceptor.is_llm(request):
            return passthrough(transport, request)
        exchange = _Exchange(interceptor, request)
        try:
            while True:
                with exchange.in_flight():
                    answer = inner(transport, exchange.sent)
                if exchange.answered(answer):
                    break
        except CannotOverwriteExistingCassetteException as exc:
            # Raised outside the except block so vcrpy's own message is not chained in.
            raise on_miss(exc) from None
        samples = None
        if exchange.wants_probe():
            count = interceptor.probe - 1
            samples = probe.sample_sync(original, transport, exchange.sent, count)
        return exchange.finish(samples)

    return handle_request


def wrap_async(
    interceptor: Interceptor,
    on_miss: Callable[[Exception], BaseException],
    inner: Callable[..., Any],
    passthrough: Callable[..., Any],
) -> Callable[..., Any]:
    """An async transport method (``inner``, vcrpy's) under the intercept layer."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    original = probe.unpatched(inner)

    async def handle_async_request(transport: Any, request: Any) -> Any:
        __tracebackhide__ = True
        if not interceptor.is_llm(request):
            return await passthrough(transport, request)
        exchange = _Exchange(interceptor, request)
        try:
            while True:
                with exchange.in_flight():
                    answer = await inner(transport, exchange.sent)
                if exchange.answered(answer):
                    break
        except CannotOverwriteExistingCassetteException as exc:
            raise on_miss(exc) from None
        samples = None
        if exchange.wants_probe():
            count = interceptor.probe - 1
            samples = await probe.sample_async(original, transport, exchange.sent, count)
        return exchange.finish(samples)

    return handle_async_request


@contextmanager
def intercepting(
    interceptor: Interceptor,
    on_miss: Callable[[Exception], BaseException],
    before: transports.Methods | None = None,
) -> Iterator[None]:
    """Wrap vcrpy's transport patches (enter after the cassette, leave before it); other
    traffic goes to ``before``, the methods in place before the cassette."""
    _missing = object()
    saved: list[tuple[type, str, Any]] = []
    try:
        for cls, name, is_async in transports.targets():
            own = cls.__dict__.get(name, _missing)
            inner = getattr(cls, name)
            saved.append((cls, name, own))
            wrap = wrap_async if is_async else _wrap_sync
            # A library vcrpy imported itself had nothing on top of it: its method then.
            passthrough = (before or {}).get((cls, name)) or probe.unpatched(inner)
            setattr(cls, name, wrap(interceptor, on_miss, inner, passthrough))
        for cls in transports.aiohttp_targets():
            name = "handle_async_request"
            plain = cls.__dict__[name]
            saved.append((cls, name, plain))
            # Not LLM traffic goes to aiohttp, whose vcrpy patch lets it through unrecorded.
            setattr(cls, name, wrap_async(interceptor, on_miss, transports.buffered(plain), plain))
        yield
    finally:
        for cls, name, own in reversed(saved):
            if own is _missing:
                delattr(cls, name)
            else:
                setattr(cls, name, own)
