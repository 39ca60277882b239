"""Record against a live server, stop it, drop the key, replay: every client kind, offline."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from llm_server import FakeOpenAIServer

# SDK-facing: CI runs these under openai 2.x as well (`pytest -m sdk`, .ci/run).
pytestmark = pytest.mark.sdk

APP = '''
"""Code under test: builds its own clients, as real applications do."""
import asyncio
import openai

TOOLS = [{
    "type": "function",
    "function": {
        "name": "lookup_order",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "integer"}, "reason": {"type": "string"}},
            "required": ["order_id", "reason"],
        },
    },
}]

def summarize(text):
    client = openai.OpenAI()
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    ).choices[0].message.content

def stream_summary(text):
    client = openai.OpenAI()
    stream = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}], stream=True,
        stream_options={"include_usage": True},
    )
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

def classify(text):
    client = openai.OpenAI()
    msg = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}], tools=TOOLS
    ).choices[0].message
    return msg.tool_calls[0].function.name, msg.tool_calls[0].function.arguments

def classify_streamed(text):
    client = openai.OpenAI()
    with client.chat.completions.stream(
        model="gpt-4o", messages=[{"role": "user", "content": text}], tools=TOOLS
    ) as stream:
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    return call.function.name, call.function.arguments

async def summarize_async(text):
    client = openai.AsyncOpenAI()
    out = await client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    )
    stream = await client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text + "!"}], stream=True
    )
    parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
    return out.choices[0].message.content, "".join(parts)

def legacy(prompt):
    return openai.OpenAI().completions.create(
        model="gpt-3.5-turbo-instruct", prompt=prompt
    ).choices[0].text

def responses(text):
    return openai.OpenAI().responses.create(model="gpt-4o", input=text).output_text
'''

TESTS = '''
import asyncio, json, pathlib
import app

def remember(name, value):
    """First run stores what the live server said; later runs must see the same."""
    path = pathlib.Path("expected") / f"{name}.json"
    if path.exists():
        assert json.loads(path.read_text()) == value
    else:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(value))

def test_sync(seeded_llm):
    remember("sync", [app.summarize("hello"), app.legacy("once upon"), app.responses("hey")])
    assert [c.endpoint for c in seeded_llm.calls] == ["chat.completions", "completions", "responses"]

def test_stream(seeded_llm):
    text = app.stream_summary("stream it")
    remember("stream", text)
    (call,) = seeded_llm.calls
    assert call.streamed
    assert call.response["choices"][0]["message"]["content"] == text
    assert call.response["choices"][0]["finish_reason"] == "stop"
    assert call.response["usage"]["completion_tokens"] > 0

def test_async(seeded_llm):
    plain, streamed = asyncio.run(app.summarize_async("async"))
    remember("async", [plain, streamed])
    assert [c.streamed for c in seeded_llm.calls] == [False, True]
    assert seeded_llm.calls[1].response["choices"][0]["message"]["content"] == streamed

def test_tools(seeded_llm):
    name, args = app.classify("where is my order")
    sname, sargs = app.classify_streamed("where is my order, streamed")
    remember("tools", [name, args, sname, sargs])
    assert name == sname == "lookup_order"
    assert set(json.loads(args)) == {"order_id", "reason"}
    streamed = seeded_llm.calls[1]
    assert streamed.streamed
    (tool_call,) = streamed.response["choices"][0]["message"]["tool_calls"]
    assert tool_call["function"] == {"name": "lookup_order", "arguments": sargs}
    assert streamed.response["choices"][0]["finish_reason"] == "tool_calls"

def test_fixture_clients(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "fixture"}]
    )
    async def main():
        return await seeded_llm.async_client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "fixture async"}]
        )
    out2 = asyncio.run(main())
    remember("fixture", [out.choices[0].message.content, out2.choices[0].message.content])
    assert seeded_llm.client is seeded_llm.client
'''


@pytest.fixture
def private_server() -> Iterator[FakeOpenAIServer]:
    """A server of this test's own, so it can be stopped without affecting others."""
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def test_record_then_replay_with_server_stopped_and_no_key(
    pytester: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    private_server: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", private_server.base_url)
    pytester.makepyfile(app=APP, test_app=TESTS)
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=5)
    recorded = len(private_server.requests)
    assert recorded == 10
    # Streamed and plain answers of the same seed+prompt were recorded, not regenerated.
    assert json.loads((pytester.path / "expected" / "stream.json").read_text())

    private_server.stop()
    monkeypatch.delenv("OPENAI_API_KEY")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
    assert len(private_server.requests) == recorded


def test_replay_of_a_missing_answer_with_server_stopped_fails_without_network(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # discard port: nothing there
    pytester.makepyfile(app=APP, test_app=TESTS)
    result = pytester.runpytest("-k", "test_sync")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*llmseed: no recorded answer for this request*"])
    assert "Connection" not in result.stdout.str()
