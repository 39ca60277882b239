"""Agent loops: a conversation that echoes server-assigned ids back, recorded twice with fresh
ids, gives byte-identical goldens (ids as ``<id:N>``, opaque blobs as ``<opaque>``), and
replays offline from its cassettes, which keep the real ids.

Through the openai SDK (a Chat Completions tool loop, the Responses API with
``previous_response_id`` and with encrypted reasoning sent back) and the anthropic SDK (a
tool_use loop with thinking). The test server's ``ids_unread`` samples as a model that does
not read the ids, so only the ids differ between the two recordings.
"""

from __future__ import annotations

import re
import shutil

import pytest
from helpers import record_twice
from llm_server import FakeOpenAIServer

pytestmark = pytest.mark.sdk

ANTHROPIC_KEY = "sk-test-ant-5e4d3c2b1a0f9e8d7c6b"

LOOPS = """
import anthropic
from openai import OpenAI

CHAT_TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The weather of a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}},
    {"type": "function", "function": {
    "name": "get_time", "description": "The local time in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}}]
RESPONSES_TOOLS = [{"type": "function", **CHAT_TOOLS[0]["function"]}]
CLAUDE_TOOLS = [{"name": "get_weather", "description": "The weather of a city.",
                 "input_schema": CHAT_TOOLS[0]["function"]["parameters"]}]

def test_chat_tool_loop(seeded_llm):
    client = OpenAI()
    messages = [{"role": "user", "content": "Weather and time in Paris? Use both."}]
    first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=CHAT_TOOLS)
    asked = first.choices[0].message
    messages.append(asked.model_dump(exclude_none=True))
    for call in asked.tool_calls:
        messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny, 9:00"})
    second = client.chat.completions.create(model="gpt-4o", messages=messages, tools=CHAT_TOOLS)
    assert len(asked.tool_calls) == 2
    assert second.choices[0].message.content.startswith("[sunny, 9:00]")
    assert seeded_llm.calls == seeded_llm.snapshot

def test_responses_previous_response_id(seeded_llm):
    client = OpenAI()
    first = client.responses.create(model="gpt-4o", input="Weather in Paris?", tools=RESPONSES_TOOLS)
    (call,) = [item for item in first.output if item.type == "function_call"]
    second = client.responses.create(
        model="gpt-4o", previous_response_id=first.id, tools=RESPONSES_TOOLS,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
    )
    assert second.output_text.startswith("[sunny]")
    assert seeded_llm.calls == seeded_llm.snapshot

def test_responses_encrypted_reasoning_sent_back(seeded_llm):
    client = OpenAI()
    asked = [{"role": "user", "content": "Weather in Oslo?"}]
    kw = dict(model="gpt-4o", store=False, include=["reasoning.encrypted_content"],
              tools=RESPONSES_TOOLS)
    first = client.responses.create(input=asked, **kw)
    (call,) = [item for item in first.output if item.type == "function_call"]
    echoed = [item.model_dump(exclude_none=True) for item in first.output]
    result = {"type": "function_call_output", "call_id": call.call_id, "output": "snow"}
    second = client.responses.create(input=[*asked, *echoed, result], **kw)
    assert second.output_text
    assert seeded_llm.calls == seeded_llm.snapshot

def test_claude_tool_use_loop(seeded_llm):
    client = anthropic.Anthropic()  # ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL
    kw = dict(model="claude-sonnet-4-5", max_tokens=32, tools=CLAUDE_TOOLS,
              thinking={"type": "enabled", "budget_tokens": 16})
    messages = [{"role": "user", "content": "Weather in Lima?"}]
    first = client.messages.create(messages=messages, **kw)
    (use,) = [block for block in first.content if block.type == "tool_use"]
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": use.id, "content": "mild"}]},
    ]
    second = client.messages.create(messages=messages, **kw)
    assert second.stop_reason == "end_turn"
    assert seeded_llm.calls == seeded_llm.snapshot
"""

NAMES = (
    "test_chat_tool_loop",
    "test_responses_previous_response_id",
    "test_responses_encrypted_reasoning_sent_back",
    "test_claude_tool_use_loop",
)
SERVER_IDS = re.compile(r"\b(?:call|resp|msg|fc|rs|toolu)_[0-9a-f]{8,}")


def test_a_loop_recorded_twice_gives_byte_identical_goldens_and_replays_offline(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_env.ids_unread = True
    monkeypatch.setenv("ANTHROPIC_BASE_URL", llm_env.root_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    pytester.makepyfile(test_loops=LOOPS)

    # Fresh ids each time: the cassettes hold them, each recording its own; goldens equal.
    goldens = record_twice(pytester, "test_loops", NAMES, SERVER_IDS)
    chat = goldens["test_chat_tool_loop"]
    assert chat.count("tool_call_id: <id:1>") == 1
    assert "tool_call_id: <id:2>" in chat
    # The assistant's calls, as the second request echoes them, before their results.
    assert chat.index("        id: <id:1>\n") < chat.index("        id: <id:2>\n")
    assert chat.index("        id: <id:2>\n") < chat.index("tool_call_id: <id:1>")
    previous = goldens["test_responses_previous_response_id"]
    assert "call_id: <id:1>" in previous
    assert "previous_response_id: <id:2>" in previous
    stateless = goldens["test_responses_encrypted_reasoning_sent_back"]
    assert stateless.count("encrypted_content: <opaque>") == 3  # two outputs, one request
    claude = goldens["test_claude_tool_use_loop"]
    assert "- id: <id:1>" in claude
    assert "tool_use_id: <id:1>" in claude
    assert "signature: <opaque>" in claude

    # A third recording is compared with those goldens, not rewritten: it matches, where
    # the requests its cassettes hold do not.
    shutil.rmtree(pytester.path / "cassettes")
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=len(NAMES))
    assert not list(pytester.path.rglob("*.llmseed-pending"))
    assert {
        n: (pytester.path / "__snapshots__/test_loops" / f"{n}.llm.yaml").read_text() for n in NAMES
    } == goldens

    # Replay: offline, in CI, no key; the second requests echo the recorded ids and match.
    llm_env.reset()
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    pytester.runpytest().assert_outcomes(passed=len(NAMES))
    assert llm_env.requests == []
