"""Matching as configuration: ``llmseed_match_on`` and ``match_on=``, the base URL left out by
default, the same host first, and the miss message's nearest request and host-only case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import TEST_KEY
from llm_server import FakeOpenAIServer

pytestmark = pytest.mark.sdk

CHAT = """
import pytest

def ask(client, text, model="gpt-4o"):
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}]
    ).choices[0].message.content
"""

ONE = (
    CHAT
    + """
def test_x(seeded_llm):
    print("ANSWER", ask(seeded_llm.client, "hello"))
"""
)

HOST_MATCH = (
    "[pytest]\nllmseed_match_on =\n    method\n    host\n    port\n    path\n    query\n    body\n"
)


def cassette_of(pytester: pytest.Pytester, module: str = "test_m") -> Path:
    return pytester.path / "cassettes" / module / "test_x.yaml"


def record(pytester: pytest.Pytester, source: str, *args: str) -> None:
    pytester.makepyfile(test_m=source)
    pytester.runpytest("--llmseed-record-mode=once", *args).assert_outcomes(passed=1)


def test_default_replays_a_cassette_recorded_on_another_port_with_no_base_url(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, offline: None
) -> None:
    with FakeOpenAIServer() as other:
        monkeypatch.setenv("OPENAI_BASE_URL", other.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
        record(pytester, ONE)
        assert len(other.requests) == 1
    # The recording server is gone; no base URL: the SDK would go to api.openai.com.
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*ANSWER *"])
    assert "127.0.0.1" in cassette_of(pytester).read_text()


def test_host_in_match_on_misses_saying_it_differs_only_in_host(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(HOST_MATCH)
    record(pytester, ONE)
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*nearest recorded request (#1 of 1) differs in:",
            "*host: '127.0.0.1' -> 'api.openai.com'",
            "*it differs from the recording only in its host: recorded from "
            f"http://127.0.0.1:{llm_env.port}, sent to https://api.openai.com:443.",
            "*set OPENAI_BASE_URL*to the recorded one*or leave host port out of llmseed_match_on*",
        ]
    )
    # No advice to record it again from api.openai.com: the base URL is the problem.
    assert "To record it from" not in result.stdout.str()
    assert len(llm_env.requests) == 1


def test_marker_match_on_overrides_the_ini(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(HOST_MATCH)
    record(pytester, ONE)
    monkeypatch.delenv("OPENAI_BASE_URL")
    marked = ONE.replace(
        "def test_x", '@pytest.mark.llmseed(match_on=["method", "path", "body"])\ndef test_x'
    )
    pytester.makepyfile(test_m=marked)
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(llm_env.requests) == 1


@pytest.mark.parametrize(
    ("ini", "marker", "expected"),
    [
        (
            "llmseed_match_on =\n    method\n    hostname\n",
            "",
            "*llmseed_match_on in *tox.ini: unknown name 'hostname'; allowed: method, scheme, "
            "host, port, path, query, body*",
        ),
        (
            "",
            '@pytest.mark.llmseed(match_on=["url"])\n',
            # fnmatch: ? for the list's brackets
            "*@pytest.mark.llmseed: match_on=?'url'?: unknown name 'url'; allowed: method, "
            "scheme, host, port, path, query, body*",
        ),
        (
            "",
            '@pytest.mark.llmseed(match_on="host")\n',
            "*match_on='host': must be a list of names*",
        ),
    ],
)
def test_bad_match_on_is_a_usage_error(
    pytester: pytest.Pytester, ini: str, marker: str, expected: str
) -> None:
    pytester.makefile(".ini", tox="[pytest]\n" + ini)
    pytester.makepyfile(test_m=f"import pytest\n{marker}def test_x(seeded_llm):\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([expected])


def two_hosts(cassette: Path, gateway: str) -> None:
    """The recorded exchange doubled: first the same request from ``gateway``, which
    answered 'from the gateway', then the original."""
    data = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    [local] = data["interactions"]
    other = json.loads(json.dumps(local))
    other["request"]["uri"] = f"http://{gateway}/v1/chat/completions"
    body = other["response"]["body"]
    if "json" in body:
        body["json"]["choices"][0]["message"]["content"] = "from the gateway"
    else:
        answer = json.loads(body["string"])
        answer["choices"][0]["message"]["content"] = "from the gateway"
        body["string"] = json.dumps(answer)
    data["interactions"] = [other, local]
    cassette.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_among_several_matches_the_same_host_wins(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    record(pytester, ONE)
    local_answer = yaml.safe_load(cassette_of(pytester).read_text())["interactions"][0]
    two_hosts(cassette_of(pytester), "llm-gateway.internal:8080")
    twice = (
        CHAT
        + """
def test_x(seeded_llm):
    print("FIRST", ask(seeded_llm.client, "hello"))
    print("SECOND", ask(seeded_llm.client, "hello"))
"""
    )
    pytester.makepyfile(test_m=twice)
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    # vcrpy alone plays the file's first match (the gateway's); ours is the same host's,
    # and the other host's answer is left for a second identical request.
    out = result.stdout.str()
    assert "FIRST from the gateway" not in out
    assert "SECOND from the gateway" in out
    assert len(llm_env.requests) == 1
    assert local_answer is not None


def test_miss_shows_the_request_with_fewest_differences_without_the_seed(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    recorded = (
        CHAT
        + """
@pytest.mark.llmseed(inject_seed=False)
def test_x(seeded_llm):
    ask(seeded_llm.client, "alpha", model="gpt-4o")
    ask(seeded_llm.client, "beta", model="gpt-4o-mini")
"""
    )
    record(pytester, recorded)
    # Seeded now (the recording has none: tolerated); differs from #1 in model and
    # content, from #2 in content only.
    changed = (
        CHAT
        + """
def test_x(seeded_llm):
    ask(seeded_llm.client, "gamma", model="gpt-4o-mini")
"""
    )
    pytester.makepyfile(test_m=changed)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*nearest recorded request (#2 of 2) differs in:"])
    out = result.stdout.str()
    message = out[out.index("nearest recorded request") : out.index("To record it")]
    assert '"beta" → "gamma"' in message
    assert "seed" not in message
    assert "model" not in message
