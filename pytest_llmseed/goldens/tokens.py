"""Token usage of a test's answers as its goldens keep it (what-if runs compare the stored
goldens' with the received ones). Pure functions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pytest_llmseed.errors import GoldenFileError
from pytest_llmseed.goldens.fileformat import GoldenText, load_golden
from pytest_llmseed.records import Tokens

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

_USAGE_KEYS = ("usage", "usageMetadata")
"""Where a golden's ``meta`` keeps usage: OpenAI and Anthropic, Gemini."""
_FIELDS = (
    ("prompt_tokens", "input_tokens", "promptTokenCount"),
    ("completion_tokens", "output_tokens", "candidatesTokenCount"),
    ("total_tokens", "totalTokenCount"),
)
"""Prompt, completion and total, as each API names them (Chat Completions, Responses and
Anthropic, Gemini)."""


def _usages(node: Any, in_meta: bool = False) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if in_meta and key in _USAGE_KEYS and isinstance(value, dict):
                yield value
            else:
                yield from _usages(value, in_meta or key == "meta")
    elif isinstance(node, list):
        for item in node:
            yield from _usages(item, in_meta)


def _count(usage: dict[str, Any], names: tuple[str, ...]) -> int:
    value = next((usage[n] for n in names if n in usage), 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_of(document: Any) -> Tokens:
    """The token usage a golden document's ``meta`` records, summed over its answers (the
    total is prompt + completion where an API does not say it)."""
    prompt = completion = total = 0
    for usage in _usages(document):
        p, c, t = (_count(usage, names) for names in _FIELDS)
        prompt, completion, total = prompt + p, completion + c, total + (t or p + c)
    return Tokens(prompt, completion, total)


def _text_usage(text: Any) -> Tokens:
    if isinstance(text, GoldenText):
        return usage_of(text.document)
    if not text:
        return Tokens()
    try:
        return usage_of(load_golden(str(text)))
    except GoldenFileError:
        return Tokens()  # an unreadable golden: its drift says so; it has no usage to show


def _add(a: Tokens, b: Tokens) -> Tokens:
    return Tokens(*(x + y for x, y in zip(a, b, strict=True)))


def tokens_before_after(snapshot: SnapshotAssertion) -> tuple[Tokens, Tokens]:
    """A test's token usage before (its stored goldens) and after (what it received)."""
    before = after = Tokens()
    for _index, result in sorted(snapshot.executions.items()):
        before = _add(before, _text_usage(result.recalled_data))
        after = _add(after, _text_usage(result.asserted_data))
    return before, after
