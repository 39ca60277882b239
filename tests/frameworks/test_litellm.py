"""litellm: its OpenAI provider (completion, stream, async over aiohttp, tools) and its
`anthropic/` and `gemini/` routes.

The routes do not use the providers' SDKs: litellm sends with its own httpx client (its
aiohttp transport for async calls), recognized by its ``User-Agent: litellm/<version>``.
``api_base`` points them at the test server: the Anthropic root, and Gemini's root with its
API version (``/v1beta``). litellm's cost map is read from the package
(LITELLM_LOCAL_MODEL_COST_MAP), never fetched. Recorded against the test server, replayed in
CI mode with no key; seeds checked. Needs the `frameworks` extra; skipped without it.
"""

from __future__ import annotations

import os

import pytest
from helpers import record_then_replay_in_ci
from llm_server import FakeOpenAIServer

# Before litellm is imported: otherwise it fetches its model cost map from the network.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
pytest.importorskip("litellm", reason="litellm is not installed (extra: frameworks)")

pytestmark = pytest.mark.sdk

HEADER = """
import asyncio
import os
import litellm

TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"]},
    },
}]
"""

LITELLM = (
    HEADER
    + """
def ask(**kw):
    # litellm's openai/ provider reads OPENAI_BASE_URL and OPENAI_API_KEY like the SDK.
    return litellm.completion(model="openai/gpt-4o", **kw)

def seeds(seeded_llm):
    return [c.request.get("seed") for c in seeded_llm.calls]

def test_completion_and_stream(seeded_llm):
    answer = ask(messages=[{"role": "user", "content": "Say hello"}])
    assert answer.choices[0].message.content.startswith("[Say hello]")
    stream = ask(messages=[{"role": "user", "content": "Stream it"}], stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream).startswith("[Stream it]")
    assert seeds(seeded_llm) == [seeded_llm.seed] * 2
    assert seeded_llm.calls == seeded_llm.snapshot

def test_async_completion(seeded_llm):
    answer = asyncio.run(litellm.acompletion(
        model="openai/gpt-4o", messages=[{"role": "user", "content": "Say hello async"}]
    ))
    assert answer.choices[0].message.content.startswith("[Say hello async]")
    assert seeds(seeded_llm) == [seeded_llm.seed]
    assert seeded_llm.calls == seeded_llm.snapshot

def test_tool_call(seeded_llm):
    answer = ask(messages=[{"role": "user", "content": "Weather in Paris?"}], tools=TOOLS,
                 tool_choice="required")
    assert answer.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert seeds(seeded_llm) == [seeded_llm.seed]
    assert seeded_llm.calls == seeded_llm.snapshot
"""
)


def test_litellm_records_replays_offline_and_snapshots(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    pytester.makepyfile(test_litellm=LITELLM)
    record_then_replay_in_ci(pytester, llm_env, monkeypatch, passed=3)


ROUTES = (
    HEADER
    + """
def exercise(**route):
    ask = lambda text, **kw: litellm.completion(
        messages=[{"role": "user", "content": text}], **route, **kw)
    assert ask("Say hello").choices[0].message.content.startswith("[Say hello]")
    stream = ask("Stream it", stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream).startswith("[Stream it]")
    answer = asyncio.run(litellm.acompletion(
        messages=[{"role": "user", "content": "Say hello async"}], **route))
    assert answer.choices[0].message.content.startswith("[Say hello async]")
    called = ask("Weather in Paris?", tools=TOOLS, tool_choice="required")
    assert called.choices[0].message.tool_calls[0].function.name == "get_weather"

def test_anthropic_route(seeded_llm):
    exercise(model="anthropic/claude-sonnet-4-5", max_tokens=64,
             api_base=os.environ["ANTHROPIC_BASE_URL"])
    assert [(c.endpoint, c.streamed) for c in seeded_llm.calls] == [
        ("messages", False), ("messages", True), ("messages", False), ("messages", False)]
    assert all("seed" not in c.request for c in seeded_llm.calls)
    assert seeded_llm.calls == seeded_llm.snapshot

def test_gemini_route(seeded_llm):
    exercise(model="gemini/gemini-2.5-flash",
             api_base=os.environ["GOOGLE_GEMINI_BASE_URL"] + "/v1beta")
    assert [(c.endpoint, c.streamed) for c in seeded_llm.calls] == [
        ("models.generate_content", False), ("models.generate_content", True),
        ("models.generate_content", False), ("models.generate_content", False)]
    seeds = [c.request["generationConfig"]["seed"] for c in seeded_llm.calls]
    assert seeds == [seeded_llm.seed] * 4
    assert seeded_llm.calls == seeded_llm.snapshot
"""
)


def test_litellm_anthropic_and_gemini_routes_record_replay_offline_and_snapshot(
    pytester: pytest.Pytester, providers_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.delenv("LITELLM_USER_AGENT", raising=False)
    pytester.makepyfile(test_litellm=ROUTES)
    record_then_replay_in_ci(pytester, providers_env, monkeypatch, passed=2)
    cassettes = pytester.path / "cassettes" / "test_litellm"
    assert sorted(p.name for p in cassettes.iterdir()) == [
        "test_anthropic_route.yaml",
        "test_gemini_route.yaml",
    ]
    gemini = pytester.path / "__snapshots__" / "test_litellm" / "test_gemini_route.llm.yaml"
    assert "functionCall:\n        name: get_weather\n        args:\n          city: " in (
        gemini.read_text()
    )


OWN_AGENT = """
import os
import litellm

def test_own_user_agent(seeded_llm):
    answer = litellm.completion(
        model="anthropic/claude-sonnet-4-5", max_tokens=64,
        messages=[{"role": "user", "content": "Say hello"}])
    assert answer.choices[0].message.content.startswith("[Say hello]")
    assert [c.endpoint for c in seeded_llm.calls] == (
        ["messages"] if os.environ.get("LISTED") else [])
"""


@pytest.mark.parametrize("listed", [False, True])
def test_another_user_agent_needs_the_host_listed(
    pytester: pytest.Pytester,
    providers_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    listed: bool,
) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("LITELLM_USER_AGENT", "our-app/1.0")
    if listed:
        monkeypatch.setenv("LISTED", "1")
        pytester.makeini("[pytest]\nllmseed_record_hosts = 127.0.0.1\n")
    pytester.makepyfile(test_litellm=OWN_AGENT)
    # A process of its own: litellm reads LITELLM_USER_AGENT once, when it is imported.
    result = pytester.runpytest_subprocess("--llmseed-record-mode=once", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_litellm" / "test_own_user_agent.yaml"
    assert cassette.exists() is listed
