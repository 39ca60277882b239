"""Attack: model and artifact text carry terminal control sequences and Markdown / HTML.

The model's answer, its ``system_fingerprint`` and model name (shown in the triage line)
and a pending file's test id come from outside. Printed raw, ESC / OSC sequences clear the
screen, retitle the terminal, add hidden hyperlinks or move the cursor up to overwrite the
line naming the file about to be written; in the GitHub step summary they add HTML, links
and headings, and a newline breaks out of the table. Every medium escapes them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from artifacts import Project, make_project
from helpers import llmseed
from llm_server import FakeOpenAIServer

from pytest_llmseed.files import escape

TEST = """
def test_x(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Say hello"}]
    )
    assert out == seeded_llm.snapshot
"""
ESC = "\x1b"
TERMINAL_ATTACK = (
    "\x1b[2J\x1b[H"  # clear the screen
    "\x1b]0;pwned\x07"  # set the title
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"  # a hidden hyperlink
    "\x1b[1A\x1b[2K"  # cursor up, erase the line
    "\u202eevil\u202c"  # right-to-left override
    "\x9b31m"  # a C1 control sequence introducer
)
MARKDOWN_ATTACK = (
    "<img src=x onerror=alert(1)> [click](http://evil.example) ![i](http://evil.example/i)"
    " | forged cell |\n## forged heading\n| forged | row |"
)


def completion(content: str, *, fingerprint: str, model: str) -> dict[str, Any]:
    """A chat completion body the test server answers with once."""
    return {
        "id": "chatcmpl-evil",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "system_fingerprint": fingerprint,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": content, "refusal": None},
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
    }


def drift(pytester: pytest.Pytester, server: FakeOpenAIServer, evil: str, *args: str) -> Any:
    """Record honestly, then re-record live while the model answers with ``evil``."""
    pytester.makepyfile(test_e=TEST)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    server.fail_next(200, body=completion(evil, fingerprint=f"fp_{evil}", model=f"gpt-{evil}"))
    result = pytester.runpytest("--llmseed-record-mode=all", *args)
    result.assert_outcomes(failed=1)
    return result


def test_the_failure_diff_and_summary_escape_control_characters(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    result = drift(pytester, llm_env, TERMINAL_ATTACK, "-rA")
    output = result.stdout.str()
    for raw in (ESC, "\x07", "\u202e", "\x9b"):
        assert raw not in output
    assert "\\x1b[2J" in output  # shown, visibly
    result.stdout.fnmatch_lines(["*llmseed summary*", "*triage: *\\x1b*"])
    # The file about to be written is named on a line of its own, intact.
    result.stdout.fnmatch_lines(
        ["*pending: .llmseed-pending/__snapshots__/test_e/test_x.llm.yaml*"]
    )


def test_llmseed_status_and_review_escape_control_characters(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    drift(pytester, llm_env, TERMINAL_ATTACK)
    for command in (["status"], ["review"]):
        result = llmseed(pytester.path, *command, input="s\n")
        assert ESC not in result.stdout + result.stderr, command
        assert "\\x1b" in result.stdout
        assert "golden:   __snapshots__/test_e/test_x.llm.yaml" in result.stdout


def test_a_test_id_from_an_artifact_is_escaped(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project: Project = make_project(pytester, monkeypatch)
    project.edit("spring", test=f"test_a.py::x{ESC}[1A{ESC}[2Kaccepted nothing", triage=ESC)
    result = project.llmseed("status")
    assert ESC not in result.stdout + result.stderr
    # The label names no test of this file: the change is refused, the label shown escaped.
    assert "test_a.py::x\\x1b[1A\\x1b[2Kaccepted nothing" in result.stderr
    assert "file and label disagree" in result.stderr


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_the_step_summary_html_page_and_junit_stay_inert(
    xdist: list[str],
    pytester: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    evil = MARKDOWN_ATTACK + TERMINAL_ATTACK
    args = ["--llmseed-html=drift.html", "--junitxml=junit.xml", *xdist]
    drift(pytester, llm_env, evil, *args)

    markdown = summary.read_text().split("### pytest-llmseed")[-1]  # the drifted run's
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(rows) == 3, markdown  # header, rule, one test: nothing broke out
    assert rows[2].count(" | ") == 5  # six cells, every | of the text escaped
    for raw in ("<img", "](http", ESC):
        assert raw not in markdown
    assert "\n## forged" not in markdown
    assert "&lt;img src" in markdown

    page = (pytester.path / "drift.html").read_text()
    junit = (pytester.path / "junit.xml").read_text()
    for raw in ("<img", ESC):
        assert raw not in page
        assert raw not in junit
    assert "&lt;img src=x" in page


@pytest.mark.parametrize(
    "text",
    ["plain", "a|b", "`code`", "<b>&amp;</b>", "x\ny", "www.evil.example", "$x^2$", "a\x1bb"],
)
def test_markdown_cells_show_the_text_without_markup(text: str) -> None:
    cell = escape.for_markdown(text)
    for raw in ("\n", ESC, "<"):
        assert raw not in cell
    assert re.search(r"(?<!\\)\|", cell) is None
    unescaped = re.sub(r"\\(.)", r"\1", cell)
    unescaped = unescaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == escape.for_terminal(text)


def test_a_code_span_cannot_be_closed_early() -> None:
    span = escape.for_markdown_code("a`` | b")
    assert span.startswith("```")
    assert span.endswith("```")
    assert "\\|" in span


def test_terminal_escapes_are_visible_and_one_line() -> None:
    assert escape.for_terminal("a\x1b[2Jb\nc\td\ud800") == "a\\x1b[2Jb\\nc\\td\\ud800"
    assert escape.for_terminal("a\nb", multiline=True) == "a\nb"
    assert escape.for_terminal("é — 日本 🙂") == "é — 日本 🙂"  # ordinary text is left as is


def test_html_escapes_markup_and_controls() -> None:
    assert escape.for_html('<a href="x">\x1b</a>') == "&lt;a href=&quot;x&quot;&gt;\\x1b&lt;/a&gt;"
