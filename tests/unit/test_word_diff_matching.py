"""The word diff: its matching is a common subsequence at least as long as difflib's, and
each hunk it shows is a piece of the old text and a piece of the new one.

``word_diff`` finds matching words with Myers' O(ND) algorithm when texts differ in a few
places; past a work bound linear in the input it shows changed lines instead. No timing is asserted
here (the benchmark in ``bench/`` measures speed).
"""

from __future__ import annotations

import random
import re
from difflib import SequenceMatcher

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmseed.goldens.worddiff import MAX_HUNKS, matching_blocks, word_diff

_words = st.lists(st.sampled_from(["the ", "a ", "cat ", "sat ", "on\n", "mat. "]), max_size=40)


def _lcs_length(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_words, _words)
def test_matching_blocks_are_an_increasing_common_subsequence(a: list[str], b: list[str]) -> None:
    blocks = matching_blocks(a, b)
    end_a = end_b = 0
    for i, j, size in blocks:
        assert size > 0
        assert i >= end_a
        assert j >= end_b
        assert a[i : i + size] == b[j : j + size]
        end_a, end_b = i + size, j + size
    matched = sum(size for _i, _j, size in blocks)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    assert matched >= sum(block.size for block in matcher.get_matching_blocks())
    assert matched <= _lcs_length(a, b)


_ADDED = re.compile(r"\{\+(.*?)\+\}", re.S)
_REMOVED = re.compile(r"\[-(.*?)-\]", re.S)


def _sides(hunk: str) -> tuple[str, str]:
    """The old and the new text a hunk line shows, its markers resolved."""
    hunk = hunk.removeprefix("…").removesuffix("…")
    return _REMOVED.sub(r"\1", _ADDED.sub("", hunk)), _ADDED.sub(r"\1", _REMOVED.sub("", hunk))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_words, _words)
def test_each_hunk_is_a_piece_of_both_texts(a: list[str], b: list[str]) -> None:
    old, new = "".join(a), "".join(b)
    lines = word_diff(old, new)
    regions = int(re.search(r"(\d+) changed region", lines[0])[1])  # type: ignore[index]
    assert lines[0].startswith(f"{len(old.split())} → {len(new.split())} words, ")
    if old == new:
        assert regions == 0
        assert lines == [lines[0]]
    if "mostly rewritten" in lines[0]:
        return
    hunks = [line for line in lines[1:] if not line.startswith("… and ")]
    assert len(hunks) == min(regions, MAX_HUNKS)
    for hunk in hunks:
        was, now = _sides(hunk)
        assert "[-" in hunk or "{+" in hunk, hunk
        assert was in old.replace("\n", "⏎"), hunk
        assert now in new.replace("\n", "⏎"), hunk


def test_changes_in_text_of_few_distinct_words_are_found() -> None:
    rng = random.Random(3)
    words = [rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(2000)]
    new = list(words)
    new[500], new[1500] = "FIRST", "SECOND"
    lines = word_diff(" ".join(words), " ".join(new))
    assert lines[0] == "2000 → 2000 words, 2 changed region(s)"
    assert f"[-{words[500]}-]{{+FIRST+}}" in lines[1]
    assert f"[-{words[1500]}-]{{+SECOND+}}" in lines[2]


def test_many_scattered_changes_fall_back_to_a_line_diff() -> None:
    # More edits than the word search's linear work bound: changed lines, and it says so.
    rng = random.Random(4)
    words = [rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(1200)]
    new = [w if i % 3 else "CHANGED" for i, w in enumerate(words)]
    a, b = " ".join(words).split(" "), " ".join(new).split(" ")
    assert matching_blocks(a, b) is None
    lines = word_diff(" ".join(words), " ".join(new))
    assert lines[0].startswith("1200 → 1200 words")
    assert "too many word changes for a word diff" in lines[0]


def test_a_replacement_next_to_the_same_word_reads_as_one_replacement() -> None:
    lines = word_diff("one delta gamma gamma delta two", "one delta FIRST gamma delta two")
    assert lines[1] == "one delta [-gamma-]{+FIRST+} gamma delta two"
