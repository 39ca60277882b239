"""OpenAI's streams (Chat Completions chunks, legacy completions, Responses events)
assembled into the one answer object they spell, as the SDK's non-streamed call returns it.
No pytest, vcrpy or openai here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pytest_llmseed.exchange.bodies import json_or_text
from pytest_llmseed.exchange.sse import iter_sse


def _payloads(text: str) -> Iterator[Any]:
    """Each event's data parsed as JSON (or the raw text), up to ``[DONE]``."""
    for _event, data in iter_sse(text):
        if data.strip() == "[DONE]":
            return
        yield json_or_text(data)


def _is_terminal_response(payload: dict[str, Any]) -> bool:
    """A Responses API event that carries the whole response (``response.completed`` ...)."""
    return isinstance(payload.get("response"), dict) and str(payload.get("type", "")).startswith(
        "response."
    )


def assemble_stream(text: str) -> Any:
    """Turn an SSE body into the object a non-streamed call would have returned.

    One pass, folding each chunk into the answer as it is parsed: a stream of 20,000
    chunks is never held as 20,000 parsed objects at once.
    """
    chat, completion = _ChatAssembler(), _TextAssembler()
    all_chat = all_text = True
    seen_object = False
    terminal: dict[str, Any] | None = None
    for payload in _payloads(text):
        if not isinstance(payload, dict):
            continue
        seen_object = True
        kind = payload.get("object")
        all_chat = all_chat and kind == "chat.completion.chunk"
        all_text = all_text and kind == "text_completion"
        if all_chat:
            chat.add(payload)
        elif all_text:
            completion.add(payload)
        if _is_terminal_response(payload):
            terminal = payload
    if seen_object and all_chat:
        return chat.result()
    if seen_object and all_text:
        return completion.result()
    if terminal is not None:
        return terminal["response"]
    # Nothing recognisable: the events themselves (rare, so parsed a second time).
    return list(_payloads(text))


def _header(first: dict[str, Any], obj: str) -> dict[str, Any]:
    result: dict[str, Any] = {"id": first.get("id"), "object": obj}
    for key in ("created", "model", "system_fingerprint", "service_tier"):
        if key in first:
            result[key] = first[key]
    return result


class _Assembler:
    """Chunks of one streamed answer folded into the object a plain call returns.

    What both kinds share: the header of the first chunk, the usage of the chunk that has
    it, choices by index. Subclasses fold one choice's delta and finish one choice.
    """

    obj = ""

    def __init__(self) -> None:
        self.header: dict[str, Any] | None = None
        self.usage: Any = None
        self.choices: dict[int, dict[str, Any]] = {}

    def add(self, chunk: dict[str, Any]) -> None:
        if self.header is None:
            self.header = _header(chunk, self.obj)
        if chunk.get("usage") is not None:
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            index = choice.get("index", 0)
            slot = self.choices.get(index)
            if slot is None:
                slot = self.choices[index] = self.new_slot()
            self.fold(slot, choice)
            if choice.get("finish_reason") is not None:
                slot["finish_reason"] = choice["finish_reason"]

    def new_slot(self) -> dict[str, Any]:
        raise NotImplementedError

    def fold(self, slot: dict[str, Any], choice: dict[str, Any]) -> None:
        """Add one chunk's part of a choice to what was gathered for it."""
        raise NotImplementedError

    def finish_choice(self, index: int, slot: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def result(self) -> dict[str, Any]:
        result = dict(self.header or {})
        if self.usage is not None:
            result["usage"] = self.usage
        result["choices"] = [self.finish_choice(i, self.choices[i]) for i in sorted(self.choices)]
        return result


class _ChatAssembler(_Assembler):
    """Chat Completions chunks folded into one ``chat.completion``."""

    obj = "chat.completion"

    def new_slot(self) -> dict[str, Any]:
        # "text" keeps content / refusal in the order they first came, as the message's
        # keys were before pieces were joined at the end. Text is gathered as a list of
        # pieces and joined once (never copied on every append).
        return {"role": "assistant", "text": {}, "tool_calls": {}}

    def fold(self, slot: dict[str, Any], choice: dict[str, Any]) -> None:
        delta = choice.get("delta") or {}
        if delta.get("role"):
            slot["role"] = delta["role"]
        for key in ("content", "refusal"):
            if delta.get(key) is not None:
                slot["text"].setdefault(key, []).append(delta[key])
        for call in delta.get("tool_calls") or []:
            _merge_tool_call(slot["tool_calls"], call)

    def finish_choice(self, index: int, slot: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": slot["role"]}
        for key, pieces in slot["text"].items():
            message[key] = "".join(pieces)
        message.setdefault("content", None)
        message.setdefault("refusal", None)
        calls = slot["tool_calls"]
        if calls:
            message["tool_calls"] = [_finish_tool_call(calls[i]) for i in sorted(calls)]
        return {"index": index, "message": message, "finish_reason": slot.get("finish_reason")}


def _merge_tool_call(calls: dict[int, dict[str, Any]], delta: dict[str, Any]) -> None:
    call = calls.get(delta.get("index", 0))
    if call is None:
        call = calls[delta.get("index", 0)] = {
            "id": None,
            "type": "function",
            "name": [],
            "arguments": [],
        }
    if delta.get("id"):
        call["id"] = delta["id"]
    if delta.get("type"):
        call["type"] = delta["type"]
    function = delta.get("function") or {}
    if function.get("name"):
        call["name"].append(function["name"])
    if function.get("arguments"):
        call["arguments"].append(function["arguments"])


def _finish_tool_call(call: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call["id"],
        "type": call["type"],
        "function": {"name": "".join(call["name"]), "arguments": "".join(call["arguments"])},
    }


class _TextAssembler(_Assembler):
    """Legacy Completions chunks folded into one ``text_completion``."""

    obj = "text_completion"

    def new_slot(self) -> dict[str, Any]:
        return {"text": [], "finish_reason": None}

    def fold(self, slot: dict[str, Any], choice: dict[str, Any]) -> None:
        slot["text"].append(choice.get("text") or "")

    def finish_choice(self, index: int, slot: dict[str, Any]) -> dict[str, Any]:
        text = "".join(slot["text"])
        return {"index": index, "text": text, "finish_reason": slot["finish_reason"]}
