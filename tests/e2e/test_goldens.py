"""Goldens end to end: every input type, profiles, triage, re-recording, syrupy's workflow."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import PARAMETRIZED_QUESTIONS
from llm_server import FakeOpenAIServer

# SDK-facing: CI runs these under openai 2.x as well (`pytest -m sdk`, .ci/run).
pytestmark = pytest.mark.sdk

INPUTS = """
import asyncio
import openai
import pytest
from pydantic import BaseModel

class Order(BaseModel):
    order_id: str
    items: list[str]

MSG = [{"role": "user", "content": "Write a haiku about spring."}]
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {
    "type": "object", "properties": {"order_id": {"type": "integer"}}, "required": ["order_id"]}}}]

def test_chat(seeded_llm):
    out = seeded_llm.client.chat.completions.create(model="gpt-4o", messages=MSG, max_tokens=25)
    assert out == seeded_llm.snapshot

def test_legacy(seeded_llm):
    assert seeded_llm.client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Once upon") == seeded_llm.snapshot

def test_responses(seeded_llm):
    assert seeded_llm.client.responses.create(model="gpt-4o", input="hi") == seeded_llm.snapshot

def test_parsed(seeded_llm):
    out = seeded_llm.client.chat.completions.parse(
        model="gpt-4o", messages=MSG, response_format=Order)
    assert out == seeded_llm.snapshot

def test_tools(seeded_llm):
    out = seeded_llm.client.chat.completions.create(model="gpt-4o", messages=MSG, tools=TOOLS)
    assert out == seeded_llm.snapshot

def test_stream(seeded_llm):
    stream = seeded_llm.client.chat.completions.create(model="gpt-4o", messages=MSG, stream=True)
    for _ in stream:
        pass
    assert stream == seeded_llm.snapshot

def test_stream_helper(seeded_llm):
    with seeded_llm.client.chat.completions.stream(model="gpt-4o", messages=MSG) as stream:
        for _ in stream:
            pass
        assert stream == seeded_llm.snapshot

def test_async_calls(seeded_llm):
    async def main():
        client = openai.AsyncOpenAI()
        await client.chat.completions.create(model="gpt-4o", messages=MSG)
        s = await client.chat.completions.create(model="gpt-4o", messages=MSG, stream=True, tools=TOOLS)
        async for _ in s:
            pass
    asyncio.run(main())
    assert seeded_llm.calls == seeded_llm.snapshot

def test_plain(seeded_llm):
    assert "multi\\nline\\ntext" == seeded_llm.snapshot
    assert {"b": 1, "a": [1, 2]} == seeded_llm.snapshot
    assert Order(order_id="7", items=["x"]) == seeded_llm.snapshot
"""


def golden(root: Path, module: str, test: str) -> Path:
    return root / "__snapshots__" / module / f"{test}.llm.yaml"


def load(path: Path) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def test_every_input_type_records_replays_and_rerecords_byte_identical(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_inputs=INPUTS)
    result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(["*11 snapshots generated*"])
    snaps = pytester.path / "__snapshots__" / "test_inputs"
    first = {p.name: p.read_bytes() for p in snaps.iterdir()}
    assert len(first) == 11

    chat = load(snaps / "test_chat.llm.yaml")
    assert chat["kind"] == "answer"
    assert chat["endpoint"] == "chat.completions"
    assert chat["request"]["messages"][0]["content"] == "Write a haiku about spring."
    assert chat["meta"]["seed"] == 1234
    assert chat["meta"]["system_fingerprint"] == "fp_test_0001"
    assert "id" not in chat
    assert "created" not in chat
    assert "content: |" in (snaps / "test_chat.llm.yaml").read_text()  # a multi-line block
    assert chat["output"][0]["content"].count("\n") == 2

    assert load(snaps / "test_legacy.llm.yaml")["output"][0]["text"].startswith("[Once upon]")
    responses = load(snaps / "test_responses.llm.yaml")
    assert responses["meta"]["seed"].startswith("unseeded")
    assert responses["output"][0]["content"].startswith("[hi]")
    parsed = load(snaps / "test_parsed.llm.yaml")["output"][0]
    assert set(parsed["parsed"]) == {"order_id", "items"}
    assert "content" not in parsed
    tools = load(snaps / "test_tools.llm.yaml")["output"][0]
    assert tools["finish_reason"] == "tool_calls"
    assert isinstance(tools["tool_calls"][0]["arguments"]["order_id"], int)
    assert "id" not in tools["tool_calls"][0]
    stream = load(snaps / "test_stream.llm.yaml")
    assert stream["kind"] == "call"
    assert stream["request"]["stream"] is True
    assert load(snaps / "test_stream_helper.llm.yaml")["output"][0]["content"].startswith("[Write")
    calls = load(snaps / "test_async_calls.llm.yaml")
    assert calls["kind"] == "calls"
    assert len(calls["calls"]) == 2
    assert calls["calls"][1]["output"][0]["tool_calls"][0]["name"] == "lookup"
    assert load(snaps / "test_plain.llm.yaml")["output"] == "multi\nline\ntext"
    assert load(snaps / "test_plain.1.llm.yaml")["output"] == {"b": 1, "a": [1, 2]}
    assert load(snaps / "test_plain.2.llm.yaml")["kind"] == "data"

    # Offline replay matches every golden.
    pytester.runpytest().assert_outcomes(passed=9)
    # A live re-recording (new ids, new timestamps) leaves the goldens byte-identical.
    pytester.runpytest("--llmseed-record-mode=all", "--snapshot-update").assert_outcomes(passed=9)
    assert {p.name: p.read_bytes() for p in snaps.iterdir()} == first
    # Under xdist too.
    pytester.runpytest("-n", "2").assert_outcomes(passed=9)


CHAT_TEST = """
import pytest

{marker}
def test_x(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "{prompt}"}}], max_tokens=40{extra}
    )
    assert out == {snapshot}
"""


def record(
    pytester: pytest.Pytester,
    *,
    prompt: str = "Tell me about spring",
    marker: str = "",
    extra: str = "",
    snapshot: str = "seeded_llm.snapshot",
) -> Path:
    pytester.makepyfile(
        test_g=CHAT_TEST.format(marker=marker, prompt=prompt, extra=extra, snapshot=snapshot)
    )
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    return golden(pytester.path, "test_g", "test_x")


def edit_output(path: Path, change: object) -> None:
    """Simulate drift by rewriting the stored golden's output (the replay stays the same)."""
    text = path.read_text()
    data = yaml.safe_load(text)
    change(data)  # type: ignore[operator]
    from pytest_llmseed.goldens.fileformat import dump_golden

    path.write_text(dump_golden(data))


@pytest.mark.parametrize(
    ("profile", "mutate", "passes"),
    [
        ("exact", lambda s: s, True),
        ("exact", lambda s: s.replace("]", "] ", 1), False),
        ("normalized", lambda s: "  " + s.replace(" ", "   ").replace("]", "]\u00a0", 1), True),
        ("normalized", lambda s: s.replace("[", "[not ", 1), False),
        ("fuzzy", lambda s: s.rsplit(" ", 1)[0] + " changed", True),
        ("fuzzy", lambda s: " ".join(reversed(s.split())), False),
        ("fuzzy:0.99", lambda s: s.rsplit(" ", 1)[0] + " changed", False),
    ],
)
def test_text_profiles(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, profile: str, mutate: object, passes: bool
) -> None:
    path = record(pytester)

    def change(data: dict) -> None:  # type: ignore[type-arg]
        content = data["output"][0]["content"]
        data["output"][0]["content"] = mutate(content)  # type: ignore[operator]

    edit_output(path, change)
    result = pytester.runpytest(f"--llmseed-compare={profile}")
    result.assert_outcomes(passed=1) if passes else result.assert_outcomes(failed=1)


@pytest.mark.parametrize(
    ("mutate", "json_passes", "exact_passes"),
    [
        # A float moved below the json profile's tolerance: json passes, exact does not.
        (lambda p: p.update(confidence=p["confidence"] + 1e-9), True, False),
        # Only the key order changed: both pass.
        (lambda p: p.update(dict(reversed(list(p.items()))) or {}), True, True),
        (lambda p: p.update(answer="something else"), False, False),
    ],
    ids=["tiny-float", "key-order", "other-answer"],
)
def test_json_profile(
    pytester: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    mutate: object,
    json_passes: bool,
    exact_passes: bool,
) -> None:
    path = record(pytester, extra=', response_format={"type": "json_object"}')
    assert set(load(path)["output"][0]["parsed"]) == {"answer", "confidence"}
    edit_output(path, lambda d: mutate(d["output"][0]["parsed"]))  # type: ignore[operator]
    result = pytester.runpytest("--llmseed-compare=json")
    result.assert_outcomes(passed=1) if json_passes else result.assert_outcomes(failed=1)
    # The same edit under the exact default.
    exact = pytester.runpytest()
    exact.assert_outcomes(passed=1) if exact_passes else exact.assert_outcomes(failed=1)


def test_profile_from_ini_marker_and_assertion(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    def fuzz(d: dict) -> None:  # type: ignore[type-arg]
        d["output"][0]["content"] = d["output"][0]["content"].rsplit(" ", 1)[0] + " drift"

    path = record(pytester)
    edit_output(path, fuzz)
    pytester.runpytest().assert_outcomes(failed=1)
    pytester.makeini("[pytest]\nllmseed_compare = fuzzy\n")
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.runpytest("--llmseed-compare=exact").assert_outcomes(failed=1)
    (pytester.path / "tox.ini").unlink()

    pytester.makepyfile(
        test_g=CHAT_TEST.format(
            marker='@pytest.mark.llmseed(compare="fuzzy:0.8")',
            prompt="Tell me about spring",
            extra="",
            snapshot="seeded_llm.snapshot",
        )
    )
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.makepyfile(
        test_g=CHAT_TEST.format(
            marker="",
            prompt="Tell me about spring",
            extra="",
            snapshot='seeded_llm.snapshot_with(compare="fuzzy")',
        )
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_triage_output_changed_and_readable_diff(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    path = record(pytester)

    def one_word(d: dict) -> None:  # type: ignore[type-arg]
        words = d["output"][0]["content"].split(" ")
        words[5] = "REPLACED"
        d["output"][0]["content"] = " ".join(words)

    edit_output(path, one_word)
    result = pytester.runpytest("-vv")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*triage: output changed at the same request and backend (sampling noise or a real "
            "regression) — severity: rewording",
            "*~ output[[]0[]].content:",
            "*1 changed region(s)",
            "*[[]-REPLACED-[]]{+*+}*",
            "*compared with profile exact*",
        ]
    )


def test_triage_backend_changed(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    path = record(pytester)

    def backend(d: dict) -> None:  # type: ignore[type-arg]
        d["meta"]["system_fingerprint"] = "fp_old_0000"
        d["meta"]["model"] = "gpt-4o-2024-05-13"
        d["output"][0]["content"] += " extra"

    edit_output(path, backend)
    result = pytester.runpytest("-vv")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*triage: backend changed: system_fingerprint fp_old_0000 → fp_test_0001; "
            "model gpt-4o-2024-05-13 → gpt-4o-2024-08-06 — severity: rewording"
        ]
    )
    # Meta alone never fails a test: it is kept to explain drift, not compared.
    edit_output(path, lambda d: d["output"][0].update(content=d["output"][0]["content"][:-6]))
    pytester.runpytest().assert_outcomes(passed=1)


def test_triage_request_changed(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    record(pytester, prompt="Tell me about spring")
    # The code now asks something else: record the new cassette, compare with the old golden.
    pytester.makepyfile(
        test_g=CHAT_TEST.format(
            marker="", prompt="Tell me about autumn", extra="", snapshot="seeded_llm.snapshot"
        )
    )
    result = pytester.runpytest("--llmseed-record-mode=new_episodes", "-vv")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*triage: request changed: the code now asks something else*"])
    assert "Tell me about autumn" in result.stdout.str()


def test_unused_goldens_are_reported_serial_and_under_xdist(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    code = PARAMETRIZED_QUESTIONS
    pytester.makepyfile(test_u=code.format(ns="[1, 2, 3]"))
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=3)
    pytester.makepyfile(test_u=code.format(ns="[1, 2]"))
    for args in ([], ["-n", "2"]):
        result = pytester.runpytest("--snapshot-details", *args)
        result.stdout.fnmatch_lines(["*1 snapshot unused*", "*test_x*3*"])
        assert result.ret == 1
    result = pytester.runpytest("--snapshot-update", "-n", "2")
    result.stdout.fnmatch_lines(["*1 unused snapshot deleted*"])
    assert sorted(p.name for p in (pytester.path / "__snapshots__" / "test_u").iterdir()) == [
        "test_x[1].llm.yaml",
        "test_x[2].llm.yaml",
    ]
    pytester.runpytest().assert_outcomes(passed=2)


def test_missing_golden_fails_without_update(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        test_g=CHAT_TEST.format(marker="", prompt="p", extra="", snapshot="seeded_llm.snapshot")
    )
    result = pytester.runpytest("--llmseed-record-mode=once")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*no golden yet: accept it with `llmseed review` or `pytest --snapshot-update`*"]
    )


def test_bad_profile_per_assertion_names_it(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        test_g="def test_x(seeded_llm):\n    assert 'a' == seeded_llm.snapshot_with(compare='fuzzzy')\n"
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*snapshot_with(compare='fuzzzy'): unknown comparison profile*"])
