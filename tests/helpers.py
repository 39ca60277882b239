"""Test data shared by several test modules: golden documents and inner test modules."""

from __future__ import annotations

from typing import Any

PARAMETRIZED_QUESTIONS = """
import pytest

@pytest.mark.parametrize("n", {ns})
def test_x(seeded_llm, n):
    assert seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": f"q{{n}}"}}]
    ) == seeded_llm.snapshot
"""
"""An inner test module of parametrized questions; ``.format(ns="[1, 2]")`` picks them."""


def chat_output(content: str, finish_reason: str = "stop") -> list[dict[str, Any]]:
    """The ``output`` part of a chat completion golden."""
    return [{"finish_reason": finish_reason, "content": content}]


def answer_doc(
    content: str = "Hello there.",
    *,
    request: dict[str, Any] | None = None,
    **meta: Any,
) -> dict[str, Any]:
    """A loaded chat-completion golden; ``meta`` overrides model, fingerprint or seed."""
    return {
        "llmseed_golden": 1,
        "kind": "answer",
        "endpoint": "chat.completions",
        "request": request
        if request is not None
        else {"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hello"}]},
        "output": chat_output(content),
        "meta": {"model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_1", "seed": 1, **meta},
    }
