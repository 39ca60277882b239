"""Credentials never reach a file: headers, query parameters, bodies, cookies."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TEST_KEY
from llm_server import FakeOpenAIServer

# SDK-facing: CI runs these under openai 2.x as well (`pytest -m sdk`, .ci/run).
pytestmark = pytest.mark.sdk

ORG = "org-test-secretorganization"
PROJECT = "proj_test-secretproject"
COOKIE = "__cf_bm=test-cookie-value-123456"


def written_files(root: Path) -> list[Path]:
    """Everything but the test modules themselves (which name the key on purpose)."""
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"
    ]


def assert_nowhere(root: Path, *needles: str) -> int:
    files = written_files(root)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, f"{needle!r} leaked into {path}"
    return len(files)


def test_recorded_cassettes_hold_no_trace_of_the_key(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", ORG)
    monkeypatch.setenv("OPENAI_PROJECT_ID", PROJECT)
    llm_env.set_cookie = COOKIE
    # A 400 is a real answer and is recorded; this one echoes the key back.
    llm_env.fail_next(
        400, body={"error": {"message": f"Incorrect API key provided: {TEST_KEY}", "type": "x"}}
    )
    pytester.makepyfile(
        test_keys=f"""
import openai, pytest

KEY = {TEST_KEY!r}

def test_x(seeded_llm):
    client = seeded_llm.client.with_options(default_query={{"api-key": KEY}})
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": "a"}}])
    # The key as data in the body, and in a streamed answer's echo of the prompt.
    client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": KEY}}], user=KEY
    )
    for _ in client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": KEY}}], stream=True
    ):
        pass
    assert len(seeded_llm.calls) == 3
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    # The key really was sent everywhere we claim to scrub it from.
    sent = llm_env.requests[-1]
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert sent.headers["openai-organization"] == ORG
    assert sent.query["api-key"] == [TEST_KEY]
    cassette = pytester.path / "cassettes" / "test_keys" / "test_x.yaml"
    text = cassette.read_text()
    assert "<llmseed:redacted>" in text
    assert assert_nowhere(pytester.path, TEST_KEY, ORG, PROJECT, COOKIE, "sk-test-") >= 2
    # And what was recorded still replays (the key is redacted the same way on both sides).
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(llm_env.requests) == 3


def test_azure_api_key_header_and_query_parameter(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    azure_key = "sk-test-azure-key-abcdef0123456789"
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", azure_key)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", llm_env.root_url)
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-06-01")
    pytester.makepyfile(
        test_azure=f"""
import openai

def test_x(seeded_llm):
    client = openai.AzureOpenAI(default_query={{"api-key": {azure_key!r}}})
    out = client.chat.completions.create(
        model="my-deployment", messages=[{{"role": "user", "content": "azure"}}]
    )
    assert out.choices[0].message.content.startswith("[azure]")
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    assert llm_env.requests[0].headers["api-key"] == azure_key
    assert llm_env.requests[0].json["seed"] == 1234
    assert_nowhere(pytester.path, azure_key, TEST_KEY)
    text = (pytester.path / "cassettes" / "test_azure" / "test_x.yaml").read_text()
    assert "/openai/deployments/my-deployment/chat/completions" in text
    assert "api-version=2024-06-01" in text
    # Replays with no key at all.
    monkeypatch.delenv("AZURE_OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_API_KEY")
    pytester.makepyfile(
        test_azure="""
import openai

def test_x(seeded_llm):
    out = openai.AzureOpenAI().chat.completions.create(
        model="my-deployment", messages=[{"role": "user", "content": "azure"}]
    )
    assert out.choices[0].message.content.startswith("[azure]")
"""
    )
    # The recorded request had the api-key query parameter, which matching ignores once removed.
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert len(llm_env.requests) == 1
