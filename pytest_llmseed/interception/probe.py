"""``--llmseed-probe=N``: the same live request N times, and how many outputs came back.

The extra requests go through the transport method vcrpy patched over (its original,
reached with ``inspect.unwrap``), after the first answer came back live: vcrpy neither
matches them against the cassette nor records them. Outputs are compared as the test's
goldens compare them (its profile); only the first answer is recorded and returned.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from pytest_llmseed.exchange.calls import LLMCall, ProbeResult
from pytest_llmseed.interception.transports import decoded_body
from pytest_llmseed.providers.openai import parse_answer
from pytest_llmseed.records import ProbeRecord

Sample = tuple[int, Any, bytes]
"""What one extra request got: status code, headers and the raw (undecoded) body."""


def went_live(response: Any) -> bool:
    """Whether the answer came from the network, not the cassette.

    httpx transports report the HTTP version they spoke in the response's extensions
    (a documented extension); vcrpy's replayed answers carry none.
    """
    return "http_version" in (getattr(response, "extensions", None) or {})


def unpatched(method: Callable[..., Any]) -> Callable[..., Any]:
    """The transport method under vcrpy's patch (vcrpy wraps it with functools.wraps)."""
    found: Callable[..., Any] = inspect.unwrap(method)
    return found


def sample_sync(send: Callable[..., Any], transport: Any, request: Any, count: int) -> list[Sample]:
    """Send ``request`` ``count`` more times through ``send`` (the unpatched method)."""
    samples = []
    for _ in range(count):
        response = send(transport, request)
        try:
            raw = b"".join(response.stream)
        finally:
            response.stream.close()
        samples.append((response.status_code, response.headers, raw))
    return samples


async def sample_async(
    send: Callable[..., Any], transport: Any, request: Any, count: int
) -> list[Sample]:
    """``sample_sync`` for an async transport."""
    samples = []
    for _ in range(count):
        response = await send(transport, request)
        try:
            raw = b"".join([part async for part in response.stream])
        finally:
            await response.stream.aclose()
        samples.append((response.status_code, response.headers, raw))
    return samples


def sample_answer(
    headers: Any, raw: bytes, parse: Callable[[Any, str], tuple[Any, bool]] = parse_answer
) -> Any:
    """One extra answer as data, read as the recorded one is (``parse``: its provider's)."""
    return parse(headers, decoded_body(headers, raw).decode("utf-8", errors="replace"))[0]


class OutputJudge(NamedTuple):
    """How the test's goldens see an answer: its compared output, and when two are equal."""

    output_of: Callable[[str, Any, Any], Any]
    """(endpoint, answer, request) -> the output a golden compares."""
    equal: Callable[[Any, Any], bool]
    kind_of: Callable[[Any], str] = lambda _output: "text"
    """What an output holds (``text``, ``structured``, ``tool calls``): which advice fits."""


def measure(endpoint: str, request: Any, answers: Sequence[Any], judge: OutputJudge) -> ProbeResult:
    """Count the distinct outputs (as the goldens judge them) and fingerprints among ``answers``."""
    distinct: list[Any] = []
    fingerprints: list[str] = []
    kinds: set[str] = set()
    for answer in answers:
        output = judge.output_of(endpoint, answer, request)
        if not any(judge.equal(seen, output) for seen in distinct):
            distinct.append(output)
            kinds.add(judge.kind_of(output))
        fingerprint = answer.get("system_fingerprint") if isinstance(answer, dict) else None
        if isinstance(fingerprint, str) and fingerprint not in fingerprints:
            fingerprints.append(fingerprint)
    # Tool calls in any answer make it a tool-call output: text advice would not fit.
    kind = next((k for k in ("tool calls", "structured") if k in kinds), "text")
    return ProbeResult(
        samples=len(answers), distinct=len(distinct), fingerprints=tuple(fingerprints), kind=kind
    )


def probe_records(calls: Sequence[LLMCall]) -> tuple[ProbeRecord, ...]:
    """What ``--llmseed-probe`` measured, per probed call of a test (numbered from 1)."""
    return tuple(
        ProbeRecord(
            call=index,
            endpoint=call.endpoint,
            samples=call.probe.samples,
            distinct=call.probe.distinct,
            fingerprints=list(call.probe.fingerprints),
            kind=call.probe.kind,
        )
        for index, call in enumerate(calls, 1)
        if call.probe is not None
    )
