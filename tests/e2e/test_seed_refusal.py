"""A server that refuses ``seed`` (400 naming it): the request goes again without ours."""

from __future__ import annotations

import json

import pytest
import yaml
from llm_server import FakeOpenAIServer

TESTS = """
import pytest

def ask(client, text, **kw):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}], **kw
    )

def test_first(seeded_llm):
    assert ask(seeded_llm.client, "first") == seeded_llm.snapshot
    assert seeded_llm.calls[0].unseeded == "unseeded (the server refused seed)"
    assert not seeded_llm.calls[0].seeded

def test_second(seeded_llm):
    ask(seeded_llm.client, "second")
    assert seeded_llm.calls == seeded_llm.snapshot
"""


def chat_bodies(server: FakeOpenAIServer) -> list[dict[str, object]]:
    return [r.json for r in server.requests if r.path.endswith("/chat/completions")]


def test_refused_seed_is_dropped_and_the_host_remembered(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.refuse_seed = True
    pytester.makepyfile(test_app=TESTS)
    result = pytester.runpytest(
        "--llmseed-record-mode=once", "--snapshot-update", "--llmseed-report=r.json"
    )
    result.assert_outcomes(passed=2)
    # The first request carried our seed and was refused; the resend and every later
    # request to that host (the second test) go without it.
    assert ["seed" in body for body in chat_bodies(llm_env)] == [True, False, False]
    for name in ("test_first", "test_second"):
        golden = (pytester.path / f"__snapshots__/test_app/{name}.llm.yaml").read_text()
        assert "seed: unseeded (the server refused seed)" in golden
        cassette = yaml.safe_load((pytester.path / f"cassettes/test_app/{name}.yaml").read_text())
        # The request that succeeded, and only that one: the 400 is not kept.
        [interaction] = cassette["interactions"]
        assert interaction["response"]["status"]["code"] == 200
        assert "seed" not in interaction["request"]["body"]
    tests = json.loads((pytester.path / "r.json").read_text())["tests"]
    assert [t["unseeded"] for t in tests] == [[1], [1]]
    result.stdout.fnmatch_lines(["*2 call(s) went out unseeded (the server refused seed)*"])

    # Replay: offline, the cassette holds the unseeded requests; our seed matches them.
    llm_env.reset()
    replay = pytester.runpytest("-k", "second")
    replay.assert_outcomes(passed=1)
    assert chat_bodies(llm_env) == []


def test_a_callers_own_seed_is_never_dropped(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.refuse_seed = True
    pytester.makepyfile(
        test_app="""
import openai, pytest

def test_own_seed(seeded_llm):
    with pytest.raises(openai.BadRequestError, match="seed"):
        seeded_llm.client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "x"}], seed=5
        )
"""
    )
    result = pytester.runpytest("--llmseed-record-mode=once")
    result.assert_outcomes(passed=1)
    assert [body.get("seed") for body in chat_bodies(llm_env)] == [5]
    # The caller's refusal is the truth of that test: recorded, and replayed offline.
    llm_env.reset()
    pytester.runpytest().assert_outcomes(passed=1)
    assert chat_bodies(llm_env) == []


def test_without_the_fallback_the_sdk_would_fail(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    """The server mode really refuses: a plain SDK call with a seed gets the 400."""
    llm_env.refuse_seed = True
    import openai

    client = openai.OpenAI(base_url=llm_env.base_url, api_key="sk-test-refusal")
    with pytest.raises(openai.BadRequestError, match="Unrecognized request argument supplied"):
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "x"}], seed=1
        )


def test_async_client_falls_back_too(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    llm_env.refuse_seed = True
    pytester.makepyfile(
        test_app="""
import asyncio

def test_async(seeded_llm):
    async def main():
        return await seeded_llm.async_client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "a"}]
        )
    assert asyncio.run(main()).choices[0].message.content
    assert seeded_llm.calls[0].unseeded
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    assert ["seed" in body for body in chat_bodies(llm_env)] == [True, False]


def test_under_xdist_each_worker_learns_the_host(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.refuse_seed = True
    pytester.makepyfile(test_app=TESTS)
    result = pytester.runpytest(
        "-n", "2", "--llmseed-record-mode=once", "--snapshot-update", "--llmseed-report=r.json"
    )
    result.assert_outcomes(passed=2)
    bodies = chat_bodies(llm_env)
    # Each worker pays for one refusal at most, and every answer was unseeded.
    assert 3 <= len(bodies) <= 4
    tests = json.loads((pytester.path / "r.json").read_text())["tests"]
    assert [t["unseeded"] for t in tests] == [[1], [1]]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, b'{"error": {"message": "Unrecognized request argument supplied: seed"}}', True),
        (400, b'{"error": {"message": "bad value", "param": "seed"}}', True),
        # vLLM / pydantic style: the location names the field
        (400, b'{"detail": [{"loc": ["body", "seed"], "msg": "Extra inputs"}]}', True),
        (400, b"Unrecognized request argument supplied: seed", True),
        (400, b'{"error": {"message": "max_tokens is too large"}}', False),
        # a prompt echoed outside the error does not count
        (400, b'{"error": {"message": "too long"}, "echo": "plant a seed"}', False),
        (200, b'{"error": {"message": "seed"}}', False),
        (500, b"Unrecognized request argument supplied: seed", False),
    ],
)
def test_names_seed(status: int, body: bytes, expected: bool) -> None:
    from pytest_llmseed.interception.refusal import names_seed

    assert names_seed(status, body) is expected


def test_refused_hosts_are_remembered_by_scheme_host_and_port() -> None:
    from pytest_llmseed.interception.refusal import RefusedHosts

    hosts = RefusedHosts()
    assert not hosts
    hosts.add("http://127.0.0.1:8000/v1/chat/completions")
    assert "http://127.0.0.1:8000/v1/completions" in hosts
    assert "HTTP://127.0.0.1:8000/other" in hosts
    assert "http://127.0.0.1:8001/v1/chat/completions" not in hosts
    assert "https://127.0.0.1:8000/v1/chat/completions" not in hosts
