"""LangChain over Anthropic and Gemini (`langchain-anthropic`, `langchain-google-genai`):
invoke, stream, async, tool calling.

`ChatAnthropic` reads ANTHROPIC_BASE_URL (or ``base_url=``) and sends through the
`anthropic` SDK; `ChatGoogleGenerativeAI` builds a `google-genai` client, which reads
GOOGLE_GEMINI_BASE_URL (or ``base_url=``), and its async calls go over aiohttp where aiohttp
is installed. Recorded against the test server, replayed in CI mode with no key. Needs the
`frameworks` extra; skipped without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ANTHROPIC_TEST_KEY, GEMINI_TEST_KEY, record_then_replay_in_ci
from llm_server import FakeOpenAIServer

pytest.importorskip(
    "langchain_anthropic", reason="langchain-anthropic is not installed (extra: frameworks)"
)
pytest.importorskip(
    "langchain_google_genai", reason="langchain-google-genai is not installed (extra: frameworks)"
)

pytestmark = pytest.mark.sdk

LANGCHAIN = '''
import asyncio
from langchain_anthropic import ChatAnthropic
from langchain_google_genai import ChatGoogleGenerativeAI
from langchain_core.tools import tool

@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return "sunny"

def exercise(llm):
    assert llm.invoke("Say hello").content.startswith("[Say hello]")
    assert "".join(c.text for c in llm.stream("Stream it")).startswith("[Stream it]")
    assert asyncio.run(llm.ainvoke("Say hello async")).text.startswith("[Say hello async]")
    message = llm.bind_tools([get_weather]).invoke("Weather in Paris?")
    assert [call["name"] for call in message.tool_calls] == ["get_weather"]

def test_chat_anthropic(seeded_llm):
    exercise(ChatAnthropic(model="claude-sonnet-4-5", max_tokens=64, max_retries=0))
    assert [(c.endpoint, c.streamed) for c in seeded_llm.calls] == [
        ("messages", False), ("messages", True), ("messages", False), ("messages", False)]
    assert all("seed" not in c.request for c in seeded_llm.calls)
    assert seeded_llm.calls == seeded_llm.snapshot

def test_chat_google_generative_ai(seeded_llm):
    exercise(ChatGoogleGenerativeAI(model="gemini-2.5-flash", max_retries=0))
    assert [(c.endpoint, c.streamed) for c in seeded_llm.calls] == [
        ("models.generate_content", False), ("models.generate_content", True),
        ("models.generate_content", False), ("models.generate_content", False)]
    seeds = [c.request["generationConfig"]["seed"] for c in seeded_llm.calls]
    assert seeds == [seeded_llm.seed] * 4
    assert seeded_llm.calls == seeded_llm.snapshot
'''


def test_langchain_anthropic_and_gemini_record_replay_offline_and_snapshot(
    pytester: pytest.Pytester, providers_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "ANTHROPIC_API_URL"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_langchain=LANGCHAIN)
    record_then_replay_in_ci(pytester, providers_env, monkeypatch, passed=2)
    goldens = pytester.path / "__snapshots__" / "test_langchain"
    claude = (goldens / "test_chat_anthropic.llm.yaml").read_text()
    assert claude.count("- endpoint: messages\n") == 4
    assert "seed: unseeded (the Anthropic API takes no seed)" in claude
    assert "      name: get_weather\n      input:\n        city: " in claude
    gemini = (goldens / "test_chat_google_generative_ai.llm.yaml").read_text()
    assert gemini.count("- endpoint: models.generate_content\n") == 4
    assert "    - text: '[Say hello async] " in gemini
    assert "functionCall:\n        name: get_weather\n        args:\n          city: " in gemini
    _no_key_on_disk(pytester.path)


def _no_key_on_disk(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".yaml", ".json"):
            text = path.read_text(errors="replace")
            assert ANTHROPIC_TEST_KEY not in text, path
            assert GEMINI_TEST_KEY not in text, path
