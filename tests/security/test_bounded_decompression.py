"""Compressed bodies are decoded within a bound, and the error names the file.

A few kilobytes of gzip can decode to gigabytes. A committed cassette (another tool's
recording keeps compressed bodies) is decoded incrementally and refused past
``encoding.MAX_DECODED``; a pending cassette with a compressed body is refused outright,
since the plugin never writes one; a legitimate change beside it is still applied.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import brotli
import pytest
import yaml
import zstandard
from helpers import llmseed
from llm_server import FakeOpenAIServer

from pytest_llmseed.errors import CompressedBodyError
from pytest_llmseed.exchange import encoding

TEST = """
def test_x(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "zip"}]
    )
    assert out == seeded_llm.snapshot

def test_other(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "bystander"}]
    )
    assert out.choices[0].message.content.startswith("[bystander]")
"""
CASSETTE = Path("cassettes/test_zip/test_x.yaml")

COMPRESS = {
    "gzip": gzip.compress,
    "br": brotli.compress,
    "zstd": lambda body: zstandard.ZstdCompressor().compress(body),
}
"""Each encoding a committed cassette may hold (br and zstd: what httpx asks for when their
libraries are installed, so real recordings of other tools hold them)."""


def answer(content: str, padding: int = 0) -> bytes:
    """A chat completion's JSON, with ``padding`` spaces of (valid) JSON whitespace."""
    message = {"role": "assistant", "content": content}
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }
    return json.dumps(body).encode() + b" " * padding


def plain_cassette(base_url: str, prompt: str, body: bytes, content_encoding: str) -> str:
    """A cassette as vcrpy writes it without decoding: the body as !!binary."""
    request = {"messages": [{"content": prompt, "role": "user"}], "model": "gpt-4o"}
    interaction = {
        "request": {
            "body": json.dumps(request),
            "headers": {},
            "method": "POST",
            "uri": f"{base_url}/chat/completions",
        },
        "response": {
            "body": {"string": body},
            "headers": {
                "Content-Type": ["application/json"],
                "Content-Encoding": [content_encoding],
            },
            "status": {"code": 200, "message": "OK"},
        },
    }
    return yaml.safe_dump({"interactions": [interaction], "version": 1})


def project(
    pytester: pytest.Pytester, server: FakeOpenAIServer, body: bytes, name: str = "gzip"
) -> Path:
    pytester.makepyfile(test_zip=TEST)
    path = pytester.path / CASSETTE
    path.parent.mkdir(parents=True)
    path.write_text(plain_cassette(server.base_url, "zip", COMPRESS[name](body), name))
    other = path.with_name("test_other.yaml")
    other.write_text(
        plain_cassette(server.base_url, "bystander", answer("[bystander] ok"), "identity")
    )
    return path


@pytest.mark.parametrize("name", sorted(COMPRESS))
def test_a_compressed_body_of_another_tool_replays(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, name: str
) -> None:
    project(pytester, llm_env, answer("unzipped"), name)
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=2)
    golden = pytester.path / "__snapshots__" / "test_zip" / "test_x.llm.yaml"
    assert "unzipped" in golden.read_text()
    assert llm_env.requests == []


@pytest.mark.parametrize("name", sorted(COMPRESS))
def test_a_bomb_in_a_committed_cassette_is_refused_naming_it(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, name: str
) -> None:
    # Valid JSON once decoded, and at most about 32 KB compressed: just past the bound.
    bomb = answer("boom", padding=encoding.MAX_DECODED)
    path = project(pytester, llm_env, bomb, name)
    before = path.read_bytes()
    assert len(before) < 100_000

    result = pytester.runpytest("-p", "no:cacheprovider", "--snapshot-update")

    result.assert_outcomes(passed=1, errors=1)
    output = result.stdout.str() + result.stderr.str()
    assert f"cannot use cassette {path}" in output or str(CASSETTE) in output
    assert f"interaction #1: its {name} body decodes to more than 32 MB" in output
    assert "Traceback (most recent call last)" not in output
    assert path.read_bytes() == before
    # Nothing was written from the decoded body: no golden, no pending change.
    assert not (pytester.path / "__snapshots__" / "test_zip" / "test_x.llm.yaml").exists()
    assert not list(pytester.path.rglob("*.llmseed-pending"))
    assert llm_env.requests == []


@pytest.fixture
def artifact(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    """A recorded two-test suite, re-recorded with another seed into a CI artifact."""
    pytester.makepyfile(
        test_a="""
import pytest

@pytest.mark.parametrize("topic", ["spring", "autumn"])
def test_x(seeded_llm, topic):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": f"Tell me about {topic}"}],
        max_tokens=20,
    )
    assert out == seeded_llm.snapshot
"""
    )
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    art = pytester.path / "artifact"
    pytester.runpytest(
        "--llmseed-record-mode=all", "--llmseed-seed=7", f"--llmseed-pending-dir={art}"
    ).assert_outcomes(failed=2)
    return art


def test_a_pending_cassette_with_a_compressed_body_is_refused_alone(
    pytester: pytest.Pytester, artifact: Path
) -> None:
    bad = artifact / "cassettes" / "test_a" / "test_x[spring].yaml.llmseed-pending"
    data = yaml.safe_load(bad.read_text())
    response = data["interactions"][0]["response"]
    response["headers"]["content-encoding"] = ["gzip"]
    response["body"] = {"string": gzip.compress(b" " * 1000)}
    bad.write_text(yaml.safe_dump(data))
    root = pytester.path
    goldens = {p.name: p.read_bytes() for p in (root / "__snapshots__" / "test_a").iterdir()}

    result = llmseed(root, "accept", "--all", "--from", str(artifact))

    assert result.returncode == 2
    assert "test_x[spring].llm.yaml.llmseed-pending" in result.stderr
    assert "interaction #1 has a compressed body (content-encoding)" in result.stderr
    assert "Traceback" not in result.stderr
    assert "accepted 1 pending change(s)" in result.stdout
    after = {p.name: p.read_bytes() for p in (root / "__snapshots__" / "test_a").iterdir()}
    assert after["test_x[spring].llm.yaml"] == goldens["test_x[spring].llm.yaml"]
    assert after["test_x[autumn].llm.yaml"] != goldens["test_x[autumn].llm.yaml"]
    assert "seed: 7" in (root / "cassettes" / "test_a" / "test_x[autumn].yaml").read_text()
    assert "content-encoding" not in (root / "cassettes/test_a/test_x[spring].yaml").read_text()
    assert bad.exists()


# --- the decoder itself --------------------------------------------------------------------


def test_each_encoding_decodes_as_clients_do() -> None:
    text = b"hello " * 100
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = raw_deflate.compress(text) + raw_deflate.flush()
    assert encoding.decode(["gzip"], gzip.compress(text)) == text
    assert encoding.decode(["x-gzip"], gzip.compress(text)) == text
    assert encoding.decode(["deflate"], zlib.compress(text)) == text
    assert encoding.decode(["deflate"], raw) == text
    assert encoding.decode(["identity"], text) == text
    # Applied in order, undone last first.
    assert (
        encoding.decode(encoding.names("deflate, gzip"), gzip.compress(zlib.compress(text))) == text
    )


def test_brotli_and_zstd_decode_as_clients_do() -> None:
    text = b"hello " * 100_000
    assert encoding.decode(["br"], brotli.compress(text)) == text
    assert encoding.decode(["zstd"], COMPRESS["zstd"](text)) == text
    two_frames = COMPRESS["zstd"](b"one ") + COMPRESS["zstd"](b"two")
    assert encoding.decode(["zstd"], two_frames) == b"one two"
    assert encoding.decode(encoding.names("br, gzip"), gzip.compress(brotli.compress(text))) == text


@pytest.mark.parametrize("name", ["br", "zstd"])
def test_a_brotli_or_zstd_bomb_stops_at_the_bound(name: str) -> None:
    # Both stand for megabytes in a few bytes; the decoders hand back bounded pieces.
    body = COMPRESS[name](b"\0" * 3_000_001)
    assert len(body) < 2_000
    with pytest.raises(CompressedBodyError, match="decodes to more than") as caught:
        encoding.decode([name], body, limit=3_000_000)
    assert caught.value.too_large
    assert encoding.decode([name], body, limit=3_000_001) == b"\0" * 3_000_001


@pytest.mark.parametrize("layers", [1, 2])
def test_a_bomb_stops_at_the_bound(layers: int) -> None:
    body = b"\0" * 100_001
    for _ in range(layers):
        body = gzip.compress(body)
    with pytest.raises(CompressedBodyError, match="decodes to more than") as caught:
        encoding.decode(["gzip"] * layers, body, limit=100_000)
    assert caught.value.too_large
    assert encoding.decode(["gzip"] * layers, body, limit=100_001) == b"\0" * 100_001


@pytest.mark.parametrize(
    ("names", "body", "problem"),
    [
        (["gzip"], b"not gzip at all", "its gzip body is corrupt"),
        (["gzip"], gzip.compress(b"x" * 1000, mtime=0)[:20], "its gzip body is cut short"),
        (["br"], b"\xff\xffnot brotli", "its br body is corrupt"),
        (["br"], brotli.compress(b"x" * 1000 + bytes(range(256)))[:-4], "its br body is cut short"),
        (["zstd"], b"(\xb5/\xfd", "its zstd body is"),
        (["compress"], b"x", "its content-encoding 'compress' is not one"),
    ],
    ids=["corrupt", "cut_short", "br_corrupt", "br_cut_short", "zstd", "unknown"],
)
def test_what_cannot_be_decoded_is_said(names: list[str], body: bytes, problem: str) -> None:
    with pytest.raises(CompressedBodyError, match=problem):
        encoding.decode(names, body)


def test_a_response_is_decoded_into_a_copy() -> None:
    response = {
        "headers": {"Content-Encoding": ["gzip"], "Content-Length": ["3"]},
        "body": {"string": gzip.compress(b"abc" * 10)},
        "status": {"code": 200},
    }
    decoded = encoding.decoded_response(response)
    assert decoded["body"]["string"] == b"abc" * 10
    assert decoded["headers"] == {"Content-Length": ["30"]}
    assert response["headers"]["Content-Encoding"] == ["gzip"]
    plain = {"headers": {}, "body": {"string": b"x"}}
    assert encoding.decoded_response(plain) is plain
    with pytest.raises(CompressedBodyError, match="not bytes"):
        encoding.decoded_response({"headers": {"content-encoding": "gzip"}, "body": {"string": 5}})
