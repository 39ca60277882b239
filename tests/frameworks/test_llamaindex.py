"""LlamaIndex (`llama-index-llms-openai`, which needs openai 2.x): complete, chat, stream, async.

LlamaIndex ignores OPENAI_BASE_URL (it reads OPENAI_API_BASE or ``api_base=``). Recorded
against the test server, replayed in CI mode with no key; seeds checked. Needs the
`frameworks-openai2` extra (CI installs it with openai 2.x); skipped without it.
"""

from __future__ import annotations

import pytest
from helpers import record_then_replay_in_ci
from llm_server import FakeOpenAIServer

pytest.importorskip(
    "llama_index.llms.openai",
    reason="llama-index-llms-openai is not installed (extra: frameworks-openai2, openai 2.x)",
)

pytestmark = pytest.mark.sdk

LLAMAINDEX = """
import asyncio
import os
from llama_index.core.llms import ChatMessage
from llama_index.llms.openai import OpenAI

def llm():
    return OpenAI(model="gpt-4o", api_base=os.environ["OPENAI_BASE_URL"], max_retries=0)

def seeds(seeded_llm):
    return [c.request.get("seed") for c in seeded_llm.calls]

def test_complete_chat_and_stream(seeded_llm):
    assert llm().complete("Say hello").text.startswith("[Say hello]")
    reply = llm().chat([ChatMessage(role="user", content="Chat with me")])
    assert reply.message.content.startswith("[Chat with me]")
    stream = llm().stream_chat([ChatMessage(role="user", content="Stream it")])
    assert "".join(r.delta or "" for r in stream).startswith("[Stream it]")
    assert seeds(seeded_llm) == [seeded_llm.seed] * 3
    assert seeded_llm.calls == seeded_llm.snapshot

def test_async_complete(seeded_llm):
    answer = asyncio.run(llm().acomplete("Say hello async"))
    assert answer.text.startswith("[Say hello async]")
    assert seeds(seeded_llm) == [seeded_llm.seed]
    assert seeded_llm.calls == seeded_llm.snapshot
"""


def test_llamaindex_records_replays_offline_and_snapshots(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    pytester.makepyfile(test_llamaindex=LLAMAINDEX)
    record_then_replay_in_ci(pytester, llm_env, monkeypatch, passed=2)
