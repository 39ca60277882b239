"""conftest hooks: ``pytest_llmseed_before_record_request`` / ``_response`` and
``pytest_llmseed_inject_seed``, from conftest files at two levels, serially and under xdist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from llm_server import FakeOpenAIServer

ROOT_CONFTEST = """
import json

def pytest_llmseed_before_record_request(request):
    body = json.loads(request.body or b"{}")
    if "ephemeral" in json.dumps(body):
        return None  # never recorded
    return request

def pytest_llmseed_before_record_response(response):
    response["headers"]["X-Recorded-By"] = ["root conftest"]
    return response
"""
# Applies to the tests in sub/ only: the user id changes from run to run there.
SUB_CONFTEST = """
import json

def pytest_llmseed_before_record_request(request):
    body = json.loads(request.body)
    body["user"] = "anonymous"
    request.body = json.dumps(body).encode()
    return request

def pytest_llmseed_inject_seed(request, seed):
    return json.loads(request.body)["model"] != "no-seed-model"
"""
TESTS = """
import os

def ask(client, model="gpt-4o", text="hello"):
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}], user=os.environ["APP_USER"]
    ).choices[0].message.content

def test_ask(seeded_llm):
    assert ask(seeded_llm.client)
    assert ask(seeded_llm.client, model="no-seed-model")
"""


def interactions(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text())["interactions"]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(ROOT_CONFTEST)
    pytester.makepyfile(test_top=TESTS)
    sub = pytester.mkpydir("sub")
    (sub / "conftest.py").write_text(SUB_CONFTEST)
    (sub / "test_sub.py").write_text(TESTS)
    return pytester


def test_hooks_from_conftest_files_apply_to_their_directories(
    project: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("APP_USER", "user-1")
    project.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=2)
    sent = {(r.path, r.json["model"], "seed" in r.json) for r in llm_env.requests}
    # The sub conftest's seed hook: no seed for one model there; the top test seeds both.
    assert sum(1 for r in llm_env.requests if "seed" not in r.json) == 1
    assert ("/v1/chat/completions", "no-seed-model", False) in sent
    top = interactions(project.path / "cassettes" / "test_top" / "test_ask.yaml")
    sub = interactions(project.path / "sub" / "cassettes" / "test_sub" / "test_ask.yaml")
    # The root conftest's response hook applies everywhere, the sub one's request hook in sub/.
    for recorded in (*top, *sub):
        assert recorded["response"]["headers"]["X-Recorded-By"] == ["root conftest"]
    assert [i["request"]["body"]["json"]["user"] for i in top] == ["user-1", "user-1"]
    assert [i["request"]["body"]["json"]["user"] for i in sub] == ["anonymous", "anonymous"]
    assert [i["request"]["body"]["json"].get("seed") for i in sub] == [1234, None]

    # Replayed offline with another user: sub/ matches (its hook rewrites the live request
    # too); the top test does not, since no hook there says the user does not matter.
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("APP_USER", "user-2")
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_top.py::test_ask*"])
    assert len(llm_env.requests) == 4


def test_a_request_or_response_hook_returning_none_leaves_it_unrecorded(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(
        ROOT_CONFTEST
        + """
def pytest_llmseed_before_record_response(response):
    return None if b"forget me" in response["body"]["string"] else response
"""
    )
    pytester.makepyfile(
        test_drop="""
def ask(client, text):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    ).choices[0].message.content

def test_x(seeded_llm):
    ask(seeded_llm.client, "kept")
    ask(seeded_llm.client, "ephemeral question")
    ask(seeded_llm.client, "forget me")
    assert len(seeded_llm.calls) == 3
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    recorded = interactions(pytester.path / "cassettes" / "test_drop" / "test_x.yaml")
    assert [i["request"]["body"]["json"]["messages"][0]["content"] for i in recorded] == ["kept"]
    # In replay a dropped request is a miss, never a request to the network.
    monkeypatch.delenv("OPENAI_API_KEY")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no recorded answer for this request*"])
    assert len(llm_env.requests) == 3


def test_implementations_chain_nearest_conftest_first(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makeconftest(
        """
import json

def pytest_llmseed_before_record_request(request):
    body = json.loads(request.body)
    body["metadata"] = {"order": body.get("metadata", {}).get("order", "") + "root"}
    request.body = json.dumps(body).encode()
    return request
"""
    )
    sub = pytester.mkpydir("sub")
    (sub / "conftest.py").write_text(
        """
import json
from vcr.request import Request

def pytest_llmseed_before_record_request(request):
    body = json.loads(request.body)
    body["metadata"] = {"order": "sub,"}
    # A new object: the next implementation gets this one.
    return Request(request.method, request.uri, json.dumps(body).encode(), request.headers)
"""
    )
    (sub / "test_chain.py").write_text(
        """
def test_x(seeded_llm):
    seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
    )
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    [recorded] = interactions(sub / "cassettes" / "test_chain" / "test_x.yaml")
    assert recorded["request"]["body"]["json"]["metadata"] == {"order": "sub,root"}
    assert "metadata" not in json.loads(llm_env.requests[-1].body)  # only what is recorded


def test_the_hookspecs_are_registered(pytester: pytest.Pytester) -> None:
    """A misspelt hook in a conftest is an error pytest reports, as for its own hooks."""
    pytester.makeconftest("def pytest_llmseed_before_record_requests(request):\n    return 1\n")
    pytester.makepyfile(test_x="def test_x(): pass\n")
    result = pytester.runpytest()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unknown hook*pytest_llmseed_before_record_requests*"])
