"""Attack: a model answer holding text that is not valid Unicode (a lone surrogate).

JSON allows ``"\\ud800"``, which decodes to a lone surrogate: no UTF-8 file can hold it and
writing one raised UnicodeEncodeError in the middle of recording. It is now written as its
escape (the six characters ``\\ud800``), in the cassette and the golden alike, and replays.
"""

from __future__ import annotations

from typing import Any

import pytest
from llm_server import FakeOpenAIServer

TEST = """
def test_x(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Say hello"}]
    )
    assert out == seeded_llm.snapshot
"""


def completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_1",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": content, "refusal": None},
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
    }


@pytest.mark.parametrize(
    ("content", "written"),
    [
        ("bad \ud800 text", "bad \\ud800 text"),
        ("\udfff", "\\udfff"),
        ("a\ud83d\nb 🙂", "a\\ud83d"),  # half an emoji, then a whole one
    ],
)
def test_a_lone_surrogate_is_recorded_escaped_and_replays(
    content: str, written: str, pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_s=TEST)
    llm_env.fail_next(200, body=completion(content))  # json.dumps writes "\ud800" escapes
    result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    result.assert_outcomes(passed=1)
    assert "UnicodeEncodeError" not in result.stdout.str()
    cassette = (pytester.path / "cassettes" / "test_s" / "test_x.yaml").read_text("utf-8")
    golden = (pytester.path / "__snapshots__" / "test_s" / "test_x.llm.yaml").read_text("utf-8")
    for text in (cassette, golden):
        assert written in text
    pytester.runpytest().assert_outcomes(passed=1)


def test_ordinary_unicode_is_written_as_is(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_s=TEST)
    llm_env.fail_next(200, body=completion("é — 日本 🙂"))
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    golden = (pytester.path / "__snapshots__" / "test_s" / "test_x.llm.yaml").read_text("utf-8")
    assert "é — 日本 🙂" in golden
