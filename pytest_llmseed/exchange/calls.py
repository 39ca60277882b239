"""The record of one LLM exchange (``LLMCall``) and the log of a test's exchanges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEED_REFUSED = "unseeded (the server refused seed)"
"""How a call and its golden say the seed was dropped after a 400 naming it."""
RECORDED_UNSEEDED = "unseeded (recorded without one)"
"""How a replayed call and its golden say the cassette's request carried no seed (a plain
vcrpy or pytest-recording cassette, or one recorded with ``inject_seed=False``)."""


@dataclass(frozen=True)
class ProbeResult:
    """``--llmseed-probe``: what N identical requests of one call got back."""

    samples: int
    distinct: int
    """Different outputs among the samples, compared as the test's goldens compare."""
    fingerprints: tuple[str, ...] = ()
    """``system_fingerprint`` values seen, in order of first appearance."""
    kind: str = "text"
    """What the outputs hold: ``text``, ``structured`` output or ``tool calls``."""


@dataclass(frozen=True)
class LLMCall:
    """One LLM exchange of a test: what was asked and the completed answer."""

    endpoint: str
    request: Any
    """The JSON request body as sent (seed included), parsed."""
    response: Any
    """The answer: the JSON body, or for a stream the events assembled into one object."""
    status_code: int = 200
    streamed: bool = False
    url: str = field(default="", compare=False)
    unseeded: str | None = field(default=None, compare=False)
    """Why this call's answer came without our seed (``SEED_REFUSED``, ``RECORDED_UNSEEDED``)."""
    probe: ProbeResult | None = field(default=None, compare=False)
    """What ``--llmseed-probe`` measured for this call (live calls only)."""

    @property
    def seeded(self) -> bool:
        """Whether the request that got this answer carried a seed."""
        return isinstance(self.request, dict) and self.request.get("seed") is not None


class CallList(list[LLMCall]):
    """``seeded_llm.calls``: a list, marked so that an empty one still snapshots as calls."""


class CallLog:
    """The calls of one test, with the HTTP response objects they came from."""

    def __init__(self) -> None:
        self.calls: list[LLMCall] = []
        # Kept (not weak) so that a stream object handed to the snapshot can be traced
        # back to its exchange; released with the log at the end of the test.
        self._responses: list[object] = []

    def add(self, call: LLMCall, response: object) -> None:
        """Append one exchange, remembering the response object the client got."""
        self.calls.append(call)
        self._responses.append(response)

    def for_response(self, response: object) -> LLMCall | None:
        """The exchange whose HTTP response is ``response`` (an SDK stream's ``.response``)."""
        for call, candidate in zip(self.calls, self._responses, strict=True):
            if candidate is response:
                return call
        return None

    def for_id(self, response_id: object) -> LLMCall | None:
        """The last exchange whose answer has this ``id`` (ids are unique per answer)."""
        if not response_id:
            return None
        for call in reversed(self.calls):
            if isinstance(call.response, dict) and call.response.get("id") == response_id:
                return call
        return None
