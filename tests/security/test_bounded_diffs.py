"""Every diff has a work bound linear in its input, and a coarser diff past it that says so.

Word diffs give way to line diffs, then to a summary (``worddiff.Work``); path-by-path
diffs of documents with too many values give way to a diff of the documents as text, and
lists too long to align are compared index by index; the HTML diff marks a line whole, or
shows both texts whole. Work is counted in operations, never timed: the thresholds are
module constants the tests set small, so the inputs stay small. ``bench/diffs.py`` shows
the same by hand with timings.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys

import pytest
from llm_server import FakeOpenAIServer

from pytest_llmseed.goldens import diffs, worddiff
from pytest_llmseed.goldens.fileformat import dump_golden, load_golden
from pytest_llmseed.goldens.triage import describe_change
from pytest_llmseed.goldens.worddiff import Work, matching_blocks, word_diff
from pytest_llmseed.report import htmldiff
from pytest_llmseed.report.htmldiff import side_by_side


def scattered(words: int, every: int = 3, seed: int = 1) -> tuple[str, str]:
    """A text of few distinct words, and the same with every ``every``-th word changed."""
    rng = random.Random(seed)
    old = [rng.choice(["the", "a", "cat", "and", "sat"]) for _ in range(words)]
    new = [w if i % every else f"X{i}" for i, w in enumerate(old)]
    return " ".join(old), " ".join(new)


def spent(a: list[str], b: list[str]) -> tuple[int, bool]:
    work = Work(len(a) + len(b))
    found = matching_blocks(a, b, work)
    assert work.spent <= work.limit + 2 * (len(a) + len(b))  # one step past the bound at most
    return work.spent, found is None


@pytest.fixture
def no_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Budgets with no floor: what small inputs cost is what large ones would."""
    monkeypatch.setattr(worddiff, "WORK_FLOOR", 0)


@pytest.mark.parametrize(
    "shape",
    ["scattered_words", "one_long_line", "many_lines", "all_reordered"],
)
def test_doubling_the_input_doubles_the_work(no_floor: None, shape: str) -> None:
    def make(size: int) -> tuple[list[str], list[str]]:
        old, new = scattered(size)
        if shape == "many_lines":
            return old.split(" "), new.split(" ")
        if shape == "all_reordered":
            items = old.split(" ")
            return items, list(reversed(items))
        return worddiff._PIECES.findall(old), worddiff._PIECES.findall(new)

    counts = []
    for size in (2000, 4000, 8000):
        work, fell_back = spent(*make(size))
        assert fell_back  # these inputs need more than the bound: the work is the bound's
        counts.append(work)
    for smaller, larger in itertools.pairwise(counts):
        assert 1.6 <= larger / smaller <= 2.4, counts


def test_a_few_changes_in_a_long_text_cost_little_and_keep_the_word_diff(no_floor: None) -> None:
    old, _ = scattered(20_000)
    new = old.replace("cat", "dog", 2)
    a, b = worddiff._PIECES.findall(old), worddiff._PIECES.findall(new)
    work = Work(len(a) + len(b))
    assert matching_blocks(a, b, work) is not None
    assert work.spent < work.limit
    assert "[-cat" in word_diff(old, new)[1]


def test_too_many_changes_fall_back_to_lines_then_a_summary_and_say_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worddiff, "WORK_FLOOR", 2000)
    old, new = scattered(600)
    # One line: too many word changes, and the line diff is that line.
    lines = word_diff(old, new)
    assert lines[0] == f"600 → 600 words, 1 changed region(s); {worddiff.WORDS_TOO_MANY}"
    assert lines[1].startswith("- the ") or lines[1].startswith(f"- {old[:3]}")
    assert lines[2].startswith("+ X0 ")
    # One word per line: too many changed lines as well, a summary.
    lines = word_diff("\n".join(old.split(" ")), "\n".join(new.split(" ")))
    assert lines[0] == f"600 → 600 words; {worddiff.LINES_TOO_MANY}"
    assert lines[1].startswith("- ")
    assert lines[2].startswith("+ ")
    assert len(lines) == 3


def test_a_line_diff_shows_the_changed_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worddiff, "WORK_FLOOR", 500)
    monkeypatch.setattr(worddiff, "WORK_PER_ITEM", 2)
    lines = [f"line {i} " + " ".join(f"w{i}x{j}" for j in range(8)) for i in range(40)]
    changed = list(lines)
    changed[10] = " ".join(f"new{j}" for j in range(9))
    changed[30] = " ".join(f"other{j}" for j in range(9))
    shown = word_diff("\n".join(lines), "\n".join(changed))
    assert worddiff.WORDS_TOO_MANY in shown[0]
    assert f"- {lines[10]}" in shown
    assert f"+ {changed[10]}" in shown
    assert f"- {lines[30]}" in shown


def test_a_long_single_line_is_cut() -> None:
    old = "x" * 50_000
    shown = word_diff(old, old + " tail")
    assert all(len(line) <= worddiff.MAX_LINE for line in shown)
    assert shown[-1].endswith("…")


def test_a_large_input_completes_with_the_real_bounds() -> None:
    old, new = scattered(40_000)
    assert (
        worddiff.LINES_TOO_MANY in word_diff(old, new)[0]
        or worddiff.WORDS_TOO_MANY in (word_diff(old, new)[0])
    )
    html = side_by_side("\n".join(old.split(" ")), "\n".join(new.split(" ")))
    assert htmldiff.LINES_TOO_MANY in html


# --- path-by-path diffs of documents -------------------------------------------------------


def test_a_document_with_too_many_values_is_diffed_as_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(diffs, "MAX_VALUES", 100)
    old = {"output": {"items": [{"id": i, "text": f"item {i}"} for i in range(60)]}}
    new = {"output": {"items": [{"id": i, "text": f"item {i}"} for i in range(59, -1, -1)]}}
    lines = diffs.diff_lines(old, new)
    assert lines[0] == f"~ (whole value): {diffs.too_large()}"
    assert "more than 100 values" in lines[0]


def test_long_lists_are_compared_index_by_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diffs, "MAX_ALIGNED_ITEMS", 10)
    old = {"output": list(range(30))}
    new = {"output": [0, *range(30)]}  # one item inserted at the front
    lines = diffs.diff_lines(old, new)
    assert lines[0] == f"({diffs.lists_by_index()})"
    assert "~ output[1]: 1 → 0" in lines
    short = diffs.diff_lines({"output": [1, 2]}, {"output": [0, 1, 2]})
    assert short == ["+ output[0]: 0 (added)"]  # short lists are still aligned


def test_long_texts_in_documents_get_the_bounded_word_diff(no_floor: None) -> None:
    old, new = scattered(3000)
    lines = diffs.diff_lines({"output": {"content": old}}, {"output": {"content": new}})
    assert lines[0] == "~ output.content:"
    assert worddiff.WORDS_TOO_MANY in lines[1] or worddiff.LINES_TOO_MANY in lines[1]


def test_a_text_looking_like_a_stand_in_is_still_itself() -> None:
    lines = diffs.diff_lines(
        {"a": "\x00abc:0", "b": "x\n" * 50}, {"a": "\x00abc:1", "b": "y\n" * 50}
    )
    assert '~ a: "\x00abc:0" → "\x00abc:1"' in lines


def test_deep_and_wide_documents_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    deep: object = "leaf"
    for _ in range(90):
        deep = {"k": [deep]}
    wide = {f"k{i}": i for i in range(5000)}
    wider = {f"k{i}": i + (i % 7 == 0) for i in range(5000)}
    assert diffs.diff_lines({"output": deep}, {"output": {"k": []}})
    lines = diffs.diff_lines(wide, wider)
    assert lines[-1].startswith("… and ")


def test_html_marks_a_line_whole_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worddiff, "WORK_FLOOR", 50)
    old, new = scattered(200)
    page = side_by_side(f"head\n{old}\ntail", f"head\n{new}\ntail")
    assert htmldiff.WORDS_TOO_MANY in page
    assert "<del>" in page
    assert "<ins>" in page


# --- end to end: the pytest failure and review show the fallback ------------------------------

TEST = """
def test_x(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "long"}], max_tokens=3000
    )
    assert out == seeded_llm.snapshot
"""


def test_a_golden_with_many_scattered_changes_fails_with_a_coarser_diff(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_long=TEST)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    golden = pytester.path / "__snapshots__" / "test_long" / "test_x.llm.yaml"
    document = load_golden(golden.read_text())
    # A stored answer of thousands of words, the received one scattered through it: a
    # hostile golden (or a real rewrite) whose word diff is past the work bound.
    answer = document["output"][0]
    words = answer["content"].split() * 8
    answer["content"] = " ".join(f"{word} Z{i}" for i, word in enumerate(words))
    golden.write_text(dump_golden(document))

    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert worddiff.WORDS_TOO_MANY in output or worddiff.LINES_TOO_MANY in output

    artifact = pytester.path / ".llmseed-pending"
    review = subprocess.run(
        [sys.executable, "-m", "pytest_llmseed.cli", "review"],
        cwd=pytester.path,
        input="s\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert artifact.is_dir()
    assert worddiff.WORDS_TOO_MANY in review.stdout or worddiff.LINES_TOO_MANY in review.stdout
    assert "skipped 1" in review.stdout


def test_describe_change_stays_bounded_on_a_reordered_list(no_floor: None) -> None:
    old = {"llmseed_golden": 1, "output": {"items": [f"item {i}" for i in range(3000)]}}
    new = {"llmseed_golden": 1, "output": {"items": [f"item {i}" for i in range(2999, -1, -1)]}}
    lines = describe_change(old, new)
    assert lines[1] == f"({diffs.lists_by_index()})"
    assert lines[-1].startswith("… and ")
