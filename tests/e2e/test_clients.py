"""``seeded_llm.client`` / ``async_client``: built from the environment, shared when it agrees."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import pytest
from llm_server import FakeOpenAIServer

# SDK-facing: CI runs these under openai 2.x as well (`pytest -m sdk`, .ci/run).
pytestmark = pytest.mark.sdk


@pytest.fixture
def seen(pytester: pytest.Pytester) -> Any:
    """A module the inner tests append their clients to; the outer test keeps it imported."""
    pytester.makepyfile(
        seen="""
CLIENTS = []
ASYNC_CLIENTS = []

def ask(client, text):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    ).choices[0].message.content
"""
    )
    pytester.syspathinsert()
    # Imported before the inner run, so pytester's restore of sys.modules keeps this copy.
    module = importlib.import_module("seen")
    yield module
    sys.modules.pop("seen", None)


def inner_tests(pytester: pytest.Pytester, name: str, tests: str) -> None:
    """A test module of the inner run, with ``seen`` and its ``ask`` imported."""
    pytester.makepyfile(**{name: "import seen\nfrom seen import ask\n" + tests})


def test_sync_client_is_shared_by_tests_with_the_same_settings_and_closed_at_the_end(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, seen: Any
) -> None:
    inner_tests(
        pytester,
        "test_shared",
        """
import asyncio

def test_a(seeded_llm):
    seen.CLIENTS.append(seeded_llm.client)
    seen.ASYNC_CLIENTS.append(seeded_llm.async_client)
    assert ask(seeded_llm.client, "first")
    assert seeded_llm.client is seen.CLIENTS[0]  # the same for the whole test

def test_b(seeded_llm):
    seen.CLIENTS.append(seeded_llm.client)
    seen.ASYNC_CLIENTS.append(seeded_llm.async_client)
    assert ask(seeded_llm.client, "second")

def test_c_other_settings(seeded_llm, monkeypatch):
    monkeypatch.setenv("OPENAI_ORG_ID", "org-test-other")
    seen.CLIENTS.append(seeded_llm.client)
    assert seeded_llm.client.organization == "org-test-other"
    assert ask(seeded_llm.client, "third")
""",
    )
    result = pytester.runpytest_inprocess("--llmseed-record-mode=once", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    first, second, other = seen.CLIENTS
    assert first is second
    assert other is not first
    assert other.organization == "org-test-other"
    # Async clients belong to their test's event loop: never shared.
    assert seen.ASYNC_CLIENTS[0] is not seen.ASYNC_CLIENTS[1]
    # The session closed what it shared.
    assert first.is_closed()
    assert other.is_closed()
    assert len(llm_env.requests) == 3

    # The same tests replay from their cassettes, with the server's answers unused.
    llm_env.reset()
    seen.CLIENTS.clear()
    seen.ASYNC_CLIENTS.clear()
    replay = pytester.runpytest_inprocess("-p", "no:randomly")
    replay.assert_outcomes(passed=3)
    assert llm_env.requests == []
    assert seen.CLIENTS[0] is seen.CLIENTS[1]
    assert not set(map(id, seen.CLIENTS)) & {id(first), id(other)}


def test_a_client_closed_by_a_test_is_not_handed_to_the_next(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, seen: Any
) -> None:
    inner_tests(
        pytester,
        "test_closing",
        """
def test_a(seeded_llm):
    with seeded_llm.client as client:  # closes it on the way out
        assert ask(client, "first")
    seen.CLIENTS.append(client)

def test_b(seeded_llm):
    seen.CLIENTS.append(seeded_llm.client)
    assert ask(seeded_llm.client, "second")
""",
    )
    result = pytester.runpytest_inprocess("--llmseed-record-mode=once", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    closed, fresh = seen.CLIENTS
    assert fresh is not closed
