"""``--llmseed-swap-model`` values, where each provider names the model, and the what-if
report's arithmetic (pure functions)."""

from __future__ import annotations

import pytest

from pytest_llmseed.config.values import ModelSwap, parse_swap, parse_swap_entry
from pytest_llmseed.goldens.tokens import usage_of
from pytest_llmseed.providers import anthropic, gemini, openai
from pytest_llmseed.records import GoldenRecord, GoldenStatus, Severity, TestRecord, Tokens
from pytest_llmseed.report.run import RunReport
from pytest_llmseed.report.whatif import NOT_COMPARED, UNCHANGED, verdict, what_if


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gpt-4o-mini=gpt-4.1-mini", ("gpt-4o-mini", "gpt-4.1-mini")),
        ("  *=gpt-5  ", ("*", "gpt-5")),
        ("models/gemini-2.5-flash=gemini-2.5-pro", ("models/gemini-2.5-flash", "gemini-2.5-pro")),
    ],
)
def test_good_entries(text: str, expected: tuple[str, str]) -> None:
    assert parse_swap_entry(text) == expected


@pytest.mark.parametrize("text", ["nonsense", "a=", "=b", "=", "", "a=b=c", "a b=c", "a=b c"])
def test_bad_entries_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"expected FROM=TO \(e\.g\. gpt-4o-mini=gpt-4\.1-mini"):
        parse_swap_entry(text)


def test_a_model_swapped_twice_is_refused_and_a_repeat_is_harmless() -> None:
    with pytest.raises(ValueError, match=r"'a' is swapped twice \(a=b, a=c\)"):
        parse_swap(["a=b", "a=c"])
    assert parse_swap(["a=b", "a=b", "c=d"]) == ModelSwap((("a", "b"), ("c", "d")))
    assert parse_swap([]) is None


def test_a_named_model_wins_over_star() -> None:
    swap = ModelSwap((("*", "every"), ("gpt-4o", "special")))
    assert swap.target("gpt-4o") == ("gpt-4o", "special")
    assert swap.target("gpt-4o-mini") == ("*", "every")
    assert ModelSwap((("gpt-4o", "x"),)).target("gpt-4o-mini") is None
    assert str(swap) == "*=every, gpt-4o=special"


@pytest.mark.parametrize("adapter", [openai, anthropic])
def test_openai_and_anthropic_name_the_model_in_the_body(adapter: object) -> None:
    body = {"model": "old", "messages": []}
    assert adapter.request_model("/v1/chat/completions", body) == "old"  # type: ignore[attr-defined]
    path, swapped = adapter.with_model("/v1/x", body, "new")  # type: ignore[attr-defined]
    assert (path, swapped) == ("/v1/x", {"model": "new", "messages": []})
    assert body["model"] == "old"  # the caller's data is not changed
    assert adapter.request_model("/v1/x", {"input": "no model"}) is None  # type: ignore[attr-defined]
    assert adapter.with_model("/v1/x", None, "new") == ("/v1/x", None)  # type: ignore[attr-defined]


def test_gemini_names_the_model_in_the_url_path() -> None:
    path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert gemini.request_model(path, {"contents": []}) == "gemini-2.5-flash"
    assert gemini.with_model(path, {"contents": []}, "gemini-2.5-pro") == (
        "/v1beta/models/gemini-2.5-pro:streamGenerateContent",
        {"contents": []},
    )
    assert gemini.request_model("/v1beta/models", None) is None
    assert gemini.with_model("/v1beta/files", None, "x") == ("/v1beta/files", None)


def test_usage_is_summed_over_every_answer_and_provider_spelling() -> None:
    document = {
        "kind": "calls",
        "calls": [
            {"meta": {"usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}},
            {"meta": {"usage": {"input_tokens": 7, "output_tokens": 3}}},
            {
                "meta": {
                    "usageMetadata": {
                        "promptTokenCount": 2,
                        "candidatesTokenCount": 1,
                        "totalTokenCount": 4,
                    }
                }
            },
            # Usage in an output (a model talking about tokens) is not the call's usage.
            {"output": {"usage": {"prompt_tokens": 1000}}, "meta": {}},
        ],
    }
    assert usage_of(document) == Tokens(prompt=19, completion=9, total=29)
    assert usage_of({"kind": "text", "meta": {"model": "x"}}) == Tokens()


def _record(name: str, *goldens: GoldenRecord, outcome: str = "passed", **kw: object) -> TestRecord:
    return TestRecord(name, 1, "all", "c.yaml", goldens=goldens, outcome=outcome, **kw)  # type: ignore[arg-type]


def test_verdicts_and_totals() -> None:
    changed = GoldenRecord("g", "g.llm.yaml", GoldenStatus.CHANGED, severity=Severity.REWORDING)
    matched = GoldenRecord("g", "g.llm.yaml", GoldenStatus.MATCHED)
    missing = GoldenRecord("g", "g.llm.yaml", GoldenStatus.MISSING)
    report = RunReport(swap="a=b, c=d")
    report.add(
        _record(
            "t1",
            changed,
            outcome="failed",
            swapped=("a",),
            tokens=(Tokens(1, 2, 3), Tokens(1, 4, 5)),
        )
    )
    report.add(_record("t2", matched, swapped=("a",), tokens=(Tokens(1, 1, 2), Tokens(1, 1, 2))))
    report.add(_record("t3", matched, outcome="failed"))
    report.add(_record("t4", missing))
    assert [verdict(r) for r in report.records.values()] == [
        "rewording",
        UNCHANGED,
        "breaking",
        NOT_COMPARED,
    ]
    found = what_if(report)
    assert found is not None
    assert [t.nodeid for t in found.tests] == ["t3", "t1", "t2", "t4"]
    assert found.totals() == {
        "breaking": 1,
        "rewording": 1,
        "cosmetic": 0,
        UNCHANGED: 1,
        NOT_COMPARED: 1,
    }
    assert (found.before, found.after) == (Tokens(2, 3, 5), Tokens(2, 5, 7))
    assert found.ratio == pytest.approx(7 / 5)
    assert found.unmatched == ["c=d"]
    assert what_if(RunReport()) is None


def test_a_stored_golden_reads_as_if_its_requests_named_the_new_model() -> None:
    from pytest_llmseed.goldens.swapped import with_swapped_models

    swap = ModelSwap((("gpt-4o-mini", "gpt-4.1-mini"),))
    answer = {
        "kind": "answer",
        "endpoint": "chat.completions",
        "request": {"model": "gpt-4o-mini", "messages": []},
        "output": [],
        "meta": {},
    }
    assert with_swapped_models(answer, swap)["request"]["model"] == "gpt-4.1-mini"
    assert answer["request"]["model"] == "gpt-4o-mini"  # the loaded golden is not changed
    calls = {
        "kind": "calls",
        "calls": [
            {"endpoint": "messages", "request": {"model": "gpt-4o-mini"}},
            {"endpoint": "chat.completions", "request": {"model": "gpt-4o"}},
            {"endpoint": "models.generate_content", "request": {"contents": []}},
        ],
    }
    swapped = with_swapped_models(calls, swap)["calls"]
    assert [c["request"].get("model") for c in swapped] == ["gpt-4.1-mini", "gpt-4o", None]
    text = {"kind": "text", "output": "hi"}
    assert with_swapped_models(text, swap) is text
    assert with_swapped_models(answer, None) is answer
