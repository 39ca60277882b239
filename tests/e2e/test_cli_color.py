"""`llmseed review` and `status` colour on a terminal; NO_COLOR, --no-color and pipes are plain."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from llm_server import FakeOpenAIServer

from pytest_llmseed.report.console import use_color

TEST = """
def test_x(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Tell me about spring"}],
        max_tokens=20,
    )
    assert out == seeded_llm.snapshot
"""
ESC = "\x1b["


@pytest.fixture
def pending(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    """One pending change: recorded, then re-recorded live with another seed."""
    pytester.makepyfile(test_a=TEST)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    pytester.runpytest("--llmseed-record-mode=all", "--llmseed-seed=7").assert_outcomes(failed=1)
    return pytester.path


def terminal_output(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Everything the command wrote to a real terminal (review: quit at the first prompt)."""
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | (env or {})
    child = pexpect.spawn(
        sys.executable,
        ["-m", "pytest_llmseed.cli", *args],
        cwd=str(cwd),
        encoding="utf-8",
        timeout=30,
        env=environ,
        dimensions=(40, 200),
    )
    seen = ""
    if args[0] == "review":
        child.expect(r"\? ")
        seen = (child.before or "") + (child.after if isinstance(child.after, str) else "")
        child.send("q")
    child.expect(pexpect.EOF)
    seen += child.before or ""
    child.close()
    return seen


@pytest.mark.parametrize("command", ["status", "review"])
def test_colour_on_a_terminal(pending: Path, command: str) -> None:
    output = terminal_output(pending, command)
    assert ESC in output
    assert "test_a.py::test_x" in output
    assert "triage: request changed: seed 1234 → 7" in output


@pytest.mark.parametrize("command", ["status", "review"])
@pytest.mark.parametrize(
    ("args", "env"), [(["--no-color"], {}), ([], {"NO_COLOR": "1"}), ([], {"NO_COLOR": "x"})]
)
def test_no_color_flag_and_variable_give_plain_text_on_a_terminal(
    pending: Path, command: str, args: list[str], env: dict[str, str]
) -> None:
    output = terminal_output(pending, command, *args, env=env)
    assert "test_a.py::test_x" in output
    assert ESC not in output


def test_plain_text_when_not_a_terminal(pending: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    for command in ("status", "review"):
        result = subprocess.run(
            [sys.executable, "-m", "pytest_llmseed.cli", command],
            cwd=pending,
            input="s\n",
            capture_output=True,
            text=True,
            env=environ,
            timeout=60,
            check=False,
        )
        assert "test_a.py::test_x" in result.stdout
        assert ESC not in result.stdout


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_use_color_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(_Stream(True)) is True  # type: ignore[arg-type]
    assert use_color(_Stream(False)) is False  # type: ignore[arg-type]
    assert use_color(_Stream(True), no_color=True) is False  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "")  # empty means unset (no-color.org)
    assert use_color(_Stream(True)) is True  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "0")  # any non-empty value
    assert use_color(_Stream(True)) is False  # type: ignore[arg-type]
