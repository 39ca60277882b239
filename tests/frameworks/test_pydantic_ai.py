"""pydantic-ai: the Chat Completions and Responses models, an agent with a tool.

Recorded against the test server, replayed in CI mode with no key; Chat Completions seeds
checked (the Responses API takes none). Needs the `frameworks` extra; skipped without it.
"""

from __future__ import annotations

import pytest
from helpers import record_then_replay_in_ci
from llm_server import FakeOpenAIServer

pytest.importorskip("pydantic_ai", reason="pydantic-ai is not installed (extra: frameworks)")

pytestmark = pytest.mark.sdk

PYDANTIC_AI = '''
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel

class City(BaseModel):
    name: str
    population: int

def test_chat_model_with_a_tool(seeded_llm):
    agent = Agent(OpenAIChatModel("gpt-4o"), instructions="Use the tool.")

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        return "sunny"

    result = agent.run_sync("Weather in Paris?")
    assert result.output
    endpoints = [c.endpoint for c in seeded_llm.calls]
    assert endpoints[0] == "chat.completions"
    assert [c.request["seed"] for c in seeded_llm.calls] == [seeded_llm.seed] * len(endpoints)
    assert seeded_llm.calls == seeded_llm.snapshot

def test_chat_model_structured_output(seeded_llm):
    city = Agent(OpenAIChatModel("gpt-4o"), output_type=City).run_sync("Biggest city?").output
    assert isinstance(city, City)
    assert seeded_llm.calls[0].request["seed"] == seeded_llm.seed
    assert seeded_llm.calls == seeded_llm.snapshot

def test_responses_model(seeded_llm):
    result = Agent(OpenAIResponsesModel("gpt-4o")).run_sync("Say hello")
    assert result.output.startswith("[Say hello]")
    assert [c.endpoint for c in seeded_llm.calls] == ["responses"]
    assert "seed" not in seeded_llm.calls[0].request
    assert seeded_llm.calls == seeded_llm.snapshot
'''


def test_pydantic_ai_records_replays_offline_and_snapshots(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_pydantic_ai=PYDANTIC_AI)
    record_then_replay_in_ci(pytester, llm_env, monkeypatch, passed=3)
