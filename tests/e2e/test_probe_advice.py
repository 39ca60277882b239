"""``--llmseed-probe``'s advice fits what varied: a tool-call test is not told to compare
text with a tolerant profile, which cannot make two different tool calls equal."""

from __future__ import annotations

import json

import pytest
from llm_server import FakeOpenAIServer

TESTS = """
TOOLS = [{"type": "function", "function": {
    "name": "lookup", "description": "Look up an order",
    "parameters": {"type": "object", "properties": {"order": {"type": "string"}}},
}}]

def test_tools(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Where is my order?"}],
        tools=TOOLS, tool_choice="required",
    )
    assert out.choices[0].message.tool_calls
    assert out == seeded_llm.snapshot

def test_text(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Say something"}], max_tokens=20,
    )
    assert out == seeded_llm.snapshot
"""
TEXT_ADVICE = "*outputs vary at a fixed seed: compare these tests with a tolerant profile*"
TOOL_ADVICE = "*tool calls vary at a fixed seed (which tool, or its arguments): a text profile*"


@pytest.fixture
def noisy(llm_env: FakeOpenAIServer) -> FakeOpenAIServer:
    """A server whose seed does nothing: every answer, tool calls included, sampled anew."""
    llm_env.seed_fidelity = 0.0
    llm_env.noise_seed = 11
    return llm_env


@pytest.mark.parametrize(
    ("select", "kind", "shown", "not_shown"),
    [
        ("test_tools", "tool calls", TOOL_ADVICE, TEXT_ADVICE),
        ("test_text", "text", TEXT_ADVICE, TOOL_ADVICE),
    ],
)
def test_the_advice_fits_the_kind_of_output(
    pytester: pytest.Pytester,
    noisy: FakeOpenAIServer,
    select: str,
    kind: str,
    shown: str,
    not_shown: str,
) -> None:
    pytester.makepyfile(test_app=TESTS)
    result = pytester.runpytest(
        "-k",
        select,
        "--llmseed-record-mode=once",
        "--snapshot-update",
        "--llmseed-probe=4",
        "--llmseed-report=r.json",
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"  varied: test_app.py::{select} call 1*", shown])
    result.stdout.no_fnmatch_line(not_shown)
    [test] = json.loads((pytester.path / "r.json").read_text())["tests"]
    assert test["probe"][0]["kind"] == kind
    assert test["probe"][0]["distinct"] > 1
