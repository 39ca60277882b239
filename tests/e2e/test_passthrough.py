"""Only LLM traffic is intercepted: a test's own HTTP, pytest-httpx's and respx's mocks pass
through untouched in every record mode; raw requests to ``llmseed_record_hosts`` are recorded."""

from __future__ import annotations

import pytest
import yaml
from conftest import TEST_KEY
from llm_server import FakeOpenAIServer

pytestmark = pytest.mark.sdk

ASK = f"""
import httpx
import pytest

KEY = {TEST_KEY!r}

def ask(client, text):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": text}}]
    ).choices[0].message.content
"""


def cassette_of(pytester: pytest.Pytester) -> dict:  # type: ignore[type-arg]
    path = pytester.path / "cassettes" / "test_p" / "test_x.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("mode", ["none", "once"])
def test_a_plain_request_to_a_local_server_passes_through(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, mode: str
) -> None:
    pytester.makepyfile(
        test_p=ASK
        + """
import os

def test_x(seeded_llm):
    ask(seeded_llm.client, "hi")
    # The test's own HTTP to a local server (not an SDK's request).
    models = httpx.get(
        os.environ["OPENAI_BASE_URL"] + "/models", headers={"Authorization": "Bearer " + KEY}
    )
    assert models.status_code == 200 and models.json()["object"] == "list"
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    assert [r.path for r in llm_env.requests] == ["/v1/chat/completions", "/v1/models"]
    # Replayed (none) or with the cassette already there (once): the LLM call from the
    # cassette, the test's own request to the server, each time.
    pytester.runpytest(f"--llmseed-record-mode={mode}").assert_outcomes(passed=1)
    assert [r.path for r in llm_env.requests][2:] == ["/v1/models"]
    [interaction] = cassette_of(pytester)["interactions"]
    assert interaction["request"]["uri"].endswith("/v1/chat/completions")


@pytest.mark.parametrize("order", ["httpx_mock, seeded_llm", "seeded_llm, httpx_mock"])
def test_pytest_httpx_mocks_keep_working(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, order: str
) -> None:
    pytest.importorskip("pytest_httpx")
    pytester.makepyfile(
        test_p=ASK
        + f"""
# openai 1.x/2.x send through httpx too: pytest-httpx mocks only the test's own request.
@pytest.mark.httpx_mock(should_mock=lambda request: request.url.port == 9)
def test_x({order}):
    httpx_mock.add_response(url="http://127.0.0.1:9/status", json={{"ok": True}})
    assert httpx.get("http://127.0.0.1:9/status").json() == {{"ok": True}}
    assert ask(seeded_llm.client, "hi")
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(passed=1)  # replayed: pytest-httpx's mock still answers
    assert [r.path for r in llm_env.requests] == ["/v1/chat/completions"]
    assert len(cassette_of(pytester)["interactions"]) == 1


def test_respx_mocks_keep_working(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    pytest.importorskip("respx")
    pytester.makepyfile(
        test_p=ASK
        + """
import os
import respx

@respx.mock
def test_x(seeded_llm):
    # openai 1.x/2.x send through httpx too: respx lets the SDK's requests by.
    respx.route(url__startswith=os.environ["OPENAI_BASE_URL"]).pass_through()
    route = respx.get("http://127.0.0.1:9/status").respond(json={"ok": True})
    assert httpx.get("http://127.0.0.1:9/status").json() == {"ok": True}
    assert route.called
    assert ask(seeded_llm.client, "hi")
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(passed=1)
    assert [r.path for r in llm_env.requests] == ["/v1/chat/completions"]


RAW = (
    ASK
    + """
import os

def test_x(seeded_llm):
    reply = httpx.post(
        os.environ["OPENAI_BASE_URL"] + "/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "raw"}]},
        headers={"Authorization": "Bearer " + KEY},
    )
    assert reply.status_code == 200
    print("RAW", reply.json()["choices"][0]["message"]["content"])
"""
)


def test_raw_requests_to_record_hosts_are_recorded(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makeini("[pytest]\nllmseed_record_hosts =\n    127.0.0.1\n")
    pytester.makepyfile(test_p=RAW)
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    [interaction] = cassette_of(pytester)["interactions"]
    assert interaction["request"]["uri"].endswith("/v1/chat/completions")
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*RAW *"])
    assert len(llm_env.requests) == 1  # replayed from the cassette


def test_raw_requests_to_other_hosts_are_not_recorded(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_p=RAW)
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(passed=1)  # record mode none: still live
    assert len(llm_env.requests) == 2
    assert not (pytester.path / "cassettes" / "test_p" / "test_x.yaml").exists()


def test_bad_record_host_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", tox="[pytest]\nllmseed_record_hosts =\n    https://gw.internal/v1\n")
    pytester.makepyfile(test_p="def test_x(seeded_llm):\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*llmseed_record_hosts in *tox.ini: 'https://gw.internal/v1' is not a host name*"]
    )


def test_a_mock_of_an_earlier_test_never_answers_a_later_ones_llm_request(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    # vcrpy sends recorded traffic to the transport methods in place when its patch module
    # was first imported: that must not be an earlier test's pytest-httpx mock.
    pytest.importorskip("pytest_httpx")
    pytester.makepyfile(
        test_p=ASK
        + """
import openai

def test_x(httpx_mock, seeded_llm):  # its mock answers every httpx request of test_x
    httpx_mock.add_response(url="http://127.0.0.1:9/status", json={"ok": True})
    assert httpx.get("http://127.0.0.1:9/status").json() == {"ok": True}

def test_y(seeded_llm):
    # The SDK over httpx (as openai 1.x/2.x, or a legacy client given to 3.x).
    with httpx.Client() as http:
        assert ask(openai.OpenAI(http_client=http), "hi")
"""
    )
    # A fresh process, test_x first: nothing has imported vcrpy's patch module before it.
    result = pytester.runpytest_subprocess(
        "--llmseed-record-mode=once", "test_p.py::test_x", "test_p.py::test_y"
    )
    result.assert_outcomes(passed=2)
    assert len(llm_env.requests) == 1
