"""Redaction is one pass per text, whatever the number of secrets and matches.

Measured by counting, never by the clock: the compiled search for the secrets is wrapped
so that every pass (``sub``, ``finditer``, ``search``) and every character it is handed are
counted. Doubling the input (secrets, matches, events) at most doubles the characters
scanned, and the number of passes does not grow with the number of secrets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_llmseed.redaction import search
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.redaction.project_secrets import pattern_matches
from pytest_llmseed.redaction.secrets import REDACTED


class Counting:
    """A compiled regex that counts its passes and the characters they are handed."""

    def __init__(self, pattern: re.Pattern[str], counts: dict[str, int]) -> None:
        self._pattern = pattern
        self._counts = counts

    def _count(self, text: str) -> None:
        self._counts["passes"] += 1
        self._counts["chars"] += len(text)

    def sub(self, repl: Any, text: str) -> str:
        self._count(text)
        return self._pattern.sub(repl, text)

    def finditer(self, text: str, *args: Any) -> Iterator[re.Match[str]]:
        self._count(text)
        return self._pattern.finditer(text, *args)

    def search(self, text: str, *args: Any) -> re.Match[str] | None:
        self._count(text)
        return self._pattern.search(text, *args)


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    found = {"passes": 0, "chars": 0, "compiled": 0}
    real = search.secrets_regex

    def counted(secrets: Any) -> Any:
        found["compiled"] += 1
        pattern = real(secrets)
        return None if pattern is None else Counting(pattern, found)

    monkeypatch.setattr(scrub, "secrets_regex", counted)
    monkeypatch.setattr(search, "secrets_regex", counted)
    return found


def tokens(count: int) -> list[str]:
    """Distinct values of one secret pattern (``tok_`` and 12 characters)."""
    return [f"tok_{i:012x}" for i in range(count)]


def json_body(count: int) -> str:
    return json.dumps({"choices": [{"message": {"content": " ".join(tokens(count))}}]})


def stream_body(count: int) -> str:
    """``count`` secrets, each split across two events of a stream."""
    events = []
    for token in tokens(count):
        for piece in (token[:6], token[6:] + " "):
            delta = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
            events.append({"id": "c", "object": "chat.completion.chunk", "choices": [delta]})
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"


def measure(counts: dict[str, int], body: str, secrets: list[str]) -> dict[str, int]:
    for key in counts:
        counts[key] = 0
    redacted = scrub.redact_body(body, secrets)
    assert not any(secret in redacted for secret in secrets[:50])
    assert REDACTED in redacted
    return dict(counts)


@pytest.mark.parametrize("shape", [json_body, stream_body], ids=["json", "stream"])
def test_doubling_secrets_and_matches_doubles_the_work(counts: dict[str, int], shape: Any) -> None:
    small, large = 2_000, 4_000
    one = measure(counts, shape(small), tokens(small))
    two = measure(counts, shape(large), tokens(large))
    # Twice the input (secrets, matches, events): at most twice the passes (one per string
    # of the body, whatever the number of secrets), twice the characters, one compilation.
    assert two["passes"] <= 2.2 * one["passes"], (one, two)
    assert two["chars"] <= 2.2 * one["chars"], (one, two)
    assert one["compiled"] == two["compiled"] == 1, (one, two)
    # The same body searched for ten times the secrets: not one pass more.
    many = measure(counts, shape(small), tokens(small) + tokens(10 * small)[small:])
    assert many["passes"] == one["passes"], (one, many)


def test_a_key_echoed_many_times_costs_one_pass(counts: dict[str, int]) -> None:
    key = "sk-test-linear-0123456789"
    text = f"{key} " * 20_000
    before = counts["passes"]
    assert scrub.redact_text(text, [key]) == f"{REDACTED} " * 20_000
    assert counts["passes"] - before == 1


def test_the_final_check_is_one_pass_for_any_number_of_secrets(counts: dict[str, int]) -> None:
    text = "x" * 100_000
    for count in (10, 10_000):
        counts["passes"] = 0
        assert not scrub.leaks(text, tokens(count))
        assert counts["passes"] == 1


def test_many_secrets_compile_to_one_regex_once() -> None:
    """A trie of 20,000 secrets: one compiled pattern, reused for the same secrets."""
    secrets = tokens(20_000)
    first = scrub.secrets_regex(secrets)
    assert first is scrub.secrets_regex(list(secrets))
    assert first is not None
    # Longest first: a secret that extends another is redacted whole.
    longer = secrets[5] + "-extended"
    assert scrub.redact_text(f"a {longer} b", [*secrets, longer]) == f"a {REDACTED} b"


class CountingPatterns:
    """The project's patterns, each counting the characters its ``finditer`` is handed."""

    def __init__(self, pattern: re.Pattern[str], counts: dict[str, int]) -> None:
        self._pattern = pattern
        self._counts = counts

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        self._counts["chars"] += len(text)
        return self._pattern.finditer(text)


def test_collecting_pattern_matches_is_linear() -> None:
    counts = {"chars": 0}
    pattern: Any = CountingPatterns(re.compile(r"tok_[0-9a-f]{12}"), counts)
    one = pattern_matches(stream_body(2_000), [pattern])
    small = counts["chars"]
    counts["chars"] = 0
    two = pattern_matches(stream_body(4_000), [pattern])
    assert len(one) == 2_000
    assert len(two) == 4_000
    assert counts["chars"] <= 2.2 * small
