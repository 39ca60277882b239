"""Every OpenAI SDK major and transport: httpx2 (3.x), httpx (1.x, 2.x, 3.x's legacy client).

Run by CI under the newest openai 3.x and again under the newest 2.x (`.ci/run`); tox has one
env per SDK major. A case the installed SDK cannot take (httpx2 under 2.x) is skipped, saying
why. Cassettes recorded by each major ship in ``tests/data/sdk_cassettes/`` and replay here.
"""

from __future__ import annotations

import importlib.util
import shutil

import openai
import pytest
import yaml
from helpers import DATA
from llm_server import FakeOpenAIServer

# SDK-facing: CI runs these under openai 2.x as well (`pytest -m sdk`, .ci/run).
pytestmark = pytest.mark.sdk

SDK_MAJOR = int(openai.__version__.split(".")[0])
SHIPPED = DATA / "sdk_cassettes"


def _library_skip(library: str) -> str | None:
    """Why this SDK cannot send through ``library`` here, or None."""
    if importlib.util.find_spec(library) is None:
        return f"{library} is not installed"
    if library == "httpx2" and SDK_MAJOR < 3:
        return f"openai {openai.__version__} builds its clients on httpx, not httpx2"
    return None


TRANSPORT_TESTS = """
import asyncio
import {library} as http
import openai

def make_sync():
    return openai.OpenAI(http_client=http.Client())

def make_async():
    return openai.AsyncOpenAI(http_client=http.AsyncClient())

def test_sync(seeded_llm):
    client = make_sync()
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "Say hello"}}]
    )
    stream = client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "Stream it"}}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.startswith("[Stream it]")
    assert [c.request["seed"] for c in seeded_llm.calls] == [seeded_llm.seed] * 2
    assert seeded_llm.calls[1].streamed
    assert answer == seeded_llm.snapshot
    assert seeded_llm.calls == seeded_llm.snapshot

def test_async(seeded_llm):
    async def main():
        client = make_async()
        answer = await client.chat.completions.create(
            model="gpt-4o", messages=[{{"role": "user", "content": "Say hello async"}}]
        )
        await client.close()
        return answer
    answer = asyncio.run(main())
    assert seeded_llm.calls[0].request["seed"] == seeded_llm.seed
    assert answer == seeded_llm.snapshot
"""


@pytest.mark.parametrize("library", ["httpx2", "httpx"])
def test_each_http_library_is_seeded_recorded_snapshotted_and_replayed_offline(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, library: str
) -> None:
    reason = _library_skip(library)
    if reason:
        pytest.skip(reason)
    pytester.makepyfile(test_transport=TRANSPORT_TESTS.format(library=library))
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    # The seed reached the server on every request, through this library's transport.
    assert [r.json["seed"] for r in llm_env.requests] == [1234] * 3
    cassette = yaml.safe_load(
        (pytester.path / "cassettes" / "test_transport" / "test_sync.yaml").read_text()
    )
    assert len(cassette["interactions"]) == 2
    # Replay: no key, the server's answers unused, the goldens as recorded.
    llm_env.reset()
    pytester.runpytest("-p", "no:randomly", "--snapshot-warn-unused").assert_outcomes(passed=2)
    assert llm_env.requests == []


def test_with_xdist_too(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    library = "httpx" if _library_skip("httpx") is None else "httpx2"
    pytester.makepyfile(test_transport=TRANSPORT_TESTS.format(library=library))
    pytester.runpytest(
        "-n", "2", "--llmseed-record-mode=once", "--snapshot-update"
    ).assert_outcomes(passed=2)
    llm_env.reset()
    pytester.runpytest("-n", "2").assert_outcomes(passed=2)
    assert llm_env.requests == []


REPLAY_SHIPPED = """
import openai

def test_x(seeded_llm):
    client = openai.OpenAI()
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Say hello"}]
    )
    stream = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Stream it"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert [c.request["seed"] for c in seeded_llm.calls] == [seeded_llm.seed] * 2
    assert seeded_llm.calls == seeded_llm.snapshot
"""


def test_cassettes_recorded_by_every_sdk_major_replay_to_the_same_golden(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, offline: None
) -> None:
    """Recorded by openai 1.x, 2.x and 3.x (shipped); replayed by the SDK installed here."""
    monkeypatch.setenv("OPENAI_BASE_URL", "http://llm.test/v1")
    pytester.makepyfile(test_shipped=REPLAY_SHIPPED)
    goldens = {}
    for major in ("openai1", "openai2", "openai3"):
        shutil.rmtree(pytester.path / "cassettes", ignore_errors=True)
        shutil.rmtree(pytester.path / "__snapshots__", ignore_errors=True)
        target = pytester.path / "cassettes" / "test_shipped"
        target.mkdir(parents=True)
        shutil.copy(SHIPPED / f"{major}.yaml", target / "test_x.yaml")
        pytester.runpytest("--snapshot-update").assert_outcomes(passed=1)
        (golden,) = (pytester.path / "__snapshots__").rglob("*.*")
        goldens[major] = golden.read_text()
    assert goldens["openai1"] == goldens["openai2"] == goldens["openai3"]


def test_the_sdks_aiohttp_client_is_seeded_recorded_and_replayed(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    """``DefaultAioHttpClient`` sends through aiohttp: vcrpy's aiohttp patcher records it."""
    if importlib.util.find_spec("aiohttp") is None:
        pytest.skip("aiohttp is not installed (openai[aiohttp])")
    pytester.makepyfile(
        test_aio="""
import asyncio
import openai

def test_x(seeded_llm):
    async def main():
        async with openai.AsyncOpenAI(http_client=openai.DefaultAioHttpClient()) as client:
            answer = await client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Say hello"}]
            )
            stream = await client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Stream it"}], stream=True
            )
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        return answer, text
    answer, text = asyncio.run(main())
    assert text.startswith("[Stream it]")
    assert [c.request["seed"] for c in seeded_llm.calls] == [seeded_llm.seed] * 2
    assert answer == seeded_llm.snapshot
    assert seeded_llm.calls == seeded_llm.snapshot
"""
    )
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    assert [r.json["seed"] for r in llm_env.requests] == [1234] * 2
    cassette = yaml.safe_load(
        (pytester.path / "cassettes" / "test_aio" / "test_x.yaml").read_text()
    )
    assert len(cassette["interactions"]) == 2
    llm_env.reset()
    pytester.runpytest().assert_outcomes(passed=1)
    assert llm_env.requests == []
