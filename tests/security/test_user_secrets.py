"""The project's own secrets (``llmseed_secret_patterns``, ``llmseed_secret_headers``): in no
file the plugin writes, and a recording still replays when the secret's value changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_server import FakeOpenAIServer

INI = r"""[pytest]
llmseed_secret_patterns =
    [\w.+-]+@customer\.example
    INT-\d{4}
llmseed_secret_headers =
    X-Internal-Token
"""
TOKEN = "internal-token-7f3a9c"
APP = """
import os

def ask(client, stream=False):
    email = os.environ["CUSTOMER_EMAIL"]
    client = client.with_options(default_headers={"X-Internal-Token": os.environ["TOKEN"]})
    return client.chat.completions.create(
        model="gpt-4o",
        # The model (the test server) echoes the start of the prompt: the secret comes back.
        messages=[{"role": "user", "content": f"{email} INT-1234 asks about a refund"}],
        stream=stream,
    )

def test_plain(seeded_llm):
    assert ask(seeded_llm.client) == seeded_llm.snapshot

def test_streamed(seeded_llm):
    for _ in ask(seeded_llm.client, stream=True):
        pass
    assert seeded_llm.calls == seeded_llm.snapshot
"""
SECRETS = ("jane.doe@customer.example", "john.roe@customer.example", "INT-1234", TOKEN)


def written_files(root: Path) -> list[Path]:
    """Everything the plugin wrote (the test module itself is not the plugin's)."""
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"
    ]


def assert_nowhere(root: Path, *needles: str) -> set[str]:
    """No needle in any written file; returns the names of the files checked."""
    files = written_files(root)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, f"{needle!r} leaked into {path}"
    return {p.name for p in files}


@pytest.fixture
def app(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.makepyfile(test_app=APP)
    monkeypatch.setenv("CUSTOMER_EMAIL", SECRETS[0])
    monkeypatch.setenv("TOKEN", TOKEN)
    return pytester


def test_the_projects_secrets_are_in_no_written_file(
    app: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = ("--llmseed-report=report.json", "--llmseed-html=report.html")
    app.runpytest("--llmseed-record-mode=once", "--snapshot-update", *reports).assert_outcomes(
        passed=2
    )
    # They really were sent, and came back in the answers.
    sent = llm_env.requests[-1]
    assert sent.headers["x-internal-token"] == TOKEN
    assert SECRETS[0].encode() in sent.body
    cassette = (app.path / "cassettes" / "test_app" / "test_plain.yaml").read_text()
    assert "<llmseed:redacted>" in cassette
    assert "x-internal-token" not in cassette.lower()
    golden = (app.path / "__snapshots__" / "test_app" / "test_plain.llm.yaml").read_text()
    assert "<llmseed:redacted> <llmseed:redacted> asks about a refund" in golden
    # Re-recorded with another seed: the answers drift, so pending goldens and cassettes,
    # the JSON report and the HTML page are written too.
    result = app.runpytest("--llmseed-record-mode=all", "--llmseed-seed=99", *reports)
    result.assert_outcomes(failed=2)
    checked = assert_nowhere(app.path, *SECRETS)
    assert {"report.json", "report.html", "test_plain.yaml.llmseed-pending"} <= checked
    assert "test_plain.llm.yaml.llmseed-pending" in checked
    for secret in SECRETS:
        assert secret not in result.stdout.str()


def test_a_recording_replays_when_the_secret_value_changes(
    app: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    goldens = {p: p.read_bytes() for p in (app.path / "__snapshots__").rglob("*.yaml")}
    # Another customer, another token, offline: the live request is scrubbed before matching.
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("CUSTOMER_EMAIL", SECRETS[1])
    monkeypatch.setenv("TOKEN", "another-internal-token")
    app.runpytest().assert_outcomes(passed=2)
    assert len(llm_env.requests) == 2
    assert {p: p.read_bytes() for p in goldens} == goldens
    assert_nowhere(app.path, *SECRETS)


def test_a_miss_message_shows_no_secret(
    app: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    monkeypatch.delenv("OPENAI_API_KEY")
    app.makepyfile(test_app=APP.replace("asks about a refund", "asks about an invoice"))
    result = app.runpytest("-k", "plain")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no recorded answer*", "*<llmseed:redacted>*invoice*"])
    assert SECRETS[0] not in result.stdout.str()


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        (
            "llmseed_secret_patterns =\n    ok-\\d+\n    (unclosed",
            "llmseed_secret_patterns in *tox.ini: entry '(unclosed' is not a valid regex*",
        ),
        (
            "llmseed_secret_patterns = x*",
            "llmseed_secret_patterns in *tox.ini: entry 'x*' matches the empty string",
        ),
        (
            "llmseed_secret_headers = X Bad Header",
            "llmseed_secret_headers in *tox.ini: entry 'X Bad Header' is not an HTTP header name",
        ),
    ],
)
def test_a_bad_entry_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, ini: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(test_app="def test_x(): pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}"])
