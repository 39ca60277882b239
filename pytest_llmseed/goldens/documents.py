"""Turning what a test asserts (SDK objects, streams, calls, plain data) into golden documents.

A golden document is plain data with three parts: ``request`` and ``output`` are compared;
``meta`` (model version, system_fingerprint, usage, seed) is kept to explain drift. Ids and
timestamps are left out, so two recordings of the same answer give identical goldens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_llmseed.config.values import Profile, Volatile
from pytest_llmseed.exchange.bodies import json_or_text
from pytest_llmseed.exchange.calls import CallList, CallLog, LLMCall, ProbeResult
from pytest_llmseed.goldens import summaries
from pytest_llmseed.redaction.volatile import substitute_data

if TYPE_CHECKING:
    from pytest_llmseed.interception.probe import OutputJudge

FORMAT_VERSION = 1
UNSEEDED = "unseeded (the Responses API takes no seed)"
UNSEEDED_ENDPOINT = "unseeded (this endpoint takes no seed)"
_VOLATILE = ("id", "created", "created_at", "object")


def to_data(value: Any) -> Any:
    """SDK models and pydantic objects as JSON-compatible data."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_unset=False, warnings=False)
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    return value


def _arguments(text: Any) -> Any:
    """Tool-call arguments parsed, so the golden shows structure, not an escaped string."""
    return json_or_text(text) if isinstance(text, str) else text


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _request(body: Any) -> tuple[Any, Any]:
    """The compared request (sorted, seed moved out) and the seed it carried."""
    if not isinstance(body, dict):
        return body, None
    rest = {k: v for k, v in body.items() if k != "seed"}
    return _sorted(rest), body.get("seed")


def _structured(request: Any) -> bool:
    """Whether the request asked for JSON output (json_object / json_schema)."""
    if not isinstance(request, dict):
        return False
    fmt = request.get("response_format")
    return isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema")


def _chat_output(
    answer: dict[str, Any], parsed: list[Any] | None = None, structured: bool = False
) -> list[Any]:
    choices = []
    for index, choice in enumerate(answer.get("choices") or []):
        message = choice.get("message") or {}
        item: dict[str, Any] = {"finish_reason": choice.get("finish_reason")}
        content = message.get("content")
        as_json = _arguments(content) if structured else content
        if isinstance(as_json, dict | list):
            # Structured output: shown and compared as data, not as an escaped string.
            item["parsed"] = as_json
        elif content is not None:
            item["content"] = content
        if message.get("refusal") is not None:
            item["refusal"] = message["refusal"]
        if message.get("tool_calls"):
            item["tool_calls"] = [
                {
                    "type": call.get("type", "function"),
                    "name": (call.get("function") or {}).get("name"),
                    "arguments": _arguments((call.get("function") or {}).get("arguments")),
                }
                for call in message["tool_calls"]
            ]
        if parsed is not None and index < len(parsed) and parsed[index] is not None:
            item["parsed"] = parsed[index]
            item.pop("content", None)
        choices.append(item)
    return choices


def _text_output(answer: dict[str, Any]) -> list[Any]:
    return [
        {"finish_reason": c.get("finish_reason"), "text": c.get("text")}
        for c in answer.get("choices") or []
    ]


def _responses_output(answer: dict[str, Any]) -> list[Any]:
    items = []
    for entry in answer.get("output") or []:
        kind = entry.get("type")
        if kind == "message":
            parts = entry.get("content") or []
            item: dict[str, Any] = {"type": "message"}
            text = "".join(p.get("text", "") for p in parts if p.get("type") == "output_text")
            refusal = "".join(p.get("refusal", "") for p in parts if p.get("type") == "refusal")
            if text:
                item["content"] = text
            if refusal:
                item["refusal"] = refusal
            items.append(item)
        elif kind == "function_call":
            items.append(
                {
                    "type": "function_call",
                    "name": entry.get("name"),
                    "arguments": _arguments(entry.get("arguments")),
                }
            )
        else:
            items.append({k: v for k, v in entry.items() if k not in ("id", "status")})
    return items


def _meta(answer: dict[str, Any], seed: Any, endpoint: str, call: LLMCall | None) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key in ("model", "system_fingerprint", "service_tier", "usage"):
        if answer.get(key) is not None:
            meta[key] = answer[key]
    if endpoint == "responses":
        meta["status"] = answer.get("status")
        meta["seed"] = UNSEEDED
    elif call is not None and call.unseeded:
        meta["seed"] = call.unseeded
    elif endpoint in ("chat.completions", "completions"):
        meta["seed"] = seed
    else:
        meta["seed"] = UNSEEDED_ENDPOINT
    if call is not None and call.probe is not None:
        meta["probe"] = _probe_meta(call.probe)
    return meta


def _probe_meta(probe: ProbeResult) -> dict[str, Any]:
    """What ``--llmseed-probe`` measured, kept in the golden to explain drift."""
    return {
        "samples": probe.samples,
        "distinct": probe.distinct,
        "fingerprints": list(probe.fingerprints),
    }


def answer_document(
    endpoint: str,
    answer: Any,
    request: Any,
    parsed: list[Any] | None = None,
    *,
    call: LLMCall | None = None,
) -> dict[str, Any]:
    """The golden parts of one answer of ``endpoint`` to ``request`` (None if unknown)."""
    compared_request, seed = _request(request)
    if not isinstance(answer, dict):
        output: Any = answer
    elif endpoint == "chat.completions":
        output = _chat_output(answer, parsed, _structured(request))
    elif endpoint == "completions":
        output = _text_output(answer)
    elif endpoint == "responses":
        output = _responses_output(answer)
    elif endpoint == "embeddings":
        output = summaries.embeddings_output(answer)
    else:
        output = summaries.blobs_summarized(
            {k: v for k, v in answer.items() if k not in (*_VOLATILE, "usage")}
        )
    document: dict[str, Any] = {"endpoint": endpoint}
    if compared_request is not None:
        document["request"] = compared_request
    document["output"] = output
    document["meta"] = _meta(answer, seed, endpoint, call) if isinstance(answer, dict) else {}
    return document


def call_document(call: LLMCall) -> dict[str, Any]:
    """The golden parts of one recorded exchange."""
    return answer_document(call.endpoint, call.response, call.request, call=call)


_OBJECT_ENDPOINTS = {
    "chat.completion": "chat.completions",
    "text_completion": "completions",
    "response": "responses",
}


def _sdk_answer(value: Any, log: CallLog | None) -> dict[str, Any] | None:
    """Documents for SDK answer objects (ChatCompletion, Completion, Response, parsed)."""
    data = to_data(value)
    if not isinstance(data, dict):
        return None
    endpoint = _OBJECT_ENDPOINTS.get(str(data.get("object")))
    if endpoint is None and summaries.is_embeddings_answer(data):
        endpoint = "embeddings"
    if endpoint is None:
        return None
    call = log.for_id(data.get("id")) if log is not None else None
    if call is None and log is not None and not data.get("id"):
        # Answers without an id (embeddings; some compatible servers): the latest exchange
        # of that endpoint is the one the test just made.
        call = next((c for c in reversed(log.calls) if c.endpoint == endpoint), None)
    parsed = None
    choices = getattr(value, "choices", None)
    if endpoint == "chat.completions" and choices:
        parsed = [to_data(getattr(c.message, "parsed", None)) for c in choices]
    return answer_document(endpoint, data, call.request if call else None, parsed, call=call)


def _stream_call(value: Any, log: CallLog | None) -> LLMCall | None:
    response = getattr(value, "response", None)
    if log is None or response is None:
        return None
    return log.for_response(response)


def document(value: Any, log: CallLog | None = None) -> dict[str, Any]:
    """The golden document for anything a test compares with ``seeded_llm.snapshot``
    (``log``, the test's exchanges, finds the request behind an SDK answer or stream)."""
    head: dict[str, Any] = {"llmseed_golden": FORMAT_VERSION}
    if isinstance(value, LLMCall):
        return {**head, "kind": "call", **call_document(value)}
    if isinstance(value, CallList) or (
        isinstance(value, list | tuple) and value and all(isinstance(v, LLMCall) for v in value)
    ):
        return {**head, "kind": "calls", "calls": [call_document(c) for c in value]}
    if hasattr(value, "get_final_completion"):  # ChatCompletionStream from .stream()
        value = value.get_final_completion()
    call = _stream_call(value, log)
    if call is not None:
        return {**head, "kind": "call", **call_document(call)}
    answer = _sdk_answer(value, log)
    if answer is not None:
        return {**head, "kind": "answer", **answer}
    if isinstance(value, str):
        return {**head, "kind": "text", "output": value}
    return {**head, "kind": "data", "output": to_data(value)}


def with_placeholders(document: dict[str, Any], volatile: Volatile) -> dict[str, Any]:
    """The golden with placeholders for volatile values in its requests and outputs.

    Outputs too: a model that echoes the request's date or id would otherwise give a
    different golden every day. ``meta`` (model version, usage) is left as it is.
    """
    if not volatile:
        return document

    def placed(part: dict[str, Any]) -> dict[str, Any]:
        return {
            k: substitute_data(v, volatile) if k in ("request", "output") else v
            for k, v in part.items()
        }

    if document.get("kind") == "calls":
        return {**document, "calls": [placed(call) for call in document.get("calls") or []]}
    return placed(document)


def probe_judge(profile: Profile) -> OutputJudge:
    """How ``--llmseed-probe`` tells answers apart: their golden outputs under ``profile``."""
    from pytest_llmseed.goldens.compare import outputs_equal
    from pytest_llmseed.interception.probe import OutputJudge

    return OutputJudge(
        output_of=lambda endpoint, answer, request: answer_document(endpoint, answer, request)[
            "output"
        ],
        equal=lambda a, b: outputs_equal(a, b, profile),
    )


def calls_backend(calls: list[LLMCall]) -> dict[str, Any]:
    """The ``meta`` of a golden that is not an answer (a str, dict or list the test made
    from its calls): each call's backend, so a later change can be triaged as the backend's."""
    backends = []
    for call in calls:
        answer = call.response if isinstance(call.response, dict) else {}
        meta = _meta(answer, _request(call.request)[1], call.endpoint, call)
        backend = {"endpoint": call.endpoint}
        backend.update({k: meta[k] for k in ("model", "system_fingerprint", "seed") if k in meta})
        backends.append(backend)
    return {"calls": backends}
