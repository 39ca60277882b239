"""Unit tests of ``pytest_llmseed.exchange.calls`` / ``.streams``: endpoint names, SSE framing, stream assembly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_llmseed.exchange.sse import iter_sse
from pytest_llmseed.providers.openai import assemble_stream, endpoint_name


def sse(*payloads: Any, done: bool = True) -> str:
    """An SSE body as OpenAI sends it: one ``data:`` event per payload, then ``[DONE]``."""
    events = [f"data: {json.dumps(p, ensure_ascii=False)}\n\n" for p in payloads]
    if done:
        events.append("data: [DONE]\n\n")
    return "".join(events)


def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_abc",
        "choices": choices,
        **extra,
    }


def delta(index: int = 0, finish_reason: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish_reason}


# --- endpoint_name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/chat/completions", "chat.completions"),
        ("/openai/deployments/x/chat/completions", "chat.completions"),
        ("/v1/chat/completions/", "chat.completions"),
        ("/v1/completions", "completions"),
        ("/v1/responses", "responses"),
        ("/v1/embeddings", "embeddings"),
        ("/v1/models", None),
        ("/v1/chat/completions/abc", None),
        ("/", None),
    ],
)
def test_endpoint_name_of_a_post(path: str, expected: str | None) -> None:
    assert endpoint_name("POST", path) == expected


def test_endpoint_name_ignores_method_case_and_rejects_get() -> None:
    assert endpoint_name("post", "/v1/chat/completions") == "chat.completions"
    assert endpoint_name("GET", "/v1/chat/completions") is None
    assert endpoint_name("GET", "/v1/responses") is None


# --- iter_sse ------------------------------------------------------------------------------


def test_iter_sse_yields_one_item_per_event() -> None:
    text = 'data: {"a":1}\n\ndata: {"b":2}\n\n'
    assert list(iter_sse(text)) == [(None, '{"a":1}'), (None, '{"b":2}')]


def test_iter_sse_skips_comments() -> None:
    text = ": keep-alive\n\ndata: one\n: a comment inside an event\n\n:\n\n"
    assert list(iter_sse(text)) == [(None, "one")]


def test_iter_sse_joins_multi_line_data_with_newlines() -> None:
    text = "data: first\ndata: second\ndata:third\n\n"
    assert list(iter_sse(text)) == [(None, "first\nsecond\nthird")]


def test_iter_sse_keeps_event_names_and_resets_them_per_event() -> None:
    text = (
        "event: response.created\ndata: {}\n\n"
        "data: plain\n\n"
        "event: response.completed\ndata: {}\n\n"
    )
    assert list(iter_sse(text)) == [
        ("response.created", "{}"),
        (None, "plain"),
        ("response.completed", "{}"),
    ]


def test_iter_sse_ignores_an_event_without_data() -> None:
    text = "event: ping\n\nid: 7\nretry: 100\n\ndata: x\n\n"
    assert list(iter_sse(text)) == [(None, "x")]


def test_iter_sse_removes_only_one_leading_space() -> None:
    assert list(iter_sse("data:  two spaces \n\n")) == [(None, " two spaces ")]


def test_iter_sse_data_with_colons_is_kept_whole() -> None:
    assert list(iter_sse('data: {"url": "http://x:1"}\n\n')) == [(None, '{"url": "http://x:1"}')]


def test_iter_sse_last_event_without_trailing_blank_line() -> None:
    text = "data: one\n\nevent: last\ndata: two"
    assert list(iter_sse(text)) == [(None, "one"), ("last", "two")]


def test_iter_sse_crlf_line_endings() -> None:
    text = "event: e\r\ndata: one\r\n\r\ndata: two\r\n\r\n"
    assert list(iter_sse(text)) == [("e", "one"), (None, "two")]


def test_iter_sse_empty_body() -> None:
    assert list(iter_sse("")) == []


def test_iter_sse_splits_lines_only_on_cr_and_lf() -> None:
    # SSE (and the OpenAI SDK's decoder) end lines at CR, LF or CRLF only. Servers that
    # write JSON as raw UTF-8 (vLLM, Ollama) leave U+2028 / U+2029 / U+0085 unescaped.
    payload = json.dumps({"text": "a\u2028b\u2029c\x85d"}, ensure_ascii=False)
    assert list(iter_sse(f"data: {payload}\n\n")) == [(None, payload)]


# --- assemble_stream: chat -----------------------------------------------------------------


def test_chat_content_is_concatenated() -> None:
    text = sse(
        chunk([delta(role="assistant", content="")]),
        chunk([delta(content="Hello")]),
        chunk([delta(content=", world")]),
        chunk([delta(finish_reason="stop")]),
    )
    assert assemble_stream(text) == {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_abc",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello, world", "refusal": None},
                "finish_reason": "stop",
            }
        ],
    }


def test_chat_unicode_content_survives() -> None:
    text = sse(
        chunk([delta(role="assistant", content="日本")]),
        chunk([delta(content="語 😀 end", finish_reason="stop")]),
    )
    result = assemble_stream(text)
    assert result["choices"][0]["message"]["content"] == "日本語 😀 end"


def test_chat_content_with_unicode_line_separators_survives() -> None:
    # Raw U+2028 / U+2029 / U+0085 inside a JSON string are not SSE line ends.
    text = sse(
        chunk([delta(role="assistant", content="line\u2028sep")]),
        chunk([delta(content="\u2029para\x85nel", finish_reason="stop")]),
    )
    result = assemble_stream(text)
    assert result["choices"][0]["message"]["content"] == "line\u2028sep\u2029para\x85nel"


def test_chat_refusal_is_concatenated_and_content_stays_none() -> None:
    text = sse(
        chunk([delta(role="assistant", refusal="I can't ")]),
        chunk([delta(refusal="help with that.")]),
        chunk([delta(finish_reason="stop")]),
    )
    message = assemble_stream(text)["choices"][0]["message"]
    assert message == {"role": "assistant", "content": None, "refusal": "I can't help with that."}


def test_chat_multiple_choices_are_kept_apart_and_sorted() -> None:
    text = sse(
        chunk([delta(1, role="assistant", content="B"), delta(0, role="assistant", content="A")]),
        chunk([delta(0, content="a")]),
        chunk([delta(1, content="b", finish_reason="length")]),
        chunk([delta(0, finish_reason="stop")]),
    )
    choices = assemble_stream(text)["choices"]
    assert [c["index"] for c in choices] == [0, 1]
    assert [c["message"]["content"] for c in choices] == ["Aa", "Bb"]
    assert [c["finish_reason"] for c in choices] == ["stop", "length"]


def test_chat_choice_without_finish_reason_reports_none() -> None:
    text = sse(chunk([delta(role="assistant", content="cut")]))
    assert assemble_stream(text)["choices"][0]["finish_reason"] is None


def tool_delta(
    index: int, *, call_id: str | None = None, name: str | None = None, arguments: str = ""
) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if call_id is not None:
        call.update(id=call_id, type="function")
        call["function"]["name"] = name
    return call


def test_chat_tool_call_split_over_several_deltas() -> None:
    text = sse(
        chunk(
            [
                delta(
                    role="assistant",
                    content=None,
                    tool_calls=[tool_delta(0, call_id="call_1", name="get_weather")],
                )
            ]
        ),
        chunk([delta(tool_calls=[tool_delta(0, arguments='{"ci')])]),
        chunk([delta(tool_calls=[tool_delta(0, arguments='ty": "Pa')])]),
        chunk([delta(tool_calls=[tool_delta(0, arguments='ris"}')])]),
        chunk([delta(finish_reason="tool_calls")]),
    )
    choice = assemble_stream(text)["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ]


def test_chat_two_parallel_tool_calls_interleaved() -> None:
    text = sse(
        chunk(
            [
                delta(
                    role="assistant",
                    tool_calls=[tool_delta(0, call_id="call_a", name="get_weather")],
                )
            ]
        ),
        chunk([delta(tool_calls=[tool_delta(0, arguments='{"city":')])]),
        chunk([delta(tool_calls=[tool_delta(1, call_id="call_b", name="get_time")])]),
        chunk([delta(tool_calls=[tool_delta(1, arguments='{"tz":')])]),
        chunk([delta(tool_calls=[tool_delta(0, arguments='"Oslo"}')])]),
        chunk([delta(tool_calls=[tool_delta(1, arguments='"CET"}')])]),
        chunk([delta(finish_reason="tool_calls")]),
    )
    calls = assemble_stream(text)["choices"][0]["message"]["tool_calls"]
    assert [c["id"] for c in calls] == ["call_a", "call_b"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"city": "Oslo"},
        {"tz": "CET"},
    ]


def test_chat_usage_chunk_with_empty_choices() -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    text = sse(
        chunk([delta(role="assistant", content="Hi")], usage=None),
        chunk([delta(finish_reason="stop")], usage=None),
        chunk([], usage=usage),
    )
    result = assemble_stream(text)
    assert result["usage"] == usage
    assert len(result["choices"]) == 1
    assert result["choices"][0]["message"]["content"] == "Hi"


def test_chat_without_usage_has_no_usage_key() -> None:
    text = sse(chunk([delta(role="assistant", content="Hi", finish_reason="stop")], usage=None))
    assert "usage" not in assemble_stream(text)


# --- assemble_stream: legacy completions ---------------------------------------------------


def text_chunk(text: str, index: int = 0, finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1700000000,
        "model": "gpt-3.5-turbo-instruct",
        "choices": [
            {"index": index, "text": text, "logprobs": None, "finish_reason": finish_reason}
        ],
    }


def test_legacy_text_completion_chunks() -> None:
    text = sse(
        text_chunk("Once"),
        text_chunk("X", index=1),
        text_chunk(" upon"),
        text_chunk(" a time", finish_reason="length"),
        text_chunk("Y", index=1, finish_reason="stop"),
    )
    assert assemble_stream(text) == {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1700000000,
        "model": "gpt-3.5-turbo-instruct",
        "choices": [
            {"index": 0, "text": "Once upon a time", "finish_reason": "length"},
            {"index": 1, "text": "XY", "finish_reason": "stop"},
        ],
    }


def test_legacy_usage_chunk_is_kept() -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    last = {**text_chunk(""), "choices": [], "usage": usage}
    result = assemble_stream(sse(text_chunk("ok", finish_reason="stop"), last))
    assert result["usage"] == usage
    assert result["choices"][0]["text"] == "ok"


# --- assemble_stream: Responses API --------------------------------------------------------


def test_responses_stream_returns_the_completed_response() -> None:
    created = {"id": "resp_1", "object": "response", "status": "in_progress", "output": []}
    completed = {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "output": [
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Hello there"}],
            }
        ],
        "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
    }
    events = [
        ("response.created", {"type": "response.created", "response": created}),
        ("response.in_progress", {"type": "response.in_progress", "response": created}),
        ("response.output_text.delta", {"type": "response.output_text.delta", "delta": "Hello"}),
        ("response.output_text.delta", {"type": "response.output_text.delta", "delta": " there"}),
        ("response.output_text.done", {"type": "response.output_text.done", "text": "Hello there"}),
        ("response.completed", {"type": "response.completed", "response": completed}),
    ]
    text = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    assert assemble_stream(text) == completed


# --- [DONE] and non-JSON data --------------------------------------------------------------


def test_nothing_after_done_is_used() -> None:
    text = (
        sse(chunk([delta(role="assistant", content="kept", finish_reason="stop")]))
        + f"data: {json.dumps(chunk([delta(content=' ignored')]))}\n\n"
    )
    assert assemble_stream(text)["choices"][0]["message"]["content"] == "kept"


def test_done_with_surrounding_spaces_ends_the_stream() -> None:
    text = (
        f"data: {json.dumps(chunk([delta(role='assistant', content='a')]))}\n\n"
        "data:  [DONE] \n\n"
        f"data: {json.dumps(chunk([delta(content='b')]))}\n\n"
    )
    assert assemble_stream(text)["choices"][0]["message"]["content"] == "a"


def test_stream_without_done_is_still_assembled() -> None:
    text = sse(
        chunk([delta(role="assistant", content="no done", finish_reason="stop")]), done=False
    )
    assert assemble_stream(text)["choices"][0]["message"]["content"] == "no done"


def test_non_json_data_lines_do_not_break_chat_assembly() -> None:
    text = (
        f"data: {json.dumps(chunk([delta(role='assistant', content='A')]))}\n\n"
        "data: not json at all\n\n"
        f"data: {json.dumps(chunk([delta(content='B', finish_reason='stop')]))}\n\n"
        "data: [DONE]\n\n"
    )
    assert assemble_stream(text)["choices"][0]["message"]["content"] == "AB"


def test_unknown_stream_is_returned_as_its_payloads() -> None:
    text = 'data: hello\n\ndata: {"kind": "other"}\n\ndata: [1, 2]\n\ndata: [DONE]\n\n'
    assert assemble_stream(text) == ["hello", {"kind": "other"}, [1, 2]]


def test_only_done_gives_an_empty_list() -> None:
    assert assemble_stream("data: [DONE]\n\n") == []


def test_mixed_chat_and_text_objects_are_not_forced_into_one_shape() -> None:
    text = sse(chunk([delta(role="assistant", content="A")]), text_chunk("B"))
    result = assemble_stream(text)
    assert isinstance(result, list)
    assert len(result) == 2
