"""litellm through its OpenAI provider: completion, stream, async (aiohttp), tools.

litellm's cost map is read from the package (LITELLM_LOCAL_MODEL_COST_MAP), never fetched.
Recorded against the test server, replayed in CI mode with no key; seeds checked. Needs the
`frameworks` extra; skipped without it.
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

LITELLM = """
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


def test_litellm_records_replays_offline_and_snapshots(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    pytester.makepyfile(test_litellm=LITELLM)
    record_then_replay_in_ci(pytester, llm_env, monkeypatch, passed=3)
