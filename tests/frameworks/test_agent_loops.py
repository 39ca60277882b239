"""Agent loops through frameworks: the OpenAI Agents SDK's `Runner` (Responses and Chat
Completions) and a LangChain tool loop, recorded twice with fresh server ids, give
byte-identical goldens, and replay offline in CI mode with no key.

The test server's ``ids_unread`` samples as a model that does not read the ids, so only the
ids differ between the two recordings. Needs the `frameworks` extra; skipped without it.
"""

from __future__ import annotations

import re

import pytest
from helpers import record_twice
from llm_server import FakeOpenAIServer

pytest.importorskip("agents", reason="openai-agents is not installed (extra: frameworks)")
pytest.importorskip(
    "langchain_openai", reason="langchain-openai is not installed (extra: frameworks)"
)

pytestmark = pytest.mark.sdk

LOOPS = '''
from agents import (
    Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled,
)
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI

set_tracing_disabled(True)

@function_tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return "sunny"

@tool
def get_forecast(city: str) -> str:
    """Get tomorrow's forecast for a city."""
    return "rain"

def test_agents_responses_loop(seeded_llm):
    agent = Agent(name="weather", instructions="Use the tool.", tools=[get_weather], model="gpt-4o")
    result = Runner.run_sync(agent, "Weather in Paris?")
    assert result.final_output.startswith("[sunny]")
    assert [c.endpoint for c in seeded_llm.calls] == ["responses", "responses"]
    assert seeded_llm.calls == seeded_llm.snapshot

def test_agents_chat_completions_loop(seeded_llm):
    model = OpenAIChatCompletionsModel(model="gpt-4o", openai_client=AsyncOpenAI())
    agent = Agent(name="weather", instructions="Use the tool.", tools=[get_weather], model=model)
    result = Runner.run_sync(agent, "Weather in Rome?")
    assert result.final_output.startswith("[sunny]")
    assert len(seeded_llm.calls) == 2
    assert seeded_llm.calls == seeded_llm.snapshot

def test_langchain_tool_loop(seeded_llm):
    llm = ChatOpenAI(model="gpt-4o", max_retries=0).bind_tools([get_forecast])
    messages = [HumanMessage("Forecast for Oslo?")]
    asked = llm.invoke(messages)
    messages.append(asked)
    messages += [get_forecast.invoke(call) for call in asked.tool_calls]
    answer = llm.invoke(messages)
    assert answer.content.startswith("[rain]")
    assert seeded_llm.calls == seeded_llm.snapshot
'''

NAMES = (
    "test_agents_responses_loop",
    "test_agents_chat_completions_loop",
    "test_langchain_tool_loop",
)
SERVER_IDS = re.compile(r"\b(?:call|resp|msg|fc)_[0-9a-f]{8,}")


def test_framework_loops_recorded_twice_give_byte_identical_goldens(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    llm_env.ids_unread = True
    pytester.makepyfile(test_loops=LOOPS)

    goldens = record_twice(pytester, "test_loops", NAMES, SERVER_IDS)

    for name in NAMES:
        assert "<id:1>" in goldens[name], name

    llm_env.reset()
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("OPENAI_API_KEY")
    pytester.runpytest().assert_outcomes(passed=len(NAMES))
    assert llm_env.requests == []
