"""Tests of the fake OpenAI server, driven through the real openai SDK."""

from __future__ import annotations

import asyncio
import enum
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest
from llm_server import FakeOpenAIServer, make_text
from openai.types.chat import ChatCompletionMessageFunctionToolCall
from pydantic import BaseModel

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
