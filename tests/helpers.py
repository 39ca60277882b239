"""Test data shared by several test modules: golden documents and inner test modules."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Collection
from importlib.resources import files
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
"""The repository's root folder."""
DATA = ROOT / "tests" / "data"
"""Files the tests read: shipped cassettes."""
ANTHROPIC_TEST_KEY = "sk-test-ant-llmseed-0123456789abcdef"
"""The fake Anthropic key of ``providers_env`` (conftest)."""
GEMINI_TEST_KEY = "sk-test-gem-llmseed-0123456789abcdef"
"""The fake Gemini key of ``providers_env`` (conftest)."""

PARAMETRIZED_QUESTIONS = """
import pytest

@pytest.mark.parametrize("n", {ns})
def test_x(seeded_llm, n):
    assert seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": f"q{{n}}"}}]
    ) == seeded_llm.snapshot
"""
"""An inner test module of parametrized questions; ``.format(ns="[1, 2]")`` picks them."""

SEVERITY_CASES = """
def ask(client, text, **kw):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}], **kw
    )

def test_cosmetic(seeded_llm):
    assert ask(seeded_llm.client, "one") == seeded_llm.snapshot

def test_rewording(seeded_llm):
    assert ask(seeded_llm.client, "two") == seeded_llm.snapshot

def test_tool_arguments(seeded_llm):
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    assert ask(seeded_llm.client, "three", tools=tools, tool_choice="required") == seeded_llm.snapshot
"""
"""An inner test module's start: one question per severity (the test's golden edited to
differ cosmetically, in words, in a tool call's arguments); each module adds its own."""


def chat_output(content: str, finish_reason: str = "stop") -> list[dict[str, Any]]:
    """The ``output`` part of a chat completion golden."""
    return [{"finish_reason": finish_reason, "content": content}]


def answer_doc(
    content: str = "Hello there.",
    *,
    request: dict[str, Any] | None = None,
    **meta: Any,
) -> dict[str, Any]:
    """A loaded chat-completion golden; ``meta`` overrides model, fingerprint or seed."""
    return {
        "llmseed_golden": 1,
        "kind": "answer",
        "endpoint": "chat.completions",
        "request": request
        if request is not None
        else {"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hello"}]},
        "output": chat_output(content),
        "meta": {"model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_1", "seed": 1, **meta},
    }


def report_schema() -> dict[str, Any]:
    """The JSON report's schema, as the package ships it."""
    data = json.loads(files("pytest_llmseed.report").joinpath("report_schema.json").read_text())
    assert isinstance(data, dict)
    return data


def stable(value: Any, volatile: Collection[str]) -> Any:
    """A recorded exchange without the keys (lower case) that differ between two recordings
    of the same answer: ids, clocks. SSE bodies become their events, cleaned the same way."""
    if isinstance(value, dict):
        return {k: stable(v, volatile) for k, v in value.items() if str(k).lower() not in volatile}
    if isinstance(value, list):
        return [stable(v, volatile) for v in value]
    if isinstance(value, str) and value.startswith("data: "):
        events = [json.loads(line[6:]) for line in value.splitlines() if line[6:7] == "{"]
        return stable(events, volatile)
    return value


def record_then_replay_in_ci(
    pytester: Any, server: Any, monkeypatch: Any, *, passed: int, args: Collection[str] = ()
) -> None:
    """Record the inner tests against ``server`` (goldens written), then replay them as CI
    does: ``CI=true``, no API key (of any provider), nothing reaching the server, every
    golden matching."""
    pytester.runpytest(
        "--llmseed-record-mode=once", "--snapshot-update", "-p", "no:randomly", *args
    ).assert_outcomes(passed=passed)
    assert server.requests, "nothing reached the test server while recording"
    server.reset()
    monkeypatch.setenv("CI", "true")
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    result = pytester.runpytest("-p", "no:randomly", *args)
    result.assert_outcomes(passed=passed)
    assert server.requests == []


def llmseed(cwd: Path, *args: str, input: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``python -m pytest_llmseed.cli`` in ``cwd`` (``input`` on its standard input)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest_llmseed.cli", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=60,
        check=False,
    )


def record_twice(
    pytester: Any, module: str, names: Collection[str], server_ids: re.Pattern[str]
) -> dict[str, str]:
    """Record the tests ``names`` of ``module`` from nothing, twice, and check that the two
    recordings hold fresh server ids each (disjoint, none in a golden) and byte-identical
    goldens; the goldens' texts by test name."""
    import shutil

    recordings = []
    for _ in range(2):
        for folder in ("__snapshots__", "cassettes"):
            shutil.rmtree(pytester.path / folder, ignore_errors=True)
        result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
        result.assert_outcomes(passed=len(names))
        goldens = pytester.path / "__snapshots__" / module
        cassettes = pytester.path / "cassettes" / module
        recordings.append(
            (
                {name: (goldens / f"{name}.llm.yaml").read_text() for name in names},
                {name: (cassettes / f"{name}.yaml").read_text() for name in names},
            )
        )
    (goldens_1, cassettes_1), (goldens_2, cassettes_2) = recordings
    for name in names:
        first_ids = set(server_ids.findall(cassettes_1[name]))
        assert first_ids, name
        assert first_ids.isdisjoint(server_ids.findall(cassettes_2[name])), name
        assert goldens_2[name] == goldens_1[name], name
        assert not server_ids.search(goldens_1[name]), goldens_1[name]
    return goldens_1
