"""Tests of the fake OpenAI server, driven through the real openai SDK."""

from __future__ import annotations

import asyncio
import base64
import enum
import hashlib
import json
import math
import re
import socket
import struct
import time
import zlib
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from llm_server import SHAPES, FakeOpenAIServer, ScriptRule, make_text
from pydantic import BaseModel

# httpx2 is openai 3.x's HTTP library; under openai 1.x/2.x (CI's `-m sdk` run) it may
# be absent, and these tests are not SDK-facing.
httpx2 = pytest.importorskip("httpx2", reason="httpx2 is not installed (openai < 3)")
from openai.types.chat import ChatCompletionMessageFunctionToolCall  # noqa: E402

API_KEY = "sk-test-llm-server"
HELLO: list[Any] = [{"role": "user", "content": "What is the capital of France?"}]
WEATHER_TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                    "days": {"type": "integer"},
                    "threshold": {"type": "number"},
                    "alerts": {"type": "boolean"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "extra": {"type": "object"},
                },
                "required": ["city", "unit"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}},
        },
    },
]


@pytest.fixture(scope="module")
def running_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as srv:
        yield srv


@pytest.fixture
def server(running_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The shared server, reset so every test starts from defaults."""
    running_server.reset()
    yield running_server
    running_server.reset()


@pytest.fixture
def client(server: FakeOpenAIServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key=API_KEY, base_url=server.base_url, max_retries=0) as sdk:
        yield sdk


def chat_text(client: openai.OpenAI, **kwargs: Any) -> str:
    kwargs.setdefault("model", "gpt-4o")
    kwargs.setdefault("messages", HELLO)
    content: str | None = client.chat.completions.create(**kwargs).choices[0].message.content
    assert content is not None
    return content


def function_calls(calls: list[Any] | None) -> list[ChatCompletionMessageFunctionToolCall]:
    assert calls is not None
    assert all(isinstance(c, ChatCompletionMessageFunctionToolCall) for c in calls)
    return calls


# -- seeded sampling --------------------------------------------------------


def test_same_seed_same_text_and_echo_prefix(client: openai.OpenAI) -> None:
    first = chat_text(client, seed=7)
    second = chat_text(client, seed=7)
    assert first == second
    assert first.startswith("[What is the capital of France?] ")
    assert len(first.split("] ", 1)[1].split()) == 12


def test_different_seed_different_text(client: openai.OpenAI) -> None:
    assert chat_text(client, seed=1) != chat_text(client, seed=2)


def test_no_seed_gives_fresh_text(client: openai.OpenAI) -> None:
    assert chat_text(client) != chat_text(client)


def test_text_matches_make_text(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    content = chat_text(client, seed=11, user="someone")
    sent = server.requests[-1].json
    assert isinstance(sent, dict)
    assert sent["seed"] == 11
    assert content == make_text(11, sent, 12)
    # seed/user/stream do not enter the canonical request.
    assert content == make_text(11, {"model": "gpt-4o", "messages": HELLO, "stream": True}, 12)


def test_make_text_helper() -> None:
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert make_text(3, request, 30) == make_text(3, request, 30)
    assert make_text(None, request, 30) != make_text(None, request, 30)
    long_text = make_text(3, request, 30)
    assert long_text.startswith("[hi] ")
    assert long_text.count("\n") == 2
    parts = {
        "role": "user",
        "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
    }
    assert make_text(1, {"messages": [parts]}, 1).startswith("[ab] ")
    assert make_text(1, {"prompt": ["first", "second"]}, 1).startswith("[first] ")


def test_max_tokens_controls_length(client: openai.OpenAI) -> None:
    long_text = chat_text(client, seed=5, max_tokens=35)
    assert "\n" in long_text
    assert len(long_text.split("] ", 1)[1].split()) == 35
    short = client.chat.completions.create(model="gpt-4o", messages=HELLO, seed=5, max_tokens=3)
    assert short.choices[0].finish_reason == "length"


def test_completion_metadata(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    result = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, seed=1)
    assert result.id.startswith("chatcmpl-")
    assert result.model == "gpt-4o-mini-2024-07-18"
    assert result.system_fingerprint == "fp_test_0001"
    assert result.choices[0].message.refusal is None
    assert result.usage is not None
    assert result.usage.prompt_tokens == 6
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens

    server.system_fingerprint = "fp_other"
    server.model_versions["gpt-4o-mini"] = "gpt-4o-mini-2099-01-01"
    again = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, seed=1)
    assert (again.model, again.system_fingerprint) == ("gpt-4o-mini-2099-01-01", "fp_other")
    assert again.id != result.id
    unknown = client.chat.completions.create(model="my-model", messages=HELLO)
    assert unknown.model == "my-model"


def test_n_choices(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(model="gpt-4o", messages=HELLO, seed=1, n=2)
    assert [c.index for c in result.choices] == [0, 1]
    assert result.choices[0].message.content == chat_text(client, seed=1)
    assert result.choices[0].message.content != result.choices[1].message.content


def test_seed_must_be_integer(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="seed"):
        client.chat.completions.create(model="gpt-4o", messages=HELLO, extra_body={"seed": "1"})


# -- streaming --------------------------------------------------------------


def test_stream_matches_plain_text(client: openai.OpenAI) -> None:
    plain = chat_text(client, seed=9, max_tokens=25)
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        seed=9,
        max_tokens=25,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert len({c.id for c in chunks}) == 1
    assert {c.model for c in chunks} == {"gpt-4o-2024-08-06"}
    assert {c.system_fingerprint for c in chunks} == {"fp_test_0001"}
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(plain.split())
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain
    assert len(chunks) > 25  # really word by word


def test_async_stream_matches_plain_text(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    plain = chat_text(client, seed=4)

    async def collect() -> tuple[str, str]:
        async with openai.AsyncOpenAI(
            api_key=API_KEY, base_url=server.base_url, max_retries=0
        ) as aclient:
            result = await aclient.chat.completions.create(model="gpt-4o", messages=HELLO, seed=4)
            stream = await aclient.chat.completions.create(
                model="gpt-4o", messages=HELLO, seed=4, stream=True
            )
            pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]
            return result.choices[0].message.content or "", "".join(pieces)

    async_plain, streamed = asyncio.run(collect())
    assert async_plain == plain
    assert streamed == plain


# -- tools, structured output, refusals -------------------------------------


def test_tool_call(client: openai.OpenAI) -> None:
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    result = client.chat.completions.create(
        model="gpt-4o", messages=messages, tools=WEATHER_TOOLS, seed=3
    )
    choice = result.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = function_calls(choice.message.tool_calls)
    assert call.id.startswith("call_")
    assert call.type == "function"
    assert call.function.name == "get_weather"
    args = json.loads(call.function.arguments)
    assert set(args) == {"city", "unit", "days", "threshold", "alerts", "tags", "extra"}
    assert isinstance(args["city"], str)
    assert args["unit"] in ("celsius", "fahrenheit")
    assert isinstance(args["days"], int)
    assert 0 <= args["days"] <= 100
    assert isinstance(args["threshold"], float)
    assert isinstance(args["alerts"], bool)
    assert len(args["tags"]) == 1
    assert isinstance(args["tags"][0], str)
    assert args["extra"] == {}


def test_tool_call_streamed_matches_plain(client: openai.OpenAI) -> None:
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    kwargs: dict[str, Any] = {"model": "gpt-4o", "messages": messages, "tools": WEATHER_TOOLS}
    plain = client.chat.completions.create(seed=3, **kwargs).choices[0].message
    with client.chat.completions.stream(seed=3, **kwargs) as stream:
        argument_deltas = [e for e in stream if e.type == "tool_calls.function.arguments.delta"]
        final = stream.get_final_completion()
    assert len(argument_deltas) >= 3  # arguments arrive in several pieces
    assert final.choices[0].finish_reason == "tool_calls"
    [streamed_call] = function_calls(final.choices[0].message.tool_calls)
    [plain_call] = function_calls(plain.tool_calls)
    assert streamed_call.function.name == plain_call.function.name == "get_weather"
    assert streamed_call.function.arguments == plain_call.function.arguments
    assert streamed_call.id.startswith("call_")


def test_both_calls_two_tools(client: openai.OpenAI) -> None:
    messages: list[Any] = [{"role": "user", "content": "Get both the weather and the time"}]
    result = client.chat.completions.create(model="gpt-4o", messages=messages, tools=WEATHER_TOOLS)
    calls = function_calls(result.choices[0].message.tool_calls)
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]

    serial = client.chat.completions.create(
        model="gpt-4o", messages=messages, tools=WEATHER_TOOLS, parallel_tool_calls=False
    )
    assert serial.choices[0].message.tool_calls is not None
    assert len(serial.choices[0].message.tool_calls) == 1

    stream = client.chat.completions.create(
        model="gpt-4o", messages=messages, tools=WEATHER_TOOLS, stream=True
    )
    indexes = {tc.index for c in stream if c.choices for tc in c.choices[0].delta.tool_calls or []}
    assert indexes == {0, 1}


def test_tool_choice_forced_and_none(client: openai.OpenAI) -> None:
    forced = client.chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        tools=WEATHER_TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    calls = function_calls(forced.choices[0].message.tool_calls)
    assert [c.function.name for c in calls] == ["get_time"]
    assert set(json.loads(calls[0].function.arguments)) == {"timezone"}

    none = client.chat.completions.create(
        model="gpt-4o", messages=HELLO, tools=WEATHER_TOOLS, tool_choice="none"
    )
    assert none.choices[0].message.tool_calls is None
    assert none.choices[0].message.content is not None


def test_tool_result_answered_with_text(client: openai.OpenAI) -> None:
    messages: list[Any] = [
        {"role": "user", "content": "What's the weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "22 degrees and sunny"},
    ]
    result = client.chat.completions.create(
        model="gpt-4o", messages=messages, tools=WEATHER_TOOLS, seed=1
    )
    choice = result.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.tool_calls is None
    assert choice.message.content is not None
    assert choice.message.content.startswith("[22 degrees and sunny] ")


class Mood(enum.StrEnum):
    HAPPY = "happy"
    SAD = "sad"


class Address(BaseModel):
    city: str
    zip_code: int


class Person(BaseModel):
    name: str
    age: int
    hobbies: list[str]
    mood: Mood
    address: Address
    nickname: str | None


def test_parse_pydantic_model(client: openai.OpenAI) -> None:
    result = client.chat.completions.parse(
        model="gpt-4o", messages=HELLO, response_format=Person, seed=2
    )
    person = result.choices[0].message.parsed
    assert isinstance(person, Person)
    assert isinstance(person.address, Address)
    assert isinstance(person.mood, Mood)
    assert len(person.hobbies) == 1
    again = client.chat.completions.parse(
        model="gpt-4o", messages=HELLO, response_format=Person, seed=2
    )
    assert again.choices[0].message.parsed == person


def test_refusal(client: openai.OpenAI) -> None:
    messages: list[Any] = [{"role": "user", "content": "Please REFUSE this one"}]
    result = client.chat.completions.parse(
        model="gpt-4o", messages=messages, response_format=Person
    )
    message = result.choices[0].message
    assert message.content is None
    assert message.parsed is None
    assert message.refusal == "I can't help with that."
    assert result.choices[0].finish_reason == "stop"

    stream = client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
    refusal = "".join(c.choices[0].delta.refusal or "" for c in stream if c.choices)
    assert refusal == "I can't help with that."


def test_json_object_format(client: openai.OpenAI) -> None:
    content = chat_text(client, seed=1, response_format={"type": "json_object"})
    data = json.loads(content)
    assert set(data) == {"answer", "confidence"}
    assert data["answer"].startswith("[What is the capital of France?] ")
    assert 0 <= data["confidence"] <= 1


# -- legacy completions and Responses API -----------------------------------


def test_legacy_completions(client: openai.OpenAI) -> None:
    kwargs: dict[str, Any] = {"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a time"}
    result = client.completions.create(seed=8, **kwargs)
    assert result.object == "text_completion"
    text = result.choices[0].text
    assert text.startswith("[Once upon a time] ")
    assert result.choices[0].finish_reason == "stop"
    assert client.completions.create(seed=8, **kwargs).choices[0].text == text

    stream = client.completions.create(seed=8, stream=True, **kwargs)
    chunks = list(stream)
    assert "".join(c.choices[0].text for c in chunks) == text
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_responses_plain_and_stream(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-4o", input="Tell me a story")
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert response.model == "gpt-4o-2024-08-06"
    assert response.output_text.startswith("[Tell me a story] ")
    assert response.usage is not None
    assert response.usage.output_tokens == len(response.output_text.split())
    # No seed on this API, yet deterministic on the request alone.
    assert client.responses.create(model="gpt-4o", input="Tell me a story").output_text == (
        response.output_text
    )

    events = list(client.responses.create(model="gpt-4o", input="Tell me a story", stream=True))
    types = [e.type for e in events]
    assert types[0] == "response.created"
    assert types[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == response.output_text
    completed = events[-1]
    assert completed.type == "response.completed"
    assert completed.response.output_text == response.output_text

    messages: list[Any] = [
        {"role": "user", "content": [{"type": "input_text", "text": "Tell me a story"}]}
    ]
    listed = client.responses.create(model="gpt-4o", input=messages)
    assert listed.output_text.startswith("[Tell me a story] ")


def test_responses_rejects_seed(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="Unknown parameter: 'seed'"):
        client.responses.create(model="gpt-4o", input="hi", extra_body={"seed": 1})


# -- fault injection --------------------------------------------------------


def test_fail_then_retry_succeeds(server: FakeOpenAIServer) -> None:
    server.fail_next(500)
    with openai.OpenAI(api_key=API_KEY, base_url=server.base_url, max_retries=2) as sdk:
        assert chat_text(sdk, seed=1).startswith("[What is the capital")
    assert len(server.requests) == 2
    assert [r.path for r in server.requests] == ["/v1/chat/completions"] * 2


def test_rate_limit_without_retries(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.fail_next(429, times=5)
    with pytest.raises(openai.RateLimitError) as excinfo:
        chat_text(client)
    assert excinfo.value.response.headers["retry-after-ms"] == "1"
    assert excinfo.value.code == "rate_limit_exceeded"
    assert len(server.requests) == 1


def test_fail_with_custom_body(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    body = {"error": {"message": "custom failure", "type": "x", "code": "y"}}
    server.fail_next(400, body=body, headers={"x-custom": "1"})
    with pytest.raises(openai.BadRequestError, match="custom failure") as excinfo:
        chat_text(client)
    assert excinfo.value.response.headers["x-custom"] == "1"
    assert chat_text(client)  # the fault was consumed


def test_drop_next(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.drop_next()
    with pytest.raises(openai.APIConnectionError) as excinfo:
        chat_text(client)
    assert not isinstance(excinfo.value, openai.APITimeoutError)
    assert chat_text(client)


def test_drop_mid_stream(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.drop_mid_stream_next(after_chunks=3)
    assert chat_text(client)  # plain requests do not consume the fault
    stream = client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    received: list[Any] = []
    with pytest.raises(openai.APIConnectionError):
        received.extend(stream)
    assert len(received) == 3
    # Only one stream is cut.
    assert list(client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True))


def test_delay_causes_timeout(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.delay_next(1.0)
    with pytest.raises(openai.APITimeoutError):
        client.with_options(timeout=0.2).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert chat_text(client)


# -- HTTP details -----------------------------------------------------------


def test_gzip_responses(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.gzip_responses = True
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO, seed=1)
    assert raw.headers["content-encoding"] == "gzip"
    content = raw.parse().choices[0].message.content
    server.gzip_responses = False
    assert content == chat_text(client, seed=1)

    server.gzip_responses = True
    reply = httpx2.post(
        f"{server.base_url}/chat/completions",
        json={"model": "gpt-4o", "messages": HELLO, "seed": 1},
        headers={"Authorization": f"Bearer {API_KEY}", "Accept-Encoding": "identity"},
    )
    assert reply.headers["content-encoding"] == "gzip"
    # httpx2 decodes transparently; the body on the wire was gzip.
    assert reply.json()["choices"][0]["message"]["content"] == content


def test_response_headers_and_cookie(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    assert raw.headers["x-request-id"].startswith("req_")
    assert raw.headers["openai-processing-ms"].isdigit()
    assert "set-cookie" not in raw.headers

    server.set_cookie = "__cf_bm=secret-cookie; path=/; HttpOnly"
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    assert raw.headers["set-cookie"] == "__cf_bm=secret-cookie; path=/; HttpOnly"
    streamed = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=HELLO, stream=True
    )
    assert streamed.headers["set-cookie"].startswith("__cf_bm=")
    assert streamed.headers["content-type"].startswith("text/event-stream")
    list(streamed.parse())


def test_azure_deployment_paths(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    with openai.AzureOpenAI(
        api_key=API_KEY, azure_endpoint=server.root_url, api_version="2024-06-01", max_retries=0
    ) as azure:
        result = azure.chat.completions.create(model="my-deployment", messages=HELLO, seed=6)
        stream = azure.chat.completions.create(
            model="my-deployment", messages=HELLO, seed=6, stream=True
        )
        streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        legacy = azure.completions.create(model="my-deployment", prompt="Azure prompt", seed=6)
    request = server.requests[0]
    assert request.path == "/openai/deployments/my-deployment/chat/completions"
    assert request.query == {"api-version": ["2024-06-01"]}
    assert request.headers["api-key"] == API_KEY
    assert "authorization" not in request.headers
    assert result.choices[0].message.content == streamed
    assert legacy.choices[0].text.startswith("[Azure prompt] ")
    # The deployment is the model, so /v1 with that model name answers the same.
    assert chat_text(client, model="my-deployment", seed=6) == streamed


def test_azure_model_from_deployment(server: FakeOpenAIServer) -> None:
    reply = httpx2.post(
        f"{server.root_url}/openai/deployments/gpt-4o/chat/completions",
        params={"api-version": "2024-06-01", "api-key": API_KEY},
        json={"messages": HELLO, "seed": 1},
    )
    assert reply.status_code == 200
    assert reply.json()["model"] == "gpt-4o-2024-08-06"


def test_authentication_required(server: FakeOpenAIServer) -> None:
    body = {"model": "gpt-4o", "messages": HELLO}
    url = f"{server.base_url}/chat/completions"
    reply = httpx2.post(url, json=body)
    assert reply.status_code == 401
    assert reply.json()["error"]["type"] == "invalid_request_error"
    assert httpx2.post(url, json=body, headers={"Authorization": "Basic abc"}).status_code == 401
    assert httpx2.post(url, json=body, headers={"api-key": "sk-test-azure"}).status_code == 200
    assert httpx2.post(url, json=body, headers={"Authorization": "Bearer x"}).status_code == 200


def test_bad_json_unknown_path_and_models(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    bad = httpx2.post(f"{server.base_url}/chat/completions", content=b"{nope", headers=headers)
    assert bad.status_code == 400
    assert "parse the JSON body" in bad.json()["error"]["message"]
    missing = httpx2.get(f"{server.base_url}/no/such/thing", headers=headers)
    assert missing.status_code == 404
    assert "error" in missing.json()
    assert "gpt-4o" in [m.id for m in client.models.list()]


def test_request_log_and_reset(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    chat_text(client, seed=1)
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.query == {}
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == request.json
    assert isinstance(request.json, dict)
    assert request.json["messages"] == HELLO

    server.gzip_responses = True
    server.set_cookie = "a=b"
    server.system_fingerprint = "fp_x"
    server.model_versions.clear()
    server.fail_next(500)
    server.reset()
    fresh = FakeOpenAIServer()  # never started: just the defaults
    assert server.requests == []
    assert server.connections == 0
    assert server.gzip_responses is fresh.gzip_responses is False
    assert server.set_cookie is fresh.set_cookie is None
    assert server.system_fingerprint == fresh.system_fingerprint == "fp_test_0001"
    assert server.model_versions == fresh.model_versions
    assert fresh.model_versions == {
        "gpt-4o": "gpt-4o-2024-08-06",
        "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    }
    assert chat_text(client)  # the queued fault is gone


def test_connections_counted(server: FakeOpenAIServer) -> None:
    with openai.OpenAI(api_key=API_KEY, base_url=server.base_url, max_retries=0) as sdk:
        for _ in range(3):
            chat_text(sdk)
        assert server.connections == 1  # keep-alive reuses one connection
    with openai.OpenAI(api_key=API_KEY, base_url=server.base_url, max_retries=0) as sdk:
        chat_text(sdk)
    assert server.connections == 2
    assert len(server.requests) == 4


def test_start_stop_lifecycle() -> None:
    srv = FakeOpenAIServer()
    with srv:
        assert srv.port > 0
        assert srv.base_url == f"http://127.0.0.1:{srv.port}/v1"
        assert srv.root_url == f"http://127.0.0.1:{srv.port}"
        with httpx2.Client() as http:
            assert http.get(f"{srv.base_url}/models", headers={"api-key": "k"}).status_code == 200
            # The idle keep-alive connection held by `http` must not block stop().
            started = time.monotonic()
            srv.stop()
            assert time.monotonic() - started < 2
    srv.stop()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()


# -- seed refusal and best-effort seeding -----------------------------------


def test_refuse_seed(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.refuse_seed = True
    with pytest.raises(openai.BadRequestError) as excinfo:
        chat_text(client, seed=1)
    assert excinfo.value.status_code == 400
    assert excinfo.value.response.json() == {
        "error": {
            "message": "Unrecognized request argument supplied: seed",
            "type": "invalid_request_error",
            "param": "seed",
            "code": None,
        }
    }
    assert excinfo.value.param == "seed"
    with pytest.raises(openai.BadRequestError, match="Unrecognized request argument"):
        client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hi", seed=0)
    # Without a seed everything works as usual.
    assert chat_text(client).startswith("[What is the capital of France?] ")
    assert client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hi").choices
    server.reset()
    assert chat_text(client, seed=1)


def test_seed_fidelity_zero_and_one(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    faithful = chat_text(client, seed=5)
    server.seed_fidelity = 1.0
    assert {chat_text(client, seed=5) for _ in range(3)} == {faithful}
    server.seed_fidelity = 0.0
    noisy = [chat_text(client, seed=5) for _ in range(4)]
    assert len(set(noisy)) == 4
    assert faithful not in noisy
    # Perturbed answers keep their form: the echo prefix and the word count.
    assert all(t.startswith("[What is the capital of France?] ") for t in noisy)
    assert {len(t.split()) for t in noisy} == {len(faithful.split())}
    legacy: dict[str, Any] = {"model": "gpt-3.5-turbo-instruct", "prompt": "Once", "seed": 5}
    texts = {client.completions.create(**legacy).choices[0].text for _ in range(3)}
    assert len(texts) == 3
    assert chat_text(client) != chat_text(client)  # unseeded: random as ever


def test_noise_seed_makes_noise_reproducible(
    client: openai.OpenAI, server: FakeOpenAIServer
) -> None:
    faithful = chat_text(client, seed=3)

    def run() -> list[str]:
        server.seed_fidelity = 0.5
        server.noise_seed = 1234
        return [chat_text(client, seed=3) for _ in range(8)]

    first = run()
    server.reset()
    assert server.noise_seed is None
    assert server.seed_fidelity == 1.0
    assert run() == first
    # Half fidelity: some answers are the seeded one, the others all differ.
    kept = [t for t in first if t == faithful]
    perturbed = [t for t in first if t != faithful]
    assert kept
    assert perturbed
    assert len(set(perturbed)) == len(perturbed)
    server.noise_seed = 99
    assert [chat_text(client, seed=3) for _ in range(8)] != first


# -- fingerprint rotation -----------------------------------------------------


def test_fingerprint_rotation(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.fingerprints = ["fp_a", "fp_b", "fp_c"]
    seen = [client.chat.completions.create(model="gpt-4o", messages=HELLO).system_fingerprint]
    seen += [client.chat.completions.create(model="gpt-4o", messages=HELLO).system_fingerprint]
    stream = client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    streamed = {chunk.system_fingerprint for chunk in stream}
    assert streamed == {"fp_c"}  # one fingerprint per response, every chunk
    legacy = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hi")
    assert [*seen, legacy.system_fingerprint] == ["fp_a", "fp_b", "fp_a"]
    # Assigning starts the cycle over.
    server.fingerprints = ["fp_x", "fp_y"]
    assert client.chat.completions.create(model="gpt-4o", messages=HELLO).system_fingerprint == (
        "fp_x"
    )
    server.reset()
    assert server.fingerprints is None
    assert client.chat.completions.create(model="gpt-4o", messages=HELLO).system_fingerprint == (
        "fp_test_0001"
    )


# -- compatible-server shapes ------------------------------------------------


def raw_chat(server: FakeOpenAIServer, **body: Any) -> dict[str, Any]:
    body = {"model": "gpt-4o", "messages": HELLO, **body}
    reply = httpx2.post(
        f"{server.base_url}/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert reply.status_code == 200
    data: dict[str, Any] = reply.json()
    return data


def raw_stream(server: FakeOpenAIServer, path: str, **body: Any) -> list[str]:
    """The ``data:`` lines of a streamed answer, as sent."""
    reply = httpx2.post(
        f"{server.base_url}{path}",
        json={"model": "gpt-4o", "stream": True, **body},
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    return [line[6:] for line in reply.text.splitlines() if line.startswith("data: ")]


def test_shape_vllm(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    plain = chat_text(client, seed=2)
    server.shape = "vllm"
    data = raw_chat(server, seed=2)
    assert "system_fingerprint" not in data
    assert "service_tier" not in data
    assert data["id"].startswith("chatcmpl-")
    assert len(data["id"]) == len("chatcmpl-") + 32
    assert data["prompt_logprobs"] is None
    assert data["kv_transfer_params"] is None
    [choice] = data["choices"]
    assert choice["stop_reason"] is None
    assert "annotations" not in choice["message"]
    assert data["usage"] == {
        "prompt_tokens": 6,
        "completion_tokens": len(plain.split()),
        "total_tokens": 6 + len(plain.split()),
        "prompt_tokens_details": None,
    }
    result = client.chat.completions.create(model="gpt-4o", messages=HELLO, seed=2)
    assert result.choices[0].message.content == plain  # same text, other wrapping
    assert result.system_fingerprint is None

    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        seed=2,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == plain
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 6 + len(plain.split())
    lines = raw_stream(server, "/chat/completions", messages=HELLO)
    assert lines[-1] == "[DONE]"
    assert all("usage" not in json.loads(line) for line in lines[:-1])
    assert json.loads(lines[-2])["choices"][0]["stop_reason"] is None


def test_shape_ollama(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.shape = "ollama"
    data = raw_chat(server)
    assert data["system_fingerprint"] == "fp_ollama"
    assert data["id"].removeprefix("chatcmpl-").isdigit()
    assert "service_tier" not in data
    [choice] = data["choices"]
    assert set(choice) == {"index", "message", "finish_reason"}
    assert set(choice["message"]) == {"role", "content"}
    assert set(data["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}

    legacy = client.completions.create(model="llama3", prompt="Once upon a time", seed=1)
    assert legacy.id.removeprefix("cmpl-").isdigit()
    assert legacy.system_fingerprint == "fp_ollama"
    assert legacy.choices[0].text.startswith("[Once upon a time] ")
    stream = client.chat.completions.create(model="llama3", messages=HELLO, stream=True)
    chunks = list(stream)
    assert all(c.usage is None for c in chunks)  # none asked for, none sent
    assert {c.system_fingerprint for c in chunks} == {"fp_ollama"}
    assert chunks[-1].choices[0].finish_reason == "stop"

    # A refusal arrives as ordinary content: Ollama has no refusal field.
    refused: list[Any] = [{"role": "user", "content": "Please REFUSE this one"}]
    message = client.chat.completions.create(model="llama3", messages=refused).choices[0].message
    assert message.content == "I can't help with that."
    assert message.refusal is None


def test_shape_llamacpp(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.shape = "llamacpp"
    data = raw_chat(server, seed=1)
    assert data["system_fingerprint"].startswith("b")
    assert data["timings"]["prompt_n"] == data["usage"]["prompt_tokens"] == 6
    assert data["timings"]["predicted_n"] == data["usage"]["completion_tokens"]
    assert len(data["id"]) == len("chatcmpl-") + 32

    # Usage (and timings) ride on the chunk that finishes the answer, asked or not.
    stream = client.chat.completions.create(model="gpt-4o", messages=HELLO, seed=1, stream=True)
    chunks = list(stream)
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(chat_text(client, seed=1).split())
    assert all(c.usage is None for c in chunks[:-1])
    last = json.loads(raw_stream(server, "/chat/completions", messages=HELLO)[-2])
    assert "timings" in last

    legacy = client.completions.create(model="gpt-4o", prompt="Once upon a time")
    assert legacy.model_extra is not None
    assert legacy.model_extra["id_slot"] == 0
    assert "timings" in legacy.model_extra


def test_shape_bare(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    plain = chat_text(client, seed=4)
    server.shape = "bare"
    data = raw_chat(server, seed=4)
    assert set(data) == {"object", "created", "model", "choices"}
    assert data["choices"][0]["message"] == {"role": "assistant", "content": plain}
    # The SDK still reads the answer.
    assert chat_text(client, seed=4) == plain
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        seed=4,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain
    assert all(c.usage is None and c.choices for c in chunks)  # usage never sent
    lines = raw_stream(server, "/completions", prompt="Once")
    assert all("id" not in json.loads(line) for line in lines[:-1])
    assert lines[-1] == "[DONE]"


def test_stream_done_false(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    plain = chat_text(client, seed=6)
    server.stream_done = False
    lines = raw_stream(server, "/chat/completions", messages=HELLO, seed=6)
    assert "[DONE]" not in lines
    assert json.loads(lines[-1])["choices"][0]["finish_reason"] == "stop"
    stream = client.chat.completions.create(model="gpt-4o", messages=HELLO, seed=6, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == plain
    legacy = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Once", stream=True)
    assert list(legacy)[-1].choices[0].finish_reason == "stop"
    server.shape = "ollama"  # combines with shapes
    assert "[DONE]" not in raw_stream(server, "/completions", prompt="Once")
    server.reset()
    assert server.stream_done is True
    assert server.shape == "openai"
    assert raw_stream(server, "/chat/completions", messages=HELLO)[-1] == "[DONE]"


def test_shapes_listed_and_defaults() -> None:
    assert SHAPES == ("openai", "vllm", "ollama", "llamacpp", "bare")
    fresh = FakeOpenAIServer()
    assert (fresh.shape, fresh.stream_done, fresh.refuse_seed) == ("openai", True, False)
    assert (fresh.seed_fidelity, fresh.noise_seed, fresh.fingerprints) == (1.0, None, None)
    assert fresh.scripted == []


# -- scripted answers ---------------------------------------------------------


def test_scripted_reply_plain_stream_and_fallback(
    client: openai.OpenAI, server: FakeOpenAIServer
) -> None:
    server.script(("capital of France", "Paris."))
    server.scripted.append(ScriptRule(re.compile(r"\bcolou?r\b"), reply="Blue, mostly."))
    assert chat_text(client) == "Paris."
    assert chat_text(client, seed=1, max_tokens=2) == "Paris."  # canned: no seed, no budget
    stream = client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Paris."
    sky: list[Any] = [{"role": "user", "content": "What color is the sky?"}]
    assert chat_text(client, messages=sky) == "Blue, mostly."
    legacy = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="The colour red")
    assert legacy.choices[0].text == "Blue, mostly."
    assert (
        client.responses.create(
            model="gpt-4o", input="Capital of France? capital of France"
        ).output_text
        == "Paris."
    )

    # Only the last user message counts; unmatched prompts are generated.
    other: list[Any] = [*HELLO, {"role": "user", "content": "And of Spain?"}]
    assert chat_text(client, messages=other, seed=1).startswith("[And of Spain?] ")
    assert chat_text(client, seed=1, messages=[{"role": "user", "content": "hi"}]) == make_text(
        1, {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, 12
    )
    server.reset()
    assert chat_text(client).startswith("[What is the capital of France?] ")


def test_scripted_tool_call_then_reply(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    arguments = {"city": "Paris", "unit": "celsius"}
    server.script(
        ScriptRule("weather", reply="Sunny, 22 C.", tool="get_weather", arguments=arguments)
    )
    asked: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    result = client.chat.completions.create(model="gpt-4o", messages=asked, tools=WEATHER_TOOLS)
    [call] = function_calls(result.choices[0].message.tool_calls)
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == arguments

    with client.chat.completions.stream(model="gpt-4o", messages=asked, tools=WEATHER_TOOLS) as s:
        final = s.get_final_completion()
    [streamed] = function_calls(final.choices[0].message.tool_calls)
    assert json.loads(streamed.function.arguments) == arguments

    answered: list[Any] = [
        *asked,
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "22 degrees"},
    ]
    reply = client.chat.completions.create(model="gpt-4o", messages=answered, tools=WEATHER_TOOLS)
    assert reply.choices[0].message.content == "Sunny, 22 C."

    # A rule naming the other tool makes the model call that one instead.
    server.scripted[:] = [ScriptRule("weather", tool="get_time")]
    picked = client.chat.completions.create(model="gpt-4o", messages=asked, tools=WEATHER_TOOLS)
    [timed] = function_calls(picked.choices[0].message.tool_calls)
    assert timed.function.name == "get_time"
    assert set(json.loads(timed.function.arguments)) == {"timezone"}
    # A reply-only rule answers in text although tools are offered.
    server.scripted[:] = [ScriptRule("weather", reply="Look outside.")]
    text = client.chat.completions.create(model="gpt-4o", messages=asked, tools=WEATHER_TOOLS)
    assert text.choices[0].message.tool_calls is None
    assert text.choices[0].message.content == "Look outside."


def test_scripted_structured_output(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    canned = {
        "name": "Ada",
        "age": 36,
        "hobbies": ["maths"],
        "mood": "happy",
        "address": {"city": "London", "zip_code": 1815},
        "nickname": None,
    }
    server.script(ScriptRule("capital", arguments=canned))
    parsed = client.chat.completions.parse(model="gpt-4o", messages=HELLO, response_format=Person)
    assert parsed.choices[0].message.parsed == Person.model_validate(canned)
    response = client.responses.parse(model="gpt-4o", input="the capital?", text_format=Person)
    assert response.output_parsed == Person.model_validate(canned)
    # With no response format, an arguments-only rule leaves the text generated.
    assert chat_text(client).startswith("[What is the capital of France?] ")


BOUNDED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "level": {"type": "integer", "minimum": 3, "maximum": 5},
        "offset": {"type": "integer", "exclusiveMinimum": -10, "exclusiveMaximum": -7},
        "ratio": {"type": "number", "minimum": 0.25, "maximum": 0.5},
        "far": {"type": "number", "minimum": 1000},
        "code": {"type": "string", "minLength": 2, "maxLength": 3},
        "long": {"type": "string", "minLength": 20},
        "color": {"type": "string", "enum": ["red", "green"]},
        "kind": {"const": "fixed"},
        "when": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "time"},
        "mail": {"type": "string", "format": "email"},
        "site": {"type": "string", "format": "uri"},
        "host": {"type": "string", "format": "hostname"},
        "ip": {"type": "string", "format": "ipv4"},
        "key": {"type": "string", "format": "uuid"},
        "none": {"type": "array", "items": {"type": "string"}, "maxItems": 0},
        "pair": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
    },
    "required": ["level"],
    "additionalProperties": False,
}


def check_bounds(value: dict[str, Any]) -> None:
    assert 3 <= value["level"] <= 5
    assert -10 < value["offset"] < -7
    assert 0.25 <= value["ratio"] <= 0.5
    assert value["far"] >= 1000
    assert 2 <= len(value["code"]) <= 3
    assert len(value["long"]) >= 20
    assert value["color"] in ("red", "green")
    assert value["kind"] == "fixed"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value["when"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", value["day"])
    assert re.fullmatch(r"\d\d:\d\d:\d\dZ", value["at"])
    assert re.fullmatch(r"[a-z]+@example\.com", value["mail"])
    assert value["site"].startswith("https://")
    assert "." in value["host"]
    assert all(0 <= int(n) <= 255 for n in value["ip"].split("."))
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}", value["key"]
    )
    assert value["none"] == []
    assert len(value["pair"]) == 2


def test_generated_values_respect_schema_bounds(client: openai.OpenAI) -> None:
    tool: list[Any] = [
        {"type": "function", "function": {"name": "tune", "parameters": BOUNDED_SCHEMA}}
    ]
    response_format: Any = {
        "type": "json_schema",
        "json_schema": {"name": "bounded", "schema": BOUNDED_SCHEMA, "strict": True},
    }
    for seed in range(15):
        result = client.chat.completions.create(
            model="gpt-4o", messages=HELLO, tools=tool, seed=seed
        )
        [call] = function_calls(result.choices[0].message.tool_calls)
        check_bounds(json.loads(call.function.arguments))
        check_bounds(json.loads(chat_text(client, seed=seed, response_format=response_format)))


# -- embeddings, moderations, images, audio, files ---------------------------


def test_embeddings(client: openai.OpenAI) -> None:
    result = client.embeddings.create(model="text-embedding-3-small", input="hello world")
    [item] = result.data
    vector = item.embedding
    assert len(vector) == 1536
    assert math.isclose(sum(v * v for v in vector), 1.0, rel_tol=1e-5)
    assert result.model == "text-embedding-3-small"
    assert result.usage.prompt_tokens == result.usage.total_tokens == 2
    # The SDK asks for base64 by default and decodes it; floats are the same numbers.
    floats = client.embeddings.create(
        model="text-embedding-3-small", input="hello world", encoding_format="float"
    )
    assert floats.data[0].embedding == vector
    again = client.embeddings.create(model="text-embedding-3-small", input="hello world")
    assert again.data[0].embedding == vector
    other = client.embeddings.create(model="text-embedding-3-small", input="goodbye")
    assert other.data[0].embedding != vector

    batch = client.embeddings.create(
        model="text-embedding-3-large", input=["hello world", "goodbye"], dimensions=256
    )
    assert [d.index for d in batch.data] == [0, 1]
    assert {len(d.embedding) for d in batch.data} == {256}
    full = client.embeddings.create(model="text-embedding-3-large", input="hello world")
    assert len(full.data[0].embedding) == 3072
    # Shortened vectors are the full one cut and renormalized, as on OpenAI.
    head = full.data[0].embedding[:256]
    norm = math.sqrt(sum(v * v for v in head))
    assert batch.data[0].embedding == pytest.approx([v / norm for v in head], rel=1e-5)

    tokens = client.embeddings.create(model="text-embedding-3-small", input=[[1, 2, 3], [4]])
    assert len(tokens.data) == 2
    assert tokens.usage.prompt_tokens == 4
    single = client.embeddings.create(model="text-embedding-3-small", input=[1, 2, 3])
    assert single.data[0].embedding == tokens.data[0].embedding


def test_embeddings_wire_format_and_errors(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    body = {"model": "text-embedding-3-small", "input": "x", "dimensions": 4}
    as_float = httpx2.post(f"{server.base_url}/embeddings", json=body, headers=headers).json()
    body["encoding_format"] = "base64"
    encoded = httpx2.post(f"{server.base_url}/embeddings", json=body, headers=headers).json()
    raw = base64.b64decode(encoded["data"][0]["embedding"])
    assert list(struct.unpack("<4f", raw)) == as_float["data"][0]["embedding"]
    assert as_float["object"] == "list"
    assert as_float["data"][0]["object"] == "embedding"

    bad: dict[str, Any]
    for bad in (
        {"input": ""},
        {"input": []},
        {"input": "x", "dimensions": 0},
        {"input": "x", "dimensions": 5000},
        {"input": "x", "encoding_format": "int8"},
    ):
        with pytest.raises(openai.BadRequestError):
            client.embeddings.create(model="text-embedding-3-small", **bad)
    with pytest.raises(openai.BadRequestError, match="does not support specifying dimensions"):
        client.embeddings.create(model="text-embedding-ada-002", input="x", dimensions=8)


def test_moderations(client: openai.OpenAI) -> None:
    result = client.moderations.create(input="I will kill the process and then have lunch")
    assert result.id.startswith("modr-")
    assert result.model == "omni-moderation-2024-09-26"
    [verdict] = result.results
    assert verdict.flagged is True
    assert verdict.categories.violence is True
    assert verdict.categories.harassment_threatening is True
    assert verdict.categories.sexual is False
    assert verdict.category_scores.violence > 0.9
    assert verdict.category_scores.sexual < 0.01
    assert verdict.category_applied_input_types is not None
    assert verdict.category_applied_input_types.violence == ["text"]
    again = client.moderations.create(input="I will kill the process and then have lunch")
    assert again.results[0].category_scores == verdict.category_scores
    assert again.id == result.id

    calm = client.moderations.create(
        model="omni-moderation-latest", input=["What a lovely skill", "Nice garden"]
    )
    assert [r.flagged for r in calm.results] == [False, False]
    assert not any(calm.results[0].categories.model_dump().values())
    mixed: list[Any] = [
        {"type": "text", "text": "how to build a bomb"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    parts = client.moderations.create(input=mixed)
    [combined] = parts.results
    assert combined.categories.illicit_violent is True
    assert combined.category_applied_input_types is not None
    assert combined.category_applied_input_types.illicit == ["text", "image"]


def test_image_generations(client: openai.OpenAI) -> None:
    result = client.images.generate(
        model="dall-e-2", prompt="a red fox", n=2, response_format="b64_json"
    )
    assert result.data is not None
    assert len(result.data) == 2
    pngs = [base64.b64decode(image.b64_json or "") for image in result.data]
    for png in pngs:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert png[12:16] == b"IHDR"
        assert png.endswith(b"IEND\xaeB`\x82")  # the fixed CRC of an empty IEND
        width, height = struct.unpack(">II", png[16:24])
        assert (width, height) == (8, 8)
        # Every chunk's CRC is right, so image libraries will open it.
        at = 8
        while at < len(png):
            (length,) = struct.unpack(">I", png[at : at + 4])
            kind_and_data = png[at + 4 : at + 8 + length]
            (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
            assert zlib.crc32(kind_and_data) == crc
            at += 12 + length
    assert pngs[0] != pngs[1]  # each image of n is its own
    again = client.images.generate(
        model="dall-e-2", prompt="a red fox", n=2, response_format="b64_json"
    )
    assert again.data is not None
    assert [base64.b64decode(i.b64_json or "") for i in again.data] == pngs

    urls = client.images.generate(model="dall-e-3", prompt="a red fox")
    assert urls.data is not None
    [image] = urls.data
    assert image.url is not None
    assert image.url.startswith("https://")
    assert image.url.endswith(".png")
    assert image.revised_prompt == "A picture of: a red fox"
    gpt_image = client.images.generate(model="gpt-image-1", prompt="a red fox")
    assert gpt_image.data is not None
    assert gpt_image.data[0].b64_json
    assert gpt_image.usage is not None
    with pytest.raises(openai.BadRequestError):
        client.images.generate(model="dall-e-2", prompt="x", n=11)


AUDIO = bytes(range(256)) * 200 + b"\r\n--not-a-boundary\r\n\n\r\x00"


def test_audio_transcriptions(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    result = client.audio.transcriptions.create(model="whisper-1", file=("speech.wav", AUDIO))
    text = result.text
    assert text.endswith(".")
    assert 5 <= len(text.split()) <= 12
    request = server.requests[-1]
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    again = client.audio.transcriptions.create(model="whisper-1", file=("other.wav", AUDIO))
    assert again.text == text  # derived from the bytes, not the file name
    different = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", AUDIO[1:]))
    assert different.text != text

    plain = client.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", AUDIO), response_format="text"
    )
    assert plain == f"{text}\n"
    raw = client.audio.transcriptions.with_raw_response.create(
        model="whisper-1", file=("speech.wav", AUDIO), response_format="text"
    )
    assert raw.headers["content-type"].startswith("text/plain")
    verbose = client.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", AUDIO), response_format="verbose_json"
    )
    assert verbose.text == text
    assert verbose.duration == float(len(AUDIO) // 16000)
    srt = client.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", AUDIO), response_format="srt"
    )
    assert srt.startswith("1\n00:00:00,000 --> ")
    assert text in srt
    prompted = client.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", AUDIO), prompt="Names: Ada"
    )
    assert prompted.text != text


def test_file_upload(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    content = b'{"prompt": "a", "completion": "b"}\n' * 3
    uploaded = client.files.create(file=("train.jsonl", content), purpose="fine-tune")
    assert uploaded.id.startswith("file-")
    assert uploaded.object == "file"
    assert uploaded.bytes == len(content)
    assert uploaded.filename == "train.jsonl"
    assert uploaded.purpose == "fine-tune"
    assert uploaded.status == "processed"
    same = client.files.create(file=("copy.jsonl", content), purpose="batch")
    assert same.id == uploaded.id  # the id is the content's
    assert same.filename == "copy.jsonl"
    other = client.files.create(file=("x.jsonl", content + b"\n"), purpose="fine-tune")
    assert other.id != uploaded.id
    # Binary content survives the multipart parsing byte for byte.
    binary = client.files.create(file=("speech ü.wav", AUDIO), purpose="user_data")
    assert binary.bytes == len(AUDIO)
    assert binary.id == f"file-{hashlib.sha256(AUDIO).hexdigest()[:24]}"
    assert binary.filename == "speech ü.wav"
    with pytest.raises(openai.BadRequestError, match="purpose"):
        client.files.create(file=("x.jsonl", content), purpose="nonsense")  # type: ignore[arg-type]

    headers = {"Authorization": f"Bearer {API_KEY}"}
    # A multipart body with only the purpose field.
    fields: Any = {"purpose": (None, b"batch")}
    missing = httpx2.post(f"{server.base_url}/files", files=fields, headers=headers)
    assert missing.status_code == 400
    assert missing.json()["error"]["param"] == "file"
    not_multipart = httpx2.post(f"{server.base_url}/files", json={"purpose": "x"}, headers=headers)
    assert not_multipart.status_code == 400


def test_unknown_path_is_openai_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as excinfo:
        client.post("/no/such/endpoint", body={"x": 1}, cast_to=object)
    assert excinfo.value.response.json() == {
        "error": {
            "message": "Invalid URL (POST /v1/no/such/endpoint)",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    with pytest.raises(openai.NotFoundError):
        client.get("/embeddings", cast_to=object)  # known path, wrong method


def test_extra_endpoints_on_azure_and_with_refuse_seed(server: FakeOpenAIServer) -> None:
    with openai.AzureOpenAI(
        api_key=API_KEY, azure_endpoint=server.root_url, api_version="2024-06-01", max_retries=0
    ) as azure:
        vector = azure.embeddings.create(model="my-embedder", input="hi").data[0].embedding
        heard = azure.audio.transcriptions.create(model="my-whisper", file=("a.wav", AUDIO))
    assert server.requests[0].path == "/openai/deployments/my-embedder/embeddings"
    assert len(vector) == 1536
    assert heard.text
    server.refuse_seed = True
    reply = httpx2.post(
        f"{server.base_url}/embeddings",
        json={"model": "text-embedding-3-small", "input": "hi", "seed": 1},
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == "Unrecognized request argument supplied: seed"
