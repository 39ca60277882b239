"""What-if runs (``--llmseed-swap-model FROM=TO``), end to end against the test server.

A suite is recorded with ``gpt-4o-mini``; the test server's scripted rules then make
``gpt-4.1-mini`` answer some prompts differently (a tool argument: breaking; other words:
rewording; other case: cosmetic), so one what-if run meets every verdict.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import llmseed, report_schema
from llm_server import FakeOpenAIServer, ScriptRule

OLD, NEW = "gpt-4o-mini", "gpt-4.1-mini"
SWAP = f"--llmseed-swap-model={OLD}={NEW}"

TESTS = """
WEATHER = [{"type": "function", "function": {"name": "weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]

def ask(client, text, model="gpt-4o-mini", **kw):
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}], **kw)

def test_same(seeded_llm):
    assert ask(seeded_llm.client, "same answer please") == seeded_llm.snapshot

def test_cosmetic(seeded_llm):
    assert ask(seeded_llm.client, "say hello") == seeded_llm.snapshot

def test_rewording(seeded_llm):
    assert ask(seeded_llm.client, "describe the sea") == seeded_llm.snapshot

def test_tool(seeded_llm):
    answer = ask(seeded_llm.client, "weather please", tools=WEATHER, tool_choice="required")
    assert answer == seeded_llm.snapshot

def test_other_model(seeded_llm):
    assert ask(seeded_llm.client, "free text", model="gpt-4o") == seeded_llm.snapshot
"""

RULES = (
    # The new model's rules first: the first rule that matches answers.
    ScriptRule("say hello", reply="HELLO THERE, FRIEND OF MINE.", model=NEW),
    ScriptRule("describe the sea", reply="Waves roll over a grey and endless sea.", model=NEW),
    ScriptRule("weather please", tool="weather", arguments={"city": "Lyon"}, model=NEW),
    ScriptRule("same answer please", reply="Always this answer."),
    ScriptRule("say hello", reply="Hello there, friend of mine."),
    ScriptRule("describe the sea", reply="The sea is blue."),
    ScriptRule("weather please", tool="weather", arguments={"city": "Paris"}),
)
VERDICTS = {
    "test_app.py::test_tool": "breaking",
    "test_app.py::test_rewording": "rewording",
    "test_app.py::test_cosmetic": "cosmetic",
    "test_app.py::test_other_model": "unchanged",
    "test_app.py::test_same": "unchanged",
}


def _hashes(root: Path) -> dict[str, str]:
    """Every file of the project (caches and bytecode aside), by content."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {".cache", ".pytest_cache", "__pycache__"} & set(p.parts)
    }


@pytest.fixture
def recorded(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> FakeOpenAIServer:
    """The suite recorded with gpt-4o-mini (and gpt-4o), goldens and cassettes committed."""
    llm_env.script(*RULES)
    pytester.makepyfile(test_app=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=5)
    return llm_env


def _what_if(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        SWAP,
        "--llmseed-pending-dir=pending",
        "--llmseed-report=out/report.json",
        "--llmseed-html=out/page.html",
        *args,
    )


def _report(pytester: pytest.Pytester) -> dict[str, Any]:
    data = json.loads((pytester.path / "out/report.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, report_schema())
    assert isinstance(data, dict)
    return data


def test_a_what_if_run_answers_the_question_and_changes_no_committed_file(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer
) -> None:
    before = _hashes(pytester.path)
    seen = len(recorded.requests)
    result = _what_if(pytester)
    # The default --llmseed-fail-on=any: every changed golden fails its test.
    result.assert_outcomes(passed=2, failed=3)
    # Every request went live; the mapped model was swapped, the other one left alone.
    models = sorted(r.json["model"] for r in recorded.requests[seen:])
    assert models == sorted([NEW, NEW, NEW, NEW, "gpt-4o"])
    after = _hashes(pytester.path)
    assert {k: after[k] for k in before} == before
    new_files = sorted(set(after) - set(before))
    assert all(f.startswith(("pending/", "out/")) for f in new_files), new_files
    pending = sorted(f for f in new_files if f.startswith("pending/"))
    assert pending == sorted(
        [
            f"pending/__snapshots__/test_app/{t}.llm.yaml.llmseed-pending"
            for t in ("test_cosmetic", "test_rewording", "test_tool")
        ]
        + [
            f"pending/cassettes/test_app/{t}.yaml.llmseed-pending"
            for t in (
                "test_cosmetic",
                "test_other_model",
                "test_rewording",
                "test_same",
                "test_tool",
            )
        ]
    )
    # The pending cassette holds what was sent: the new model.
    cassette = (
        pytester.path / "pending/cassettes/test_app/test_tool.yaml.llmseed-pending"
    ).read_text()
    assert f"model: {NEW}" in cassette
    assert f"model: {OLD}" not in cassette
    result.stdout.fnmatch_lines(
        [
            f"llmseed: seed=1234 record-mode=all swap-model={OLD}={NEW} (what-if*",
            f"what if {OLD}={NEW}: 5 test(s): 1 breaking, 1 rewording, 1 cosmetic, 2 unchanged",
            "tokens before (goldens): prompt *, completion *, total *; after: * (x* total)",
            "  breaking     test_app.py::test_tool (failed): tokens *",
            "  rewording    test_app.py::test_rewording (failed): tokens *",
            "  cosmetic     test_app.py::test_cosmetic (failed): tokens *",
            "  unchanged    test_app.py::test_other_model: tokens *",
        ]
    )
    assert "matched no request" not in result.stdout.str()
    whatif = _report(pytester)["whatif"]
    assert whatif["swap"] == [{"from": OLD, "to": NEW}]
    assert whatif["totals"] == {"breaking": 1, "rewording": 1, "cosmetic": 1, "unchanged": 2}
    assert {t["nodeid"]: t["verdict"] for t in whatif["tests"]} == VERDICTS
    assert [t["verdict"] for t in whatif["tests"]][:3] == ["breaking", "rewording", "cosmetic"]
    assert whatif["unmatched"] == []
    assert whatif["probe"] is None


def test_token_usage_before_comes_from_the_goldens_and_after_from_the_new_answers(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer
) -> None:
    golden = pytester.path / "__snapshots__/test_app/test_rewording.llm.yaml"
    stored = golden.read_text(encoding="utf-8")
    _what_if(pytester)
    whatif = _report(pytester)["whatif"]
    by_test = {t["nodeid"]: t["tokens"] for t in whatif["tests"]}
    usage = by_test["test_app.py::test_rewording"]
    # Before: the stored golden's meta, as committed.
    prompt = usage["before"]["prompt"]
    assert f"prompt_tokens: {prompt}" in stored
    assert f"completion_tokens: {usage['before']['completion']}" in stored
    # After: the longer answer the new model gave costs more completion tokens.
    assert usage["after"]["prompt"] == prompt
    assert usage["after"]["completion"] > usage["before"]["completion"]
    assert by_test["test_app.py::test_same"]["before"] == by_test["test_app.py::test_same"]["after"]
    tokens = whatif["tokens"]
    for side in ("before", "after"):
        for kind in ("prompt", "completion", "total"):
            assert tokens[side][kind] == sum(t[side][kind] for t in by_test.values())
        assert tokens[side]["total"] == tokens[side]["prompt"] + tokens[side]["completion"]
    assert tokens["ratio"] == pytest.approx(tokens["after"]["total"] / tokens["before"]["total"])
    assert tokens["ratio"] > 1


def test_fail_on_breaking_makes_the_what_if_run_a_gate(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer
) -> None:
    result = _what_if(pytester, "--llmseed-fail-on=breaking")
    result.assert_outcomes(passed=4, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    safe = _what_if(pytester, "--llmseed-fail-on=breaking", "-k", "not tool")
    safe.assert_outcomes(passed=4, deselected=1)
    assert safe.ret == pytest.ExitCode.OK
    safe.stdout.fnmatch_lines(
        ["what if *: 4 test(s): 0 breaking, 1 rewording, 1 cosmetic, 2 unchanged"]
    )


def test_the_html_page_answers_first_and_the_step_summary_too(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = pytester.path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _what_if(pytester)
    page = (pytester.path / "out/page.html").read_text(encoding="utf-8")
    body = page[page.index("<body>") :]
    first = body.index("class='whatif'")
    assert first < body.index('<table class="overview"')
    assert f"What if {OLD}={NEW}?" in page
    assert "1 test(s) break under the new model." in page
    section = body[first : body.index("</section>", first)]
    # Breaking first in the list of tests.
    assert section.index("test_app.py::test_tool") < section.index("test_app.py::test_rewording")
    assert section.index("test_app.py::test_rewording") < section.index("test_app.py::test_same")
    markdown = summary.read_text(encoding="utf-8")
    plain = markdown.replace("\\", "")  # Markdown's escapes aside
    assert f"**what if {OLD}={NEW}: 5 test(s): 1 breaking, 1 rewording, 1 cosmetic" in plain
    assert "| **breaking** | `test_app.py::test_tool` |" in markdown


def test_a_swap_no_request_names_is_reported(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer
) -> None:
    result = _what_if(pytester, "--llmseed-swap-model=gpt-3.5-turbo=gpt-4.1")
    result.stdout.fnmatch_lines(
        ["swap gpt-3.5-turbo=gpt-4.1 matched no request: no request named model 'gpt-3.5-turbo'*"]
    )
    assert _report(pytester)["whatif"]["unmatched"] == ["gpt-3.5-turbo=gpt-4.1"]


def test_star_swaps_every_model_and_the_ini_lines_work(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer
) -> None:
    pytester.makeini("[pytest]\nllmseed_swap_model =\n    *=gpt-5-nano\n")
    seen = len(recorded.requests)
    result = pytester.runpytest("--llmseed-pending-dir=pending")
    assert {r.json["model"] for r in recorded.requests[seen:]} == {"gpt-5-nano"}
    result.stdout.fnmatch_lines(["*swap-model=*=gpt-5-nano*", "what if *=gpt-5-nano: 5 test(s)*"])


def test_the_swap_reaches_the_server_under_xdist(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer
) -> None:
    pytest.importorskip("xdist")
    result = _what_if(pytester, "-n", "2")
    result.assert_outcomes(passed=2, failed=3)
    whatif = _report(pytester)["whatif"]
    assert whatif["totals"] == {"breaking": 1, "rewording": 1, "cosmetic": 1, "unchanged": 2}
    assert "matched no request" not in result.stdout.str()
    # A sharded what-if run's reports merge into the same answer.
    merged = llmseed(
        pytester.path, "report", "--merge", "out/report.json", "--json", "out/merged.json"
    )
    assert merged.returncode == 1, merged.stderr  # the breaking test fails the merged run
    data = json.loads((pytester.path / "out/merged.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, report_schema())
    assert data["whatif"]["totals"] == whatif["totals"]
    assert data["whatif"]["swap"] == whatif["swap"]


def test_probe_says_how_many_tests_vary_under_the_new_model(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer
) -> None:
    # Best-effort seeding: only the free-text answer (not scripted) varies between samples.
    recorded.seed_fidelity = 0.0
    recorded.noise_seed = 7
    result = _what_if(pytester, "--llmseed-probe=3")
    result.stdout.fnmatch_lines(
        ["probe: 1 of 5 test(s) vary under the new model (3 requests per call)"]
    )
    probe = _report(pytester)["whatif"]["probe"]
    assert probe == {"requests": 3, "varied": 1}


@pytest.mark.parametrize("value", ["nonsense", "a=", "=b", "a=b=c", "a b=c"])
def test_bad_values_are_usage_errors_naming_the_option(
    pytester: pytest.Pytester, value: str
) -> None:
    pytester.makepyfile(test_x="def test_x(): pass")
    result = pytester.runpytest(f"--llmseed-swap-model={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--llmseed-swap-model*FROM=TO*"])
    assert "Traceback" not in result.stderr.str()


def test_a_bad_ini_line_and_a_model_swapped_twice_are_usage_errors(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_x="def test_x(): pass")
    pytester.makeini("[pytest]\nllmseed_swap_model =\n    gpt-4o=\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*llmseed_swap_model in *tox.ini*FROM=TO*"])
    twice = pytester.runpytest("--llmseed-swap-model=a=b", "--llmseed-swap-model=a=c")
    assert twice.ret == pytest.ExitCode.USAGE_ERROR
    twice.stderr.fnmatch_lines(["*--llmseed-swap-model: 'a' is swapped twice (a=b, a=c)*"])


def test_refused_in_ci_unless_the_command_line_asks_to_record(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    before = _hashes(pytester.path)
    seen = len(recorded.requests)
    refused = _what_if(pytester)
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(
        [
            "*--llmseed-swap-model: a what-if run records live, and under CI=true nothing "
            "records unless the command line asks: add --llmseed-record-mode=all*"
        ]
    )
    assert len(recorded.requests) == seen
    assert _hashes(pytester.path) == before
    asked = _what_if(pytester, "--llmseed-record-mode=all")
    asked.assert_outcomes(passed=2, failed=3)
    after = _hashes(pytester.path)
    assert {k: after[k] for k in before} == before


def test_snapshot_update_is_refused(pytester: pytest.Pytester, recorded: FakeOpenAIServer) -> None:
    before = _hashes(pytester.path)
    result = _what_if(pytester, "--snapshot-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*a what-if run leaves the committed goldens as they are*"])
    assert _hashes(pytester.path) == before


def test_adopted_answers_replay_offline_once_the_code_names_the_new_model(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _what_if(pytester)
    received = (
        pytester.path / "pending/__snapshots__/test_app/test_tool.llm.yaml.llmseed-pending"
    ).read_text(encoding="utf-8")
    # The pending golden shows what was sent, as its cassette does.
    assert f"model: {NEW}" in received
    changed = ["test_tool", "test_rewording", "test_cosmetic"]
    accepted = llmseed(
        pytester.path, "accept", "--from", "pending", *(f"test_app.py::{t}" for t in changed)
    )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    source = pytester.path / "test_app.py"
    source.write_text(source.read_text().replace(f'model="{OLD}"', f'model="{NEW}"'))
    monkeypatch.delenv("OPENAI_API_KEY")
    seen = len(recorded.requests)
    replay = pytester.runpytest("-k", " or ".join(changed))
    replay.assert_outcomes(passed=3, deselected=2)
    assert len(recorded.requests) == seen  # offline


def test_llmseed_review_from_the_pending_folder_lists_the_changed_tests(
    pytester: pytest.Pytester, recorded: FakeOpenAIServer
) -> None:
    _what_if(pytester)
    status = llmseed(pytester.path, "status", "--from", "pending", "--no-color")
    assert not status.stderr
    # Reviewed as files, a golden's request changes too (it names the new model): the
    # cosmetic answer is a rewording of the golden there.
    assert "3 pending change(s) (1 breaking, 2 rewording, 0 cosmetic)" in status.stdout
    assert "test_same" not in status.stdout


PROVIDERS = """
import os

def test_anthropic(seeded_llm):
    import anthropic
    client = anthropic.Anthropic(base_url=os.environ["APP_ROOT_URL"], max_retries=0)
    answer = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=64,
        messages=[{"role": "user", "content": "Hello Claude"}])
    assert answer == seeded_llm.snapshot

def test_gemini(seeded_llm):
    from google import genai
    from google.genai import types
    client = genai.Client(http_options=types.HttpOptions(
        base_url=os.environ["APP_ROOT_URL"], api_version="v1beta"))
    answer = client.models.generate_content(model="gemini-2.5-flash", contents="Hello Gemini")
    assert answer == seeded_llm.snapshot
"""


@pytest.mark.sdk
def test_anthropic_swaps_in_the_body_and_gemini_in_the_url_path(
    pytester: pytest.Pytester, llm_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("anthropic", reason="needs the test extra (anthropic)")
    pytest.importorskip("google.genai", reason="needs the test extra (google-genai)")
    monkeypatch.setenv("APP_ROOT_URL", llm_server.base_url.removesuffix("/v1"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-ant-9f8e7d6c5b4a39281706")
    monkeypatch.setenv("GEMINI_API_KEY", "sk-test-gem-1a2b3c4d5e6f70819283")
    pytester.makepyfile(test_providers=PROVIDERS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    before = _hashes(pytester.path)
    seen = len(llm_server.requests)
    result = pytester.runpytest(
        "--llmseed-swap-model=claude-sonnet-4-5=claude-haiku-4-5",
        "--llmseed-swap-model=gemini-2.5-flash=gemini-2.5-pro",
        "--llmseed-pending-dir=pending",
    )
    sent = llm_server.requests[seen:]
    assert [r.json["model"] for r in sent if "/messages" in r.path] == ["claude-haiku-4-5"]
    assert [r.path for r in sent if ":generateContent" in r.path] == [
        "/v1beta/models/gemini-2.5-pro:generateContent"
    ]
    assert "matched no request" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        ["what if claude-sonnet-4-5=claude-haiku-4-5, gemini-2.5-flash=gemini-2.5-pro: 2 test(s)*"]
    )
    after = _hashes(pytester.path)
    assert {k: after[k] for k in before} == before
    # Each provider's pending cassette names the model it sent: Gemini's in its URL.
    pending = pytester.path / "pending/cassettes/test_providers"
    assert "claude-haiku-4-5" in (pending / "test_anthropic.yaml.llmseed-pending").read_text()
    gemini = (pending / "test_gemini.yaml.llmseed-pending").read_text()
    assert "/models/gemini-2.5-pro:generateContent" in gemini
    assert "gemini-2.5-flash:" not in gemini
