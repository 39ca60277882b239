"""Guarantee: no file the plugin writes ever contains the API key.

A property-based test (hypothesis, derandomized and bounded) records real sessions with a
generated key sent every way a client sends one: the ``Authorization`` header, Azure's
``api-key`` header and query parameter in any letter case, organization / project headers,
cookies both ways, a custom header, the ``user`` field, a prompt the model echoes back
(plain and streamed), and an error body that echoes the key. Every file the run leaves
(cassettes, goldens or pending goldens, pending cassettes, JSON and HTML reports, the GitHub
step summary, JUnit XML) is then searched for the key, the organization, the project and
the cookie.
"""

from __future__ import annotations

import json
import string
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from llm_server import FakeOpenAIServer

from pytest_llmseed.redaction.secrets import REDACTED, redact_body

EXAMPLES = 20

INNER = """
import json, openai

CFG = json.loads({cfg!r})
KEY = CFG["key"]
ASK = [{{"role": "user", "content": KEY}}]


def test_secrets(seeded_llm):
    names = CFG["names"]
    client = openai.OpenAI(
        api_key=KEY,
        organization=CFG["organization"],
        project=CFG["project"],
        max_retries=0,
        default_headers={{
            names["cookie"]: "session=" + CFG["cookie"],
            names["custom"]: "Token " + KEY,
        }},
        default_query={{names["query"]: KEY}},
    )
    try:  # the outer test queued an error answer that echoes the key
        client.chat.completions.create(model="gpt-4o", messages=ASK, max_tokens=3)
    except openai.APIStatusError as error:
        assert error.status_code == CFG["error_status"]
    client.chat.completions.create(model="gpt-4o", messages=ASK, user=KEY)
    if CFG["stream"]:
        for _ in client.chat.completions.create(
            model="gpt-4o", messages=ASK, stream=True, user=KEY
        ):
            pass
    azure = openai.AzureOpenAI(
        api_key=KEY,
        azure_endpoint=CFG["azure_endpoint"],
        api_version="2024-06-01",
        max_retries=0,
        default_headers={{names["api_key"]: KEY}},
        default_query={{names["query"]: KEY}},
    )
    azure.chat.completions.create(model="deployment", messages=ASK)
    assert seeded_llm.calls == seeded_llm.snapshot
"""

TOKEN = string.ascii_letters + string.digits + "_-"


def casing(name: str) -> st.SearchStrategy[str]:
    """The header or parameter name in lower, upper, title or alternating case."""
    alternating = "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(name))
    return st.sampled_from([name.lower(), name.upper(), name.title(), alternating])


@dataclass(frozen=True)
class Case:
    key: str
    organization: str
    project: str
    cookie: str
    names: dict[str, str]
    error_status: int
    stream: bool
    update: bool


cases = st.builds(
    Case,
    # Short enough for the test server to echo the whole key back in its answer.
    key=st.text(TOKEN, min_size=12, max_size=28).map(lambda s: f"sk-test-{s}"),
    organization=st.text(TOKEN, min_size=10, max_size=20).map(lambda s: f"org-{s}"),
    project=st.text(TOKEN, min_size=10, max_size=20).map(lambda s: f"proj_{s}"),
    cookie=st.text(TOKEN, min_size=10, max_size=20).map(lambda s: f"ck{s}"),
    names=st.fixed_dictionaries(
        {
            "cookie": casing("Cookie"),
            "custom": casing("X-Custom-Auth"),
            "api_key": casing("api-key"),
            "query": casing("api-key"),
        }
    ),
    # Recorded error answers (400, 401, 404) and retried ones never recorded (429, 500).
    error_status=st.sampled_from([400, 401, 404, 429, 500]),
    stream=st.booleans(),
    # With --snapshot-update goldens are written; without, they become pending changes.
    update=st.booleans(),
)


def files_under(root: Path) -> list[Path]:
    """What the run wrote: everything but the test module and Python's caches."""
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    ]


def figure(request: pytest.FixtureRequest, name: str, value: object) -> None:
    """Report one of the guarantee's figures: a JUnit property, and printed (see ``-rP``)."""
    request.node.user_properties.append((name, value))
    print(f"{name} = {value}")


def test_no_file_the_plugin_writes_contains_the_key(
    pytester: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    examples: list[Case] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(case=cases)
    def check(case: Case) -> None:
        number = len(examples)
        examples.append(case)
        root = pytester.path / f"example{number}"
        root.mkdir()
        llm_env.reset()
        llm_env.set_cookie = f"__cf_bm={case.cookie}; path=/; HttpOnly"
        echo = {"error": {"message": f"Incorrect API key provided: {case.key}.", "type": "x"}}
        llm_env.fail_next(case.error_status, body=echo)
        config = {**asdict(case), "azure_endpoint": llm_env.root_url}
        (root / "test_keys.py").write_text(INNER.format(cfg=json.dumps(config)))
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(root / "step_summary.md"))

        result = pytester.runpytest(
            str(root),
            "-p",
            "no:cacheprovider",
            "--llmseed-record-mode=once",
            *(["--snapshot-update"] if case.update else []),
            f"--llmseed-report={root / 'report.json'}",
            f"--llmseed-html={root / 'report.html'}",
            f"--junitxml={root / 'junit.xml'}",
        )

        # The key really went out every way, and came back in answers.
        sent = llm_env.requests
        assert any(r.headers.get("authorization") == f"Bearer {case.key}" for r in sent)
        assert any(r.headers.get("api-key", "").startswith(case.key) for r in sent)
        queried = [
            v for r in sent for k, vs in r.query.items() if k.lower() == "api-key" for v in vs
        ]
        assert case.key in queried
        assert any(r.headers.get("openai-organization") == case.organization for r in sent)
        assert any(r.headers.get("openai-project") == case.project for r in sent)
        assert any(case.cookie in r.headers.get("cookie", "") for r in sent)
        assert any(r.headers.get("x-custom-auth") == f"Token {case.key}" for r in sent)
        outcomes = result.parseoutcomes()
        if case.update:
            assert outcomes.get("passed") == 1, result.stdout.str()
        else:
            assert outcomes.get("failed") == 1, result.stdout.str()  # a new golden is pending
        written = files_under(root)
        names = {p.name for p in written}
        assert "test_secrets.yaml" in names or "test_secrets.yaml.llmseed-pending" in names
        assert {"report.json", "report.html", "step_summary.md", "junit.xml"} <= names
        assert any(p.name.startswith("test_secrets.llm.yaml") for p in written)
        for path in written:
            data = path.read_bytes()
            for secret in (case.key, case.organization, case.project, case.cookie):
                assert secret.encode() not in data, f"{secret!r} leaked into {path}"
        # The answers that echoed the key were kept, redacted: the scrub did the work.
        cassette = next(p for p in written if p.name.startswith("test_secrets.yaml"))
        assert REDACTED in cassette.read_text(encoding="utf-8")

    check()

    assert len(examples) >= EXAMPLES // 2
    figure(request, "hypothesis_examples", len(examples))
    # Both branches of every choice were exercised.
    assert {c.update for c in examples} == {True, False}
    assert {c.stream for c in examples} == {True, False}
    assert len({c.error_status for c in examples}) >= 3


MISS = """
import openai

KEY = {key!r}

def test_x(seeded_llm):
    client = openai.OpenAI(api_key=KEY, max_retries=0)
    client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "{word} " + KEY}}], user=KEY
    )
"""


def test_a_miss_message_does_not_print_the_key(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    """The nearest-request diff of a miss shows the request, with the key redacted."""
    key = "sk-test-llmseed-miss-0123456789"
    pytester.makepyfile(test_miss=MISS.format(key=key, word="first"))
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    pytester.makepyfile(test_miss=MISS.format(key=key, word="second"))
    report = pytester.path / "report.json"
    result = pytester.runpytest(
        f"--llmseed-report={report}", f"--junitxml={pytester.path / 'j.xml'}"
    )
    result.assert_outcomes(failed=1)
    output = result.stdout.str() + result.stderr.str()
    assert "no recorded answer" in output
    assert "differs in" in output
    assert REDACTED in output
    assert key not in output
    for path in files_under(pytester.path):
        assert key.encode() not in path.read_bytes(), f"the key leaked into {path}"


def test_a_key_split_across_stream_chunks_is_redacted() -> None:
    """A model streams a key token by token: no chunk holds it, the joined deltas do."""
    key = "sk-test-llmseed-split-0123456789"
    pieces = ["Your key is ", key[:5], key[5:11], key[11:20], key[20:] + " — keep", " it safe"]
    events = [
        {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": p}}]}
        for p in pieces
    ]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    assert key not in body

    redacted = redact_body(body.encode(), [key]).decode()

    deltas = [
        json.loads(line[6:])["choices"][0]["delta"]["content"]
        for line in redacted.splitlines()
        if line.startswith("data: {")
    ]
    assert deltas == ["Your key is ", REDACTED, "", "", " — keep", " it safe"]
    assert redacted.endswith("data: [DONE]\n\n")


def test_a_key_hidden_by_json_escapes_in_a_stream_is_redacted() -> None:
    key = "sk-test-llmseed-escaped-0123456789"
    escaped = key.replace("-", "\\u002d")
    body = f'data: {{"choices":[{{"index":0,"delta":{{"content":"{escaped}"}}}}]}}\n\n'
    assert key not in body
    redacted = redact_body(body, [key])
    assert key not in json.loads(redacted.splitlines()[0][6:])["choices"][0]["delta"]["content"]
    assert REDACTED in redacted
