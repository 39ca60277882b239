"""Unit tests of ``pytest_llmseed.goldens.compare``: text normalization, similarity, the profiles."""

from __future__ import annotations

import copy
import random
import re
from typing import Any

import pytest
from helpers import answer_doc, chat_output

from pytest_llmseed.config.values import Profile, parse_profile
from pytest_llmseed.goldens import worddiff
from pytest_llmseed.goldens.compare import (
    documents_match,
    normalize_text,
    outputs_equal,
    similarity,
)

EXACT = parse_profile("exact")
NORMALIZED = parse_profile("normalized")
JSON = parse_profile("json")
FUZZY = parse_profile("fuzzy:0.9")
ALL_PROFILES = [EXACT, NORMALIZED, JSON, FUZZY]

FORTY_WORDS = " ".join(f"word{i}" for i in range(40))


def calls_doc(*answers: dict[str, Any]) -> dict[str, Any]:
    parts = [{k: v for k, v in a.items() if k not in ("llmseed_golden", "kind")} for a in answers]
    return {"llmseed_golden": 1, "kind": "calls", "calls": parts}


# --- normalize_text / similarity -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\ufb01le", "file"),  # NFKC: the "fi" ligature
        ("\uff21\uff22", "AB"),  # NFKC: fullwidth letters
        ("\u201cquoted\u201d and \u2018single\u2019", "\"quoted\" and 'single'"),
        ("\u00abguillemets\u00bb", '"guillemets"'),
        ("  a \t\n b\u00a0\u00a0c  \n", "a b c"),
        ("unchanged text", "unchanged text"),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_normalize_text_keeps_case_and_words() -> None:
    assert normalize_text("Hello World") != normalize_text("hello world")


def test_similarity_bounds() -> None:
    assert similarity("same text", "same text") == 1.0
    assert similarity("", "") == 1.0
    assert similarity("   ", "\n") == 1.0
    assert similarity("alpha beta", "gamma delta") == 0.0
    assert similarity("", "something") == 0.0


def test_similarity_is_word_level() -> None:
    # One word of ten changed: 9 of 10 tokens match on each side -> 2*9/20.
    old = "one two three four five six seven eight nine ten"
    new = "one two three four five six seven eight nine TEN"
    assert similarity(old, new) == pytest.approx(0.9)
    # Whitespace differences alone do not change the words.
    assert similarity("a  b\n c", "a b c") == 1.0


# --- outputs_equal: identical values pass under every profile ------------------------------


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=str)
def test_identical_outputs_are_equal_under_every_profile(profile: Profile) -> None:
    output = chat_output("Same answer.\n")
    assert outputs_equal(output, copy.deepcopy(output), profile)


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=str)
def test_different_finish_reason_fails_under_every_profile(profile: Profile) -> None:
    assert not outputs_equal(
        chat_output("Same answer.", "stop"), chat_output("Same answer.", "length"), profile
    )


# --- exact ---------------------------------------------------------------------------------


def test_exact_passes_only_identical() -> None:
    assert outputs_equal(chat_output("Hello, world."), chat_output("Hello, world."), EXACT)
    assert not outputs_equal(chat_output("Hello, world."), chat_output("Hello,  world."), EXACT)
    assert not outputs_equal(chat_output("\ufb01le"), chat_output("file"), EXACT)


# --- normalized ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("The \ufb01le is ready.", "The file is ready."),
        ("He said \u201cyes\u201d, it\u2019s fine.", 'He said "yes", it\'s fine.'),
        ("Line one.\n\nLine   two.  ", "Line one. Line two."),
        ("\tindented\u00a0text\n", "indented text"),
    ],
    ids=["nfkc-ligature", "curly-quotes", "whitespace-runs", "tabs-nbsp"],
)
def test_normalized_passes_unicode_quote_and_whitespace_differences(old: str, new: str) -> None:
    assert not outputs_equal(chat_output(old), chat_output(new), EXACT)
    assert outputs_equal(chat_output(old), chat_output(new), NORMALIZED)


def test_normalized_fails_on_a_changed_word() -> None:
    old = chat_output("He said \u201cyes\u201d, it\u2019s fine.")
    new = chat_output('He said "no", it\'s fine.')
    assert not outputs_equal(old, new, NORMALIZED)


def test_normalized_applies_to_nested_strings() -> None:
    old = [{"tool_calls": [{"name": "f", "arguments": {"note": "\u201chi\u201d  there"}}]}]
    new = [{"tool_calls": [{"name": "f", "arguments": {"note": '"hi" there'}}]}]
    assert outputs_equal(old, new, NORMALIZED)
    new[0]["tool_calls"][0]["arguments"]["note"] = '"bye" there'
    assert not outputs_equal(old, new, NORMALIZED)


# --- json ----------------------------------------------------------------------------------


def test_json_ignores_key_order_in_content() -> None:
    old = chat_output('{"name": "Ada", "age": 36}')
    new = chat_output('{"age": 36, "name": "Ada"}')
    assert not outputs_equal(old, new, EXACT)
    assert outputs_equal(old, new, JSON)


def test_json_ignores_list_order() -> None:
    old = [{"parsed": {"tags": ["a", "b", "c"], "items": [{"id": 1}, {"id": 2}]}}]
    new = [{"parsed": {"tags": ["c", "a", "b"], "items": [{"id": 2}, {"id": 1}]}}]
    assert not outputs_equal(old, new, EXACT)
    assert outputs_equal(old, new, JSON)


def test_json_numeric_tolerance() -> None:
    old = [{"parsed": {"total": 0.1 + 0.2, "count": 3}}]
    new = [{"parsed": {"total": 0.3, "count": 3.0}}]
    assert old != new
    assert outputs_equal(old, new, JSON)
    assert outputs_equal(
        chat_output('{"total": 0.30000000000000004}'), chat_output('{"total": 0.3}'), JSON
    )


def test_json_numeric_tolerance_inside_reordered_list() -> None:
    old = [{"parsed": {"items": [{"p": 0.1 + 0.2, "n": "x"}, {"p": 1, "n": "y"}]}}]
    new = [{"parsed": {"items": [{"p": 1, "n": "y"}, {"p": 0.3, "n": "x"}]}}]
    assert outputs_equal(old, new, JSON)


def test_json_numeric_difference_beyond_tolerance_fails() -> None:
    assert not outputs_equal([{"parsed": {"total": 0.3}}], [{"parsed": {"total": 0.31}}], JSON)


def test_json_parses_json_inside_string_leaves() -> None:
    old = chat_output('{"city": "Paris", "temps": [20, 21.5]}')
    new = chat_output('  {"temps": [21.5, 20], "city": "Paris"}\n')
    assert outputs_equal(old, new, JSON)


def test_json_parses_a_fenced_json_block() -> None:
    old = chat_output('{"city": "Paris", "ok": true}')
    new = chat_output('```json\n{\n  "ok": true,\n  "city": "Paris"\n}\n```')
    assert not outputs_equal(old, new, EXACT)
    assert outputs_equal(old, new, JSON)


def test_json_parses_tool_call_argument_strings() -> None:
    old = [{"tool_calls": [{"name": "f", "arguments": '{"a": 1, "b": [1, 2]}'}]}]
    new = [{"tool_calls": [{"name": "f", "arguments": {"b": [2, 1], "a": 1}}]}]
    assert outputs_equal(old, new, JSON)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('{"city": "Paris"}', '{"city": "Lyon"}'),
        ('```json\n{"city": "Paris"}\n```', '{"city": "Lyon"}'),
        ('{"items": [1, 2]}', '{"items": [1, 2, 3]}'),
        ('{"a": 1}', '{"a": 1, "b": 2}'),
        ("plain text answer", "plain text  answer"),
    ],
    ids=["changed-value", "changed-value-fenced", "extra-item", "extra-key", "non-json-text"],
)
def test_json_fails_on_a_changed_value(old: str, new: str) -> None:
    assert not outputs_equal(chat_output(old), chat_output(new), JSON)


# --- fuzzy ---------------------------------------------------------------------------------


def test_fuzzy_passes_one_word_changed_in_forty() -> None:
    words = FORTY_WORDS.split()
    words[17] = "different"
    new = " ".join(words)
    assert not outputs_equal(chat_output(FORTY_WORDS), chat_output(new), EXACT)
    assert outputs_equal(chat_output(FORTY_WORDS), chat_output(new), FUZZY)


def test_fuzzy_fails_half_the_words_changed() -> None:
    words = FORTY_WORDS.split()
    new = " ".join(w if i % 2 else f"other{i}" for i, w in enumerate(words))
    assert similarity(FORTY_WORDS, new) < 0.9
    assert not outputs_equal(chat_output(FORTY_WORDS), chat_output(new), FUZZY)


def test_fuzzy_ratio_boundary() -> None:
    old = "one two three four five six seven eight nine ten"
    new = "one two three four five six seven eight nine TEN"  # similarity exactly 0.9
    assert outputs_equal(chat_output(old), chat_output(new), parse_profile("fuzzy:0.9"))
    assert outputs_equal(chat_output(old), chat_output(new), parse_profile("fuzzy:0.89"))
    assert not outputs_equal(chat_output(old), chat_output(new), parse_profile("fuzzy:0.91"))
    assert not outputs_equal(chat_output(old), chat_output(new), parse_profile("fuzzy:1"))


def test_fuzzy_default_ratio_is_0_9() -> None:
    assert parse_profile("fuzzy") == Profile("fuzzy", 0.9)
    old = "one two three four five six seven eight nine ten"
    new = "one two three four five six seven eight NINE TEN"  # 0.8
    assert not outputs_equal(chat_output(old), chat_output(new), parse_profile("fuzzy"))
    assert outputs_equal(chat_output(old), chat_output(new), parse_profile("fuzzy:0.8"))


def test_fuzzy_requires_same_structure() -> None:
    assert not outputs_equal(
        chat_output(FORTY_WORDS), chat_output(FORTY_WORDS) + chat_output(FORTY_WORDS), FUZZY
    )
    assert not outputs_equal(
        [{"content": FORTY_WORDS}], [{"content": FORTY_WORDS, "refusal": "x"}], FUZZY
    )
    assert not outputs_equal([{"n": 1}], [{"n": 2}], FUZZY)


# --- documents_match -----------------------------------------------------------------------


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=str)
def test_request_difference_always_fails(profile: Profile) -> None:
    old = answer_doc(FORTY_WORDS)
    new = answer_doc(
        FORTY_WORDS,
        request={"model": "gpt-4o", "messages": [{"role": "user", "content": "Say  hello"}]},
    )
    assert not documents_match(old, new, profile)


def test_request_difference_fails_even_when_fuzzy_would_accept_it() -> None:
    old = answer_doc(FORTY_WORDS, request={"model": "gpt-4o", "prompt": FORTY_WORDS})
    new = answer_doc(FORTY_WORDS, request={"model": "gpt-4o", "prompt": FORTY_WORDS + " more"})
    assert not documents_match(old, new, parse_profile("fuzzy:0.5"))


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=str)
def test_meta_differences_never_fail(profile: Profile) -> None:
    old = answer_doc("Same.")
    new = answer_doc(
        "Same.",
        model="gpt-4o-2024-11-20",
        system_fingerprint="fp_2",
        seed=999,
        usage={"total_tokens": 1},
    )
    assert documents_match(old, new, profile)


def test_documents_match_compares_outputs_under_the_profile() -> None:
    old, new = answer_doc("It\u2019s  done."), answer_doc("It's done.")
    assert not documents_match(old, new, EXACT)
    assert documents_match(old, new, NORMALIZED)


def test_calls_documents_match_call_by_call() -> None:
    old = calls_doc(answer_doc("first"), answer_doc("second"))
    assert documents_match(old, copy.deepcopy(old), EXACT)
    changed = calls_doc(answer_doc("first"), answer_doc("changed"))
    assert not documents_match(old, changed, EXACT)


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=str)
def test_different_number_of_calls_fails(profile: Profile) -> None:
    two = calls_doc(answer_doc("first"), answer_doc("second"))
    three = calls_doc(answer_doc("first"), answer_doc("second"), answer_doc("second"))
    assert not documents_match(two, three, profile)
    assert not documents_match(two, calls_doc(), profile)
    assert documents_match(calls_doc(), calls_doc(), profile)


def test_similarity_of_hostile_texts_gives_up_within_a_linear_budget() -> None:
    """Two long texts of the same six words in different orders: aligning them word by word
    would cost quadratic time (difflib took 41 s for 8,000 words); the comparison spends a
    budget linear in their length and, past it, counts them as not similar."""
    rng = random.Random(1)
    words = ["the", "a", "and", "of", "to", "in"]
    old = " ".join(rng.choice(words) for _ in range(4_000))
    new = " ".join(rng.choice(words) for _ in range(4_000))
    assert worddiff.common_items(compare_tokens(old), compare_tokens(new)) is None
    assert similarity(old, new) == 0.0


def test_similarity_of_long_texts_a_few_words_apart_is_exact() -> None:
    base = ("The quick brown fox jumps over the lazy dog. " * 400).split()
    edited = list(base)
    edited[10], edited[2000] = "cat", "slow"
    assert similarity(" ".join(base), " ".join(edited)) == pytest.approx(1 - 2 / 4000)


def compare_tokens(text: str) -> list[str]:
    """The words and punctuation the similarity counts."""
    return re.findall(r"\w+|[^\w\s]", text)


def test_similarity_of_long_texts_far_apart_word_by_word_falls_back_to_lines() -> None:
    """Past the word budget the shared lines' words are counted: a lower bound."""
    rng = random.Random(2)
    words = ["the", "a", "and", "of", "to", "in"]
    shared = [f"line {i} stays the same in both" for i in range(500)]

    def noisy(i: int) -> list[str]:
        return [" ".join(rng.choice(words) for _ in range(200))] if i % 20 == 0 else []

    old = "\n".join(line for i, s in enumerate(shared) for line in (s, *noisy(i)))
    new = "\n".join(line for i, s in enumerate(shared) for line in (s, *noisy(i)))
    assert worddiff.common_items(compare_tokens(old), compare_tokens(new)) is None
    # The shared lines' words: 3,500 of the 8,500 words each side holds.
    assert similarity(old, new) == pytest.approx(3_500 / 8_500)
