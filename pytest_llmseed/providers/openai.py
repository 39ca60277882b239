"""Which requests take a seed, and how it is put into their JSON body. No pytest here."""

from __future__ import annotations

import json

# Endpoints whose API has a `seed` parameter. Matched on the path's tail so that Azure
# (`/openai/deployments/<name>/chat/completions`) and proxies with a prefix are covered.
# The Responses API (`/responses`) has no seed: sending one is a 400, so it is never seeded.
SEEDED_PATH_SUFFIXES = ("/chat/completions", "/completions")


def takes_seed(method: str, path: str) -> bool:
    """True for a Chat Completions or legacy Completions creation request."""
    return method.upper() == "POST" and path.rstrip("/").endswith(SEEDED_PATH_SUFFIXES)


def inject_seed(body: bytes, seed: int) -> bytes | None:
    """Return ``body`` with ``"seed": seed`` added, or None when it must stay as it is.

    Left alone: bodies that are not a JSON object, and bodies that already have a ``seed``
    key (the caller's choice, even ``null``, is never overwritten). The key is spliced in
    before the closing brace instead of re-serializing, so the SDK's bytes stay as they were.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or "seed" in data:
        return None
    head = body.rstrip()
    if not head.endswith(b"}"):
        return None
    head = head[:-1].rstrip()
    separator = b"" if head.endswith(b"{") else b","
    return head + separator + b'"seed":' + str(seed).encode() + b"}"
