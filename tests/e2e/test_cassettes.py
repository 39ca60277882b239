"""Cassettes: naming, record modes, matching, readable storage, replay that never rewrites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import TEST_KEY
from llm_server import FakeOpenAIServer

# SDK-facing: CI runs these under openai 2.x as well (`pytest -m sdk`, .ci/run).
pytestmark = pytest.mark.sdk

CHAT = """
import pytest

def ask(client, text, **kw):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}], **kw
    ).choices[0].message.content
"""


def write_module(pytester: pytest.Pytester, name: str, tests: str) -> None:
    """A test module of the inner run: the ``ask`` helper, then ``tests``."""
    pytester.makepyfile(**{name: CHAT + tests})


def write_plain_cassette(path: Path, *, uri: str, body: str, content: str) -> None:
    """A cassette as plain vcrpy writes it: ``body`` is the request body's YAML scalar."""
    path.parent.mkdir(parents=True)
    answer = json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-4o",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
    )
    path.write_text(
        f"""interactions:
- request:
    body: {body}
    headers: {{}}
    method: POST
    uri: {uri}
  response:
    body:
      string: '{answer}'
    headers:
      Content-Type:
      - application/json
    status:
      code: 200
      message: OK
version: 1
"""
    )


def load(path: Path) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_one_cassette_per_test_in_the_pytest_recording_layout(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    write_module(
        pytester,
        "test_layout",
        """
@pytest.mark.parametrize("topic", ["a/b", "c d"])
def test_param(seeded_llm, topic):
    ask(seeded_llm.client, topic)
    assert seeded_llm.cassette_path.name == seeded_llm.cassette_path.name.replace("/", "")

class TestGroup:
    def test_method(self, seeded_llm):
        ask(seeded_llm.client, "m")

@pytest.mark.llmseed(cassette="custom/shared.yaml")
def test_custom(seeded_llm):
    ask(seeded_llm.client, "c")
""",
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=4)
    root = pytester.path / "cassettes" / "test_layout"
    assert sorted(p.name for p in root.iterdir()) == [
        "TestGroup.test_method.yaml",
        "test_param[ab].yaml",
        "test_param[c d].yaml",
    ]
    assert (pytester.path / "custom" / "shared.yaml").is_file()


NON_ASCII = """
@pytest.mark.parametrize("word", ["ünïcödé", "a/b", "x: y"])
def test_param(seeded_llm, word):
    assert ask(seeded_llm.client, word) == seeded_llm.snapshot
"""


def test_a_cassette_and_its_golden_share_one_stem(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    write_module(pytester, "test_names", NON_ASCII)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=3)
    folder = pytester.path / "cassettes"
    cassettes = {p.name.removesuffix(".yaml") for p in folder.rglob("*.yaml")}
    goldens = {p.name.removesuffix(".llm.yaml") for p in pytester.path.rglob("*.llm.yaml")}
    assert cassettes == goldens
    assert "test_param[xfcnxefcxf6dxe9]" in cassettes
    pytester.runpytest().assert_outcomes(passed=3)
    assert len(llm_env.requests) == 3


def test_a_cassette_under_its_earlier_name_still_replays(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module(pytester, "test_names", NON_ASCII)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=3)
    folder = pytester.path / "cassettes" / "test_names"
    # As an earlier version (and pytest-recording) named them: unsafe characters as "-".
    for new, old in [
        ("test_param[xfcnxefcxf6dxe9]", "test_param[-xfcn-xefc-xf6d-xe9]"),
        ("test_param[ab]", "test_param[a-b]"),
        ("test_param[x y]", "test_param[x- y]"),
    ]:
        (folder / f"{new}.yaml").rename(folder / f"{old}.yaml")
    monkeypatch.setenv("CI", "true")  # unused cassettes would fail the run
    result = pytester.runpytest("--snapshot-warn-unused")
    result.assert_outcomes(passed=3)
    result.stdout.no_fnmatch_line("*unused cassette*")
    assert result.ret == pytest.ExitCode.OK
    assert len(llm_env.requests) == 3


def test_cassette_dir_option_and_ini(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    pytester.makepyfile(
        test_dir=CHAT + "\ndef test_x(seeded_llm):\n    ask(seeded_llm.client, 'x')\n"
    )
    pytester.runpytest("--llmseed-record-mode=once", "--llmseed-cassette-dir=recorded")
    assert (pytester.path / "recorded" / "test_dir" / "test_x.yaml").is_file()
    pytester.makeini("[pytest]\nllmseed_cassette_dir = from_ini\n")
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    assert (pytester.path / "from_ini" / "test_dir" / "test_x.yaml").is_file()


def test_record_once_then_replay_without_network_or_rewrite(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    write_module(
        pytester,
        "test_rec",
        """
def test_x(seeded_llm):
    first = ask(seeded_llm.client, "alpha")
    second = ask(seeded_llm.client, "beta")
    assert first.startswith("[alpha]") and second.startswith("[beta]")
""",
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_rec" / "test_x.yaml"
    before = cassette.read_bytes()
    mtime = cassette.stat().st_mtime_ns
    assert len(llm_env.requests) == 2
    # Default record mode is none; `once` with an existing cassette also only replays.
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    assert len(llm_env.requests) == 2
    assert cassette.read_bytes() == before
    assert cassette.stat().st_mtime_ns == mtime


def test_only_the_openai_sdk_traffic_is_recorded(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    """The cassette holds the SDK's (httpx2) exchanges; other HTTP libraries are not patched."""
    write_module(
        pytester,
        "test_scope",
        """
import os
import urllib.error
import urllib.request

def fetch_other():
    try:
        urllib.request.urlopen(os.environ["OPENAI_BASE_URL"] + "/not-an-llm", timeout=10)
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200

def test_x(seeded_llm):
    assert ask(seeded_llm.client, "alpha").startswith("[alpha]")
    fetch_other()
""",
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    cassette = load(pytester.path / "cassettes" / "test_scope" / "test_x.yaml")
    assert [i["request"]["uri"].rsplit("/", 1)[-1] for i in cassette["interactions"]] == [
        "completions"
    ]
    assert [r.path for r in llm_env.requests] == ["/v1/chat/completions", "/v1/not-an-llm"]
    # Replay: the SDK's answer comes from the cassette, the other request still goes out.
    pytester.runpytest().assert_outcomes(passed=1)
    assert [r.path for r in llm_env.requests][2:] == ["/v1/not-an-llm"]


def test_swapped_prompt_order_still_gets_the_right_answers(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    body = """
ORDER = {order}

def test_x(seeded_llm):
    for text in ORDER:
        assert ask(seeded_llm.client, text).startswith(f"[{{text}}]")
"""
    pytester.makepyfile(test_order=CHAT + body.format(order='["one", "two", "three"]'))
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    pytester.makepyfile(test_order=CHAT + body.format(order='["three", "one", "two"]'))
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(llm_env.requests) == 3


def test_same_request_five_times_replays_each_recorded_answer_in_order(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    write_module(
        pytester,
        "test_repeat",
        """
import json, pathlib

def test_x(seeded_llm):
    # No seed: the server answers differently each time, so order matters.
    answers = [ask(seeded_llm.client, "same", seed=None) for _ in range(5)]
    out = pathlib.Path("answers.json")
    if out.exists():
        assert json.loads(out.read_text()) == answers
    else:
        out.write_text(json.dumps(answers))
    assert len(set(answers)) == 5
""",
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(llm_env.requests) == 5


def test_new_episodes_adds_and_all_rerecords(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    body = "\ndef test_x(seeded_llm):\n    for t in {texts}:\n        ask(seeded_llm.client, t)\n"
    pytester.makepyfile(test_modes=CHAT + body.format(texts='["a"]'))
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_modes" / "test_x.yaml"
    first_id = load(cassette)["interactions"][0]["response"]["body"]["json"]["id"]

    pytester.makepyfile(test_modes=CHAT + body.format(texts='["a", "b"]'))
    pytester.runpytest("--llmseed-record-mode=new_episodes").assert_outcomes(passed=1)
    interactions = load(cassette)["interactions"]
    assert len(interactions) == 2
    assert interactions[0]["response"]["body"]["json"]["id"] == first_id
    assert len(llm_env.requests) == 2  # only "b" went to the server

    pytester.runpytest("--llmseed-record-mode=all").assert_outcomes(passed=1)
    assert len(llm_env.requests) == 4
    interactions = load(cassette)["interactions"]
    assert len(interactions) == 2
    assert interactions[0]["response"]["body"]["json"]["id"] != first_id


def test_marker_record_mode(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    write_module(
        pytester,
        "test_mark",
        """
@pytest.mark.llmseed(record_mode="once")
def test_x(seeded_llm):
    ask(seeded_llm.client, "m")
""",
    )
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(llm_env.requests) == 1
    # The marker beats the command line (the most specific source wins): it records again.
    (pytester.path / "cassettes" / "test_mark" / "test_x.yaml").unlink()
    pytester.runpytest("--llmseed-record-mode=none").assert_outcomes(passed=1)
    assert len(llm_env.requests) == 2


def test_cassette_is_readable(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    llm_env.gzip_responses = True
    write_module(
        pytester,
        "test_read",
        """
def test_x(seeded_llm):
    ask(seeded_llm.client, "plain", max_tokens=30)
    stream = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "s"}], stream=True
    )
    for _ in stream:
        pass
""",
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    path = pytester.path / "cassettes" / "test_read" / "test_x.yaml"
    text = path.read_text()
    data = load(path)
    plain, streamed = data["interactions"]
    assert plain["request"]["body"]["json"]["messages"] == [{"role": "user", "content": "plain"}]
    assert plain["request"]["body"]["json"]["seed"] == 1234
    # gzip was decoded before storing: readable JSON, no content-encoding left.
    headers = {k.lower() for k in plain["response"]["headers"]}
    assert "content-encoding" not in headers
    content = plain["response"]["body"]["json"]["choices"][0]["message"]["content"]
    assert "\n" in content  # 30 words come back on several lines
    assert "!!binary" not in text
    # The SSE stream is stored as text, one event per line, as a YAML block.
    assert streamed["response"]["body"]["string"].startswith("data: {")
    assert "string: |" in text


def test_request_differences_that_do_not_matter(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module(
        pytester,
        "test_hdr",
        """
import os

def test_x(seeded_llm):
    headers = {"X-Stainless-Lang": os.environ.get("LANG_HDR", "python"), "User-Agent": "ua"}
    client = seeded_llm.client.with_options(default_headers=headers)
    ask(client, "h")
""",
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    monkeypatch.setenv("LANG_HDR", "other")
    pytester.runpytest().assert_outcomes(passed=1)
    text = (pytester.path / "cassettes" / "test_hdr" / "test_x.yaml").read_text().lower()
    assert "x-stainless" not in text
    assert "user-agent" not in text


def test_a_miss_is_explained(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    pytester.makepyfile(
        test_miss=CHAT + "\ndef test_x(seeded_llm):\n    ask(seeded_llm.client, 'Write a haiku')\n"
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*llmseed: no recorded answer for this request",
            "*request:  POST http://127.0.0.1:*/v1/chat/completions",
            "*cassette: *test_miss*test_x.yaml (does not exist yet)",
            "*To record it from 127.0.0.1:* (needs the API key and the network), run:",
            "*pytest test_miss.py::test_x --llmseed-record-mode=once",
        ]
    )
    assert llm_env.requests == []

    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    pytester.makepyfile(
        test_miss=CHAT + "\ndef test_x(seeded_llm):\n    ask(seeded_llm.client, 'Write a poem')\n"
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*nearest recorded request (#1 of 1) differs in:",
            "*pytest test_miss.py::test_x --llmseed-record-mode=all",
        ]
    )
    assert '~ body.messages[0].content: "Write a haiku" → "Write a poem"' in result.stdout.str()
    # The plugin's own frames stay out of the report.
    assert "intercept.py" not in result.stdout.str()
    assert "wrappers.py" not in result.stdout.str()
    assert len(llm_env.requests) == 1


LONG_PROMPT = """
PROMPT = " ".join(f"word{i}" for i in range(400))

def test_x(seeded_llm):
    ask(seeded_llm.client, PROMPT.replace("word200", "{changed}"))
"""


def test_a_miss_on_a_long_prompt_shows_the_changed_word_in_context(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    write_module(pytester, "test_long", LONG_PROMPT.replace("{changed}", "word200"))
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    write_module(pytester, "test_long", LONG_PROMPT.replace("{changed}", "CHANGED"))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*nearest recorded request (#1 of 1) differs in:",
            "*~ body.messages[[]0[]].content:",
            "*400 → 400 words, 1 changed region(s)",
            "*…word188 * word199 [[]-word200-[]]{+CHANGED+} word201 * word212 …",
            "*To record it from*",
        ]
    )
    output = result.stdout.str()
    assert "word100 " not in output
    assert "word300 " not in output
    start = output.index("differs in:")
    assert output[start : output.index("To record it", start)].count("\n") <= 5


def test_a_miss_is_not_swallowed_by_the_code_under_test(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    write_module(
        pytester,
        "test_swallow",
        """
def test_x(seeded_llm):
    try:
        ask(seeded_llm.client, "q")
    except Exception:
        pass  # application code that "handles" API errors
""",
    )
    pytester.runpytest().assert_outcomes(failed=1)


def test_error_answers_are_not_recorded_the_retry_is(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.fail_next(500)
    llm_env.fail_next(429)
    pytester.makepyfile(
        test_retry=CHAT + "\ndef test_x(seeded_llm):\n    assert ask(seeded_llm.client, 'r')\n"
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    assert len(llm_env.requests) == 3
    data = load(pytester.path / "cassettes" / "test_retry" / "test_x.yaml")
    assert [i["response"]["status"]["code"] for i in data["interactions"]] == [200]
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(llm_env.requests) == 3


def test_plain_pytest_recording_cassette_replays(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.gzip_responses = True
    code = """
import openai, pytest

@pytest.mark.vcr
def test_x({fixture}):
    client = openai.OpenAI()
    out = client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "migrate"}}]
    ).choices[0].message.content
    assert out.startswith("[migrate]")
"""
    # Record with pytest-recording itself (no seed is sent), gzip bodies kept as !!binary.
    pytester.makepyfile(test_mig=code.format(fixture=""))
    pytester.runpytest("-p", "recording", "--record-mode=once").assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_mig" / "test_x.yaml"
    assert "!!binary" in cassette.read_text()
    assert "seed" not in llm_env.requests[0].json
    before = cassette.read_bytes()
    # Same file, same place: replayed by seeded_llm with no network and no key.
    pytester.makepyfile(test_mig=code.format(fixture="seeded_llm").replace("@pytest.mark.vcr", ""))
    llm_env.stop()
    try:
        pytester.runpytest("-p", "no:recording").assert_outcomes(passed=1)
    finally:
        llm_env.start()
    assert cassette.read_bytes() == before


def test_plain_vcrpy_cassette_with_a_key_in_its_url_replays(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    """Recorded without filters: the key is in the query. The live request is scrubbed for
    matching, so the loaded one must be too, even when nothing is written back."""
    write_plain_cassette(
        pytester.path / "cassettes" / "test_key" / "test_x.yaml",
        uri=f"{llm_env.base_url}/chat/completions?api-key={TEST_KEY}",
        body="""'{"messages": [{"content": "hi", "role": "user"}], "model": "gpt-4o"}'""",
        content="recorded with a key",
    )
    write_module(
        pytester,
        "test_key",
        """
import os

def test_x(seeded_llm):
    client = seeded_llm.client.with_options(default_query={"api-key": os.environ["OPENAI_API_KEY"]})
    assert ask(client, "hi") == "recorded with a key"
""",
    )
    for mode in ("none", "once"):
        pytester.runpytest(f"--llmseed-record-mode={mode}").assert_outcomes(passed=1)
    assert llm_env.requests == []


def test_hand_written_vcrpy_cassette_with_pretty_request_body_replays(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    write_plain_cassette(
        pytester.path / "cassettes" / "test_pretty" / "test_x.yaml",
        uri=f"{llm_env.base_url}/chat/completions",
        body=r'''"{\n  \"messages\": [\n    {\"content\": \"hi\", \"role\": \"user\"}\n  ],\n  \"model\": \"gpt-4o\"\n}"''',
        content="recorded by hand",
    )
    pytester.makepyfile(
        test_pretty=CHAT
        + "\ndef test_x(seeded_llm):\n    assert ask(seeded_llm.client, 'hi') == 'recorded by hand'\n"
    )
    pytester.runpytest().assert_outcomes(passed=1)
    assert llm_env.requests == []
