"""Unit tests of ``pytest_llmseed.goldens.diffs`` / ``.worddiff`` / ``.triage``: word diffs, path diffs and the triage line."""

from __future__ import annotations

import random
from typing import Any

import helpers
import pytest

from pytest_llmseed.goldens.compare import similarity
from pytest_llmseed.goldens.diffs import MAX_CHANGES, diff_lines
from pytest_llmseed.goldens.triage import triage
from pytest_llmseed.goldens.worddiff import MAX_HUNKS, word_diff

_VOCABULARY = ("alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta")


def long_text(words: int = 2000, seed: int = 7) -> list[str]:
    """A reproducible list of words, each unique by its position suffix (``beta17``)."""
    rng = random.Random(seed)
    return [f"{rng.choice(_VOCABULARY)}{i}" for i in range(words)]


def with_word(words: list[str], index: int, word: str) -> list[str]:
    changed = list(words)
    changed[index] = word
    return changed


def answer_doc(
    content: str = "Hello there.", *, request: dict[str, Any] | None = None, **meta: Any
) -> dict[str, Any]:
    """The shared golden document, with this module's fingerprint and seed by default."""
    return helpers.answer_doc(
        content, request=request, **{"system_fingerprint": "fp_a", "seed": 1234, **meta}
    )


def calls_doc(*answers: dict[str, Any]) -> dict[str, Any]:
    parts = [{k: v for k, v in a.items() if k not in ("llmseed_golden", "kind")} for a in answers]
    return {"llmseed_golden": 1, "kind": "calls", "calls": parts}


# --- word_diff -----------------------------------------------------------------------------


def test_word_diff_of_one_word_in_2000_is_short() -> None:
    words = long_text()
    old = " ".join(words)
    new = " ".join(with_word(words, 1000, "CHANGED"))
    lines = word_diff(old, new)
    assert 1 <= len(lines) <= 4
    assert all(len(line) < 300 for line in lines)
    joined = "\n".join(lines)
    assert f"[-{words[1000]}-]{{+CHANGED+}}" in joined
    assert len(joined) < len(old) // 10
    # Context words around the change, not the beginning or the end of the text.
    assert words[999] in joined
    assert words[1001] in joined
    assert words[0] + " " not in joined
    assert words[-1] not in joined


def test_word_diff_summary_line_counts_words_and_regions() -> None:
    words = long_text(100)
    lines = word_diff(" ".join(words), " ".join(with_word(words, 50, "x")))
    assert lines[0].startswith("100 → 100 words, 1 changed region(s)")


def test_word_diff_shows_insertions_and_deletions() -> None:
    words = long_text(60)
    inserted = [*words[:30], "brand", "new", *words[30:]]
    lines = word_diff(" ".join(words), " ".join(inserted))
    assert any("{+" in line and "brand new" in line and "[-" not in line for line in lines)
    deleted = words[:30] + words[31:]
    lines = word_diff(" ".join(words), " ".join(deleted))
    assert any(f"[-{words[30]}" in line and "{+" not in line for line in lines)


def test_word_diff_two_distant_changes_give_two_regions() -> None:
    words = long_text(400)
    new = with_word(with_word(words, 50, "FIRST"), 350, "SECOND")
    lines = word_diff(" ".join(words), " ".join(new))
    assert "2 changed region(s)" in lines[0]
    assert len(lines) == 3
    assert "{+FIRST+}" in lines[1]
    assert "{+SECOND+}" in lines[2]


def test_word_diff_limits_the_number_of_regions() -> None:
    words = long_text(400)
    new = list(words)
    changed = range(10, 400, 30)  # 14 regions, each far from the next
    for index in changed:
        new[index] = f"CHANGED{index}"
    lines = word_diff(" ".join(words), " ".join(new))
    assert lines[0].startswith(f"400 → 400 words, {len(changed)} changed region(s)")
    assert len(lines) == 1 + MAX_HUNKS + 1
    assert lines[-1] == f"… and {len(changed) - MAX_HUNKS} more changed region(s)"


def test_word_diff_marks_line_breaks_visibly() -> None:
    lines = word_diff("first line\nsecond line\nthird", "first line\nsecond LINE\nthird")
    assert "⏎" in "".join(lines[1:])
    assert "[-line-]{+LINE+}" in "".join(lines[1:])


def test_word_diff_of_a_mostly_rewritten_text_shows_both_beginnings() -> None:
    old = " ".join(long_text(100, seed=1))
    new = " ".join(f"rewritten{i}" for i in range(100))
    lines = word_diff(old, new)
    assert len(lines) == 3
    assert "mostly rewritten" in lines[0]
    assert lines[1].startswith('- "' + old[:40])
    assert lines[2].startswith('+ "' + new[:40])
    assert all(len(line) < 300 for line in lines)


def test_word_diff_of_a_rewrite_sharing_a_few_words_shows_both_beginnings() -> None:
    # Only about one word in eight is the same (word similarity ~0.11): mostly rewritten.
    old = " ".join(long_text(100, seed=1))
    new = " ".join(long_text(100, seed=2))
    assert similarity(old, new) < 0.2
    lines = word_diff(old, new)
    assert "mostly rewritten" in lines[0]
    assert lines[1].startswith('- "' + old[:40])
    assert lines[2].startswith('+ "' + new[:40])
    assert all(len(line) < 300 for line in lines)


# --- diff_lines ----------------------------------------------------------------------------


def test_diff_lines_paths_for_changed_values() -> None:
    old = {"output": [{"content": "hello world", "finish_reason": "stop"}]}
    new = {"output": [{"content": "hello there", "finish_reason": "length"}]}
    assert diff_lines(old, new) == [
        '~ output[0].content: "hello world" → "hello there"',
        '~ output[0].finish_reason: "stop" → "length"',
    ]


def test_diff_lines_paths_in_a_list_of_calls() -> None:
    def call(order_id: int) -> dict[str, Any]:
        return {
            "request": {"model": "gpt-4o"},
            "output": [{"tool_calls": [{"name": "f", "arguments": {"order_id": order_id}}]}],
        }

    lines = diff_lines([call(1), call(1)], [call(1), call(2)])
    assert lines == ["~ [1].output[0].tool_calls[0].arguments.order_id: 1 → 2"]


def test_diff_lines_marks_added_and_removed_items() -> None:
    old = {"output": [{"content": "a", "refusal": "no"}, 1, 2]}
    new = {"output": [{"content": "a", "parsed": {"x": 1}}, 1, 2, 3]}
    lines = diff_lines(old, new)
    assert '- output[0].refusal: "no" (removed)' in lines
    assert "+ output[0].parsed: {'x': 1} (added)" in lines
    assert "+ output[3]: 3 (added)" in lines
    assert len(lines) == 3
    assert diff_lines({"output": [1, 2, 3]}, {"output": [1, 2]}) == ["- output[2]: 3 (removed)"]


def test_diff_lines_of_equal_documents_is_empty() -> None:
    doc = answer_doc("same")
    assert diff_lines(doc, answer_doc("same")) == []


def test_diff_lines_uses_word_diff_for_long_text() -> None:
    words = long_text(300)
    old = {"output": [{"content": " ".join(words)}]}
    new = {"output": [{"content": " ".join(with_word(words, 150, "CHANGED"))}]}
    lines = diff_lines(old, new)
    assert lines[0] == "~ output[0].content:"
    assert len(lines) == 3
    assert lines[1].startswith("    300 → 300 words, 1 changed region(s)")
    assert f"[-{words[150]}-]{{+CHANGED+}}" in lines[2]
    assert all(len(line) < 300 for line in lines)


def test_diff_lines_on_two_2000_word_documents_works() -> None:
    words = long_text()
    new_words = list(words)
    for index in (100, 700, 1300, 1900):
        new_words[index] = f"NEW{index}"
    old = {"request": {"model": "gpt-4o"}, "output": [{"content": " ".join(words)}]}
    new = {"request": {"model": "gpt-4o-mini"}, "output": [{"content": " ".join(new_words)}]}
    lines = diff_lines(old, new)
    assert lines[0] == "~ output[0].content:"
    assert lines[1] == "    2000 → 2000 words, 4 changed region(s)"
    for index in (100, 700, 1300, 1900):
        assert sum(f"[-{words[index]}-]{{+NEW{index}+}}" in line for line in lines) == 1
    assert lines[-1] == '~ request.model: "gpt-4o" → "gpt-4o-mini"'
    assert len(lines) == 7
    assert all(len(line) < 300 for line in lines)


def test_diff_lines_limits_the_number_of_changes() -> None:
    old = {"output": {f"k{i:02}": i for i in range(50)}}
    new = {"output": {f"k{i:02}": i + 1 for i in range(50)}}
    lines = diff_lines(old, new)
    assert len(lines) == MAX_CHANGES + 1
    assert lines[-1] == f"… and {50 - MAX_CHANGES} more change(s)"


# --- triage --------------------------------------------------------------------------------


def test_triage_request_changed_shows_what() -> None:
    new = answer_doc(
        "Hello!",
        request={"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hello twice"}]},
    )
    line = triage(answer_doc(), new)
    assert line.startswith("request changed")
    assert "messages[0].content" in line
    assert '"Say hello"' in line
    assert '"Say hello twice"' in line


def test_triage_request_changed_number_of_calls() -> None:
    old = calls_doc(answer_doc("a"))
    new = calls_doc(answer_doc("a"), answer_doc("b"))
    line = triage(old, new)
    assert line.startswith("request changed")
    assert "1 → 2 LLM calls" in line


def test_triage_seed_changed() -> None:
    assert triage(answer_doc("a"), answer_doc("b", seed=99)) == "request changed: seed 1234 → 99"


@pytest.mark.parametrize(
    ("meta", "shown"),
    [
        ({"system_fingerprint": "fp_b"}, ["system_fingerprint fp_a → fp_b"]),
        ({"model": "gpt-4o-2024-11-20"}, ["model gpt-4o-2024-08-06 → gpt-4o-2024-11-20"]),
        (
            {"model": "gpt-4o-2024-11-20", "system_fingerprint": "fp_b"},
            ["system_fingerprint fp_a → fp_b", "model gpt-4o-2024-08-06 → gpt-4o-2024-11-20"],
        ),
    ],
    ids=["fingerprint", "model", "both"],
)
def test_triage_backend_changed_shows_both_values(meta: dict[str, Any], shown: list[str]) -> None:
    line = triage(answer_doc("a"), answer_doc("b", **meta))
    assert line.startswith("backend changed: ")
    for change in shown:
        assert change in line


def test_triage_backend_changed_in_calls_document() -> None:
    old = calls_doc(answer_doc("a"), answer_doc("b"))
    new = calls_doc(answer_doc("a"), answer_doc("c", system_fingerprint="fp_z"))
    assert (
        triage(old, new) == "backend changed: call 2: system_fingerprint fp_a → fp_z"
    )  # which call


def test_triage_output_changed_at_same_request_and_backend() -> None:
    line = triage(answer_doc("a"), answer_doc("b", usage={"total_tokens": 3}))
    assert line.startswith("output changed at the same request and backend")
    assert "request changed" not in line
    assert "backend changed" not in line


def test_triage_prefers_the_request_over_seed_and_backend() -> None:
    new = answer_doc(
        "b",
        request={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]},
        seed=5,
        system_fingerprint="fp_b",
    )
    line = triage(answer_doc("a"), new)
    assert "the code now asks something else" in line
    assert '"gpt-4o" → "gpt-4o-mini"' in line
