"""Guarantee: with record mode ``none`` no socket is opened, to any host.

Connections are counted at the socket level, in the process under test: a conftest wraps
``socket.socket.connect`` / ``connect_ex``, ``socket.create_connection`` and
``socket.getaddrinfo`` and appends every attempt to a log. The recording run shows the
counter works; the replay runs (a fresh process whose base URL is the real
``https://api.openai.com``, and one pointed at a live, reachable server) must log nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_server import FakeOpenAIServer

# SDK-facing: CI runs these under openai 2.x as well (`pytest -m sdk`, .ci/run).
pytestmark = pytest.mark.sdk

SOCKET_SPY = '''
"""Log every attempt to open a network connection (or resolve a name) in this process."""
import json, os, socket

LOG = os.environ["SOCKET_LOG"]
_saved = {}


def _note(kind, target):
    with open(LOG, "a", encoding="utf-8") as handle:
        handle.write(json.dumps([kind, repr(target)]) + "\\n")


def _wrap(owner, name):
    original = getattr(owner, name)
    _saved[(owner, name)] = original

    def spy(*args, **kwargs):
        target = args[1] if owner is socket.socket else (args[0] if args else kwargs)
        _note(name, target)
        return original(*args, **kwargs)

    setattr(owner, name, spy)


def pytest_configure(config):
    for owner, name in [
        (socket.socket, "connect"),
        (socket.socket, "connect_ex"),
        (socket, "create_connection"),
        (socket, "getaddrinfo"),
    ]:
        _wrap(owner, name)


def pytest_unconfigure(config):
    for (owner, name), original in _saved.items():
        setattr(owner, name, original)
'''

APP = '''
"""Code under test: builds its own clients, sync and async, every endpoint kind."""
import asyncio, os, openai

PROMPT = os.environ.get("PROMPT", "recorded")

def test_sync_chat(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "sync"}]
    )
    assert out.choices[0].message.content.startswith("[sync]")

def test_async_and_streamed(seeded_llm):
    async def main():
        client = openai.AsyncOpenAI()
        plain = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "async"}]
        )
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "streamed"}], stream=True
        )
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        return plain.choices[0].message.content, "".join(parts)
    plain, streamed = asyncio.run(main())
    assert plain.startswith("[async]") and streamed.startswith("[streamed]")

def test_own_client_legacy_and_responses(seeded_llm):
    client = openai.OpenAI()
    text = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="legacy")
    answer = client.responses.create(model="gpt-4o", input="responses")
    assert text.choices[0].text.startswith("[legacy]")
    assert answer.output_text.startswith("[responses]")

def test_prompt_from_env(seeded_llm):
    # The replay sets PROMPT to something never recorded: a miss, caught or not.
    try:
        seeded_llm.client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": PROMPT}]
        )
    except Exception:
        pass
'''

REAL_HOST = "https://api.openai.com/v1"


def attempts(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def figure(request: pytest.FixtureRequest, name: str, value: object) -> None:
    """Report one of the guarantee's figures: a JUnit property, and printed (see ``-rP``)."""
    request.node.user_properties.append((name, value))
    print(f"{name} = {value}")


@pytest.fixture
def recorded(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The app's cassettes, recorded live, then moved to the real OpenAI host."""
    log = pytester.path / "sockets.log"
    monkeypatch.setenv("SOCKET_LOG", str(log))
    pytester.makeconftest(SOCKET_SPY)
    pytester.makepyfile(test_app=APP)
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=4)
    # The spy sees the recording's connections: it would see a replay's.
    connected = {target for kind, target in attempts(log) if kind == "connect"}
    assert connected == {f"('127.0.0.1', {llm_env.port})"}
    assert len(llm_env.requests) == 6
    cassettes = sorted((pytester.path / "cassettes" / "test_app").glob("*.yaml"))
    assert len(cassettes) == 4
    for cassette in cassettes:
        text = cassette.read_text(encoding="utf-8")
        cassette.write_text(text.replace(llm_env.base_url, REAL_HOST), encoding="utf-8")
    log.unlink()
    return log


def test_replay_opens_no_socket_even_for_the_real_api_host(
    pytester: pytest.Pytester,
    recorded: Path,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    # A fresh process, as CI runs it: no key, no base URL (the SDK's default is the real
    # api.openai.com), and a test that asks something never recorded.
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("PROMPT", "never recorded")
    connections = llm_env.connections
    lean = ("-pno:cacheprovider", "-pno:xdist", "-pno:hypothesispytest", "-pno:anyio")
    result = pytester.runpytest_subprocess(*lean, "--llmseed-record-mode=none")

    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*llmseed: no recorded answer for this request",
            f"*request:  POST {REAL_HOST}/chat/completions",
        ]
    )
    opened = attempts(recorded)
    figure(request, "sockets_opened_in_replay", len(opened))
    assert opened == []
    assert llm_env.connections == connections  # nothing reached the test server either


def test_replay_pointed_at_a_live_server_does_not_contact_it(
    pytester: pytest.Pytester,
    recorded: Path,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server is up and the key is set, yet record mode none never connects."""
    connections = llm_env.connections
    # The host is not matched by default: every request replays from the recordings made
    # for another host, and none connects.
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)
    assert attempts(recorded) == []
    assert llm_env.connections == connections
    # With the host matched, every request differs from the recordings: all miss, none connects.
    pytester.makeini("[pytest]\nllmseed_match_on =\n    method\n    host\n    path\n    body\n")
    result = pytester.runpytest("-p", "no:cacheprovider")  # default record mode: none
    result.assert_outcomes(failed=4)
    assert result.stdout.str().count("no recorded answer for this request") == 4
    assert attempts(recorded) == []
    assert llm_env.connections == connections
    assert len(llm_env.requests) == 6
