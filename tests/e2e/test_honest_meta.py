"""Honest meta: a golden never claims a seed that was not sent. A call replayed from a
cassette recorded without one, an API without one and a server that refused it each say
``unseeded`` and why; a call recorded with the seed says the seed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from llm_server import FakeOpenAIServer

PLAIN_VCRPY = """
import openai, pytest

@pytest.mark.vcr
def test_x({fixture}):
    client = openai.OpenAI()
    out = client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "migrate"}}]
    )
    {check}
"""

RESPONSES = """
def test_x(seeded_llm):
    assert seeded_llm.client.responses.create(model="gpt-4o", input="hi") == seeded_llm.snapshot
"""


def meta(pytester: pytest.Pytester, module: str) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(
        (pytester.path / "__snapshots__" / module / "test_x.llm.yaml").read_text()
    )
    assert isinstance(data, dict)
    return dict(data["meta"])


def test_a_cassette_recorded_without_a_seed_gives_an_unseeded_golden(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    # Recorded by pytest-recording itself: no seed reaches the server or the cassette.
    pytester.makepyfile(test_mig=PLAIN_VCRPY.format(fixture="", check="assert out"))
    pytester.runpytest("-p", "recording", "--record-mode=once").assert_outcomes(passed=1)
    assert "seed" not in llm_env.requests[0].json
    assert (pytester.path / "cassettes" / "test_mig" / "test_x.yaml").is_file()
    # Replayed by seeded_llm (which injects 1234 and tolerates its absence), golden written.
    pytester.makepyfile(
        test_mig=PLAIN_VCRPY.format(
            fixture="seeded_llm", check="assert out == seeded_llm.snapshot"
        ).replace("@pytest.mark.vcr", "")
    )
    llm_env.reset()
    pytester.runpytest("-p", "no:recording", "--snapshot-update").assert_outcomes(passed=1)
    assert llm_env.requests == []
    assert meta(pytester, "test_mig")["seed"] == "unseeded (recorded without one)"
    # The calls say so too, and the run summary does not blame the server.
    result = pytester.runpytest("-p", "no:recording")
    result.assert_outcomes(passed=1)
    assert "refused seed" not in result.stdout.str()


def test_a_cassette_recorded_with_the_seed_says_the_seed(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        test_seeded=PLAIN_VCRPY.format(
            fixture="seeded_llm", check="assert out == seeded_llm.snapshot"
        ).replace("@pytest.mark.vcr", "")
    )
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    assert meta(pytester, "test_seeded")["seed"] == 1234
    # Replayed: the recorded request carries 1234, so the golden still matches as it is.
    golden = pytester.path / "__snapshots__" / "test_seeded" / "test_x.llm.yaml"
    before = golden.read_bytes()
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=1)
    assert golden.read_bytes() == before


def test_the_responses_api_says_it_has_no_seed(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, tmp_path: Path
) -> None:
    pytester.makepyfile(test_resp=RESPONSES)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    assert "seed" not in llm_env.requests[0].json
    assert meta(pytester, "test_resp")["seed"] == "unseeded (the Responses API takes no seed)"
    pytester.runpytest().assert_outcomes(passed=1)
