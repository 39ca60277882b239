"""Turning what a test asserts (SDK objects, streams, calls, plain data) into golden documents.

A golden document is plain data with three parts: ``request`` and ``output`` are compared;
``meta`` (model version, system_fingerprint, usage, seed) is kept to explain drift. Ids and
timestamps are left out, ids a conversation echoes back are numbered placeholders and opaque
blobs are ``<opaque>`` (``redaction/ids.py``), so two recordings of the same conversation
give identical goldens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pytest_llmseed.config.values import Profile, Volatile
from pytest_llmseed.exchange.calls import CallList, CallLog, LLMCall, ProbeResult
from pytest_llmseed.goldens import summaries
from pytest_llmseed.providers import openai, openai_golden
from pytest_llmseed.providers.base import GENERIC
from pytest_llmseed.providers.registry import (
    BACKEND_KEYS,
    adapter_for_answer,
    adapter_for_endpoint,
)
from pytest_llmseed.redaction.ids import IdNumbers, opaque_blobs
from pytest_llmseed.redaction.volatile import substitute_data

if TYPE_CHECKING:
    from pytest_llmseed.interception.probe import OutputJudge

FORMAT_VERSION = 1
UNSEEDED = openai_golden.UNSEEDED
UNSEEDED_ENDPOINT = openai_golden.UNSEEDED_ENDPOINT
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


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _generic_output(endpoint: str, answer: dict[str, Any]) -> Any:
    """An answer no adapter shapes: embeddings and base64 blobs summarized, ids left out."""
    if endpoint == "embeddings":
        return summaries.embeddings_output(answer)
    vectors = adapter_for_endpoint(endpoint).vectors(endpoint, answer)
    if vectors is not None:
        data = [{"index": i, "embedding": v} for i, v in enumerate(vectors)]
        shown = summaries.embeddings_output({"data": data})
        return {k: v for k, v in shown.items() if k != "model"}
    return summaries.blobs_summarized(
        {k: v for k, v in answer.items() if k not in (*_VOLATILE, "usage")}
    )


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
    adapter = adapter_for_endpoint(endpoint)
    compared_request, seed = adapter.request_seed(request)
    meta: dict[str, Any] = {}
    if not isinstance(answer, dict):
        output: Any = answer
    else:
        output = adapter.output(endpoint, answer, request, parsed)
        if output is GENERIC:
            output = _generic_output(endpoint, answer)
        meta = adapter.meta(endpoint, answer, seed, call.unseeded if call else None)
        if call is not None and call.probe is not None:
            meta["probe"] = _probe_meta(call.probe)
    document: dict[str, Any] = {"endpoint": endpoint}
    if compared_request is not None:
        document["request"] = opaque_blobs(
            _sorted(compared_request) if isinstance(compared_request, dict) else compared_request
        )
    document["output"] = opaque_blobs(output)
    document["meta"] = meta
    return document


def call_document(call: LLMCall) -> dict[str, Any]:
    """The golden parts of one recorded exchange."""
    return answer_document(call.endpoint, call.response, call.request, call=call)


def _sdk_answer(value: Any, log: CallLog | None) -> dict[str, Any] | None:
    """Documents for SDK answer objects (ChatCompletion, Completion, Response, parsed;
    Anthropic's Message, Gemini's GenerateContentResponse)."""
    data = to_data(value)
    if not isinstance(data, dict):
        return None
    known = adapter_for_answer(data)
    endpoint = known[1] if known else None
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
    if call is not None and isinstance(call.response, dict) and not openai.owns_endpoint(endpoint):
        # The answer as it came over the wire: the Anthropic and Gemini SDK objects add every
        # unset field, and Gemini's name them in snake_case.
        data = call.response
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
    return _map_compared(document, lambda value: substitute_data(value, volatile))


def with_id_placeholders(document: dict[str, Any]) -> dict[str, Any]:
    """The golden with the server-assigned ids of its requests and outputs numbered
    ``<id:N>`` by first appearance, across all its calls (a plain value's are its own)."""
    if document.get("kind") not in ("answer", "call", "calls"):
        return document
    return _map_compared(document, IdNumbers().place)


def map_parts(document: dict[str, Any], part: Callable[[Any], Any]) -> dict[str, Any]:
    """``document`` with ``part`` applied to each of its answers: every call of a ``calls``
    golden (whose calls are a list), else the document itself."""
    if document.get("kind") == "calls":
        calls = document.get("calls")
        return (
            {**document, "calls": [part(c) for c in calls]} if isinstance(calls, list) else document
        )
    result: dict[str, Any] = part(document)
    return result


def _map_compared(document: dict[str, Any], change: Callable[[Any], Any]) -> dict[str, Any]:
    """``document`` with ``change`` applied to each answer's compared parts (request, output)."""
    return map_parts(
        document,
        lambda part: {k: change(v) if k in ("request", "output") else v for k, v in part.items()},
    )


def probe_judge(profile: Profile) -> OutputJudge:
    """How ``--llmseed-probe`` tells answers apart: their golden outputs under ``profile``."""
    from pytest_llmseed.goldens.compare import outputs_equal
    from pytest_llmseed.interception.probe import OutputJudge

    return OutputJudge(
        output_of=lambda endpoint, answer, request: answer_document(endpoint, answer, request)[
            "output"
        ],
        equal=lambda a, b: outputs_equal(a, b, profile),
        kind_of=output_kind,
    )


_TOOL_TYPES = frozenset({"function_call", "tool_use", "server_tool_use"})


def output_kind(output: Any, depth: int = 0) -> str:
    """What a golden output holds: ``tool calls`` (any provider's), ``structured`` output
    (a parsed value), else ``text``."""
    if depth > 20:
        return "text"
    found: list[str] = []
    if isinstance(output, dict):
        if (
            output.get("tool_calls")
            or output.get("functionCall")
            or output.get("type") in _TOOL_TYPES
        ):
            return "tool calls"
        if output.get("parsed") is not None:
            found.append("structured")
        values: Any = output.values()
    elif isinstance(output, list):
        values = output
    else:
        return "text"
    for value in values:
        if isinstance(value, dict | list):
            kind = output_kind(value, depth + 1)
            if kind == "tool calls":
                return kind
            found.append(kind)
    return "structured" if "structured" in found else "text"


def calls_backend(calls: list[LLMCall]) -> dict[str, Any]:
    """The ``meta`` of a golden that is not an answer (a str, dict or list the test made
    from its calls): each call's backend, so a later change can be triaged as the backend's."""
    backends = []
    for call in calls:
        answer = call.response if isinstance(call.response, dict) else {}
        adapter = adapter_for_endpoint(call.endpoint)
        seed = adapter.request_seed(call.request)[1]
        meta = adapter.meta(call.endpoint, answer, seed, call.unseeded)
        backend = {"endpoint": call.endpoint}
        backend.update({k: meta[k] for k in (*BACKEND_KEYS, "seed") if k in meta})
        backends.append(backend)
    return {"calls": backends}
