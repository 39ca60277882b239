"""Unit tests of the pure modules: multipart forms (recording/multipart.py) and the golden
summaries of embeddings and blobs (goldens/summaries.py)."""

from __future__ import annotations

import base64
import struct

from pytest_llmseed.exchange import multipart
from pytest_llmseed.goldens import summaries
from pytest_llmseed.providers.openai import takes_seed

CT = "multipart/form-data; boundary=b0"
BODY = (
    b'--b0\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
    b'--b0\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
    b"Content-Type: audio/wav\r\n\r\nRIFF\x00\xff\r\n--b0--\r\n"
)


def test_multipart_fields_stored_form_and_round_trip() -> None:
    form = multipart.fields(CT, BODY)
    assert form is not None
    assert form["purpose"] == "batch"
    assert form["file"]["filename"] == "a.wav"
    assert form["file"]["bytes"] == 6
    stored = multipart.to_stored(CT, BODY)
    assert stored is not None
    assert stored["parts"][0] == {"name": "purpose", "content": "batch"}
    assert "content_base64" in stored["parts"][1]
    assert multipart.from_stored(stored) == BODY
    # Another boundary, the same form: equal fields.
    other = BODY.replace(b"b0", b"zz")
    assert multipart.fields(CT.replace("b0", "zz"), other) == form


def test_non_multipart_bodies_are_left_alone() -> None:
    assert multipart.boundary("application/json") is None
    assert multipart.fields("application/json", b"{}") is None
    assert multipart.to_stored("text/plain", b"x") is None


def test_uploads_and_embeddings_are_never_seeded() -> None:
    for path in ("/v1/audio/transcriptions", "/v1/files", "/v1/embeddings", "/v1/moderations"):
        assert not takes_seed("POST", path)


def test_embedding_summary_decodes_base64_and_compares_with_a_tolerance() -> None:
    values = [0.1, -0.2, 0.3, 0.4, 0.5]
    encoded = base64.b64encode(struct.pack("<5f", *values)).decode()
    answer = {
        "object": "list",
        "model": "m",
        "data": [{"object": "embedding", "index": 0, "embedding": encoded}],
    }
    assert summaries.is_embeddings_answer(answer)
    out = summaries.embeddings_output(answer)
    assert (out["model"], out["count"], out["dimensions"]) == ("m", 1, 5)
    assert out["embeddings"][0]["leading"] == [0.1, -0.2, 0.3, 0.4]
    noisy = summaries.embeddings_output(
        {"data": [{"index": 0, "embedding": [v + 1e-5 for v in values]}], "model": "m"}
    )
    assert summaries.embeddings_equal(out, noisy)
    moved = summaries.embeddings_output(
        {"data": [{"index": 0, "embedding": [v + 0.1 for v in values]}], "model": "m"}
    )
    assert not summaries.embeddings_equal(out, moved)


def test_blobs_are_summarized() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    summary = summaries.blobs_summarized({"data": [{"b64_json": base64.b64encode(png).decode()}]})
    blob = summary["data"][0]["b64_json"]
    assert blob["base64_bytes"] == len(png)
    assert blob["format"] == "png"
    assert summaries.blobs_summarized({"text": "short"}) == {"text": "short"}
