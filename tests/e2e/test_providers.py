"""Anthropic and Gemini through their own SDKs (``anthropic``, ``google-genai``): the test
server speaks both as the SDKs expect, and under the plugin both record, replay offline
with no key, get readable goldens, and are seeded where the API has a seed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import FakeOpenAIServer

anthropic = pytest.importorskip("anthropic", reason="needs the test extra (anthropic)")
genai = pytest.importorskip("google.genai", reason="needs the test extra (google-genai)")
from google.genai import types  # noqa: E402

pytestmark = pytest.mark.sdk

ANTHROPIC_KEY = "sk-test-ant-9f8e7d6c5b4a39281706"
GEMINI_KEY = "sk-test-gem-1a2b3c4d5e6f70819283"
WEATHER = {
    "name": "get_weather",
    "description": "The weather of a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def _root(server: FakeOpenAIServer) -> str:
    return server.base_url.removesuffix("/v1")


def _point_sdks_at(server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner tests' Anthropic and Gemini clients (the app reads APP_GEMINI_URL) aimed
    at ``server``, with fake keys."""
    root = _root(server)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", root)
    monkeypatch.setenv("APP_GEMINI_URL", root)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI_KEY)


def _gemini(server: FakeOpenAIServer) -> genai.Client:
    options = types.HttpOptions(base_url=_root(server), api_version="v1beta")
    return genai.Client(api_key=GEMINI_KEY, http_options=options)


def get_weather(city: str) -> str:
    """The weather of a city."""
    return f"sunny in {city}"


# -- the test server, without the plugin -------------------------------------------------


def test_server_speaks_anthropic_messages(llm_server: FakeOpenAIServer) -> None:
    client = anthropic.Anthropic(api_key=ANTHROPIC_KEY, base_url=_root(llm_server), max_retries=0)
    ask = [{"role": "user", "content": "Hello there"}]
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=ask)
    assert message.content[0].text.startswith("[Hello there] ")
    assert message.stop_reason == "end_turn"
    # No seed in this API: two answers to one request differ.
    again = client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=ask)
    assert again.content[0].text != message.content[0].text
    cut = client.messages.create(model="claude-sonnet-4-5", max_tokens=3, messages=ask)
    assert cut.stop_reason == "max_tokens"
    with client.messages.stream(
        model="claude-sonnet-4-5", max_tokens=64, messages=ask, tools=[WEATHER]
    ) as stream:
        final = stream.get_final_message()
    (tool_use,) = final.content
    assert (tool_use.type, tool_use.name, set(tool_use.input)) == (
        "tool_use",
        "get_weather",
        {"city"},
    )
    assert final.stop_reason == "tool_use"
    streamed_text = "".join(
        event.delta.text
        for event in client.messages.create(
            model="claude-sonnet-4-5", max_tokens=64, messages=ask, stream=True
        )
        if event.type == "content_block_delta"
    )
    assert streamed_text.startswith("[Hello there] ")
    counted = client.messages.count_tokens(model="claude-sonnet-4-5", messages=ask)
    assert counted.input_tokens == 2
    # Older SDKs send the key as x-api-key, current ones as a bearer token.
    headers = llm_server.requests[0].headers
    assert ANTHROPIC_KEY in (headers.get("x-api-key"), headers.get("authorization", "")[7:])


def test_server_speaks_gemini(llm_server: FakeOpenAIServer) -> None:
    client = _gemini(llm_server)
    seeded = types.GenerateContentConfig(seed=7)
    first = client.models.generate_content(model="gemini-2.5-flash", contents="Hi", config=seeded)
    second = client.models.generate_content(model="gemini-2.5-flash", contents="Hi", config=seeded)
    assert first.text == second.text
    assert first.text.startswith("[Hi] ")
    assert first.model_version == "gemini-2.5-flash-001"
    other = types.GenerateContentConfig(seed=8)
    assert (
        client.models.generate_content(model="gemini-2.5-flash", contents="Hi", config=other).text
        != first.text
    )
    chunks = list(
        client.models.generate_content_stream(
            model="gemini-2.5-flash", contents="Hi", config=seeded
        )
    )
    assert len(chunks) > 1
    assert "".join(c.text or "" for c in chunks) == first.text
    assert llm_server.requests[-1].query["alt"] == ["sse"]
    config = types.GenerateContentConfig(
        tools=[get_weather],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    called = client.models.generate_content(
        model="gemini-2.5-flash", contents="Weather in Paris?", config=config
    )
    (call,) = called.function_calls or []
    assert call.name == "get_weather"
    assert set(call.args or {}) == {"city"}
    limited = types.GenerateContentConfig(max_output_tokens=2)
    cut = client.models.generate_content(model="gemini-2.5-flash", contents="Hi", config=limited)
    assert cut.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert client.models.count_tokens(model="gemini-2.5-flash", contents="a b c").total_tokens == 3
    embedded = client.models.embed_content(model="text-embedding-004", contents="a b c")
    assert len(embedded.embeddings[0].values) == 8
    assert llm_server.requests[0].headers["x-goog-api-key"] == GEMINI_KEY

    async def both() -> list[str]:
        answers = await asyncio.gather(
            client.aio.models.generate_content(
                model="gemini-2.5-flash", contents="Hi", config=seeded
            ),
            client.aio.models.generate_content(
                model="gemini-2.5-flash", contents="Yo", config=seeded
            ),
        )
        return [a.text or "" for a in answers]

    assert asyncio.run(both())[0] == first.text


# -- under the plugin ---------------------------------------------------------------------

APP = '''
"""Code under test: builds its own clients, from the environment, as applications do."""
import os
import anthropic
from google import genai
from google.genai import types

WEATHER = {
    "name": "get_weather",
    "description": "The weather of a city.",
    "input_schema": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
    },
}

def get_weather(city: str) -> str:
    """The weather of a city."""
    return "sunny"

def claude():
    return anthropic.Anthropic()  # ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL

def gemini():
    # Keep the client while it is used: google-genai closes its HTTP client when the
    # Client object is collected, even with a request of it still to come.
    options = types.HttpOptions(base_url=os.environ["APP_GEMINI_URL"], api_version="v1beta")
    return genai.Client(http_options=options)  # GEMINI_API_KEY

def ask(text, **kw):
    return dict(model="claude-sonnet-4-5", max_tokens=64,
                messages=[{"role": "user", "content": text}], **kw)
'''

TESTS = '''
import asyncio, importlib.util, json, pathlib
import pytest
from google.genai import types
import app

def remember(name, value):
    """The first run stores what the live server said; later runs must see the same."""
    path = pathlib.Path("expected") / f"{name}.json"
    if path.exists():
        assert json.loads(path.read_text()) == value
    else:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(value))

def test_claude_sync(seeded_llm):
    message = app.claude().messages.create(**app.ask("Hello Claude"))
    remember("claude_sync", message.content[0].text)
    (call,) = seeded_llm.calls
    assert call.endpoint == "messages"
    assert "seed" not in call.request
    assert message == seeded_llm.snapshot

def test_claude_async(seeded_llm):
    async def main():
        client = app.anthropic.AsyncAnthropic()
        plain = await client.messages.create(**app.ask("async Claude"))
        stream = await client.messages.create(**app.ask("async Claude stream"), stream=True)
        parts = [e.delta.text async for e in stream if e.type == "content_block_delta"]
        return plain.content[0].text, "".join(parts)
    plain, streamed = asyncio.run(main())
    remember("claude_async", [plain, streamed])
    assert [c.streamed for c in seeded_llm.calls] == [False, True]
    assert seeded_llm.calls[1].response["content"][0]["text"] == streamed

def test_claude_stream_tools(seeded_llm):
    with app.claude().messages.stream(**app.ask("Weather in Paris?"), tools=[app.WEATHER]) as s:
        final = s.get_final_message()
    remember("claude_tools", final.content[0].input)
    (call,) = seeded_llm.calls
    assert call.streamed
    assert call.response["content"][0]["input"] == final.content[0].input
    assert call.response["stop_reason"] == "tool_use"
    assert seeded_llm.calls == seeded_llm.snapshot

def test_claude_count_tokens(seeded_llm):
    counted = app.claude().messages.count_tokens(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "one two"}])
    assert counted.input_tokens == 2
    assert [c.endpoint for c in seeded_llm.calls] == ["messages.count_tokens"]

def test_gemini_sync(seeded_llm):
    client = app.gemini()
    answer = client.models.generate_content(model="gemini-2.5-flash", contents="Hello Gemini")
    remember("gemini_sync", answer.text)
    (call,) = seeded_llm.calls
    assert call.endpoint == "models.generate_content"
    assert call.request["generationConfig"]["seed"] == seeded_llm.seed
    assert answer == seeded_llm.snapshot

def test_gemini_callers_seed(seeded_llm):
    config = types.GenerateContentConfig(seed=99)
    client = app.gemini()
    answer = client.models.generate_content(
        model="gemini-2.5-flash", contents="Hello Gemini", config=config)
    remember("gemini_callers_seed", answer.text)
    assert seeded_llm.calls[0].request["generationConfig"]["seed"] == 99

def test_gemini_async_stream(seeded_llm):
    # Over aiohttp where it is installed, over httpx elsewhere: the same calls either way.
    async def main():
        gemini = app.gemini()
        client = gemini.aio
        plain = await client.models.generate_content(model="gemini-2.5-flash", contents="async")
        stream = await client.models.generate_content_stream(
            model="gemini-2.5-flash", contents="async stream")
        parts = [c.text or "" async for c in stream]
        return plain.text, "".join(parts)
    plain, streamed = asyncio.run(main())
    remember("gemini_async", [plain, streamed])
    assert [c.streamed for c in seeded_llm.calls] == [False, True]
    text = seeded_llm.calls[1].response["candidates"][0]["content"]["parts"][0]["text"]
    assert text == streamed

def test_gemini_stream_tools(seeded_llm):
    config = types.GenerateContentConfig(
        tools=[app.get_weather],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
    client = app.gemini()
    chunks = list(client.models.generate_content_stream(
        model="gemini-2.5-flash", contents="Weather in Paris?", config=config))
    (call,) = [c for chunk in chunks for c in chunk.function_calls or []]
    remember("gemini_tools", call.args)
    assert seeded_llm.calls == seeded_llm.snapshot
'''


OUTCOMES = {"passed": 8}


@pytest.fixture
def private_server() -> Iterator[FakeOpenAIServer]:
    """A server of this test's own, so it can be stopped without affecting others."""
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def _read_golden(root: Path, name: str) -> str:
    return (root / "__snapshots__" / "test_app" / f"{name}.llm.yaml").read_text()


def test_record_then_replay_offline_with_no_key(
    pytester: pytest.Pytester, private_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _point_sdks_at(private_server, monkeypatch)
    pytester.makepyfile(app=APP, test_app=TESTS)
    result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    result.assert_outcomes(**OUTCOMES)
    sent = [r for r in private_server.requests if r.method == "POST"]
    assert len(sent) == 10
    gemini_seeds = [
        r.json["generationConfig"].get("seed") for r in sent if ":" in r.path.rpartition("/")[2]
    ]
    assert gemini_seeds == [1234, 99, 1234, 1234, 1234]
    assert all("seed" not in r.json for r in sent if r.path.startswith("/v1/messages"))

    # Readable goldens: text as text, tool input and function args as data, the seed said.
    claude = _read_golden(pytester.path, "test_claude_sync")
    assert "endpoint: messages\n" in claude
    assert "  - type: text\n    text: |-\n      [Hello Claude] " in claude
    assert "output_tokens: 64\n" in claude
    assert "null" not in claude  # the answer as it came, not the SDK object's unset fields
    assert "stop_reason: end_turn" in claude
    assert "seed: unseeded (the Anthropic API takes no seed)" in claude
    tools = _read_golden(pytester.path, "test_claude_stream_tools")
    assert "type: tool_use\n      name: get_weather\n      input:\n        city: " in tools
    gemini = _read_golden(pytester.path, "test_gemini_sync")
    assert "endpoint: models.generate_content\n" in gemini
    assert "finishReason: STOP" in gemini
    assert "modelVersion: gemini-2.5-flash-001" in gemini
    assert "seed: 1234" in gemini
    assert "generationConfig" not in gemini  # only our seed was in it: moved to meta
    gemini_tools = _read_golden(pytester.path, "test_gemini_stream_tools")
    assert (
        "    - functionCall:\n        name: get_weather\n        args:\n          city: "
        in gemini_tools
    )

    # No key on disk, anywhere under the project.
    for path in pytester.path.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert ANTHROPIC_KEY not in text, path
            assert GEMINI_KEY not in text, path

    private_server.stop()
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("GEMINI_API_KEY")
    replay = pytester.runpytest("-p", "no:cacheprovider")
    replay.assert_outcomes(**OUTCOMES)
    assert len([r for r in private_server.requests if r.method == "POST"]) == len(sent)
    pytester.runpytest("-n", "2", "-p", "no:cacheprovider").assert_outcomes(**OUTCOMES)


RETRY_AND_UNSEEDED = """
import os
import anthropic
import pytest
from google import genai
from google.genai import types

def test_claude_retried(seeded_llm):
    client = anthropic.Anthropic(max_retries=2)
    message = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=64,
        messages=[{"role": "user", "content": "Busy?"}])
    assert [c.status_code for c in seeded_llm.calls] == [200]
    assert message.content[0].text.startswith("[Busy?] ")

@pytest.mark.llmseed(inject_seed=os.environ.get("UNSEEDED") != "1")
def test_gemini_plain_vcrpy_recording(seeded_llm):
    options = types.HttpOptions(base_url=os.environ["APP_GEMINI_URL"], api_version="v1beta")
    client = genai.Client(http_options=options)
    answer = client.models.generate_content(model="gemini-2.5-flash", contents="old")
    assert answer == seeded_llm.snapshot
    (call,) = seeded_llm.calls
    if os.environ.get("UNSEEDED") != "1":
        # Our seed went in, the recording had none: the golden must not claim one.
        assert call.request["generationConfig"] == {"seed": seeded_llm.seed}
        assert call.unseeded == "unseeded (recorded without one)"
"""


def test_overloaded_is_retried_not_recorded_and_a_seedless_gemini_recording_replays(
    pytester: pytest.Pytester, private_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _point_sdks_at(private_server, monkeypatch)
    monkeypatch.setenv("UNSEEDED", "1")  # recorded the way plain vcrpy would: no seed sent
    pytester.makepyfile(test_app=RETRY_AND_UNSEEDED)
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    private_server.fail_next(529, body=overloaded)
    result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    result.assert_outcomes(passed=2)
    claude = (pytester.path / "cassettes" / "test_app" / "test_claude_retried.yaml").read_text()
    assert "529" not in claude
    assert "Overloaded" not in claude
    assert claude.count("status:") == 1
    gemini = private_server.requests[-1]
    assert gemini.path.endswith(":generateContent")
    assert "seed" not in json.dumps(gemini.json)

    private_server.stop()
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.delenv("UNSEEDED")  # now seeded: the seedless recording must still answer
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


PROBED = """
import os
import anthropic
from google import genai
from google.genai import types

def test_probed(seeded_llm):
    anthropic.Anthropic().messages.create(
        model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "x"}])
    options = types.HttpOptions(base_url=os.environ["APP_GEMINI_URL"], api_version="v1beta")
    client = genai.Client(http_options=options)
    client.models.generate_content(model="gemini-2.5-flash", contents="x")
"""


def test_probe_measures_both_providers(
    pytester: pytest.Pytester, llm_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _point_sdks_at(llm_server, monkeypatch)
    pytester.makepyfile(test_app=PROBED)
    result = pytester.runpytest(
        "--llmseed-record-mode=once", "--llmseed-probe=3", "--llmseed-report=r.json"
    )
    result.assert_outcomes(passed=1)
    report = json.loads((pytester.path / "r.json").read_text())
    (test,) = report["tests"]
    measured = {p["endpoint"]: (p["samples"], p["distinct"]) for p in test["probe"]}
    # Anthropic has no seed: three samples, three answers. Gemini's seed holds its one.
    assert measured == {"messages": (3, 3), "models.generate_content": (3, 1)}
    assert len(llm_server.requests) == 6
