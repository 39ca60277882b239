"""instructor: structured output through a wrapped OpenAI client (tools and JSON schema modes).

instructor cannot be installed beside openai 3.x (its jiter pin), so CI runs this with
openai 2.x (`frameworks-openai2` extra); skipped without it. Recorded against the test
server, replayed in CI mode with no key; seeds checked.
"""

from __future__ import annotations

import pytest
from helpers import record_then_replay_in_ci
from llm_server import FakeOpenAIServer

instructor = pytest.importorskip(
    "instructor", reason="instructor is not installed (extra: frameworks-openai2)"
)
import openai  # noqa: E402

# instructor registers its providers' modes when first used. pytester's in-process runs drop
# the modules first imported inside a run, and the next run would find an empty registry:
# used once here, they stay imported for every run.
for _mode in (instructor.Mode.TOOLS, instructor.Mode.JSON_SCHEMA):
    instructor.from_openai(openai.OpenAI(api_key="sk-test-warm-up"), mode=_mode)

pytestmark = pytest.mark.sdk

INSTRUCTOR = """
import asyncio
import instructor
import openai
from pydantic import BaseModel

class User(BaseModel):
    name: str
    age: int

ASK = [{"role": "user", "content": "Extract: Ada is 36."}]

def test_tools_mode(seeded_llm):
    client = instructor.from_openai(openai.OpenAI(max_retries=0))
    user = client.chat.completions.create(
        model="gpt-4o", response_model=User, messages=ASK, max_retries=0
    )
    assert isinstance(user, User)
    assert [c.request["seed"] for c in seeded_llm.calls] == [seeded_llm.seed]
    assert seeded_llm.calls == seeded_llm.snapshot

def test_json_schema_mode_async(seeded_llm):
    client = instructor.from_openai(openai.AsyncOpenAI(max_retries=0), mode=instructor.Mode.JSON_SCHEMA)
    user = asyncio.run(client.chat.completions.create(
        model="gpt-4o", response_model=User, messages=ASK, max_retries=0
    ))
    assert isinstance(user, User)
    assert [c.request["seed"] for c in seeded_llm.calls] == [seeded_llm.seed]
    assert seeded_llm.calls == seeded_llm.snapshot
"""


def test_instructor_records_replays_offline_and_snapshots(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_instructor=INSTRUCTOR)
    record_then_replay_in_ci(pytester, llm_env, monkeypatch, passed=2)
