"""Every credential kind a request carries is a secret, in every file the plugin writes.

A recording against the local test server, which answers every chat completion with the
request's path and headers (``echo_request``): a password in the base URL, a ``Cookie``,
a ``Proxy-Authorization`` (Basic), an ``Authorization`` of a scheme other than Bearer
(``ApiKey <token>``), the key itself, plain and streamed in small pieces so a credential
spans several events, and the key as a parametrized test id. Every file the run leaves
(cassettes, goldens, pending files, JSON / HTML / Markdown reports, JUnit XML) and every
file name is then searched for each secret.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from llm_server import FakeOpenAIServer

from pytest_llmseed.redaction.secrets import REDACTED, redact_body

KEY = "sk-test-everywhere-5f0c2a9e1d7b"
PASSWORD = "pw-in-url-8c1e5a7b"
COOKIE = "cookie-value-4d2f9a1c"
PROXY_PASSWORD = "proxy-pass-7e3b1c0d"
PROXY = base64.b64encode(f"proxyuser:{PROXY_PASSWORD}".encode()).decode()
API_KEY_TOKEN = "apikey-token-2b8d6f4e"

INNER = """
import json, os, openai, pytest

CFG = json.loads({cfg!r})
ASK = [{{"role": "user", "content": "echo"}}]


@pytest.mark.parametrize("key", [os.environ["OPENAI_API_KEY"]])
def test_echo(seeded_llm, key):
    in_url = openai.OpenAI(api_key=key, base_url=CFG["userinfo_url"], max_retries=0)
    in_url.chat.completions.create(model="gpt-4o", messages=ASK)
    headers = openai.OpenAI(
        api_key=key,
        max_retries=0,
        default_headers={{
            "Cookie": "session=" + CFG["cookie"],
            "Proxy-Authorization": "Basic " + CFG["proxy"],
        }},
    )
    headers.chat.completions.create(model="gpt-4o", messages=ASK)
    for _ in headers.chat.completions.create(model="gpt-4o", messages=ASK, stream=True):
        pass
    scheme = openai.OpenAI(
        api_key=key, max_retries=0, default_headers={{"Authorization": "ApiKey " + CFG["token"]}}
    )
    for _ in scheme.chat.completions.create(model="gpt-4o", messages=ASK, stream=True):
        pass
    assert seeded_llm.calls == seeded_llm.snapshot
"""

SECRETS = {
    "key": KEY,
    "password": PASSWORD,
    "user:password": f"user:{PASSWORD}",
    "cookie": COOKIE,
    "proxy credential": PROXY,
    "proxy password": PROXY_PASSWORD,
    "ApiKey token": API_KEY_TOKEN,
}


def written_files(root: Path) -> list[Path]:
    """What the run wrote: everything but the test module and Python's caches."""
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    ]


@pytest.mark.parametrize("update", [True, False], ids=["snapshot-update", "pending"])
def test_no_credential_reaches_any_written_file(
    pytester: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    update: bool,
) -> None:
    llm_env.echo_request = True
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(pytester.path / "step_summary.md"))
    userinfo_url = llm_env.base_url.replace("://", f"://user:{PASSWORD}@", 1)
    config = {
        "userinfo_url": userinfo_url,
        "cookie": COOKIE,
        "proxy": PROXY,
        "token": API_KEY_TOKEN,
    }
    pytester.makepyfile(test_echo=INNER.format(cfg=json.dumps(config)))

    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--llmseed-record-mode=once",
        *(["--snapshot-update"] if update else []),
        f"--llmseed-report={pytester.path / 'report.json'}",
        f"--llmseed-html={pytester.path / 'report.html'}",
        f"--junitxml={pytester.path / 'junit.xml'}",
        "-v",
    )

    # Every credential went out, and the server echoed each one back.
    sent = llm_env.requests
    assert any(f"session={COOKIE}" in r.headers.get("cookie", "") for r in sent)
    assert any(r.headers.get("proxy-authorization") == f"Basic {PROXY}" for r in sent)
    assert any(r.headers.get("authorization") == f"ApiKey {API_KEY_TOKEN}" for r in sent)
    basic = base64.b64encode(f"user:{PASSWORD}".encode()).decode()
    assert any(r.headers.get("authorization") == f"Basic {basic}" for r in sent)
    assert len(sent) == 4
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed" if update else "failed") == 1, result.stdout.str()

    written = written_files(pytester.path)
    names = {p.name for p in written}
    assert {"report.json", "report.html", "step_summary.md", "junit.xml"} <= names
    assert any(".llm.yaml" in name for name in names)
    assert any(name.endswith((".yaml", ".yaml.llmseed-pending")) for name in names)
    if not update:
        assert any("pending" in name for name in names)
    for path in written:
        data = path.read_bytes()
        for kind, secret in SECRETS.items():
            assert secret.encode() not in data, f"the {kind} leaked into {path}"
            assert secret not in str(path.relative_to(pytester.path)), f"the {kind} names {path}"
    output = result.stdout.str()
    for kind, secret in SECRETS.items():
        assert secret not in output, f"the {kind} was printed"
    # The test id says the parameter was a secret, instead of the key.
    assert "llmseed-redacted-" in output
    # The echoes were kept, redacted: the scrub did the work, not a missing answer.
    cassette = next(
        p for p in written if p.suffix in {".yaml", ".llmseed-pending"} and "cassettes" in p.parts
    )
    assert cassette.read_text(encoding="utf-8").count(REDACTED) >= 4


@pytest.mark.parametrize(
    "first_lines",
    [
        "retry: 3000\n",
        "id: 1\n",
        "event: message\n",
        ": a comment\n",
        "foo: an unknown field the SDK ignores\n",
        "\r\n",
    ],
)
def test_a_stream_whose_first_event_carries_another_field_is_redacted(first_lines: str) -> None:
    """The escape-hidden key is found whatever field opens the stream (the SDKs accept them)."""
    escaped = KEY.replace("-", "\\u002d")
    event = f'data: {{"choices":[{{"index":0,"delta":{{"content":"{escaped}"}}}}]}}\n\n'
    body = first_lines + event + "data: [DONE]\n\n"
    redacted = redact_body(body, [KEY])
    assert REDACTED in redacted
    assert KEY not in json.dumps(json.loads(redacted.split("data: ", 1)[1].split("\n")[0]))


def test_a_multi_line_data_event_hiding_a_key_is_redacted() -> None:
    """SSE joins an event's data lines with a line break: the JSON may span them."""
    escaped = KEY.replace("-", "\\u002d")
    body = f'data: {{"choices":[{{"index":0,\ndata: "delta":{{"content":"{escaped}"}}}}]}}\n\n'
    redacted = redact_body(body, [KEY])
    assert REDACTED in redacted
    assert "\\u002d" not in redacted


def test_a_key_echoed_more_than_a_thousand_times_is_redacted_everywhere() -> None:
    pieces = [KEY[:7], KEY[7:]] * 1005  # every echo split across two events
    events = [
        {"choices": [{"index": 0, "delta": {"content": piece + (" " if i % 2 else "")}}]}
        for i, piece in enumerate(pieces)
    ]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    redacted = redact_body(body, [KEY])
    joined = "".join(
        json.loads(line[6:])["choices"][0]["delta"]["content"]
        for line in redacted.splitlines()
        if line.startswith("data: {")
    )
    assert KEY not in joined
    assert joined.count(REDACTED) == 1005


def test_a_secret_in_a_parametrized_id_never_names_a_file(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two keys as parameters: two files, each named by a digest, neither by the key."""
    other = KEY + "-second"
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", other)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    pytester.makepyfile(
        test_ids="""
import os, pytest

@pytest.mark.parametrize("key", [os.environ["OPENAI_API_KEY"], os.environ["AZURE_OPENAI_API_KEY"]])
def test_x(seeded_llm, key):
    seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
    )
    assert seeded_llm.calls == seeded_llm.snapshot
"""
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--llmseed-record-mode=once", "--snapshot-update"
    )
    result.assert_outcomes(passed=2)
    names = sorted(p.name for p in written_files(pytester.path))
    cassettes = [n for n in names if n.endswith(".yaml") and ".llm." not in n]
    assert len(cassettes) == 2, names
    assert all("llmseed-redacted-" in n for n in cassettes), names
    assert not any(KEY in n for n in names)
    # Replayed offline, the same ids find the same files.
    monkeypatch.setenv("CI", "true")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert os.environ["OPENAI_API_KEY"] == KEY


def test_a_project_secret_in_an_explicit_id_is_refused_before_any_write(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    """A parameter's value matching ``llmseed_secret_patterns`` is replaced in its id; an
    ``ids=`` entry holding one is the author's choice, so that test is refused, naming it by
    a digest, and the test beside it still records."""
    secret = "corp-" + "Q7x" * 8
    pytester.makeini("[pytest]\nllmseed_secret_patterns =\n    corp-[A-Za-z0-9]{20,}\n")
    pytester.makepyfile(
        test_ids=f"""
import pytest

@pytest.mark.parametrize("n", [1, 2], ids=["{secret}", "plain"])
def test_x(seeded_llm, n):
    seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": f"hi {{n}}"}}]
    )
    assert seeded_llm.calls == seeded_llm.snapshot
"""
    )
    report = pytester.path / "report.json"
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--llmseed-record-mode=once",
        "--snapshot-update",
        f"--llmseed-report={report}",
    )
    result.assert_outcomes(passed=1, errors=1)
    output = result.stdout.str()
    assert "holds a value that matches llmseed_secret_patterns" in output
    assert "test_x[llmseed-redacted-" in output
    names = [str(p.relative_to(pytester.path)) for p in written_files(pytester.path)]
    assert any("test_x[plain]" in n for n in names), names
    assert not any(secret in n for n in names), names
    for path in written_files(pytester.path):
        assert secret not in path.read_text(encoding="utf-8", errors="replace"), path
    assert len(llm_env.requests) == 1
