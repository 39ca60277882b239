"""Parsed cassettes kept in pytest's cache: same data as a parse, never stale, pruned."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from llm_server import FakeOpenAIServer

from pytest_llmseed.files import yamlio
from pytest_llmseed.files.parse_cache import CACHE_NAME, MAX_AGE_DAYS, ParseCache

TEST = """
def test_x(seeded_llm):
    answer = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "cache me"}]
    ).choices[0].message.content
    print("ANSWER:", answer)
"""


def entries(root: Path) -> list[Path]:
    return sorted((root / ".pytest_cache" / "d" / CACHE_NAME).glob("*.json"))


@pytest.fixture
def cache(pytester: pytest.Pytester) -> pytest.Cache:
    """pytest's own cache object of a session in the pytester directory."""
    config = pytester.parseconfigure()
    assert config.cache is not None
    return config.cache


def counting(calls: list[str]) -> Any:
    def parse(text: str) -> Any:
        calls.append(text)
        return yamlio.load(text)

    return parse


def test_a_replay_reads_the_cache_and_an_edited_cassette_is_parsed_again(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_c=TEST)
    pytester.runpytest("--llmseed-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(
        passed=1
    )
    assert entries(pytester.path) == []  # no cache provider, no cache
    cassette = pytester.path / "cassettes" / "test_c" / "test_x.yaml"
    pytester.runpytest().assert_outcomes(passed=1)
    (entry,) = entries(pytester.path)
    assert json.loads(entry.read_text()) == yamlio.load(cassette.read_text(encoding="utf-8"))

    # A hand edit changes the text, so the cache's key: the edit is what replays.
    text = cassette.read_text(encoding="utf-8")
    assert "[cache me]" in text
    cassette.write_text(text.replace("[cache me]", "[edited by hand]"), encoding="utf-8")
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*ANSWER: [[]edited by hand[]]*"])
    assert len(entries(pytester.path)) == 2


def test_a_broken_entry_is_parsed_again_and_rewritten(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_c=TEST)
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(passed=1)
    (entry,) = entries(pytester.path)
    good = entry.read_text()
    entry.write_text(good[: len(good) // 2])  # cut short, as by a full disk
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*ANSWER: [[]cache me[]]*"])
    assert entry.read_text() == good


def test_load_parses_once_per_text(cache: pytest.Cache) -> None:
    calls: list[str] = []
    parse_cache = ParseCache(cache)
    text = "a: 1\nb: [x, 2.5, null, true]\n"
    first = parse_cache.load(text, counting(calls))
    again = ParseCache(cache).load(text, counting(calls))  # a later session
    assert first == again == {"a": 1, "b": ["x", 2.5, None, True]}
    assert calls == [text]
    ParseCache(cache).load(text + "c: 3\n", counting(calls))
    assert len(calls) == 2


@pytest.mark.parametrize(
    "text",
    [
        "a: !!binary aGk=",  # bytes
        "a: 2026-11-26",  # a date
        "1: one",  # a key JSON would turn into "1"
    ],
)
def test_documents_json_cannot_give_back_are_not_stored(cache: pytest.Cache, text: str) -> None:
    calls: list[str] = []
    value = ParseCache(cache).load(text, counting(calls))
    again = ParseCache(cache).load(text, counting(calls))
    assert calls == [text, text]
    assert value == again == yaml.load(text, Loader=yaml.CSafeLoader)


def test_without_a_cache_every_load_parses() -> None:
    calls: list[str] = []
    parse_cache = ParseCache(None)
    assert parse_cache.load("a: 1", counting(calls)) == {"a": 1}
    assert parse_cache.load("a: 1", counting(calls)) == {"a": 1}
    assert len(calls) == 2
    parse_cache.prune()  # nothing to do, nothing raised


def test_prune_removes_old_entries_once_a_day(cache: pytest.Cache) -> None:
    parse_cache = ParseCache(cache)
    parse_cache.load("old: 1", yamlio.load)
    parse_cache.load("new: 1", yamlio.load)
    directory = cache.mkdir(CACHE_NAME)
    old, new = sorted(
        directory.glob("*.json"), key=lambda p: json.loads(p.read_text()) != {"old": 1}
    )
    long_ago = time.time() - (MAX_AGE_DAYS + 1) * 24 * 3600
    os.utime(old, (long_ago, long_ago))
    parse_cache.prune()
    assert not old.exists()
    assert new.exists()
    # Pruned less than a day ago: the next session does not look again.
    os.utime(new, (long_ago, long_ago))
    ParseCache(cache).load("new: 1", yamlio.load)  # a hit refreshes an old entry's time
    assert time.time() - new.stat().st_mtime < 60
    os.utime(new, (long_ago, long_ago))
    later = ParseCache(cache)
    later.load("other: 1", yamlio.load)
    later.prune()
    assert new.exists()
