"""Unit tests of the volatile entries and secret patterns (``config.entries``), placeholder
substitution (``redaction.volatile``), the volatile-aware matchers and the project's secrets."""

from __future__ import annotations

import json

import pytest
from vcr.request import Request

from pytest_llmseed.cassettes.matching import json_body_matcher, query_matcher
from pytest_llmseed.config.entries import (
    PRESETS,
    combined,
    parse_entries,
    parse_entry,
    parse_secret_header,
    parse_secret_pattern,
)
from pytest_llmseed.config.values import NO_VOLATILE
from pytest_llmseed.goldens.documents import with_placeholders
from pytest_llmseed.redaction.project_secrets import pattern_matches
from pytest_llmseed.redaction.volatile import substitute, substitute_data, suggest

ALL = parse_entries(PRESETS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on 2026-12-01.", "on <date>."),
        ("at 2026-12-01T10:00:00Z", "at <datetime>"),
        ("at 2026-12-01T10:00:00.123+02:00;", "at <datetime>;"),
        ("at 2026-12-01 10:00", "at <datetime>"),
        ("id 3f2a9c1e-1b2c-4d5e-8f90-123456789abc", "id <uuid>"),
        ("id 3F2A9C1E-1B2C-4D5E-8F90-123456789ABC", "id <uuid>"),
        ("ts 1700000000", "ts <timestamp>"),
        ("ts=1700000000123,", "ts=<timestamp>,"),
        ("trace deadbeefdeadbeef01", "trace <hex-id>"),
        # Not volatile values: a model snapshot's date, short numbers, 11 or 14 digits.
        ("gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),
        ("ticket 42, 12345678901, 12345678901234", "ticket 42, 12345678901, 12345678901234"),
        ("deadbeef", "deadbeef"),
        ("version 1.2026-12-01", "version 1.2026-12-01"),
    ],
)
def test_presets(text: str, expected: str) -> None:
    assert substitute(text, ALL) == expected


def test_each_preset_alone() -> None:
    assert substitute("2026-12-01T10:00Z", parse_entries(["date"])) == "<date>T10:00Z"
    assert substitute("2026-12-01T10:00Z", parse_entries(["datetime"])) == "<datetime>"
    assert substitute("deadbeefdeadbeef0", parse_entries(["uuid"])) == "deadbeefdeadbeef0"


def test_entries_are_ordered_regexes_first_then_most_specific_preset() -> None:
    volatile = parse_entries(["date", "uuid", "re:n=(\\d+)", "datetime", "date", " uuid "])
    assert volatile.names == ("re:n=(\\d+)", "datetime", "date", "uuid")
    assert substitute("n=7 2026-12-01T10:00", volatile) == "n=<volatile:1> <datetime>"


def test_a_regex_without_a_group_replaces_the_whole_match() -> None:
    volatile = parse_entries(["re:req-[a-z]+", "re:#(\\d+)"])
    assert substitute("req-abc #12 #x", volatile) == "<volatile:1> #<volatile:2> #x"


def test_marker_entries_are_added() -> None:
    base = parse_entries(["uuid"])
    assert combined(base, ["date", "uuid"]).names == ("date", "uuid")
    assert combined(NO_VOLATILE, []) == NO_VOLATILE
    assert not NO_VOLATILE
    assert base


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("", "entry '' is not a preset name or re:<regex>"),
        (3, "entry 3 is not a preset name or re:<regex>"),
        ("UUID", "unknown entry 'UUID'"),
        ("re:[", "entry 're:[' is not a valid regex"),
        ("re:", "entry 're:' has an empty regex"),
        ("re:a?", "entry 're:a?' matches the empty string"),
    ],
)
def test_bad_entries_are_named(entry: object, problem: str) -> None:
    with pytest.raises(ValueError, match="^" + problem.replace("[", "\\[").replace("?", "\\?")):
        parse_entry(entry)


def test_data_keeps_keys_and_non_strings() -> None:
    data = {"2026-12-01": ["2026-12-01", 1700000000, None, {"k": "x 2026-12-01"}]}
    assert substitute_data(data, ALL) == {
        "2026-12-01": ["<date>", 1700000000, None, {"k": "x <date>"}]
    }
    assert substitute_data(data, NO_VOLATILE) is data


def test_suggest_names_the_fewest_presets() -> None:
    day1 = {"content": "Today is 2026-11-30, id 3f2a9c1e-1b2c-4d5e-8f90-123456789abc"}
    day2 = {"content": "Today is 2026-12-01, id 4f2a9c1e-1b2c-4d5e-8f90-123456789abc"}
    assert suggest(day1, day2, NO_VOLATILE) == ["date", "uuid"]
    assert suggest(day1, day2, parse_entries(["uuid"])) == ["date"]
    assert suggest({"c": "2026-11-30T10:00Z"}, {"c": "2026-12-01T11:00Z"}, NO_VOLATILE) == [
        "datetime"
    ]
    assert suggest({"c": "a 2026-11-30"}, {"c": "b 2026-12-01"}, NO_VOLATILE) == []
    assert suggest({"c": "same"}, {"c": "other"}, ALL) == []


def _request(body: object, uri: str = "https://api.openai.com/v1/chat/completions") -> Request:
    raw = body if isinstance(body, str) else json.dumps(body)
    return Request("POST", uri, raw.encode(), {})


def test_the_body_matcher_treats_matches_of_one_entry_as_equal() -> None:
    match = json_body_matcher(None, parse_entries(["date"]))
    match(_request({"m": "on 2026-11-30"}), _request({"m": "on 2026-12-01"}))
    match(_request("raw 2026-11-30"), _request("raw 2026-12-01"))
    with pytest.raises(AssertionError):
        match(_request({"m": "on 2026-11-30"}), _request({"m": "at 2026-12-01"}))
    with pytest.raises(AssertionError):
        json_body_matcher(None)(_request({"m": "on 2026-11-30"}), _request({"m": "on 2026-12-01"}))


def test_the_body_matcher_still_ignores_the_injected_seed() -> None:
    match = json_body_matcher(7, parse_entries(["uuid"]))
    uid1, uid2 = "3f2a9c1e-1b2c-4d5e-8f90-123456789abc", "0f2a9c1e-1b2c-4d5e-8f90-123456789abc"
    match(_request({"m": uid1, "seed": 7}), _request({"m": uid2}))


def test_the_query_matcher_treats_volatile_values_as_equal() -> None:
    match = query_matcher(parse_entries(["timestamp"]))
    base = "https://api.example/v1/chat/completions"
    match(_request("{}", f"{base}?ts=1700000000&a=1"), _request("{}", f"{base}?a=1&ts=1800000000"))
    with pytest.raises(AssertionError):
        match(_request("{}", f"{base}?ts=1700000000&a=1"), _request("{}", f"{base}?ts=1&a=1"))


def test_goldens_get_placeholders_in_requests_and_outputs_not_meta() -> None:
    call = {
        "endpoint": "chat.completions",
        "request": {"messages": [{"content": "on 2026-12-01"}]},
        "output": [{"content": "It is 2026-12-01."}],
        "meta": {"model": "gpt-4o-2024-08-06", "note": "2026-12-01"},
    }
    volatile = parse_entries(["date"])
    single = with_placeholders({"kind": "answer", **call}, volatile)
    assert single["request"] == {"messages": [{"content": "on <date>"}]}
    assert single["output"] == [{"content": "It is <date>."}]
    assert single["meta"] == call["meta"]
    calls = with_placeholders({"kind": "calls", "calls": [call, call]}, volatile)
    assert [c["output"] for c in calls["calls"]] == [[{"content": "It is <date>."}]] * 2
    assert with_placeholders(single, NO_VOLATILE) is single


def test_pattern_matches_are_found_behind_json_escapes_and_across_stream_chunks() -> None:
    email = parse_secret_pattern(r"[\w.]+@customer\.example")
    body = json.dumps({"content": "write to jane@customer.example"}).replace("@", "\\u0040")
    assert pattern_matches(body, [email]) == {"jane@customer.example"}
    chunks = [
        {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": p}}]}
        for p in ("mail jane@cust", "omer.example now")
    ]
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    assert "jane@customer.example" in pattern_matches(sse.encode(), [email])
    assert pattern_matches(None, [email]) == set()
    assert pattern_matches("jane@customer.example", []) == set()


def test_secret_entries_are_checked() -> None:
    assert parse_secret_header(" X-Internal-Token ") == "x-internal-token"
    with pytest.raises(ValueError, match="entry 'a b' is not an HTTP header name"):
        parse_secret_header("a b")
    with pytest.raises(ValueError, match="is not a valid regex"):
        parse_secret_pattern("(")
    with pytest.raises(ValueError, match="matches the empty string"):
        parse_secret_pattern("x*")


def test_secret_headers_are_dropped_from_requests_and_responses() -> None:
    from pytest_llmseed.redaction.secrets import scrub_request, scrub_response

    headers = frozenset({"x-internal-token"})
    request = Request("POST", "https://h/v1/chat/completions", b"{}", {"X-Internal-Token": "t"})
    assert "X-Internal-Token" not in scrub_request(request, [], headers).headers
    assert "X-Internal-Token" in scrub_request(request, []).headers
    response = {"headers": {"X-Internal-Token": ["t"], "Content-Type": ["x"]}, "body": {}}
    assert scrub_response(response, [], headers)["headers"] == {"Content-Type": ["x"]}
