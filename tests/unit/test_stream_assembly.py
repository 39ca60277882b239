"""Stream assembly: an SSE stream of chunks becomes the one completed answer it spells out.

Each field of the assembled answer is checked against the plain computation from the
chunks (text joined, the last finish reason, the last usage), on hypothesis streams of chat
and legacy completion chunks, Responses events and text; the SSE framing against the
specification's line rules, and each event's JSON against ``json.loads``. No timing is
asserted here (the benchmark in ``bench/`` measures speed).
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmseed.exchange.bodies import json_or_text
from pytest_llmseed.exchange.sse import iter_sse
from pytest_llmseed.providers.openai import assemble_stream

_BREAK = re.compile(r"\r\n|\r|\n")


def spec_events(text: str) -> list[tuple[str | None, str]]:
    """The (event, data) pairs of an SSE stream by the specification's rules: lines end at
    CR, LF or CRLF; a blank line dispatches; ``:`` starts a comment; one space after the
    field's colon is dropped; data lines join with LF; an unterminated last event counts."""
    events: list[tuple[str | None, str]] = []
    event: str | None = None
    data: list[str] = []
    for line in _BREAK.split(text):
        if not line:
            if data:
                events.append((event, "\n".join(data)))
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        events.append((event, "\n".join(data)))
    return events


def _joined(parts: list[str | None]) -> str | None:
    """Text fragments joined; None where no fragment was sent."""
    sent = [part for part in parts if part is not None]
    return "".join(sent) if sent else None


def _last(values: list[Any]) -> Any:
    return next((v for v in reversed(values) if v is not None), None)


# --- generated streams -----------------------------------------------------------------------

_text = st.text(st.sampled_from("ab c\n\u2028é😀"), max_size=6)
_tool_delta = st.fixed_dictionaries(
    {"index": st.integers(0, 1)},
    optional={
        "id": st.sampled_from(["call_a", "call_b", ""]),
        "type": st.just("function"),
        "function": st.fixed_dictionaries(
            {}, optional={"name": st.sampled_from(["f", "g", ""]), "arguments": _text}
        ),
    },
)
_chat_delta = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(["assistant", ""]),
        "content": st.one_of(st.none(), _text),
        "refusal": st.one_of(st.none(), _text),
        "tool_calls": st.lists(_tool_delta, max_size=2),
    },
)
_chat_chunk = st.fixed_dictionaries(
    {
        "id": st.just("chatcmpl-1"),
        "object": st.just("chat.completion.chunk"),
        "choices": st.lists(
            st.fixed_dictionaries(
                {"index": st.integers(0, 2), "delta": _chat_delta},
                optional={"finish_reason": st.sampled_from([None, "stop", "length"])},
            ),
            max_size=2,
        ),
    },
    optional={
        "created": st.just(1700000000),
        "model": st.just("gpt-4o"),
        "usage": st.one_of(st.none(), st.just({"total_tokens": 3})),
    },
)
_text_chunk = st.fixed_dictionaries(
    {
        "id": st.just("cmpl-1"),
        "object": st.just("text_completion"),
        "choices": st.lists(
            st.fixed_dictionaries(
                {"index": st.integers(0, 1)},
                optional={
                    "text": st.one_of(st.none(), _text),
                    "finish_reason": st.sampled_from([None, "stop"]),
                },
            ),
            max_size=2,
        ),
    },
)
_responses_event = st.fixed_dictionaries(
    {"type": st.sampled_from(["response.created", "response.completed", "other"])},
    optional={"response": st.just({"id": "resp_1", "output": []})},
)
_payload = st.one_of(
    _chat_chunk,
    _text_chunk,
    _responses_event,
    st.just("not json"),
    st.just([1, 2]),
)


def _event(payload: Any, line_break: str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}{line_break}{line_break}"


@st.composite
def streams(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from([_chat_chunk, _text_chunk, _payload]))
    payloads = draw(st.lists(kind, max_size=8))
    line_break = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = "".join(_event(p, line_break) for p in payloads)
    if draw(st.booleans()):
        text += _event("[DONE]", line_break)
    if draw(st.booleans()):
        text += ": comment" + line_break + "data: trailing"
    return text


def _choices(chunks: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Each choice index's entries, in the order the chunks sent them."""
    by_index: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            by_index.setdefault(choice["index"], []).append(choice)
    return by_index


def _check_header(answer: dict[str, Any], chunks: list[dict[str, Any]], obj: str) -> None:
    assert answer["object"] == obj
    assert answer["id"] == chunks[0]["id"]
    for key in ("created", "model"):
        assert answer.get(key) == chunks[0].get(key)
    assert answer.get("usage") == _last([c.get("usage") for c in chunks])
    assert list(answer)[:2] == ["id", "object"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(_chat_chunk, min_size=1, max_size=8), st.sampled_from(["\n", "\r\n", "\r"]))
def test_chat_chunks_assemble_into_the_completion_they_spell(
    chunks: list[dict[str, Any]], line_break: str
) -> None:
    text = "".join(_event(c, line_break) for c in chunks) + _event("[DONE]", line_break)
    answer = assemble_stream(text)
    _check_header(answer, chunks, "chat.completion")
    by_index = _choices(chunks)
    assert [c["index"] for c in answer["choices"]] == sorted(by_index)
    for choice in answer["choices"]:
        sent = by_index[choice["index"]]
        deltas = [entry["delta"] for entry in sent]
        message = choice["message"]
        assert message["role"] == (_last([d.get("role") or None for d in deltas]) or "assistant")
        assert message["content"] == _joined([d.get("content") for d in deltas])
        assert message["refusal"] == _joined([d.get("refusal") for d in deltas])
        assert choice["finish_reason"] == _last([e.get("finish_reason") for e in sent])
        calls = [call for d in deltas for call in d.get("tool_calls") or []]
        if not calls:
            assert "tool_calls" not in message
            continue
        tools = {call["index"] for call in calls}
        assert len(message["tool_calls"]) == len(tools)
        for tool, assembled in zip(sorted(tools), message["tool_calls"], strict=True):
            mine = [call for call in calls if call["index"] == tool]
            functions = [call.get("function") or {} for call in mine]
            assert assembled["id"] == _last([call.get("id") or None for call in mine])
            assert assembled["type"] == "function"
            assert assembled["function"] == {
                "name": "".join(f.get("name") or "" for f in functions),
                "arguments": "".join(f.get("arguments") or "" for f in functions),
            }


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(_text_chunk, min_size=1, max_size=8))
def test_legacy_completion_chunks_assemble_into_their_text(chunks: list[dict[str, Any]]) -> None:
    answer = assemble_stream("".join(_event(c, "\n") for c in chunks))
    _check_header(answer, chunks, "text_completion")
    by_index = _choices(chunks)
    assert answer["choices"] == [
        {
            "index": index,
            "text": "".join(entry.get("text") or "" for entry in by_index[index]),
            "finish_reason": _last([entry.get("finish_reason") for entry in by_index[index]]),
        }
        for index in sorted(by_index)
    ]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(streams())
def test_any_stream_gives_its_answer_or_its_payloads(text: str) -> None:
    payloads = []
    for _event_name, data in spec_events(text):
        if data.strip() == "[DONE]":
            break  # nothing after [DONE] counts
        payloads.append(plain_json(data))
    objects = [p for p in payloads if isinstance(p, dict)]
    answer = assemble_stream(text)
    kinds = {p.get("object") for p in objects}
    if objects and kinds <= {"chat.completion.chunk"}:
        assert answer["object"] == "chat.completion"
    elif objects and kinds <= {"text_completion"}:
        assert answer["object"] == "text_completion"
    else:
        finals = [
            p["response"]
            for p in objects
            if isinstance(p.get("response"), dict) and str(p.get("type")).startswith("response.")
        ]
        # A Responses stream gives its last response; anything else, its payloads as sent.
        assert answer == (finals[-1] if finals else payloads)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(st.sampled_from("data: event:x\r\n\u2028"), max_size=60))
def test_iter_sse_frames_events_as_the_specification_says(text: str) -> None:
    assert list(iter_sse(text)) == spec_events(text)


_sse_lines = st.lists(
    st.tuples(
        st.sampled_from(
            ["data: a", "data:b", "data:  c", "data:", "data", "event: e", ": note", "", "id: 1"]
        ),
        st.sampled_from(["\n", "\n", "\n\n", "\r\n", "\r", "\u2028"]),
    ),
    max_size=12,
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_sse_lines, st.booleans())
def test_iter_sse_frames_events_as_the_specification_says_line_by_line(
    lines: list[tuple[str, str]], cut: bool
) -> None:
    text = "".join(line + end for line, end in lines)
    if cut and text:
        text = text[:-1]
    assert list(iter_sse(text)) == spec_events(text)


def test_a_long_stream_assembles_into_one_message() -> None:
    pieces = [f"w{i} " for i in range(20_000)]
    chunks = [
        {"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": d}]}
        for d in [{"role": "assistant", "content": ""}, *({"content": p} for p in pieces)]
    ]
    text = "".join(_event(c, "\n") for c in chunks) + _event("[DONE]", "\n")
    message = assemble_stream(text)["choices"][0]["message"]
    assert message["content"] == "".join(pieces)


# --- each event's JSON: the C scanner first, json.loads for anything it does not take ------

_json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), _text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=8,
)
_padding = st.sampled_from(["", " ", "\t", "\n", "\r\n", "\ufeff", "\u00a0", "x", "]", "{}"])


def plain_json(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data


@settings(max_examples=500, deadline=None, derandomize=True)
@given(_json_value, _padding, _padding, st.booleans())
def test_event_json_equals_json_loads(value: Any, before: str, after: str, ascii: bool) -> None:
    data = before + json.dumps(value, ensure_ascii=ascii) + after
    new, old = json_or_text(data), plain_json(data)
    # json.dumps compares NaN (never equal to itself) and key order.
    assert json.dumps(new) == json.dumps(old)
    assert type(new) is type(old)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(st.sampled_from('{}[]",:0123456789.eE+-truefalsnNaIiy \\u"'), max_size=30))
def test_event_json_of_any_text_equals_json_loads(data: str) -> None:
    assert json.dumps(json_or_text(data)) == json.dumps(plain_json(data))
