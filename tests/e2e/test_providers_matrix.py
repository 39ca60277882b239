"""The cells of the provider matrix that no other test fills for Anthropic and Gemini:
triage and severity end to end (a real session's failure lines, JSON report and
``--llmseed-fail-on=breaking``), with goldens edited the way a later recording would differ."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from llm_server import FakeOpenAIServer

from pytest_llmseed.goldens.fileformat import dump_golden, load_golden

pytest.importorskip("anthropic", reason="needs the test extra (anthropic)")
pytest.importorskip("google.genai", reason="needs the test extra (google-genai)")

pytestmark = pytest.mark.sdk

TESTS = """
import anthropic
from google import genai
from google.genai import types

WEATHER = {"name": "get_weather", "input_schema": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}

def claude(text, **kw):
    return anthropic.Anthropic().messages.create(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": text}], **kw)

def gemini(text, **config):
    client = genai.Client()
    return client.models.generate_content(
        model="gemini-2.5-flash", contents=text, config=types.GenerateContentConfig(**config))

def get_weather(city: str) -> str:
    \"\"\"The weather of a city.\"\"\"
    return "sunny"

def test_claude_reworded(seeded_llm):
    assert claude("one", max_tokens=64) == seeded_llm.snapshot

def test_claude_new_model(seeded_llm):
    assert claude("two", max_tokens=64) == seeded_llm.snapshot

def test_claude_cut_off(seeded_llm):
    assert claude("three", max_tokens=3) == seeded_llm.snapshot

def test_claude_tool_input(seeded_llm):
    assert claude("four", max_tokens=64, tools=[WEATHER]) == seeded_llm.snapshot

def test_gemini_reworded(seeded_llm):
    assert gemini("five") == seeded_llm.snapshot

def test_gemini_new_model_version(seeded_llm):
    assert gemini("six") == seeded_llm.snapshot

def test_gemini_cut_off(seeded_llm):
    assert gemini("seven", max_output_tokens=2) == seeded_llm.snapshot

def test_gemini_function_args(seeded_llm):
    no_auto = types.AutomaticFunctionCallingConfig(disable=True)
    answer = gemini("eight", tools=[get_weather], automatic_function_calling=no_auto)
    assert answer == seeded_llm.snapshot
"""

Edit = Callable[[dict[str, Any]], None]


def _claude_text(doc: dict[str, Any]) -> None:
    doc["output"]["content"][0]["text"] = "Something else entirely."


def _claude_model(doc: dict[str, Any]) -> None:
    doc["meta"]["model"] = "claude-sonnet-4-0"
    doc["output"]["content"][0]["text"] += " extra"


def _claude_was_complete(doc: dict[str, Any]) -> None:
    doc["output"]["stop_reason"] = "end_turn"


def _claude_other_input(doc: dict[str, Any]) -> None:
    doc["output"]["content"][0]["input"] = {"city": "Atlantis"}


def _gemini_part(doc: dict[str, Any]) -> dict[str, Any]:
    part: dict[str, Any] = doc["output"][0]["parts"][0]
    return part


def _gemini_text(doc: dict[str, Any]) -> None:
    _gemini_part(doc)["text"] = "Something else entirely."


def _gemini_version(doc: dict[str, Any]) -> None:
    doc["meta"]["modelVersion"] = "gemini-2.5-flash-000"
    _gemini_part(doc)["text"] += " extra"


def _gemini_was_complete(doc: dict[str, Any]) -> None:
    doc["output"][0]["finishReason"] = "STOP"


def _gemini_other_args(doc: dict[str, Any]) -> None:
    _gemini_part(doc)["functionCall"]["args"] = {"city": "Atlantis"}


# name: (edit, triage sentence, severity)
EXPECTED: dict[str, tuple[Edit, str, str]] = {
    "test_claude_reworded": (
        _claude_text,
        "output changed at the same request and backend (sampling noise or a real regression)",
        "rewording",
    ),
    "test_claude_new_model": (
        _claude_model,
        "backend changed: model claude-sonnet-4-0 → claude-sonnet-4-5",
        "rewording",
    ),
    "test_claude_cut_off": (_claude_was_complete, "output changed at the same", "breaking"),
    "test_claude_tool_input": (_claude_other_input, "output changed at the same", "breaking"),
    "test_gemini_reworded": (_gemini_text, "output changed at the same", "rewording"),
    "test_gemini_new_model_version": (
        _gemini_version,
        "backend changed: modelVersion gemini-2.5-flash-000 → gemini-2.5-flash-001",
        "rewording",
    ),
    "test_gemini_cut_off": (_gemini_was_complete, "output changed at the same", "breaking"),
    "test_gemini_function_args": (_gemini_other_args, "output changed at the same", "breaking"),
}


def test_triage_and_severity_of_anthropic_and_gemini_drift(
    pytester: pytest.Pytester, providers_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_app=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=8)
    for name, (edit, _, _) in EXPECTED.items():
        path = pytester.path / "__snapshots__" / "test_app" / f"{name}.llm.yaml"
        document = load_golden(path.read_text())
        edit(document)
        path.write_text(dump_golden(document))
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.setenv("CI", "true")
    providers_env.reset()

    result = pytester.runpytest("-p", "no:randomly", "--llmseed-report=r.json")
    result.assert_outcomes(failed=8)
    assert providers_env.requests == []
    report = json.loads((pytester.path / "r.json").read_text())
    seen = {
        t["nodeid"].split("::")[1]: (t["goldens"][0]["triage"], t["goldens"][0]["severity"])
        for t in report["tests"]
    }
    for name, (_, triage, severity) in EXPECTED.items():
        assert seen[name][0].startswith(triage), (name, seen[name])
        assert seen[name][1] == severity, (name, seen[name])
    result.stdout.fnmatch_lines(
        ["*triage: backend changed: modelVersion gemini-2.5-flash-000 → gemini-2.5-flash-001*"]
    )
    result.stdout.fnmatch_lines(["*drift by severity: 4 breaking, 4 rewording*"])

    tolerant = pytester.runpytest("-p", "no:randomly", "--llmseed-fail-on=breaking")
    tolerant.assert_outcomes(passed=4, failed=4)
    failed = {
        line.split("::")[1].split(" ")[0]
        for line in tolerant.outlines
        if line.startswith("FAILED test_app.py::")
    }
    assert failed == {n for n, (_, _, severity) in EXPECTED.items() if severity == "breaking"}
