"""The OpenAI Agents SDK: a `Runner` with a tool, on the Responses and Chat Completions APIs.

Tracing is disabled (it would post to the network). Recorded against the test server,
replayed in CI mode with no key. Needs the `frameworks` extra; skipped without it.
"""

from __future__ import annotations

import pytest
from helpers import record_then_replay_in_ci
from llm_server import FakeOpenAIServer

pytest.importorskip("agents", reason="openai-agents is not installed (extra: frameworks)")

pytestmark = pytest.mark.sdk

AGENTS = '''
import pytest
from agents import (
    Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled,
)
from openai import AsyncOpenAI

set_tracing_disabled(True)

@function_tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return "sunny"

def test_runner_with_a_tool_on_responses(seeded_llm):
    agent = Agent(name="weather", instructions="Use the tool.", tools=[get_weather], model="gpt-4o")
    result = Runner.run_sync(agent, "Weather in Paris?")
    assert result.final_output
    assert {c.endpoint for c in seeded_llm.calls} == {"responses"}
    assert seeded_llm.calls == seeded_llm.snapshot

def test_runner_with_a_tool_on_chat_completions(seeded_llm):
    model = OpenAIChatCompletionsModel(model="gpt-4o", openai_client=AsyncOpenAI())
    agent = Agent(name="weather", instructions="Use the tool.", tools=[get_weather], model=model)
    result = Runner.run_sync(agent, "Weather in Paris?")
    assert result.final_output
    assert [c.request["seed"] for c in seeded_llm.calls] == [seeded_llm.seed] * len(seeded_llm.calls)
    assert seeded_llm.calls == seeded_llm.snapshot
'''


def test_agents_sdk_records_replays_offline_and_snapshots(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    pytester.makepyfile(test_agents=AGENTS)
    record_then_replay_in_ci(pytester, llm_env, monkeypatch, passed=2)
