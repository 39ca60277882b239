"""Golden summaries of answers too large to read: embedding vectors, base64 blobs (images).

The cassette keeps the full answer; the golden shows what a reviewer can judge (how many
vectors, their dimensions, a digest and the leading values; a blob's size and digest), and
embeddings are compared with a tolerance (``embeddings_equal``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import sys
from array import array
from typing import Any

LEADING_VALUES = 4
"""How many leading values of each vector the golden shows."""
EMBEDDING_TOLERANCE = 1e-3
"""Two leading values closer than this are equal (re-recorded vectors carry float noise)."""
_DIGITS = 6
_BLOB_KEYS = ("b64_json",)
_BASE64 = re.compile(r"[A-Za-z0-9+/\s]+={0,2}")
_LONG_BLOB = 1024


def vector(value: Any) -> list[float] | None:
    """An embedding as floats: a list as it is, base64 (the SDK's default format) decoded."""
    if isinstance(value, list) and all(isinstance(v, int | float) for v in value):
        return [float(v) for v in value]
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
        floats = array("f")
        floats.frombytes(raw[: len(raw) - len(raw) % 4])
        if sys.byteorder == "big":
            floats.byteswap()  # the API sends little-endian float32
        return list(floats)
    return None


def digest(values: list[float]) -> str:
    """sha256 (first 16 hex digits) of the values rounded to 6 decimals."""
    text = ",".join(f"{round(v, _DIGITS):.{_DIGITS}f}" for v in values)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def embeddings_output(answer: dict[str, Any]) -> dict[str, Any]:
    """The golden output of an embeddings answer: count, dimensions, per vector a digest."""
    vectors = []
    for item in answer.get("data") or []:
        values = vector(item.get("embedding")) if isinstance(item, dict) else None
        if values is None:
            vectors.append(item)
            continue
        vectors.append(
            {
                "index": item.get("index"),
                "sha256": digest(values),
                "leading": [round(v, _DIGITS) for v in values[:LEADING_VALUES]],
            }
        )
    dimensions = sorted({len(v) for v in _vectors(answer)})
    return {
        "model": answer.get("model"),
        "count": len(vectors),
        "dimensions": dimensions[0] if len(dimensions) == 1 else dimensions,
        "embeddings": vectors,
    }


def _vectors(answer: dict[str, Any]) -> list[list[float]]:
    found = (vector(i.get("embedding")) for i in answer.get("data") or [] if isinstance(i, dict))
    return [v for v in found if v is not None]


def is_embeddings_answer(data: dict[str, Any]) -> bool:
    """Whether an SDK answer is an embeddings list (it has no ``object`` of its own kind)."""
    items = data.get("data")
    return (
        data.get("object") == "list"
        and isinstance(items, list)
        and bool(items)
        and all(isinstance(i, dict) and i.get("object") == "embedding" for i in items)
    )


def embeddings_equal(old: Any, new: Any) -> bool:
    """Same count and dimensions, leading values within ``EMBEDDING_TOLERANCE``.

    The digests are not compared: a re-recording's float noise changes them. They show a
    reviewer whether the vectors changed at all.
    """
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return bool(old == new)
    if (old.get("count"), old.get("dimensions")) != (new.get("count"), new.get("dimensions")):
        return False
    pairs = zip(old.get("embeddings") or [], new.get("embeddings") or [], strict=False)
    for a, b in pairs:
        if not (isinstance(a, dict) and isinstance(b, dict)):
            if a != b:
                return False
            continue
        lead_a, lead_b = a.get("leading") or [], b.get("leading") or []
        if len(lead_a) != len(lead_b) or any(
            abs(x - y) > EMBEDDING_TOLERANCE for x, y in zip(lead_a, lead_b, strict=True)
        ):
            return False
    return True


def blobs_summarized(value: Any) -> Any:
    """``value`` with base64 blobs (``b64_json``, any long base64 text) as size and digest."""
    if isinstance(value, dict):
        return {
            k: _blob(v) if k in _BLOB_KEYS and isinstance(v, str) else blobs_summarized(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [blobs_summarized(v) for v in value]
    if isinstance(value, str) and len(value) > _LONG_BLOB and _BASE64.fullmatch(value):
        return _blob(value)
    return value


def _blob(text: str) -> Any:
    try:
        raw = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return text
    kind = "png" if raw.startswith(b"\x89PNG") else "jpeg" if raw[:2] == b"\xff\xd8" else None
    summary: dict[str, Any] = {"base64_bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    if kind:
        summary["format"] = kind
    return summary
