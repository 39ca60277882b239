"""Volatile request parts: ``llmseed_volatile`` and ``volatile=``, recorded one day, replayed the
next offline, goldens with placeholders, the miss that names the entry, bad entries."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from llm_server import FakeOpenAIServer

# An app that puts today's date and a request id into its prompt, as real apps do.
APP = """
import os
import pytest

def prompt():
    return (
        f"Today is {os.environ['APP_DATE']}. Request {os.environ['APP_REQUEST_ID']}. "
        "Summarize ticket 42."
    )

@pytest.mark.parametrize("tone", ["short", "kind"])
def test_app(seeded_llm, tone):
    completion = seeded_llm.client.chat.completions.create(
        model="gpt-4o-2024-08-06",
        messages=[
            {"role": "system", "content": f"Be {tone}. Now: {os.environ['APP_DATE']}."},
            {"role": "user", "content": prompt()},
        ],
    )
    assert completion == seeded_llm.snapshot
"""
GOLDENS = ("test_app[short].llm.yaml", "test_app[kind].llm.yaml")


def a_day(monkeypatch: pytest.MonkeyPatch, date: str) -> str:
    """Set the app's clock to ``date`` and give it a fresh request id; returns the id."""
    request_id = str(uuid.uuid4())
    monkeypatch.setenv("APP_DATE", date)
    monkeypatch.setenv("APP_REQUEST_ID", request_id)
    return request_id


def goldens(root: Path) -> dict[str, bytes]:
    folder = root / "__snapshots__" / "test_app"
    return {name: (folder / name).read_bytes() for name in GOLDENS}


def cassettes(root: Path) -> dict[str, bytes]:
    folder = root / "cassettes" / "test_app"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def record_day_one(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> str:
    pytester.makepyfile(test_app=APP)
    request_id = a_day(monkeypatch, "2026-11-30")
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    assert len(llm_env.requests) == 2
    return request_id


def test_recorded_one_day_replays_the_next_offline_with_identical_goldens(
    pytester: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytester.makeini("[pytest]\nllmseed_volatile =\n    uuid\n    date\n")
    day_one_id = record_day_one(pytester, llm_env, monkeypatch)
    day_one_goldens, day_one_cassettes = goldens(pytester.path), cassettes(pytester.path)
    # The goldens show placeholders; the cassettes keep the real values.
    for text in day_one_goldens.values():
        assert b"Today is <date>. Request <uuid>." in text
        assert b"2026-11-30" not in text
        assert day_one_id.encode() not in text
        assert b"gpt-4o-2024-08-06" in text  # a model snapshot's date is not a date value
    for text in day_one_cassettes.values():
        assert b"2026-11-30" in text
        assert day_one_id.encode() in text

    # The next day, offline: another date, another request id.
    monkeypatch.delenv("OPENAI_API_KEY")
    a_day(monkeypatch, "2026-12-01")
    pytester.runpytest().assert_outcomes(passed=2)
    assert len(llm_env.requests) == 2  # nothing reached the server
    assert goldens(pytester.path) == day_one_goldens
    assert cassettes(pytester.path) == day_one_cassettes

    # Goldens written on the second day (from scratch) are byte-identical to the first day's.
    for name in GOLDENS:
        (pytester.path / "__snapshots__" / "test_app" / name).unlink()
    a_day(monkeypatch, "2026-12-02")
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=2)
    assert goldens(pytester.path) == day_one_goldens


def test_a_miss_on_values_that_look_like_presets_names_the_entries(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_day_one(pytester, llm_env, monkeypatch)
    monkeypatch.delenv("OPENAI_API_KEY")
    a_day(monkeypatch, "2026-12-01")
    result = pytester.runpytest("-k", "short")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no recorded answer for this request*",
            "*it differs only in values that look like an ISO date and a UUID:*",
            "*add to the ini file:*",
            "*llmseed_volatile =",
            "*      date",
            "*      uuid",
            '*@pytest.mark.llmseed(volatile=?"date", "uuid"?)*',  # ? for [ ]: fnmatch
        ]
    )


def test_a_miss_that_differs_in_more_gives_no_volatile_hint(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_day_one(pytester, llm_env, monkeypatch)
    monkeypatch.delenv("OPENAI_API_KEY")
    a_day(monkeypatch, "2026-12-01")
    pytester.makepyfile(test_app=APP.replace("Summarize ticket 42", "Summarize ticket 43"))
    result = pytester.runpytest("-k", "short")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no recorded answer for this request*"])
    result.stdout.no_fnmatch_line("*differs only in values that look like*")


def test_the_marker_adds_entries_to_the_ini_ones(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini("[pytest]\nllmseed_volatile = uuid\n")
    marked = APP.replace(
        '@pytest.mark.parametrize("tone"',
        '@pytest.mark.llmseed(volatile=["date"])\n@pytest.mark.parametrize("tone"',
    )
    pytester.makepyfile(test_app=marked)
    a_day(monkeypatch, "2026-11-30")
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    assert b"Today is <date>. Request <uuid>." in goldens(pytester.path)[GOLDENS[0]]
    monkeypatch.delenv("OPENAI_API_KEY")
    a_day(monkeypatch, "2026-12-01")
    pytester.runpytest().assert_outcomes(passed=2)
    assert len(llm_env.requests) == 2


def test_a_regex_entry_replaces_its_group_and_matches_any_value(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(
        "[pytest]\nllmseed_volatile =\n    re:Request (\\S+)\\.\n    re:Now: ([\\d-]+)\\.\n"
        "    re:Today is ([\\d-]+)\n"
    )
    record_day_one(pytester, llm_env, monkeypatch)
    text = goldens(pytester.path)[GOLDENS[0]]
    assert b"Now: <volatile:2>." in text
    assert b"Today is <volatile:3>. Request <volatile:1>." in text
    monkeypatch.delenv("OPENAI_API_KEY")
    a_day(monkeypatch, "2026-12-01")
    pytester.runpytest().assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("nope", "unknown entry 'nope'; use a preset (date, datetime, hex-id, timestamp, uuid)*"),
        ("re:(", "entry 're:(' is not a valid regex*"),
        ("re:", "entry 're:' has an empty regex"),
        ("re:x*", "entry 're:x*' matches the empty string"),
    ],
)
def test_a_bad_ini_entry_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, entry: str, problem: str
) -> None:
    pytester.makeini(f"[pytest]\nllmseed_volatile =\n    uuid\n    {entry}\n")
    pytester.makepyfile(test_app="def test_x(): pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*llmseed_volatile in *tox.ini: {problem}"])


@pytest.mark.parametrize(
    ("keyword", "problem"),
    [
        ('["uuid", "bogus"]', "volatile=['uuid', 'bogus']: unknown entry 'bogus'*"),
        ('"uuid"', "volatile='uuid': must be a list of entries*"),
    ],
)
def test_a_bad_marker_entry_is_an_error_naming_it(
    pytester: pytest.Pytester, keyword: str, problem: str
) -> None:
    pytester.makepyfile(
        test_app=f"""
import pytest

@pytest.mark.llmseed(volatile={keyword})
def test_x(seeded_llm):
    pass
"""
    )
    result = pytester.runpytest()
    output = result.stdout.str() + result.stderr.str()
    assert (
        "test_app.py::test_x: @pytest.mark.llmseed: " + problem.split("*", maxsplit=1)[0] in output
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
