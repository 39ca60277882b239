"""The one-pass stream assembly gives exactly what the list-based one gave (issue: speed).

``assemble_stream`` used to parse every event into a list and concatenate text with ``+``;
it now folds each chunk in as it is parsed and joins text once. The reference below is the
old implementation, kept verbatim: hypothesis streams must assemble identically, key order
included. No timing is asserted here (the benchmark in ``bench/`` measures speed).
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

# --- the previous implementation, as the reference -----------------------------------------

_BREAK = re.compile(r"\r\n|\r|\n")


def reference_iter_sse(text: str) -> list[tuple[str | None, str]]:
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


def reference_assemble(text: str) -> Any:
    payloads: list[Any] = []
    for _event, data in reference_iter_sse(text):
        if data.strip() == "[DONE]":
            break
        try:
            payloads.append(json.loads(data))
        except ValueError:
            payloads.append(data)
    objects = [p for p in payloads if isinstance(p, dict)]
    if objects and all(p.get("object") == "chat.completion.chunk" for p in objects):
        return _reference_chat(objects)
    if objects and all(p.get("object") == "text_completion" for p in objects):
        return _reference_text(objects)
    for payload in reversed(objects):
        if isinstance(payload.get("response"), dict) and str(payload.get("type", "")).startswith(
            "response."
        ):
            return payload["response"]
    return payloads


def _reference_header(chunks: list[dict[str, Any]], obj: str) -> dict[str, Any]:
    first = chunks[0]
    result: dict[str, Any] = {"id": first.get("id"), "object": obj}
    for key in ("created", "model", "system_fingerprint", "service_tier"):
        if key in first:
            result[key] = first[key]
    return result


def _reference_chat(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    result = _reference_header(chunks, "chat.completion")
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        if chunk.get("usage") is not None:
            result["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or []:
            slot = choices.setdefault(
                choice.get("index", 0),
                {"index": choice.get("index", 0), "message": {"role": "assistant"}, "tools": {}},
            )
            delta = choice.get("delta") or {}
            message = slot["message"]
            if delta.get("role"):
                message["role"] = delta["role"]
            for key in ("content", "refusal"):
                if delta.get(key) is not None:
                    message[key] = message.get(key, "") + delta[key]
            for call in delta.get("tool_calls") or []:
                tool = slot["tools"].setdefault(
                    call.get("index", 0),
                    {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
                )
                if call.get("id"):
                    tool["id"] = call["id"]
                if call.get("type"):
                    tool["type"] = call["type"]
                function = call.get("function") or {}
                if function.get("name"):
                    tool["function"]["name"] += function["name"]
                if function.get("arguments"):
                    tool["function"]["arguments"] += function["arguments"]
            if choice.get("finish_reason") is not None:
                slot["finish_reason"] = choice["finish_reason"]
    result["choices"] = []
    for index in sorted(choices):
        slot = choices[index]
        message = slot["message"]
        message.setdefault("content", None)
        message.setdefault("refusal", None)
        if slot["tools"]:
            message["tool_calls"] = [slot["tools"][i] for i in sorted(slot["tools"])]
        result["choices"].append(
            {"index": index, "message": message, "finish_reason": slot.get("finish_reason")}
        )
    return result


def _reference_text(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    result = _reference_header(chunks, "text_completion")
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        if chunk.get("usage") is not None:
            result["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or []:
            index = choice.get("index", 0)
            slot = choices.setdefault(index, {"index": index, "text": "", "finish_reason": None})
            slot["text"] += choice.get("text") or ""
            if choice.get("finish_reason") is not None:
                slot["finish_reason"] = choice["finish_reason"]
    result["choices"] = [choices[i] for i in sorted(choices)]
    return result


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


@settings(max_examples=300, deadline=None, derandomize=True)
@given(streams())
def test_assembly_equals_the_list_based_assembly(text: str) -> None:
    new, old = assemble_stream(text), reference_assemble(text)
    assert new == old
    # Key order too: callers may dump these dicts.
    assert json.dumps(new, ensure_ascii=False) == json.dumps(old, ensure_ascii=False)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(st.sampled_from("data: event:x\r\n\u2028"), max_size=60))
def test_iter_sse_equals_the_split_based_framing(text: str) -> None:
    assert list(iter_sse(text)) == reference_iter_sse(text)


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
def test_iter_sse_equals_the_split_based_framing_line_by_line(
    lines: list[tuple[str, str]], cut: bool
) -> None:
    text = "".join(line + end for line, end in lines)
    if cut and text:
        text = text[:-1]
    assert list(iter_sse(text)) == reference_iter_sse(text)


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


def reference_json(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data


@settings(max_examples=500, deadline=None, derandomize=True)
@given(_json_value, _padding, _padding, st.booleans())
def test_event_json_equals_json_loads(value: Any, before: str, after: str, ascii: bool) -> None:
    data = before + json.dumps(value, ensure_ascii=ascii) + after
    new, old = json_or_text(data), reference_json(data)
    # json.dumps compares NaN (never equal to itself) and key order.
    assert json.dumps(new) == json.dumps(old)
    assert type(new) is type(old)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(st.sampled_from('{}[]",:0123456789.eE+-truefalsnNaIiy \\u"'), max_size=30))
def test_event_json_of_any_text_equals_json_loads(data: str) -> None:
    assert json.dumps(json_or_text(data)) == json.dumps(reference_json(data))
