"""google-genai's async client over aiohttp (used when aiohttp is installed): seeded,
logged, recorded and replayed offline like its httpx path; a miss is explained, the probe
measures it, and other aiohttp traffic passes through unrecorded. Runs where aiohttp is
installed (the `frameworks` extra)."""

from __future__ import annotations

import json

import pytest
from helpers import GEMINI_TEST_KEY
from llm_server import FakeOpenAIServer

pytest.importorskip("google.genai", reason="needs the test extra (google-genai)")
pytest.importorskip("aiohttp", reason="aiohttp is not installed (extra: frameworks)")

pytestmark = pytest.mark.sdk

TESTS = '''
import asyncio, os
import aiohttp
from google import genai
from google.genai import types

def tools_config():
    def get_weather(city: str) -> str:
        """The weather of a city."""
        return "sunny"
    return types.GenerateContentConfig(
        tools=[get_weather],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))

async def other_traffic():
    # Not the SDK's: passes through vcrpy's aiohttp patch untouched, never recorded.
    async with aiohttp.ClientSession() as session:
        async with session.get(os.environ["GOOGLE_GEMINI_BASE_URL"] + "/health") as r:
            return r.status

def test_async_over_aiohttp(seeded_llm):
    client = genai.Client()
    assert client._api_client._use_aiohttp()  # the path under test

    async def main():
        plain = await client.aio.models.generate_content(
            model="gemini-2.5-flash", contents=os.environ.get("PROMPT", "Hello aiohttp"))
        stream = await client.aio.models.generate_content_stream(
            model="gemini-2.5-flash", contents="aiohttp stream")
        parts = [c.text or "" async for c in stream]
        theirs = await client.aio.models.generate_content(
            model="gemini-2.5-flash", contents="own seed",
            config=types.GenerateContentConfig(seed=99))
        called = await client.aio.models.generate_content(
            model="gemini-2.5-flash", contents="Weather in Paris?", config=tools_config())
        status = await other_traffic()
        return plain, "".join(parts), theirs, called, status

    plain, streamed, theirs, called, status = asyncio.run(main())
    assert plain.text.startswith("[")
    assert status == 401  # the live server's answer (no key sent): not recorded, not replayed
    assert [c.streamed for c in seeded_llm.calls] == [False, True, False, False]
    seeds = [c.request["generationConfig"]["seed"] for c in seeded_llm.calls]
    assert seeds == [seeded_llm.seed, seeded_llm.seed, 99, seeded_llm.seed]
    assert seeded_llm.calls[1].response["candidates"][0]["content"]["parts"][0]["text"] == streamed
    assert called.function_calls[0].name == "get_weather"
    assert plain == seeded_llm.snapshot(name="plain")
    assert seeded_llm.calls == seeded_llm.snapshot(name="calls")
'''


def test_genai_aiohttp_records_replays_offline_and_explains_a_miss(
    pytester: pytest.Pytester, providers_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_aio=TESTS)
    result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    result.assert_outcomes(passed=1)
    sent = [r for r in providers_env.requests if r.method == "POST"]
    assert [r.json["generationConfig"]["seed"] for r in sent] == [1234, 1234, 99, 1234]
    cassette = pytester.path / "cassettes" / "test_aio" / "test_async_over_aiohttp.yaml"
    text = cassette.read_text()
    assert text.count("uri: ") == 4  # the four LLM calls; /health passed through
    assert GEMINI_TEST_KEY not in text
    golden = (
        pytester.path / "__snapshots__" / "test_aio" / "test_async_over_aiohttp[calls].llm.yaml"
    )
    assert "    seed: 1234\n" in golden.read_text()
    assert "    - text: '[Hello aiohttp] " in golden.read_text()

    providers_env.reset()
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.setenv("CI", "true")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert [r.path for r in providers_env.requests] == ["/health"]

    monkeypatch.setenv("PROMPT", "Hello changed")
    missed = pytester.runpytest("-p", "no:cacheprovider")
    missed.assert_outcomes(failed=1)
    missed.stdout.fnmatch_lines(
        [
            "*llmseed: no recorded answer for this request*",
            "*:generateContent*",
            "*Hello changed*",
        ]
    )
    assert "Traceback" not in missed.stdout.str()


PROBED = """
import asyncio
from google import genai

def test_probed(seeded_llm):
    client = genai.Client()
    asyncio.run(client.aio.models.generate_content(model="gemini-2.5-flash", contents="x"))
"""


def test_probe_resends_over_aiohttp(
    pytester: pytest.Pytester, providers_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_aio=PROBED)
    result = pytester.runpytest(
        "--llmseed-record-mode=once", "--llmseed-probe=3", "--llmseed-report=r.json"
    )
    result.assert_outcomes(passed=1)
    (test,) = json.loads((pytester.path / "r.json").read_text())["tests"]
    assert [(p["endpoint"], p["samples"], p["distinct"]) for p in test["probe"]] == [
        ("models.generate_content", 3, 1)
    ]
    assert len(providers_env.requests) == 3
    cassette = pytester.path / "cassettes" / "test_aio" / "test_probed.yaml"
    assert cassette.read_text().count("uri: ") == 1  # the probe's extra requests: not recorded
