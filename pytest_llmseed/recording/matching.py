"""How a live request is matched with a recorded one: JSON bodies compared as data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .bodies import NOT_JSON as MISSING
from .bodies import parse_json


def json_or_missing(body: Any) -> Any:
    """A request's (or raw body's) JSON, or ``MISSING``; shared, not to be changed."""
    from vcr.util import read_body

    raw = read_body(body) if hasattr(body, "body") else body
    if isinstance(raw, bytes | str):
        return _parsed(raw)
    return MISSING


# vcrpy matches a request against the recorded ones twice (to know it can answer, then to
# answer); remembering the last bodies parsed halves the JSON parsing of replay.
_parsed = functools.lru_cache(maxsize=32)(parse_json)


def json_body_matcher(injected_seed: int | None) -> Callable[[Any, Any], None]:
    """vcrpy matcher: JSON bodies equal as data (key order, spacing ignored), else raw bytes.

    A recorded body without a ``seed`` still matches a request that only differs by the
    seed this plugin injected: cassettes recorded by plain vcrpy / pytest-recording replay.
    """

    def match_json_body(r1: Any, r2: Any) -> None:
        j1, j2 = json_or_missing(r1), json_or_missing(r2)
        if j1 is MISSING or j2 is MISSING:
            from vcr.matchers import body

            body(r1, r2)
            return
        if j1 == j2:
            return
        if injected_seed is not None and isinstance(j1, dict) and isinstance(j2, dict):
            for new, old in ((j1, j2), (j2, j1)):
                if (
                    new.get("seed") == injected_seed
                    and "seed" not in old
                    and {k: v for k, v in new.items() if k != "seed"} == old
                ):
                    return
        raise AssertionError("the JSON bodies differ")

    # vcrpy reports failures under the function's name; keep it the registered one.
    match_json_body.__name__ = "llmseed_body"
    return match_json_body
