"""Embeddings, moderations, images, transcriptions and file uploads for FakeOpenAIServer.

``llm_server`` imports this module the first time one of these endpoints is
called, so ``llm_server.py`` keeps working when copied somewhere alone (the
docs walkthrough test does that).  Standard library only, like llm_server.

Every answer is a pure function of the request: the same input always gets
the same vector, scores, image, transcript or file id, which is what lets
record/replay tests compare a replayed answer with a live one.  (None of these
OpenAI endpoints takes a ``seed``, so none is read.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import struct
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from typing import Any

from llm_server import _VOCABULARY, FakeOpenAIServer, _ApiError, _JsonReply, _RawReply, _Reply

__all__ = ["JSON", "handle_multipart", "parse_multipart"]

_EMBEDDING_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
_DEFAULT_DIMENSIONS = 1536
_MODERATION_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
# Word starts that make the fake classifier flag an input, and what they flag.
_FLAG_WORDS: dict[str, tuple[str, ...]] = {
    "kill": ("violence", "harassment/threatening"),
    "murder": ("violence",),
    "hate": ("hate", "harassment"),
    "bomb": ("illicit", "illicit/violent"),
    "suicid": ("self-harm", "self-harm/intent"),
}
_MODERATION_MODELS = {"omni-moderation-latest": "omni-moderation-2024-09-26"}
_FILE_PURPOSES = frozenset({"assistants", "batch", "fine-tune", "vision", "user_data", "evals"})
_TRANSCRIPT_FORMATS = frozenset({"json", "text", "verbose_json", "srt", "vtt"})
# A fake audio bitrate: transcripts get one second per this many bytes.
_AUDIO_BYTES_PER_SECOND = 16_000
_IMAGE_SIDE = 8  # generated PNGs are tiny: tests need valid images, not big ones


def _digest(*parts: Any) -> bytes:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).digest()


def _rng(digest: bytes) -> random.Random:
    return random.Random(int.from_bytes(digest, "big"))


def _invalid(param: str, detail: str = "") -> _ApiError:
    message = f"Invalid value for '{param}'." + (f" {detail}" if detail else "")
    return _ApiError(400, message, param=param, code="invalid_value")


def _required(body: Mapping[str, Any], param: str) -> Any:
    value = body.get(param)
    if value is None or value == "":
        raise _ApiError(400, f"Missing required parameter: '{param}'.", param=param)
    return value


# --------------------------------------------------------------------------
# Embeddings
# --------------------------------------------------------------------------


def _is_tokens(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(t, int) and not isinstance(t, bool) for t in value
    )


def _embedding_inputs(raw: Any) -> list[str | list[int]]:
    """The inputs to embed: a string, a list of strings, or token list(s)."""
    if isinstance(raw, str) or (_is_tokens(raw) and raw):
        items: list[Any] = [raw]
    elif isinstance(raw, list) and raw:
        items = raw
    else:
        raise _invalid("input", "Expected a non-empty string, array of strings or tokens.")
    for item in items:
        if not ((isinstance(item, str) and item) or (_is_tokens(item) and item)):
            raise _invalid("input", "Every input must be a non-empty string or token array.")
    return items


def _dimensions(body: Mapping[str, Any], model: str) -> int:
    full = _EMBEDDING_DIMENSIONS.get(model, _DEFAULT_DIMENSIONS)
    asked = body.get("dimensions")
    if asked is None:
        return full
    if model == "text-embedding-ada-002":
        raise _ApiError(
            400, "This model does not support specifying dimensions.", param="dimensions"
        )
    if isinstance(asked, bool) or not isinstance(asked, int) or not 1 <= asked <= full:
        raise _invalid("dimensions", f"Expected an integer between 1 and {full}.")
    return asked


def _unit_vector(model: str, item: str | list[int], dimensions: int) -> list[float]:
    """A unit-norm float32 vector fixed by (model, input).

    The components come from one random stream, so a shorter vector is the
    longer one cut and renormalized, as OpenAI's ``dimensions`` works.
    """
    rng = _rng(_digest("embedding", model, item))
    vector = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    packed = struct.pack(f"<{dimensions}f", *(v / norm for v in vector))
    # Round-trip through float32 so the float and base64 encodings agree exactly.
    return list(struct.unpack(f"<{dimensions}f", packed))


def _embeddings(fake: FakeOpenAIServer, body: dict[str, Any]) -> _Reply:
    model = _required(body, "model")
    items = _embedding_inputs(body.get("input"))
    dimensions = _dimensions(body, model)
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise _invalid("encoding_format", "Supported values are: 'float' and 'base64'.")
    data = []
    for index, item in enumerate(items):
        vector = _unit_vector(model, item, dimensions)
        embedding: Any = vector
        if encoding == "base64":
            raw = struct.pack(f"<{dimensions}f", *vector)
            embedding = base64.b64encode(raw).decode("ascii")
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(len(item) if isinstance(item, list) else len(item.split()) for item in items)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return _JsonReply(200, {"object": "list", "data": data, "model": model, "usage": usage})


# --------------------------------------------------------------------------
# Moderations
# --------------------------------------------------------------------------


def _moderation_inputs(raw: Any) -> list[tuple[str, bool]]:
    """(text, has_image) per result: strings each get one, a part list one in all."""
    if isinstance(raw, str):
        return [(raw, False)]
    if isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        return [(text, False) for text in raw]
    if isinstance(raw, list) and raw and all(isinstance(x, dict) for x in raw):
        texts = [p.get("text", "") for p in raw if p.get("type") == "text"]
        has_image = any(p.get("type") == "image_url" for p in raw)
        return [(" ".join(t for t in texts if isinstance(t, str)), has_image)]
    raise _invalid("input", "Expected a string, an array of strings or of content parts.")


def _moderation_result(model: str, text: str, has_image: bool) -> dict[str, Any]:
    words = re.findall(r"[a-z]+", text.lower())
    hits = {
        c
        for start, cats in _FLAG_WORDS.items()
        for c in cats
        if any(w.startswith(start) for w in words)
    }
    rng = _rng(_digest("moderation", model, text, has_image))
    scores = {}
    for category in _MODERATION_CATEGORIES:
        # Flagged categories score high, the rest near zero: both vary by input.
        scores[category] = 0.9 + rng.random() * 0.09 if category in hits else rng.random() * 1e-3
    kinds = ["text", "image"] if has_image else ["text"]
    return {
        "flagged": bool(hits),
        "categories": {c: c in hits for c in _MODERATION_CATEGORIES},
        "category_scores": scores,
        "category_applied_input_types": dict.fromkeys(_MODERATION_CATEGORIES, kinds),
    }


def _moderations(fake: FakeOpenAIServer, body: dict[str, Any]) -> _Reply:
    model = body.get("model") or "omni-moderation-latest"
    inputs = _moderation_inputs(body.get("input"))
    results = [_moderation_result(model, text, image) for text, image in inputs]
    reply = {
        "id": f"modr-{_digest('modr', model, inputs).hex()[:24]}",
        "model": _MODERATION_MODELS.get(model, model),
        "results": results,
    }
    return _JsonReply(200, reply)


# --------------------------------------------------------------------------
# Image generation
# --------------------------------------------------------------------------


def _png(digest: bytes) -> bytes:
    """A small valid RGB PNG: a two-colour checkerboard picked by ``digest``."""
    colours = (digest[0:3], digest[3:6])
    rows = b"".join(
        b"\x00" + b"".join(colours[(x + y) % 2] for x in range(_IMAGE_SIDE))
        for y in range(_IMAGE_SIDE)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", _IMAGE_SIDE, _IMAGE_SIDE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _image_count(body: Mapping[str, Any]) -> int:
    n = body.get("n", 1)
    if n is None:
        return 1
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
        raise _invalid("n", "Expected an integer between 1 and 10.")
    return n


def _image_generations(fake: FakeOpenAIServer, body: dict[str, Any]) -> _Reply:
    prompt = _required(body, "prompt")
    model = body.get("model") or "dall-e-2"
    # gpt-image models always answer in base64; DALL-E defaults to URLs.
    is_gpt_image = str(model).startswith("gpt-image")
    fmt = body.get("response_format") or ("b64_json" if is_gpt_image else "url")
    if fmt not in ("url", "b64_json") or (is_gpt_image and fmt != "b64_json"):
        raise _invalid("response_format", "Supported values are: 'url' and 'b64_json'.")
    size = body.get("size") or "1024x1024"
    data = []
    for index in range(_image_count(body)):
        digest = _digest(
            "image", model, prompt, size, body.get("quality"), body.get("style"), index
        )
        item: dict[str, Any] = {}
        if fmt == "b64_json":
            item["b64_json"] = base64.b64encode(_png(digest)).decode("ascii")
        else:
            # Not fetchable (.invalid): clients only need a stable, plausible URL.
            item["url"] = f"https://images.fake-openai.invalid/{digest.hex()[:32]}.png"
        if model == "dall-e-3":
            item["revised_prompt"] = f"A picture of: {prompt}"
        data.append(item)
    reply: dict[str, Any] = {"created": int(time.time()), "data": data}
    if is_gpt_image:
        words = len(str(prompt).split())
        reply["usage"] = {
            "input_tokens": words,
            "input_tokens_details": {"text_tokens": words, "image_tokens": 0},
            "output_tokens": 272 * len(data),
            "total_tokens": words + 272 * len(data),
        }
    return _JsonReply(200, reply)


# --------------------------------------------------------------------------
# Multipart: audio transcriptions and file uploads
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One multipart/form-data field."""

    data: bytes
    filename: str | None = None
    content_type: str = "text/plain"

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


def parse_multipart(content_type: str, body: bytes) -> dict[str, Part]:
    """Fields of a multipart/form-data body by name (the last wins if repeated)."""
    header = Message()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        raise _ApiError(400, "Expected a multipart/form-data body with a boundary.")
    fields: dict[str, Part] = {}
    # Every delimiter but the first follows a CRLF; prepending one splits all alike.
    for chunk in (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter; anything after it is epilogue
        head, sep, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            raise _ApiError(400, "Malformed multipart body: a part has no header end.")
        headers = HeaderParser().parsestr(head.decode("utf-8", "replace") + "\r\n\r\n")
        name = headers.get_param("name", header="content-disposition")
        if isinstance(name, str):
            content = headers.get_content_type() if headers["content-type"] else "text/plain"
            fields[name] = Part(data, headers.get_filename(), content)
    return fields


def _file_field(fields: Mapping[str, Part]) -> Part:
    part = fields.get("file")
    if part is None:
        raise _ApiError(400, "Missing required parameter: 'file'.", param="file")
    return part


def _transcript(model: str, audio: bytes, fields: Mapping[str, Part]) -> tuple[str, int]:
    """The words 'heard' in ``audio`` and its fake duration in seconds."""
    context = [fields[k].text if k in fields else None for k in ("language", "prompt")]
    rng = _rng(_digest("transcript", model, hashlib.sha256(audio).hexdigest(), context))
    words = [rng.choice(_VOCABULARY) for _ in range(rng.randint(5, 12))]
    return " ".join(words).capitalize() + ".", max(1, len(audio) // _AUDIO_BYTES_PER_SECOND)


def _transcriptions(
    fake: FakeOpenAIServer, fields: Mapping[str, Part], deployment: str | None
) -> _Reply:
    audio = _file_field(fields)
    model = fields["model"].text if "model" in fields else deployment
    if not model:
        raise _ApiError(400, "Missing required parameter: 'model'.", param="model")
    fmt = fields["response_format"].text if "response_format" in fields else "json"
    if fmt not in _TRANSCRIPT_FORMATS:
        raise _invalid("response_format", f"Supported values are: {sorted(_TRANSCRIPT_FORMATS)}.")
    text, seconds = _transcript(model, audio.data, fields)
    if fmt == "json":
        return _JsonReply(200, {"text": text, "usage": {"type": "duration", "seconds": seconds}})
    if fmt == "verbose_json":
        segment = {"id": 0, "seek": 0, "start": 0.0, "end": float(seconds), "text": f" {text}"}
        segment.update(tokens=[], temperature=0.0, avg_logprob=-0.2, compression_ratio=1.0)
        segment["no_speech_prob"] = 0.01
        verbose = {"task": "transcribe", "language": "english", "duration": float(seconds)}
        return _JsonReply(200, {**verbose, "text": text, "segments": [segment]})
    if fmt == "text":
        plain = f"{text}\n"
    elif fmt == "srt":
        plain = f"1\n00:00:00,000 --> 00:00:{seconds:02d},000\n{text}\n\n"
    else:
        plain = f"WEBVTT\n\n00:00:00.000 --> 00:00:{seconds:02d}.000\n{text}\n\n"
    return _RawReply(200, plain.encode(), "text/plain; charset=utf-8")


def _files(fake: FakeOpenAIServer, fields: Mapping[str, Part], deployment: str | None) -> _Reply:
    upload = _file_field(fields)
    purpose = fields["purpose"].text if "purpose" in fields else ""
    if not purpose:
        raise _ApiError(400, "Missing required parameter: 'purpose'.", param="purpose")
    if purpose not in _FILE_PURPOSES:
        raise _invalid("purpose", f"Supported values are: {sorted(_FILE_PURPOSES)}.")
    file_object = {
        # From the content alone, so the same upload always gets the same id.
        "id": f"file-{hashlib.sha256(upload.data).hexdigest()[:24]}",
        "object": "file",
        "bytes": len(upload.data),
        "created_at": int(time.time()),
        "filename": upload.filename or "file",
        "purpose": purpose,
        "status": "processed",
        "status_details": None,
        "expires_at": None,
    }
    return _JsonReply(200, file_object)


JSON: dict[str, Callable[[FakeOpenAIServer, dict[str, Any]], _Reply]] = {
    "/embeddings": _embeddings,
    "/moderations": _moderations,
    "/images/generations": _image_generations,
}
_MULTIPART: dict[str, Callable[[FakeOpenAIServer, Mapping[str, Part], str | None], _Reply]] = {
    "/audio/transcriptions": _transcriptions,
    "/files": _files,
}


def handle_multipart(
    fake: FakeOpenAIServer, endpoint: str, content_type: str, raw: bytes, deployment: str | None
) -> _Reply:
    """Answer a multipart endpoint (Azure passes its ``deployment`` as the model)."""
    return _MULTIPART[endpoint](fake, parse_multipart(content_type, raw), deployment)
