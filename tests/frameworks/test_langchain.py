"""LangChain (`langchain-openai`): invoke, stream, tool calling, with_structured_output.

Recorded against the test server, replayed in CI mode with no key; seeds checked. Needs the
`frameworks` extra (CI installs it); skipped without it.
"""

from __future__ import annotations

import pytest
from helpers import record_then_replay_in_ci
from llm_server import FakeOpenAIServer

pytest.importorskip(
    "langchain_openai", reason="langchain-openai is not installed (extra: frameworks)"
)

pytestmark = pytest.mark.sdk

LANGCHAIN = '''
import asyncio
from pydantic import BaseModel
from langchain_openai import ChatOpenAI
from langchain_core.tools import tool

class Person(BaseModel):
    name: str
    age: int

@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return "sunny"

def llm():
    return ChatOpenAI(model="gpt-4o", max_retries=0)  # OPENAI_BASE_URL / OPENAI_API_KEY

def seeds(seeded_llm):
    return [c.request.get("seed") for c in seeded_llm.calls]

def test_invoke_and_stream(seeded_llm):
    assert llm().invoke("Say hello").content.startswith("[Say hello]")
    text = "".join(chunk.content for chunk in llm().stream("Stream it"))
    assert text.startswith("[Stream it]")
    assert seeds(seeded_llm) == [seeded_llm.seed] * 2
    assert seeded_llm.calls[1].streamed
    assert seeded_llm.calls == seeded_llm.snapshot

def test_async_invoke(seeded_llm):
    answer = asyncio.run(llm().ainvoke("Say hello async"))
    assert answer.content.startswith("[Say hello async]")
    assert seeds(seeded_llm) == [seeded_llm.seed]
    assert seeded_llm.calls == seeded_llm.snapshot

def test_tool_calling(seeded_llm):
    message = llm().bind_tools([get_weather], tool_choice="get_weather").invoke("Weather in Paris?")
    assert [call["name"] for call in message.tool_calls] == ["get_weather"]
    assert seeds(seeded_llm) == [seeded_llm.seed]
    assert seeded_llm.calls == seeded_llm.snapshot

def test_with_structured_output(seeded_llm):
    person = llm().with_structured_output(Person).invoke("Who wrote Hamlet?")
    assert isinstance(person, Person)
    assert seeds(seeded_llm) == [seeded_llm.seed]
    assert seeded_llm.calls == seeded_llm.snapshot
'''


def test_langchain_records_replays_offline_and_snapshots(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_langchain=LANGCHAIN)
    record_then_replay_in_ci(pytester, llm_env, monkeypatch, passed=4)
    goldens = sorted(p.name for p in (pytester.path / "__snapshots__").rglob("*.*"))
    assert len(goldens) == 4
