"""Server-assigned identifiers and opaque blobs in golden requests and outputs.

An agent loop echoes what the server assigned (tool-call ids, ``tool_call_id``,
``previous_response_id``, item, call and file ids) in its next request, and the server
assigns new ones on every recording. Goldens show each distinct id as ``<id:N>``, numbered
by first appearance in the golden, so a re-recording of the same conversation gives the
same golden while the links between a call and its result stay visible. Opaque blobs
(encrypted reasoning, thinking signatures) change on every recording and say nothing a
reviewer can read: they are shown as ``<opaque>``, equal to any other. Cassettes keep the
real values, so replay matching is untouched. No pytest, vcrpy or SDK here.
"""

from __future__ import annotations

import re
from typing import Any

OPAQUE = "<opaque>"
"""What a golden shows of an opaque blob."""

# Keys that only ever hold an id the server assigned.
_ID_KEYS = frozenset(
    {
        "tool_call_id",
        "call_id",
        "tool_use_id",
        "previous_response_id",
        "response_id",
        "item_id",
        "file_id",
    }
)
# ``id`` also names ids the caller chose (a tool's input may have one): only a value shaped
# like a server's (``call_...``, ``resp_...``, ``toolu_...``, ``file-...``) is one.
_SERVER_ID = re.compile(r"(?:[a-z]{2,8}_|chatcmpl-|file-)[A-Za-z0-9_-]{6,}")
# Blobs anywhere, and blobs of one kind of block (``signature`` of a thinking block).
_BLOB_KEYS = frozenset({"encrypted_content", "thoughtSignature", "thought_signature"})
_BLOCK_BLOBS = {"thinking": "signature", "redacted_thinking": "data"}
# What the model wrote (tool arguments, structured output) is compared as it is: an ``id``
# it chose is the answer, not a server's.
# (A Responses request's ``input`` is the conversation; a tool_use block's is arguments.)
_MODEL_DATA = frozenset({"arguments", "args", "parsed"})
_TOOL_BLOCKS = frozenset({"tool_use", "server_tool_use"})


def _is_id(key: str, value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    if key in _ID_KEYS:
        return True
    return key == "id" and _SERVER_ID.fullmatch(value) is not None


def opaque_blobs(value: Any) -> Any:
    """A copy of JSON-like data with every opaque blob shown as ``<opaque>``."""
    if isinstance(value, list):
        return [opaque_blobs(item) for item in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("type")
    block_blob = _BLOCK_BLOBS.get(kind) if isinstance(kind, str) else None
    return {
        key: OPAQUE
        if (key in _BLOB_KEYS or key == block_blob) and isinstance(item, str) and item
        else opaque_blobs(item)
        for key, item in value.items()
    }


class IdNumbers:
    """The placeholders of one golden: the same id always gets the same number."""

    def __init__(self) -> None:
        self._numbers: dict[str, str] = {}

    def placeholder(self, value: str) -> str:
        """``<id:N>`` for ``value``, N counting the distinct ids met so far."""
        found = self._numbers.get(value)
        if found is None:
            found = self._numbers[value] = f"<id:{len(self._numbers) + 1}>"
        return found

    def place(self, value: Any) -> Any:
        """A copy of JSON-like data with its server-assigned ids as placeholders, in the
        order they appear (dicts in their key order, lists in theirs)."""
        if isinstance(value, list):
            return [self.place(item) for item in value]
        if not isinstance(value, dict):
            return value
        placed: dict[Any, Any] = {}
        model_data = _MODEL_DATA | {"input"} if value.get("type") in _TOOL_BLOCKS else _MODEL_DATA
        for key, item in value.items():
            if _is_id(str(key), item):
                placed[key] = self.placeholder(item)
            else:
                placed[key] = item if key in model_data else self.place(item)
        return placed
