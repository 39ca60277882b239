"""Unit tests of the provider adapters (``providers/anthropic.py``, ``gemini.py``), the
registry that picks one, and what their goldens make breaking."""

from __future__ import annotations

import json
from typing import Any

import pytest
from vcr.request import Request

from pytest_llmseed.goldens.documents import answer_document
from pytest_llmseed.goldens.severity import value_severity
from pytest_llmseed.providers import anthropic, gemini, openai
from pytest_llmseed.providers.registry import adapter_for_endpoint, adapter_for_request, endpoint_of
from pytest_llmseed.records import Severity
from pytest_llmseed.redaction.secrets import scrub_request

SSE = "text/event-stream"


def _events(*payloads: dict[str, Any]) -> str:
    return "".join(f"event: {p['type']}\ndata: {json.dumps(p)}\n\n" for p in payloads)


@pytest.mark.parametrize(
    ("url", "headers", "adapter", "endpoint"),
    [
        (
            "https://api.anthropic.com/v1/messages",
            {"anthropic-version": "2023-06-01"},
            anthropic,
            "messages",
        ),
        (
            "http://proxy/v1/messages/count_tokens",
            {"anthropic-version": "x"},
            anthropic,
            "messages.count_tokens",
        ),
        # OpenAI's Assistants API has a /messages path too, without Anthropic's header.
        ("https://api.openai.com/v1/threads/t_1/messages", {}, openai, None),
        (
            "http://h/v1beta/models/gemini-2.5-flash:generateContent",
            {},
            gemini,
            "models.generate_content",
        ),
        (
            "http://h/v1/models/g:streamGenerateContent?alt=sse",
            {},
            gemini,
            "models.generate_content",
        ),
        ("http://h/v1beta/models/e:embedContent", {}, gemini, "models.embed_content"),
        ("http://h/v1beta/models/g:countTokens", {}, gemini, "models.count_tokens"),
        (
            "http://h/v1/chat/completions",
            {"x-stainless-lang": "python"},
            openai,
            "chat.completions",
        ),
    ],
)
def test_the_registry_picks_the_adapter_and_endpoint(
    url: str, headers: dict[str, str], adapter: Any, endpoint: str | None
) -> None:
    assert adapter_for_request("POST", url, headers) is adapter
    assert endpoint_of("POST", url, headers) == (adapter, endpoint)
    if endpoint is not None:
        assert adapter_for_endpoint(endpoint) is adapter


def test_anthropic_takes_no_seed() -> None:
    assert not anthropic.takes_seed("POST", "/v1/messages")
    assert anthropic.inject_seed(b'{"model": "c"}', 1) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"contents": []}', {"contents": [], "generationConfig": {"seed": 7}}),
        (b'{"generationConfig": {}}', {"generationConfig": {"seed": 7}}),
        (
            b'{"generationConfig": {"temperature": 0}}',
            {"generationConfig": {"temperature": 0, "seed": 7}},
        ),
        (b'{"generationConfig": {"seed": 3}}', None),  # the caller's, kept
        (b'{"generationConfig": {"seed": null}}', None),
        (b'{"generationConfig": "odd"}', None),
        (b"[1, 2]", None),
        (b"not json", None),
    ],
)
def test_gemini_seed_goes_into_generation_config(body: bytes, expected: Any) -> None:
    seeded = gemini.inject_seed(body, 7)
    assert (json.loads(seeded) if seeded is not None else None) == expected
    assert gemini.takes_seed("POST", "/v1beta/models/g:generateContent")
    assert not gemini.takes_seed("POST", "/v1beta/models/g:embedContent")


def test_anthropic_stream_assembled_into_one_message() -> None:
    text = _events(
        {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
         "model": "claude-x", "content": [], "usage": {"input_tokens": 5, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me "}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "think."}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBsig"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hello "}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "world"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "tu_1", "name": "f", "input": {}}},
        {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": '{"city": "Pa'}},
        {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": 'ris"}'}},
        {"type": "content_block_stop", "index": 2},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None}, "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    )  # fmt: skip
    message, streamed = anthropic.parse_answer({"content-type": SSE}, text)
    assert streamed
    assert message["content"] == [
        {"type": "thinking", "thinking": "Let me think.", "signature": "EqQBsig"},
        {"type": "text", "text": "Hello world"},
        {"type": "tool_use", "id": "tu_1", "name": "f", "input": {"city": "Paris"}},
    ]
    assert message["stop_reason"] == "tool_use"
    assert message["usage"] == {"input_tokens": 5, "output_tokens": 9}
    doc = answer_document("messages", message, {"model": "claude-x"})
    assert doc["output"] == {
        "content": [
            {"type": "thinking"},  # only that it thought is compared
            {"type": "text", "text": "Hello world"},
            {"type": "tool_use", "name": "f", "input": {"city": "Paris"}},
        ],
        "stop_reason": "tool_use",
    }
    assert doc["meta"]["thinking"] == [
        {
            "type": "thinking",
            "characters": 13,
            "opening": "Let me think.",
            "signature": "<opaque>",
        }
    ]
    assert doc["meta"]["seed"] == anthropic.UNSEEDED


def test_gemini_stream_assembled_into_one_response() -> None:
    chunks = [
        {"candidates": [{"content": {"parts": [{"text": "Hel"}], "role": "model"}, "index": 0}], "modelVersion": "g-001"},
        {"candidates": [{"content": {"parts": [{"text": "lo"}], "role": "model"}, "index": 0}], "modelVersion": "g-001"},
        {"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": {"a": 1}}}], "role": "model"},
                         "finishReason": "STOP", "index": 0}],
         "usageMetadata": {"totalTokenCount": 4}, "modelVersion": "g-001"},
    ]  # fmt: skip
    text = "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks)
    answer, streamed = gemini.parse_answer({"content-type": SSE}, text)
    assert streamed
    (candidate,) = answer["candidates"]
    assert candidate["content"]["parts"] == [
        {"text": "Hello"},
        {"functionCall": {"name": "f", "args": {"a": 1}}},
    ]
    assert candidate["finishReason"] == "STOP"
    assert answer["usageMetadata"] == {"totalTokenCount": 4}
    request = {"contents": [], "generationConfig": {"seed": 5, "temperature": 0}}
    doc = answer_document("models.generate_content", answer, request)
    assert doc["request"] == {"contents": [], "generationConfig": {"temperature": 0}}
    assert doc["output"] == [
        {
            "parts": [{"text": "Hello"}, {"functionCall": {"name": "f", "args": {"a": 1}}}],
            "finishReason": "STOP",
        }
    ]
    assert doc["meta"] == {
        "modelVersion": "g-001",
        "usageMetadata": {"totalTokenCount": 4},
        "seed": 5,
    }


def _claude(stop: str = "end_turn", text: str = "Hello world", **tool: Any) -> Any:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if tool:
        blocks.append({"type": "tool_use", "id": "x", **tool})
    return answer_document("messages", {"content": blocks, "stop_reason": stop}, {})["output"]


def _gemini(finish: str = "STOP", text: str = "Hello world", **call: Any) -> Any:
    parts: list[dict[str, Any]] = [{"text": text}]
    if call:
        parts.append({"functionCall": call})
    answer = {"candidates": [{"content": {"parts": parts}, "finishReason": finish}]}
    return answer_document("models.generate_content", answer, {})["output"]


@pytest.mark.parametrize(
    ("old", "new", "severity"),
    [
        (_claude(), _claude(text="hello  world"), Severity.COSMETIC),
        (_claude(), _claude(text="Goodbye world"), Severity.REWORDING),
        (_claude(), _claude(stop="max_tokens"), Severity.BREAKING),
        (_claude(), _claude(stop="refusal"), Severity.BREAKING),
        (_claude(name="f", input={"a": 1}), _claude(name="f", input={"a": 2}), Severity.BREAKING),
        (_claude(name="f", input={"a": 1}), _claude(name="g", input={"a": 1}), Severity.BREAKING),
        (_claude(), _claude(stop="stop_sequence"), Severity.REWORDING),
        (_gemini(), _gemini(text="Goodbye world"), Severity.REWORDING),
        (_gemini(), _gemini(finish="SAFETY"), Severity.BREAKING),
        (_gemini(), _gemini(finish="MAX_TOKENS"), Severity.BREAKING),
        (_gemini(name="f", args={"a": 1}), _gemini(name="f", args={"a": 2}), Severity.BREAKING),
    ],
)
def test_what_is_breaking(old: Any, new: Any, severity: Severity) -> None:
    assert value_severity(old, new) is severity


def test_provider_keys_never_recorded() -> None:
    request = Request(
        "POST",
        "https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?key=AIzaSyTest123456&alt=sse",
        b"{}",
        {
            "x-goog-api-key": "AIzaSyTest123456",
            "x-api-key": "sk-ant-test-123456",
            "anthropic-version": "1",
        },
    )
    clean = scrub_request(request, ["AIzaSyTest123456", "sk-ant-test-123456"])
    assert set(clean.headers) == {"anthropic-version"}
    assert "key=" not in clean.uri
    assert "alt=sse" in clean.uri


def test_triage_names_geminis_model_version() -> None:
    from pytest_llmseed.goldens.triage import triage_with_severity

    def golden(version: str, text: str) -> dict[str, Any]:
        answer = {
            "candidates": [{"content": {"parts": [{"text": text}]}, "finishReason": "STOP"}],
            "modelVersion": version,
        }
        return answer_document("models.generate_content", answer, {"contents": []})

    line, severity = triage_with_severity(
        golden("gemini-2.5-flash-001", "Hello world"), golden("gemini-2.5-flash-002", "Bye world")
    )
    assert "backend changed: modelVersion gemini-2.5-flash-001 → gemini-2.5-flash-002" in line
    assert severity is Severity.REWORDING


def test_gemini_embeddings_summarized_and_compared_with_a_tolerance() -> None:
    from pytest_llmseed.config.values import Profile
    from pytest_llmseed.goldens.compare import documents_match

    def golden(values: list[float]) -> dict[str, Any]:
        answer = {"embeddings": [{"values": values}]}
        return answer_document("models.embed_content", answer, {"requests": []})

    doc = golden([0.1, 0.2, 0.3, 0.4, 0.5])
    assert doc["output"]["count"] == 1
    assert doc["output"]["dimensions"] == 5
    assert doc["output"]["embeddings"][0]["leading"] == [0.1, 0.2, 0.3, 0.4]
    noisy = golden([0.1000001, 0.2, 0.3, 0.4, 0.5])
    assert documents_match(doc, noisy, Profile("exact"))
    assert not documents_match(doc, golden([0.9, 0.2, 0.3, 0.4, 0.5]), Profile("exact"))
