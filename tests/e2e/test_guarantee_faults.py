"""Guarantee: faults while recording never become the recorded truth.

Retried errors (429, 5xx) are not recorded, only the successful retry; a stream cut
mid-way or a dropped connection fails the test and records nothing of it; a timeout is the
SDK's clear error, with nothing recorded and no plugin frames in the report.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from llm_server import FakeOpenAIServer

# SDK-facing: CI runs these under openai 2.x as well (`pytest -m sdk`, .ci/run).
pytestmark = pytest.mark.sdk

PLUGIN_FRAME = re.compile(r"pytest_llmseed[\\/](?:\w+[\\/])*\w+\.py")

FAULTY = """
import asyncio, openai

ASK = [{"role": "user", "content": "fault"}]

def test_plain(seeded_llm):
    out = seeded_llm.client.chat.completions.create(model="gpt-4o", messages=ASK)
    assert out.choices[0].message.content.startswith("[fault]")
    assert seeded_llm.calls == seeded_llm.snapshot

def test_streamed(seeded_llm):
    stream = seeded_llm.client.chat.completions.create(model="gpt-4o", messages=ASK, stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.startswith("[fault]")
    assert seeded_llm.calls == seeded_llm.snapshot

def test_async_streamed(seeded_llm):
    async def main():
        stream = await seeded_llm.async_client.chat.completions.create(
            model="gpt-4o", messages=ASK, stream=True
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert asyncio.run(main()).startswith("[fault]")
    assert seeded_llm.calls == seeded_llm.snapshot
"""


# The SDK's retries off: a cut stream or a dropped connection is then the test's failure.
CUT = """
import asyncio

ASK = [{"role": "user", "content": "fault"}]

def test_plain(seeded_llm):
    client = seeded_llm.client.with_options(max_retries=0)
    client.chat.completions.create(model="gpt-4o", messages=ASK)

def test_streamed(seeded_llm):
    client = seeded_llm.client.with_options(max_retries=0)
    for _ in client.chat.completions.create(model="gpt-4o", messages=ASK, stream=True):
        pass
    assert seeded_llm.calls == seeded_llm.snapshot

def test_async_streamed(seeded_llm):
    async def main():
        client = seeded_llm.async_client.with_options(max_retries=0)
        stream = await client.chat.completions.create(model="gpt-4o", messages=ASK, stream=True)
        async for _ in stream:
            pass
    asyncio.run(main())
    assert seeded_llm.calls == seeded_llm.snapshot
"""


def cassette_of(root: Path, test: str) -> Path:
    return root / "cassettes" / "test_faulty" / f"{test}.yaml"


def interactions(path: Path) -> list[dict]:  # type: ignore[type-arg]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return list(data["interactions"])


def no_plugin_frames(result: pytest.RunResult) -> None:
    output = result.stdout.str() + result.stderr.str()
    assert [line for line in output.splitlines() if PLUGIN_FRAME.search(line)] == []
    assert "INTERNALERROR" not in output


def leftovers(root: Path) -> list[Path]:
    """Temporary files of interrupted writes: there must be none."""
    return list(root.rglob("*.tmp"))


@pytest.mark.parametrize("test", ["test_plain", "test_streamed", "test_async_streamed"])
def test_429_and_500_then_success_keeps_only_the_success(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, test: str
) -> None:
    llm_env.fail_next(429)
    llm_env.fail_next(500)  # the SDK retries twice by default: the third try succeeds
    pytester.makepyfile(test_faulty=FAULTY)
    result = pytester.runpytest(f"-k={test}", "--llmseed-record-mode=once", "--snapshot-update")
    result.assert_outcomes(passed=1)
    assert [r.path for r in llm_env.requests] == ["/v1/chat/completions"] * 3
    (kept,) = interactions(cassette_of(pytester.path, test))
    assert kept["response"]["status"]["code"] == 200
    golden = pytester.path / "__snapshots__" / "test_faulty" / f"{test}.llm.yaml"
    assert "[fault]" in golden.read_text(encoding="utf-8")
    assert len(yaml.safe_load(golden.read_text(encoding="utf-8"))["calls"]) == 1
    # Replayed offline: the same answer, the same golden, nothing sent.
    llm_env.stop()
    try:
        pytester.runpytest(f"-k={test}").assert_outcomes(passed=1)
    finally:
        llm_env.start()
    assert len(llm_env.requests) == 3


def test_errors_until_retries_run_out_fail_the_test_and_record_nothing(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.fail_next(429, times=3)  # the first try and the SDK's two retries
    pytester.makepyfile(test_faulty=FAULTY)
    result = pytester.runpytest("-k=test_plain", "--llmseed-record-mode=once")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RateLimitError*"])
    no_plugin_frames(result)
    assert not cassette_of(pytester.path, "test_plain").exists()
    assert leftovers(pytester.path) == []


@pytest.mark.parametrize("test", ["test_streamed", "test_async_streamed"])
def test_stream_cut_mid_way_fails_the_test_and_records_nothing(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, test: str
) -> None:
    llm_env.drop_mid_stream_next(after_chunks=3)
    pytester.makepyfile(test_faulty=CUT)
    result = pytester.runpytest(f"-k={test}", "--llmseed-record-mode=once", "--snapshot-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*APIConnectionError*"])
    result.stdout.fnmatch_lines(["*incomplete chunked read*"])
    no_plugin_frames(result)
    assert len(llm_env.requests) == 1
    assert not cassette_of(pytester.path, test).exists()
    assert not (pytester.path / "__snapshots__" / "test_faulty" / f"{test}.llm.yaml").exists()
    assert leftovers(pytester.path) == []


def test_stream_cut_mid_way_and_retried_records_only_the_whole_stream(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.drop_mid_stream_next(after_chunks=3)
    pytester.makepyfile(test_faulty=FAULTY)
    result = pytester.runpytest(
        "-k=test_streamed", "--llmseed-record-mode=once", "--snapshot-update"
    )
    result.assert_outcomes(passed=1)
    assert len(llm_env.requests) == 2  # the cut try and the SDK's retry
    (kept,) = interactions(cassette_of(pytester.path, "test_streamed"))
    body = kept["response"]["body"]["string"]
    assert body.rstrip().endswith("data: [DONE]")
    pytester.runpytest("-k=test_streamed").assert_outcomes(passed=1)
    assert len(llm_env.requests) == 2


def test_dropped_connection_fails_the_test_and_records_nothing(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.drop_next()
    pytester.makepyfile(test_faulty=CUT)
    result = pytester.runpytest("-k=test_plain", "--llmseed-record-mode=once")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*APIConnectionError*"])
    no_plugin_frames(result)
    assert not cassette_of(pytester.path, "test_plain").exists()


def test_timeout_is_a_clear_error_and_records_nothing(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.delay_next(1)
    pytester.makepyfile(
        test_slow="""
def test_x(seeded_llm):
    client = seeded_llm.client.with_options(timeout=0.1, max_retries=0)
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "s"}])
"""
    )
    result = pytester.runpytest("--llmseed-record-mode=once")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["FAILED test_slow.py::test_x - openai.APITimeoutError: Request timed out."]
    )
    no_plugin_frames(result)
    assert not (pytester.path / "cassettes").exists()
    assert leftovers(pytester.path) == []
