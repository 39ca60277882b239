"""Severity of a changed golden (goldens/severity.py): pure functions on loaded documents."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import answer_doc

from pytest_llmseed.goldens.severity import classify, fails, value_severity, worst
from pytest_llmseed.records import FailOn, Severity


def with_output(**choice: Any) -> dict[str, Any]:
    doc = answer_doc()
    doc["output"] = [{"finish_reason": "stop", **choice}]
    return doc


TOOL = {"type": "function", "name": "lookup", "arguments": {"city": "Paris"}}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Hello there.", "Hello  there.\n"),
        ("It\u2019s fine.", "It's fine."),
        ("Hello there.", "hello THERE."),
        ("\uff21BC", "ABC"),  # a fullwidth letter: the same under NFKC
        ('{"a": 1, "b": [2]}', '{\n  "a": 1,\n  "b": [2]\n}'),  # JSON reformatted
    ],
)
def test_cosmetic(old: str, new: str) -> None:
    assert classify(with_output(content=old), with_output(content=new)) is Severity.COSMETIC


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Hello there.", "Hi there."),
        ("The refund is on its way.", "Your refund has been sent."),
    ],
)
def test_rewording(old: str, new: str) -> None:
    assert classify(with_output(content=old), with_output(content=new)) is Severity.REWORDING


def test_a_reworded_refusal_is_rewording() -> None:
    old = with_output(content=None, refusal="I can't help with that.")
    new = with_output(content=None, refusal="Sorry, I cannot help with that.")
    assert classify(old, new) is Severity.REWORDING


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # a tool call's arguments changed
        ({"tool_calls": [TOOL]}, {"tool_calls": [{**TOOL, "arguments": {"city": "Lyon"}}]}),
        # another tool
        ({"tool_calls": [TOOL]}, {"tool_calls": [{**TOOL, "name": "search"}]}),
        # a tool call appeared instead of text
        ({"content": "Paris is sunny."}, {"tool_calls": [TOOL]}),
        # one tool call more
        ({"tool_calls": [TOOL]}, {"tool_calls": [TOOL, TOOL]}),
        # structured output changed
        ({"parsed": {"label": "billing"}}, {"parsed": {"label": "bug"}}),
        # structured output no longer parses: content instead of parsed
        ({"parsed": {"label": "billing"}}, {"content": "billing, I think"}),
        # JSON content no longer parses
        ({"content": '{"label": "billing"}'}, {"content": "label: billing"}),
        # JSON content with other data
        ({"content": '{"label": "billing"}'}, {"content": '{"label": "bug"}'}),
        # a refusal appeared
        ({"content": "Sure."}, {"refusal": "I can't help with that."}),
    ],
)
def test_breaking(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert classify(with_output(**old), with_output(**new)) is Severity.BREAKING


@pytest.mark.parametrize("reason", ["length", "content_filter"])
def test_cut_off_finish_reason_is_breaking(reason: str) -> None:
    new = with_output(content="Hello")
    new["output"][0]["finish_reason"] = reason
    assert classify(with_output(content="Hello there."), new) is Severity.BREAKING


def test_breaking_wins_over_rewording_across_calls() -> None:
    def calls(*outputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "llmseed_golden": 1,
            "kind": "calls",
            "calls": [{**with_output(**o), "kind": None} for o in outputs],
        }

    old = calls({"content": "a b c"}, {"tool_calls": [TOOL]})
    new = calls({"content": "x y z"}, {"tool_calls": [{**TOOL, "arguments": {}}]})
    assert classify(old, new) is Severity.BREAKING
    assert classify(old, calls({"content": "x y z"}, {"tool_calls": [TOOL]})) is Severity.REWORDING
    assert classify(old, calls({"content": "a b c"})) is Severity.BREAKING  # a call fewer


def test_a_changed_request_is_at_least_rewording() -> None:
    old = answer_doc("Hello there.")
    new = answer_doc("Hello there.", request={"model": "gpt-4o-mini", "messages": []})
    assert classify(old, new) is Severity.REWORDING


def test_meta_does_not_count() -> None:
    assert classify(answer_doc(), answer_doc(system_fingerprint="fp_2")) is Severity.COSMETIC


def test_plain_text_and_data_goldens() -> None:
    text = {"llmseed_golden": 1, "kind": "text"}
    assert classify({**text, "output": "A b"}, {**text, "output": "a  B"}) is Severity.COSMETIC
    assert classify({**text, "output": "A b"}, {**text, "output": "c"}) is Severity.REWORDING
    assert value_severity({"n": 1}, {"n": 2}) is Severity.BREAKING  # a number is not text


def test_worst_and_fails() -> None:
    assert worst() is Severity.COSMETIC
    assert worst(Severity.REWORDING, Severity.COSMETIC) is Severity.REWORDING
    assert fails(Severity.COSMETIC, FailOn.ANY)
    assert not fails(Severity.REWORDING, FailOn.BREAKING)
    assert fails(Severity.BREAKING, FailOn.BREAKING)
