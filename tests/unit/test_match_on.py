"""Unit tests of matching as configuration: ``match_on`` parsing, record hosts, which requests
are an SDK's, differences counted for the nearest miss, tolerated differences left out."""

from __future__ import annotations

import json

import pytest
from vcr.request import Request

from pytest_llmseed.cassettes.matching import compared_bodies, count_differences, matchers_for
from pytest_llmseed.config.entries import parse_entries
from pytest_llmseed.config.lines import parse_record_host
from pytest_llmseed.config.settings import parse_match_on
from pytest_llmseed.config.values import NO_VOLATILE
from pytest_llmseed.providers.sdks import is_llm_request, sent_by_sdk


def test_match_on_keeps_the_given_names_once() -> None:
    assert parse_match_on(["body", " host", "body"]) == ("body", "host")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("host", "must be a list of names"),
        (["uri"], "unknown name 'uri'; allowed: method, scheme, host, port, path, query, body"),
        ([1], "unknown name 1"),
        ([], "must name at least one of"),
    ],
)
def test_bad_match_on_names_the_problem(value: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_match_on(value)


def test_matchers_follow_the_names() -> None:
    names = [m.__name__ for m in matchers_for(("body", "method", "port"), None)]
    assert names == ["method", "port", "llmseed_body"]


@pytest.mark.parametrize("line", ["LLM-Gateway.internal", " 10.0.0.7 "])
def test_record_hosts_are_host_names_in_lower_case(line: str) -> None:
    assert parse_record_host(line) == line.strip().lower()


@pytest.mark.parametrize("line", ["https://gw.internal", "gw.internal:8080", "gw/v1", "a b"])
def test_a_record_host_with_more_than_a_host_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match="is not a host name"):
        parse_record_host(line)


def test_sdk_requests_are_recognized_by_their_headers_not_their_host() -> None:
    assert sent_by_sdk({"x-stainless-lang": "python"})
    assert sent_by_sdk({"x-goog-api-client": "google-genai-sdk/1.2.0 gl-python/3.11"})
    assert not sent_by_sdk({"user-agent": "python-httpx/0.28"})
    assert not is_llm_request({}, "api.openai.com", frozenset())
    assert is_llm_request({}, "GW.internal", frozenset({"gw.internal"}))


def test_differences_are_counted_per_json_leaf() -> None:
    old = {"model": "a", "messages": [{"content": "x"}, {"content": "y"}], "n": 1}
    assert count_differences(old, old) == 0
    assert count_differences(old, {**old, "model": "b"}) == 1
    assert count_differences(old, {**old, "model": "b", "messages": [{"content": "z"}]}) == 3
    assert count_differences(old, {"model": "a"}) == 2
    deep: object = 1
    for _ in range(5000):  # no recursion: a deep body cannot exhaust the stack
        deep = [deep]
    assert count_differences(deep, 2) == 1


def request(body: dict[str, object]) -> Request:
    return Request("POST", "http://h/v1/chat/completions", json.dumps(body).encode(), {})


def test_the_injected_seed_and_volatile_values_are_no_difference() -> None:
    recorded = request({"prompt": "on 2026-01-02", "model": "m"})
    sent = request({"prompt": "on 2026-03-04", "model": "m", "seed": 1234})
    old, new = compared_bodies(recorded, sent, 1234, parse_entries(["date"]))
    assert old == new
    # A seed the caller chose, or the date without the entry, is a difference.
    old, new = compared_bodies(recorded, sent, 99, NO_VOLATILE)
    assert count_differences(old, new) == 2
