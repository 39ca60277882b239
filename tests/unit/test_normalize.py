"""Unit tests of ``pytest_llmseed.goldens.documents``: real SDK objects and calls -> golden documents."""

from __future__ import annotations

import copy
import json
from typing import Any

import pydantic
import pytest
from openai.types.chat import ChatCompletion, ParsedChatCompletion
from openai.types.completion import Completion
from openai.types.responses import Response

from pytest_llmseed.exchange.calls import CallList, CallLog, LLMCall
from pytest_llmseed.goldens.documents import FORMAT_VERSION, UNSEEDED, document
from pytest_llmseed.goldens.fileformat import dump_golden

MODEL = "gpt-4o-2024-08-06"
REQUEST: dict[str, Any] = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "Where is order 42?"}],
    "temperature": 0,
    "seed": 1234,
}


def chat_body(
    content: str | None = "Hello!",
    *,
    answer_id: str = "chatcmpl-AAA",
    created: int = 1_700_000_000,
    finish_reason: str = "stop",
    tool_call_ids: tuple[str, ...] = (),
    refusal: str | None = None,
) -> dict[str, Any]:
    """A Chat Completions response body as the API sends it."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal}
    if tool_call_ids:
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {
                    "name": "lookup_order",
                    "arguments": json.dumps({"order_id": 42 + n, "verbose": True}),
                },
            }
            for n, call_id in enumerate(tool_call_ids)
        ]
    return {
        "id": answer_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL,
        "system_fingerprint": "fp_abc123",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
    }


def chat(content: str | None = "Hello!", **kwargs: Any) -> ChatCompletion:
    return ChatCompletion.model_validate(chat_body(content, **kwargs))


def response_body(*, answer_id: str = "resp_1", call_id: str = "call_1") -> dict[str, Any]:
    """A Responses API body with a message and a function call."""
    return {
        "id": answer_id,
        "object": "response",
        "created_at": 1_700_000_000,
        "model": MODEL,
        "status": "completed",
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "Looking it up.\n", "annotations": []}],
            },
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": call_id,
                "name": "lookup_order",
                "arguments": '{"order_id": 42}',
                "status": "completed",
            },
        ],
        "usage": {
            "input_tokens": 10,
            "output_tokens": 4,
            "total_tokens": 14,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def keys_anywhere(value: Any) -> set[str]:
    """Every mapping key at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_anywhere(v)}
    return set()


@pytest.fixture
def call_log() -> CallLog:
    """A test's log of exchanges, handed to ``document`` as the golden extension does."""
    return CallLog()


# --- chat completions ----------------------------------------------------------------------


def test_chat_completion_document_shape() -> None:
    doc = document(chat("Hello!"))
    assert doc == {
        "llmseed_golden": FORMAT_VERSION,
        "kind": "answer",
        "endpoint": "chat.completions",
        "output": [{"finish_reason": "stop", "content": "Hello!"}],
        "meta": {
            "model": MODEL,
            "system_fingerprint": "fp_abc123",
            "usage": doc["meta"]["usage"],
            "seed": None,
        },
    }
    assert doc["meta"]["usage"]["total_tokens"] == 17


def test_ids_created_and_tool_call_ids_are_left_out() -> None:
    doc = document(chat(None, finish_reason="tool_calls", tool_call_ids=("call_XYZ", "call_2")))
    text = json.dumps(doc)
    for volatile in ("chatcmpl-AAA", "1700000000", "call_XYZ", "call_2"):
        assert volatile not in text
    assert not {"id", "created"} & keys_anywhere(doc)


def test_tool_call_arguments_are_parsed_to_data() -> None:
    doc = document(chat(None, finish_reason="tool_calls", tool_call_ids=("call_a", "call_b")))
    (choice,) = doc["output"]
    assert choice["finish_reason"] == "tool_calls"
    assert "content" not in choice
    assert choice["tool_calls"] == [
        {
            "type": "function",
            "name": "lookup_order",
            "arguments": {"order_id": 42, "verbose": True},
        },
        {
            "type": "function",
            "name": "lookup_order",
            "arguments": {"order_id": 43, "verbose": True},
        },
    ]


def test_tool_call_arguments_that_are_not_json_stay_text() -> None:
    body = chat_body(None, finish_reason="tool_calls", tool_call_ids=("call_a",))
    body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = "{not json"
    doc = document(ChatCompletion.model_validate(body))
    assert doc["output"][0]["tool_calls"][0]["arguments"] == "{not json"


@pytest.mark.parametrize(
    "content",
    [
        "Line one.\nLine two.\n\n  indented line\n",
        "ends with a newline\n",
        "Grüße, 世界! “quoted” — and 😀 emoji\u200b",
        "  leading and trailing spaces  ",
        '{"looks": "like json"}',
    ],
    ids=["multi-line", "trailing-newline", "unicode", "spaces", "json-text-unstructured"],
)
def test_content_is_kept_exactly(content: str) -> None:
    doc = document(chat(content))
    assert doc["output"][0]["content"] == content
    assert "parsed" not in doc["output"][0]


def test_refusal_is_kept() -> None:
    doc = document(chat(None, refusal="I can't help with that."))
    assert doc["output"] == [{"finish_reason": "stop", "refusal": "I can't help with that."}]


@pytest.mark.parametrize("finish_reason", ["stop", "length", "content_filter"])
def test_finish_reason_is_kept(finish_reason: str) -> None:
    assert document(chat("x", finish_reason=finish_reason))["output"][0]["finish_reason"] == (
        finish_reason
    )


# --- calls: request, seed, structured output ------------------------------------------------


def test_llm_call_document_moves_seed_into_meta() -> None:
    doc = document(LLMCall("chat.completions", copy.deepcopy(REQUEST), chat_body("Shipped.")))
    assert doc["kind"] == "call"
    assert doc["endpoint"] == "chat.completions"
    assert "seed" not in doc["request"]
    assert doc["request"] == {k: v for k, v in REQUEST.items() if k != "seed"}
    assert doc["meta"]["seed"] == 1234
    assert doc["output"] == [{"finish_reason": "stop", "content": "Shipped."}]


@pytest.mark.parametrize(
    "response_format",
    [
        {"type": "json_object"},
        {
            "type": "json_schema",
            "json_schema": {
                "name": "order",
                "schema": {"type": "object", "properties": {"order_id": {"type": "integer"}}},
            },
        },
    ],
    ids=["json_object", "json_schema"],
)
def test_structured_output_request_gives_parsed(response_format: dict[str, Any]) -> None:
    request = {**REQUEST, "response_format": response_format}
    content = '{"order_id": 42, "status": "shipped", "items": [1, 2]}'
    doc = document(LLMCall("chat.completions", request, chat_body(content)))
    (choice,) = doc["output"]
    assert choice["parsed"] == {"order_id": 42, "status": "shipped", "items": [1, 2]}
    assert "content" not in choice
    assert doc["request"]["response_format"] == response_format


def test_structured_output_request_with_non_json_content_keeps_content() -> None:
    request = {**REQUEST, "response_format": {"type": "json_object"}}
    doc = document(LLMCall("chat.completions", request, chat_body("Sorry, no JSON today")))
    assert doc["output"][0] == {"finish_reason": "stop", "content": "Sorry, no JSON today"}


def test_parsed_chat_completion_gives_parsed_model_data() -> None:
    class Order(pydantic.BaseModel):
        order_id: int
        items: list[str]

    body = chat_body('{"order_id": 7, "items": ["tea"]}')
    body["choices"][0]["message"]["parsed"] = {"order_id": 7, "items": ["tea"]}
    parsed = ParsedChatCompletion[Order].model_validate(body)
    assert isinstance(parsed.choices[0].message.parsed, Order)
    doc = document(parsed)
    assert doc["output"] == [{"finish_reason": "stop", "parsed": {"order_id": 7, "items": ["tea"]}}]


def test_sdk_object_gets_the_request_of_the_logged_call_with_its_id(call_log: CallLog) -> None:
    body = chat_body("Order 42 shipped.", answer_id="chatcmpl-LOGGED")
    call_log.add(LLMCall("chat.completions", copy.deepcopy(REQUEST), body), response=object())
    call_log.add(
        LLMCall("chat.completions", {"model": "other"}, chat_body("x", answer_id="chatcmpl-OTHER")),
        response=object(),
    )
    doc = document(ChatCompletion.model_validate(body), call_log)
    assert doc["kind"] == "answer"
    assert doc["request"] == {
        "messages": [{"role": "user", "content": "Where is order 42?"}],
        "model": "gpt-4o",
        "temperature": 0,
    }
    assert list(doc["request"]) == sorted(doc["request"])
    assert doc["meta"]["seed"] == 1234
    assert doc["output"] == [{"finish_reason": "stop", "content": "Order 42 shipped."}]


def test_sdk_object_without_a_logged_call_has_no_request(call_log: CallLog) -> None:
    call_log.add(LLMCall("chat.completions", REQUEST, chat_body("a", answer_id="x")), object())
    doc = document(chat("a", answer_id="chatcmpl-NOT-LOGGED"), call_log)
    assert "request" not in doc
    assert doc["meta"]["seed"] is None


def test_logged_structured_request_turns_sdk_content_into_parsed(call_log: CallLog) -> None:
    request = {**REQUEST, "response_format": {"type": "json_object"}}
    body = chat_body('{"ok": true}', answer_id="chatcmpl-S")
    call_log.add(LLMCall("chat.completions", request, body), response=object())
    doc = document(ChatCompletion.model_validate(body), call_log)
    assert doc["output"] == [{"finish_reason": "stop", "parsed": {"ok": True}}]


# --- Responses API and legacy completions --------------------------------------------------


def test_responses_api_document_says_unseeded() -> None:
    doc = document(Response.model_validate(response_body()))
    assert doc["endpoint"] == "responses"
    assert doc["meta"]["seed"] == UNSEEDED
    assert "unseeded" in doc["meta"]["seed"]
    assert doc["meta"]["status"] == "completed"
    assert doc["output"] == [
        {"type": "message", "content": "Looking it up.\n"},
        {"type": "function_call", "name": "lookup_order", "arguments": {"order_id": 42}},
    ]
    text = json.dumps(doc)
    for volatile in ("resp_1", "msg_1", "fc_1", "call_1", "1700000000"):
        assert volatile not in text


def test_responses_api_call_is_unseeded_even_when_request_had_a_seed() -> None:
    request = {"model": "gpt-4o", "input": "hi"}
    doc = document(LLMCall("responses", request, response_body()))
    assert doc["kind"] == "call"
    assert doc["request"] == request
    assert doc["meta"]["seed"] == UNSEEDED


def test_legacy_completion_gives_text() -> None:
    completion = Completion.model_validate(
        {
            "id": "cmpl-1",
            "object": "text_completion",
            "created": 1_700_000_000,
            "model": "gpt-3.5-turbo-instruct",
            "choices": [
                {
                    "index": 0,
                    "text": " once upon\na time\n",
                    "finish_reason": "length",
                    "logprobs": None,
                }
            ],
        }
    )
    doc = document(completion)
    assert doc["endpoint"] == "completions"
    assert doc["output"] == [{"finish_reason": "length", "text": " once upon\na time\n"}]
    assert "cmpl-1" not in json.dumps(doc)


# --- plain values and call lists -----------------------------------------------------------


def test_plain_str_is_kind_text() -> None:
    assert document("The answer\nis 42.\n") == {
        "llmseed_golden": 1,
        "kind": "text",
        "output": "The answer\nis 42.\n",
    }


class Summary(pydantic.BaseModel):
    title: str
    tags: list[str]


@pytest.mark.parametrize(
    ("value", "output"),
    [
        ({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 2]}),
        ([1, "two", None], [1, "two", None]),
        ([], []),
        (Summary(title="T", tags=["x"]), {"title": "T", "tags": ["x"]}),
        ({"nested": Summary(title="N", tags=[])}, {"nested": {"title": "N", "tags": []}}),
    ],
    ids=["dict", "list", "empty-list", "pydantic", "nested-pydantic"],
)
def test_plain_data_is_kind_data(value: Any, output: Any) -> None:
    assert document(value) == {"llmseed_golden": 1, "kind": "data", "output": output}


def test_list_of_calls_is_kind_calls() -> None:
    calls = [
        LLMCall("chat.completions", copy.deepcopy(REQUEST), chat_body("first")),
        LLMCall(
            "completions",
            {"model": "m", "prompt": "p", "seed": 7},
            {
                "id": "cmpl-2",
                "object": "text_completion",
                "choices": [{"index": 0, "text": "second", "finish_reason": "stop"}],
            },
        ),
    ]
    doc = document(calls)
    assert doc["kind"] == "calls"
    assert [c["endpoint"] for c in doc["calls"]] == ["chat.completions", "completions"]
    assert doc["calls"][0]["output"] == [{"finish_reason": "stop", "content": "first"}]
    assert doc["calls"][1]["output"] == [{"finish_reason": "stop", "text": "second"}]
    assert [c["meta"]["seed"] for c in doc["calls"]] == [1234, 7]
    assert all("seed" not in c["request"] for c in doc["calls"])
    assert document(CallList(calls)) == doc


def test_empty_call_list_is_kind_calls() -> None:
    assert document(CallList()) == {"llmseed_golden": 1, "kind": "calls", "calls": []}


# --- byte-identical goldens ----------------------------------------------------------------


def test_answers_differing_only_in_ids_and_created_dump_identically() -> None:
    first = chat(
        "Two\nlines 😀\n", answer_id="chatcmpl-1", created=1, tool_call_ids=("call_a", "call_b")
    )
    second = chat(
        "Two\nlines 😀\n",
        answer_id="chatcmpl-2",
        created=1_800_000_000,
        tool_call_ids=("call_y", "call_z"),
    )
    assert first != second
    assert dump_golden(document(first)) == dump_golden(document(second))


def test_calls_differing_only_in_ids_and_created_dump_identically() -> None:
    def calls(suffix: str, created: int) -> CallList:
        body = chat_body(
            None,
            answer_id=f"chatcmpl-{suffix}",
            created=created,
            finish_reason="tool_calls",
            tool_call_ids=(f"call_{suffix}",),
        )
        return CallList([LLMCall("chat.completions", copy.deepcopy(REQUEST), body)])

    assert dump_golden(document(calls("a", 1))) == dump_golden(document(calls("b", 2)))


def test_answers_with_different_content_dump_differently() -> None:
    assert dump_golden(document(chat("yes"))) != dump_golden(document(chat("no")))
