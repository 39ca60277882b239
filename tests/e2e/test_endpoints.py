"""Every endpoint an app uses goes through the same path: recorded, replayed, snapshotted.

Embeddings (goldens summarize the vectors, compared with a tolerance), moderations, image
generation (base64 summarized), audio transcription and file uploads (multipart: stored
readably, matched on their form fields, never seeded).
"""

from __future__ import annotations

import pytest
import yaml
from helpers import record_then_replay_in_ci
from llm_server import FakeOpenAIServer

pytestmark = pytest.mark.sdk

ENDPOINTS = """
def test_embeddings(seeded_llm):
    answer = seeded_llm.client.embeddings.create(
        model="text-embedding-3-small", input=["alpha", "beta"]
    )
    assert [len(item.embedding) for item in answer.data] == [1536, 1536]
    assert answer == seeded_llm.snapshot
    assert seeded_llm.calls == seeded_llm.snapshot

def test_moderations(seeded_llm):
    seeded_llm.client.moderations.create(model="omni-moderation-latest", input="hello")
    assert seeded_llm.calls == seeded_llm.snapshot

def test_images(seeded_llm):
    image = seeded_llm.client.images.generate(model="gpt-image-1", prompt="a cat")
    assert image.data[0].b64_json
    assert seeded_llm.calls == seeded_llm.snapshot

def test_transcription(seeded_llm):
    text = seeded_llm.client.audio.transcriptions.create(
        model="whisper-1", file=("a.wav", b"RIFF\\x00\\x01WAVEfmt \\xff\\xfe", "audio/wav")
    ).text
    assert text
    assert seeded_llm.calls == seeded_llm.snapshot

def test_file_upload(seeded_llm):
    uploaded = seeded_llm.client.files.create(
        file=("batch.jsonl", b'{"custom_id": "1"}\\n', "application/jsonl"), purpose="batch"
    )
    assert uploaded.filename == "batch.jsonl"
    assert seeded_llm.calls == seeded_llm.snapshot
"""


def _golden(pytester: pytest.Pytester, test: str) -> dict:
    path = pytester.path / "__snapshots__" / "test_app_endpoints" / f"{test}.llm.yaml"
    return yaml.safe_load(path.read_text())


def _cassette(pytester: pytest.Pytester, test: str) -> dict:
    path = pytester.path / "cassettes" / "test_app_endpoints" / f"{test}.yaml"
    return yaml.safe_load(path.read_text())


def test_every_endpoint_records_replays_in_ci_and_snapshots_readably(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_app_endpoints=ENDPOINTS)
    record_then_replay_in_ci(pytester, llm_env, monkeypatch, passed=5)

    # Embeddings: a summary in the golden, the vectors in the cassette.
    embedded = _golden(pytester, "test_embeddings")
    output = embedded["output"]
    assert (output["model"], output["count"], output["dimensions"]) == (
        "text-embedding-3-small",
        2,
        1536,
    )
    assert [len(e["leading"]) for e in output["embeddings"]] == [4, 4]
    assert all(len(e["sha256"]) == 16 for e in output["embeddings"])
    assert embedded["meta"]["seed"] == "unseeded (this endpoint takes no seed)"
    assert (
        len(
            (
                pytester.path / "__snapshots__/test_app_endpoints/test_embeddings.llm.yaml"
            ).read_text()
        )
        < 2000
    )
    stored = _cassette(pytester, "test_embeddings")["interactions"][0]["response"]["body"]
    assert len(stored["json"]["data"]) == 2

    # Images: base64 summarized by size and digest.
    (image,) = _golden(pytester, "test_images")["calls"][0]["output"]["data"]
    assert set(image["b64_json"]) >= {"base64_bytes", "sha256"}

    # Multipart: stored as readable parts, shown as form fields, never seeded.
    (call,) = _golden(pytester, "test_transcription")["calls"]
    assert call["request"]["model"] == "whisper-1"
    assert call["request"]["file"]["filename"] == "a.wav"
    assert call["request"]["file"]["bytes"] == 16
    body = _cassette(pytester, "test_file_upload")["interactions"][0]["request"]["body"]
    parts = body["multipart"]["parts"]
    assert {p["name"]: p.get("content") for p in parts} == {
        "purpose": "batch",
        "file": '{"custom_id": "1"}\n',
    }
    audio = _cassette(pytester, "test_transcription")["interactions"][0]["request"]["body"]
    assert "content_base64" in audio["multipart"]["parts"][-1] or any(
        "content_base64" in p for p in audio["multipart"]["parts"]
    )
    seeded = [r for r in llm_env.requests if r.json and "seed" in r.json]
    assert seeded == []


def test_an_upload_with_other_form_fields_is_a_miss(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    test = """
def test_upload(seeded_llm):
    seeded_llm.client.files.create(file=("a.jsonl", b"{PAYLOAD}\\n", "application/jsonl"), purpose="batch")
"""
    pytester.makepyfile(test_upload=test.replace("{PAYLOAD}", "{}"))
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(passed=1)  # a new boundary, the same fields
    pytester.makepyfile(test_upload=test.replace("{PAYLOAD}", "[]"))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*llmseed: no recorded answer for this request*",
            "*body: the multipart form fields differ*",
            "*body.file.sha256*",
        ]
    )


def test_re_recorded_embeddings_within_the_tolerance_still_match(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        test_vec="""
def test_x(seeded_llm):
    answer = seeded_llm.client.embeddings.create(
        model="text-embedding-3-small", input="alpha", encoding_format="float"
    )
    assert answer == seeded_llm.snapshot
"""
    )
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_vec" / "test_x.yaml"
    data = yaml.safe_load(cassette.read_text())
    vector = data["interactions"][0]["response"]["body"]["json"]["data"][0]["embedding"]

    def rewrite(delta: float) -> None:
        changed = [vector[0] + delta, *vector[1:]]
        data["interactions"][0]["response"]["body"]["json"]["data"][0]["embedding"] = changed
        cassette.write_text("# vcrpy cassette\n" + yaml.safe_dump(data, sort_keys=False))

    rewrite(1e-5)  # float noise: the digest changes, the comparison holds
    pytester.runpytest().assert_outcomes(passed=1)
    rewrite(0.5)  # a different vector
    pytester.runpytest().assert_outcomes(failed=1)
