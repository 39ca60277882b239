"""How a live request is matched with a recorded one: JSON bodies compared as data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

from pytest_llmseed.config.values import NO_VOLATILE, Volatile
from pytest_llmseed.exchange import multipart
from pytest_llmseed.exchange.bodies import NOT_JSON as MISSING
from pytest_llmseed.exchange.bodies import content_type_of, parse_json
from pytest_llmseed.providers import openai
from pytest_llmseed.providers.registry import adapter_for_request
from pytest_llmseed.redaction.volatile import substitute, substitute_data


def json_or_missing(body: Any) -> Any:
    """A request's (or raw body's) JSON, or ``MISSING``; shared, not to be changed."""
    from vcr.util import read_body

    raw = read_body(body) if hasattr(body, "body") else body
    if isinstance(raw, bytes | str):
        return _parsed(raw)
    return MISSING


def form_or_none(request: Any) -> dict[str, Any] | None:
    """A multipart request's form fields (files by size and digest), else None."""
    content_type = content_type_of(getattr(request, "headers", None))
    if multipart.boundary(content_type) is None or request.body is None:
        return None
    return multipart.fields(content_type, request.body)


# vcrpy matches a request against the recorded ones twice (to know it can answer, then to
# answer); remembering the last bodies parsed halves the JSON parsing of replay.
_parsed = functools.lru_cache(maxsize=32)(parse_json)


class RawBody(NamedTuple):
    """A body that is not JSON, as text with placeholders."""

    text: str


@functools.lru_cache(maxsize=32)
def _placeholders(raw: bytes | str, volatile: Volatile) -> Any:
    """The body as data with placeholders for its volatile values (cached like ``_parsed``)."""
    data = _parsed(raw)
    if data is MISSING:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        return RawBody(substitute(text, volatile))
    return substitute_data(data, volatile)


def comparable_body(body: Any, volatile: Volatile) -> Any:
    """A request's body as matching compares it: JSON with placeholders, or raw text."""
    from vcr.util import read_body

    raw = read_body(body) if hasattr(body, "body") else body
    if not isinstance(raw, bytes | str):
        return MISSING
    return _placeholders(raw, volatile)


def only_our_seed(new: Any, old: Any, injected_seed: int, request: Any) -> bool:
    """Whether ``new`` is ``old`` plus the seed we injected (in its provider's place:
    ``seed``, Gemini's ``generationConfig.seed``), ``old`` carrying none."""
    if not (isinstance(new, dict) and isinstance(old, dict)):
        return False
    adapter = adapter_for_request(request.method, request.uri, request.headers)
    if adapter is openai:
        return (
            new.get("seed") == injected_seed
            and "seed" not in old
            and {k: v for k, v in new.items() if k != "seed"} == old
        )
    new_rest, new_seed = adapter.request_seed(new)
    old_rest, old_seed = adapter.request_seed(old)
    return new_seed == injected_seed and old_seed is None and new_rest == old_rest


def json_body_matcher(
    injected_seed: int | None, volatile: Volatile = NO_VOLATILE
) -> Callable[[Any, Any], None]:
    """vcrpy matcher: JSON bodies equal as data (key order, spacing ignored), multipart
    forms by their fields, else raw bytes.

    A recorded body without a ``seed`` still matches a request that only differs by the
    seed this plugin injected: cassettes recorded by plain vcrpy / pytest-recording replay.
    Values of the ``volatile`` entries compare equal to any other value of the same entry.
    """

    def match_json_body(r1: Any, r2: Any) -> None:
        if volatile:
            j1, j2 = comparable_body(r1, volatile), comparable_body(r2, volatile)
        else:
            j1, j2 = json_or_missing(r1), json_or_missing(r2)
        if j1 is MISSING or j2 is MISSING or isinstance(j1, RawBody) or isinstance(j2, RawBody):
            f1, f2 = form_or_none(r1), form_or_none(r2)
            if f1 is not None and f2 is not None:
                # Uploads: the boundary is random per request; the fields are what was sent.
                if f1 != f2:
                    raise AssertionError("the multipart form fields differ")
                return
            if j1 == j2 and j1 is not MISSING:
                return  # raw bodies equal once their volatile values are placeholders
            from vcr.matchers import body

            body(r1, r2)
            return
        if j1 == j2:
            return
        if injected_seed is not None and isinstance(j1, dict) and isinstance(j2, dict):
            for new, old in ((j1, j2), (j2, j1)):
                if only_our_seed(new, old, injected_seed, r1):
                    return
        raise AssertionError("the JSON bodies differ")

    # vcrpy reports failures under the function's name; keep it the registered one.
    match_json_body.__name__ = "llmseed_body"
    return match_json_body


def query_matcher(volatile: Volatile) -> Callable[[Any, Any], None]:
    """vcrpy's query matcher, with volatile values in the query string compared as equal."""

    def query(r1: Any, r2: Any) -> None:
        q1 = [(k, substitute(v, volatile)) for k, v in r1.query]
        q2 = [(k, substitute(v, volatile)) for k, v in r2.query]
        if q1 != q2:
            raise AssertionError(f"{r1.query} != {r2.query}")

    return query


def matchers_for(
    match_on: tuple[str, ...], injected_seed: int | None, volatile: Volatile = NO_VOLATILE
) -> tuple[Callable[[Any, Any], None], ...]:
    """vcrpy matchers for the ``match_on`` names, in vcrpy's order: its own for the URL
    parts and method, ours for the query (volatile values) and the body (JSON as data)."""
    from vcr import matchers

    built: dict[str, Callable[[Any, Any], None]] = {
        "method": matchers.method,
        "scheme": matchers.scheme,
        "host": matchers.host,
        "port": matchers.port,
        "path": matchers.path,
        "query": query_matcher(volatile) if volatile else matchers.query,
        "body": json_body_matcher(injected_seed, volatile),
    }
    return tuple(built[name] for name in built if name in match_on)


class HostPreference:
    """vcrpy matcher: among recorded requests that match, those from the live request's own
    host are played first.

    vcrpy plays the first unplayed match in the cassette's order. When the host is not
    matched (the base URL is configuration), a cassette may hold the same request from
    two hosts: a recording from another host answers only when none from the request's
    own host is left to play. Only the cassette's public ``data`` and ``play_counts`` are
    read; ``cassette`` is set once vcrpy has made it.
    """

    __name__ = "llmseed_same_host"

    def __init__(self, others: tuple[Callable[[Any, Any], None], ...]) -> None:
        self.others = others
        self.cassette: Any = None
        self._by_host: dict[str, list[int]] = {}
        self._indexed = 0

    def _recorded_from(self, host: str) -> list[int]:
        """Indexes of the recordings from ``host`` (indexed again when one is added)."""
        data = self.cassette.data
        if self._indexed != len(data):
            self._by_host = {}
            for index, (stored, _) in enumerate(data):
                self._by_host.setdefault(stored.host, []).append(index)
            self._indexed = len(data)
        return self._by_host.get(host, [])

    def __call__(self, live: Any, recorded: Any) -> None:
        if self.cassette is None:
            return
        host = live.host
        if host == recorded.host:
            return  # the usual case: a single host
        candidates = self._recorded_from(host)
        if not candidates:
            return  # replayed against another base URL than any recorded: nothing to prefer
        data = self.cassette.data
        if any(stored is live for stored, _ in data):
            return  # vcrpy comparing its own recordings with each other (saving)
        from vcr.matchers import requests_match

        counts = self.cassette.play_counts
        for index in candidates:
            if counts[index] == 0 and requests_match(live, data[index][0], self.others):
                raise AssertionError(f"a recording from {host} answers it first")


def compared_bodies(
    recorded: Any, sent: Any, injected_seed: int | None, volatile: Volatile
) -> tuple[Any, Any]:
    """Two requests' JSON bodies as matching sees them (``MISSING`` if not JSON): volatile
    values as placeholders, the injected seed left out where the recording has none."""
    if volatile:
        old, new = comparable_body(recorded, volatile), comparable_body(sent, volatile)
        old = MISSING if isinstance(old, RawBody) else old
        new = MISSING if isinstance(new, RawBody) else new
    else:
        old, new = json_or_missing(recorded), json_or_missing(sent)
    if injected_seed is not None and only_our_seed(new, old, injected_seed, sent):
        return old, old
    if (
        injected_seed is not None
        and isinstance(old, dict)
        and isinstance(new, dict)
        and "seed" not in old
        and new.get("seed") == injected_seed
    ):
        new = {key: value for key, value in new.items() if key != "seed"}
    return old, new


def count_differences(old: Any, new: Any) -> int:
    """How many leaves differ between two JSON values (a missing or extra key is one).

    A loop over a stack, not recursion: a deeply nested body cannot exhaust the stack.
    """
    count = 0
    pending = [(old, new)]
    while pending:
        a, b = pending.pop()
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            count += len(a.keys() ^ b.keys())
            pending.extend((a[k], b[k]) for k in a.keys() & b.keys())
        elif isinstance(a, list) and isinstance(b, list):
            count += abs(len(a) - len(b))
            pending.extend(zip(a, b, strict=False))
        else:
            count += 1
    return count
