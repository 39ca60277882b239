"""Compressed HTTP bodies decoded with a bound on what they decode to.

A few kilobytes of gzip can decode to gigabytes, so a body is decoded incrementally (zlib's
``max_length``) and refused as soon as it would pass ``MAX_DECODED``. The plugin stores
bodies decoded, so a compressed body comes from another tool's recording, a hand-edited
file or a live server.
"""

from __future__ import annotations

import importlib
import io
import zlib
from collections.abc import Iterable
from typing import Any

from pytest_llmseed.errors import CompressedBodyError

MAX_DECODED = 32 * 1024 * 1024
"""The most bytes one compressed body may decode to. The largest answers an LLM API sends
(a batch of base64 embeddings at the API's input limit) are below it; it is half the
largest cassette the plugin reads (``yamlio.MAX_TEXT``), so one decoded body still fits."""

ENCODINGS = ("gzip", "x-gzip", "deflate", "br", "zstd", "identity")
"""The content-encodings decoded here: the ones vcrpy and every HTTP client decode, and the
two that httpx and httpx2 ask for when the ``brotli`` or ``zstandard`` package is installed
(decoded only where that package is: the client could not have asked for them otherwise)."""

_CHUNK = 1024 * 1024
"""How much a brotli or zstd decoder may hand back at once, so the bound is checked between."""


def names(header: Any) -> list[str]:
    """The encodings a ``content-encoding`` value (or list of values) lists, in order."""
    values = header if isinstance(header, list | tuple) else [header]
    found: list[str] = []
    for value in values:
        found += [part.strip().lower() for part in str(value).split(",") if part.strip()]
    return found


def decode(encodings: Iterable[str], raw: bytes, limit: int | None = None) -> bytes:
    """``raw`` with every listed encoding undone (the last applied is undone first).

    CompressedBodyError when it would decode to more than ``limit`` (``MAX_DECODED``)
    bytes, is not valid data of its encoding, or an encoding is not one of ``ENCODINGS``.
    """
    bound = MAX_DECODED if limit is None else limit
    data = raw
    for name in reversed(list(encodings)):
        if name in ("gzip", "x-gzip"):
            data = _inflate(data, zlib.MAX_WBITS | 16, bound, name)
        elif name == "deflate":
            # Servers send either zlib-wrapped or raw deflate; clients accept both.
            try:
                data = _inflate(data, zlib.MAX_WBITS, bound, name)
            except CompressedBodyError as exc:
                if exc.too_large:
                    raise
                data = _inflate(data, -zlib.MAX_WBITS, bound, name)
        elif name == "br":
            data = _unbrotli(data, bound)
        elif name == "zstd":
            data = _unzstd(data, bound)
        elif name != "identity":
            raise CompressedBodyError(
                f"its content-encoding {name!r} is not one pytest-llmseed decodes "
                f"({', '.join(ENCODINGS)})",
                unsupported=name,
            )
    return data


def _inflate(data: bytes, wbits: int, bound: int, name: str) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    try:
        # max_length stops zlib one byte past the bound: never more is held in memory.
        out = decompressor.decompress(data, bound + 1)
        if len(out) <= bound and not decompressor.unconsumed_tail:
            out += decompressor.flush()
    except zlib.error as exc:
        raise CompressedBodyError(f"its {name} body is corrupt ({exc})") from None
    if len(out) > bound or decompressor.unconsumed_tail:
        raise CompressedBodyError(
            f"its {name} body decodes to more than {bound // (1024 * 1024)} MB "
            f"(the most pytest-llmseed decodes)",
            too_large=True,
        )
    if not decompressor.eof:
        raise CompressedBodyError(f"its {name} body is cut short")
    return out


def _library(name: str, encoding_name: str, needed: str) -> Any:
    """The decoder library ``name``, or CompressedBodyError (unsupported) naming what to install."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise CompressedBodyError(
            f"its content-encoding {encoding_name!r} needs the {needed!r} package, "
            f"which is not installed",
            unsupported=encoding_name,
        ) from None


def _too_large(name: str, bound: int) -> CompressedBodyError:
    return CompressedBodyError(
        f"its {name} body decodes to more than {bound // (1024 * 1024)} MB "
        f"(the most pytest-llmseed decodes)",
        too_large=True,
    )


def _unbrotli(data: bytes, bound: int) -> bytes:
    # A few bytes of brotli can stand for gigabytes: the output is taken a chunk at a time
    # (``output_buffer_limit``, brotli >= 1.2) and refused once past the bound.
    brotli = _library("brotli", "br", "brotli>=1.2")
    decompressor = brotli.Decompressor()
    out = bytearray()
    try:
        piece = decompressor.process(data, output_buffer_limit=_CHUNK)
        while piece:
            out += piece
            if len(out) > bound:
                raise _too_large("br", bound)
            piece = decompressor.process(b"", output_buffer_limit=_CHUNK)
    except brotli.error as exc:
        raise CompressedBodyError(f"its br body is corrupt ({exc})") from None
    except TypeError:  # a brotli before 1.2: no way to bound what it decodes
        raise CompressedBodyError(
            "its br body cannot be decoded with a bound by the installed brotli "
            "(pytest-llmseed needs brotli>=1.2)",
            unsupported="br",
        ) from None
    if not decompressor.is_finished():
        raise CompressedBodyError("its br body is cut short")
    return bytes(out)


def _unzstd(data: bytes, bound: int) -> bytes:
    zstandard = _library("zstandard", "zstd", "zstandard")
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
    try:
        # read() never returns more than asked: one byte past the bound tells it is too large.
        out = reader.read(bound + 1)
    except zstandard.ZstdError as exc:
        raise CompressedBodyError(f"its zstd body is corrupt ({exc})") from None
    if len(out) > bound:
        raise _too_large("zstd", bound)
    if not out and data:
        raise CompressedBodyError("its zstd body is cut short or corrupt")
    return bytes(out)


def decoded_response(response: dict[str, Any]) -> dict[str, Any]:
    """A vcrpy response dict with its body decoded and ``content-encoding`` removed (a copy;
    the same response when it has no content-encoding). CompressedBodyError as ``decode``."""
    headers = response.get("headers") or {}
    found = [name for name in headers if str(name).lower() == "content-encoding"]
    if not found:
        return response
    encodings = [e for name in found for e in names(headers[name])]
    found_body = response.get("body")
    body: dict[str, Any] = found_body if isinstance(found_body, dict) else {}
    raw = body.get("string", b"")
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    elif not isinstance(raw, bytes | bytearray):
        raise CompressedBodyError("its compressed body is not bytes")
    decoded = decode(encodings, bytes(raw))
    kept = {k: v for k, v in headers.items() if k not in found}
    for name in [k for k in kept if str(k).lower() == "content-length"]:
        kept[name] = [str(len(decoded))]
    return {**response, "headers": kept, "body": {**body, "string": decoded}}
