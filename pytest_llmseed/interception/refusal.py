"""Servers that refuse ``seed``: the 400 that names it, and the hosts known to send it.

Azure deployments of some models and OpenAI-compatible servers that reject unknown
parameters answer a seeded request with HTTP 400 ("Unrecognized request argument
supplied: seed"). The seed is ours, not the caller's, so the request is sent once more
without it, and the host gets no seed for the rest of the session.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

_NAMES_SEED = re.compile(r"\bseed\b", re.IGNORECASE)

OUR_SEED_IN_FLIGHT: ContextVar[bool] = ContextVar("llmseed_our_seed", default=False)
"""True while vcrpy handles a request that carries the seed we injected (per thread and
task), so the cassette's record hook can leave that request's refusal unrecorded."""


@contextmanager
def in_flight(ours: bool) -> Iterator[None]:
    """Mark the request being sent as carrying our seed (or not)."""
    token = OUR_SEED_IN_FLIGHT.set(ours)
    try:
        yield
    finally:
        OUR_SEED_IN_FLIGHT.reset(token)


def refuses_our_seed(body: bytes | str) -> bool:
    """Whether a 400's body refuses the seed we injected into the request in flight."""
    return OUR_SEED_IN_FLIGHT.get() and names_seed(400, body)


def names_seed(status: int, body: bytes | str) -> bool:
    """Whether an answer is a 400 whose error names the ``seed`` parameter."""
    if status != 400:
        return False
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        data: Any = json.loads(text)
    except ValueError:
        return bool(_NAMES_SEED.search(text[:2000]))
    if not isinstance(data, dict):
        return False
    error = data.get("error", data.get("detail", data.get("message")))
    if isinstance(error, dict) and error.get("param") == "seed":
        return True
    # Only the error part: a message that echoes the request could hold the word anywhere.
    return bool(_NAMES_SEED.search(json.dumps(error, ensure_ascii=False)))


def host_of(url: str) -> str:
    """The scheme, host and port a refusal is remembered for."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class RefusedHosts:
    """The hosts of this session (of this xdist worker) that refused an injected seed."""

    def __init__(self) -> None:
        self._hosts: set[str] = set()

    def add(self, url: str) -> None:
        """Remember that ``url``'s host refuses ``seed``."""
        self._hosts.add(host_of(url))

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and bool(self._hosts) and host_of(url) in self._hosts

    def __len__(self) -> int:
        return len(self._hosts)
