"""pydantic-ai over Anthropic and Gemini: `AnthropicModel` and `GoogleModel`, an agent with a
tool and structured output.

`AnthropicModel`'s provider reads ANTHROPIC_BASE_URL (or ``AnthropicProvider(base_url=)``)
and streams through the `anthropic` SDK; `GoogleModel`'s builds a `google-genai` client on
pydantic-ai's own httpx client, which reads GOOGLE_GEMINI_BASE_URL (or
``GoogleProvider(base_url=)``). pydantic-ai names Gemini's function calls with ids of its own
(``pyd_ai_<random hex>``) and sends them back with the function's result: volatile.
Recorded against the test server, replayed in CI mode with no key. Needs the `frameworks`
extra; skipped without it.
"""

from __future__ import annotations

import pytest
from helpers import record_then_replay_in_ci
from llm_server import FakeOpenAIServer

pytest.importorskip("pydantic_ai", reason="pydantic-ai is not installed (extra: frameworks)")
pytest.importorskip(
    "pydantic_ai.models.anthropic", reason="pydantic-ai-slim[anthropic] (extra: frameworks)"
)
pytest.importorskip(
    "pydantic_ai.models.google", reason="pydantic-ai-slim[google] (extra: frameworks)"
)

pytestmark = pytest.mark.sdk

PYDANTIC_AI = '''
import pytest
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.google import GoogleModel

class City(BaseModel):
    name: str
    population: int

def exercise(model):
    agent = Agent(model, instructions="Use the tool.")

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        return "sunny"

    assert agent.run_sync("Weather in Paris?").output
    assert isinstance(Agent(model, output_type=City).run_sync("Biggest city?").output, City)

def test_anthropic_model(seeded_llm):
    exercise(AnthropicModel("claude-sonnet-4-5"))
    # The agent loop: tool call, its result, then the structured output's own tool call.
    assert [c.endpoint for c in seeded_llm.calls] == ["messages"] * 3
    assert seeded_llm.calls[0].response["content"][0]["name"] == "get_weather"
    assert all("seed" not in c.request for c in seeded_llm.calls)
    assert seeded_llm.calls == seeded_llm.snapshot

@pytest.mark.llmseed(volatile=["re:pyd_ai_[0-9a-f]{32}"])
def test_google_model(seeded_llm):
    exercise(GoogleModel("gemini-2.5-flash"))
    assert [c.endpoint for c in seeded_llm.calls] == ["models.generate_content"] * 3
    seeds = [c.request["generationConfig"]["seed"] for c in seeded_llm.calls]
    assert seeds == [seeded_llm.seed] * 3
    assert seeded_llm.calls == seeded_llm.snapshot
'''


def test_pydantic_ai_anthropic_and_google_record_replay_offline_and_snapshot(
    pytester: pytest.Pytester, providers_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_pydantic_ai=PYDANTIC_AI)
    record_then_replay_in_ci(pytester, providers_env, monkeypatch, passed=2)
    goldens = pytester.path / "__snapshots__" / "test_pydantic_ai"
    claude = (goldens / "test_anthropic_model.llm.yaml").read_text()
    assert "type: tool_use\n      name: get_weather\n      input:\n        city: " in claude
    gemini = (goldens / "test_google_model.llm.yaml").read_text()
    # pydantic-ai's own id (volatile for matching) is an id placeholder in the golden.
    assert "id: <id:1>" in gemini
    assert "pyd_ai_" not in gemini
