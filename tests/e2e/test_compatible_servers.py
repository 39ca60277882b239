"""OpenAI-compatible servers whose answers differ from OpenAI's (vLLM, Ollama, llama.cpp, a
bare server): no system_fingerprint, usage or id, extra fields, streams without [DONE] —
recorded, replayed and snapshotted without errors, on the test server's emulations."""

from __future__ import annotations

import pytest
import yaml
from helpers import record_then_replay_in_ci
from llm_server import FakeOpenAIServer

pytestmark = pytest.mark.sdk

CALLS = """
def test_chat(seeded_llm):
    answer = seeded_llm.client.chat.completions.create(
        model="local", messages=[{"role": "user", "content": "Say hello"}]
    )
    assert answer.choices[0].message.content.startswith("[Say hello]")
    assert answer == seeded_llm.snapshot

def test_stream_and_legacy(seeded_llm):
    stream = seeded_llm.client.chat.completions.create(
        model="local", messages=[{"role": "user", "content": "Stream it"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert seeded_llm.client.completions.create(model="local", prompt="Once").choices[0].text
    assert [c.request["seed"] for c in seeded_llm.calls] == [seeded_llm.seed] * 2
    assert seeded_llm.calls == seeded_llm.snapshot
"""


@pytest.mark.parametrize("shape", ["vllm", "ollama", "llamacpp", "bare"])
@pytest.mark.parametrize("stream_done", [True, False], ids=["done", "no-done"])
def test_compatible_server_shapes_record_replay_and_snapshot(
    pytester: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    shape: str,
    stream_done: bool,
) -> None:
    llm_env.shape = shape
    llm_env.stream_done = stream_done
    pytester.makepyfile(test_shape=CALLS)
    record_then_replay_in_ci(pytester, llm_env, monkeypatch, passed=2)
    golden = yaml.safe_load(
        (pytester.path / "__snapshots__" / "test_shape" / "test_chat.llm.yaml").read_text()
    )
    assert golden["output"][0]["content"].startswith("[Say hello]")
    assert golden["meta"]["seed"] == 1234
    if shape == "bare":
        assert "system_fingerprint" not in golden["meta"]
        assert "usage" not in golden["meta"]
    streamed = yaml.safe_load(
        (
            pytester.path / "__snapshots__" / "test_shape" / "test_stream_and_legacy.llm.yaml"
        ).read_text()
    )
    assert streamed["calls"][0]["output"][0]["content"].startswith("[Stream it]")
