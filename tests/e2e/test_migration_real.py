"""Migration on real suites: cassettes committed by two public projects (tests/data/migrated,
see its NOTICE), as they are, replayed by ``seeded_llm`` tests with the configuration
docs/migrating.md gives, beside a ``@pytest.mark.vcr`` test left as it was.

llm-openai-plugin's cassettes (Responses API: JSON gzip-encoded, an async stream, a two-turn
tool loop) match what the SDK sends today; datasette-extract's (a streamed Chat Completions
tool call) was recorded by pytest-recording, which ignores bodies, before the project added a
system message and changed the model, so it needs ``llmseed_match_on = method path query``.
Every run is in record mode none with pytest-recording's ``--block-network``: nothing may
reach a host, and a request with no recorded answer fails instead of going out.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import TEST_KEY

DATA = Path(__file__).parent.parent / "data" / "migrated"
SHIPPED = {
    "test_openai": (
        "llm-openai-plugin",
        "test_options[options1]",
        "test_async_model",
        "test_tools",
    ),
    "test_web": ("datasette-extract", "test_extract_flow"),
}

CONFTEST = """
import pytest


@pytest.fixture(scope="module")
def vcr_config():
    # pytest-recording's, kept for the @pytest.mark.vcr test that was not migrated.
    return {"filter_headers": ["authorization"]}
"""

# llm-openai-plugin's tests/test_openai.py, calling the SDK the way the llm library does.
TEST_OPENAI = """
import asyncio
import json

import openai
import pytest

SAY_HI = [{"role": "user", "content": "say hi"}]
TOOL = {
    "type": "function",
    "name": "simple_tool",
    "description": "A simple tool",
    "parameters": {
        "properties": {"number": {"type": "string"}},
        "required": ["number"],
        "type": "object",
    },
    "strict": False,
}


@pytest.mark.parametrize("options", [{"temperature": 0.5}], ids=["options1"])
@pytest.mark.vcr
def test_options(options, vcr):
    response = openai.OpenAI().responses.create(
        model="gpt-4o-mini", input=SAY_HI, stream=False, **options
    )
    assert response.output_text == "Hi there! How can I assist you today?"
    assert json.loads(vcr.requests[0].body)["temperature"] == 0.5


def test_async_model(seeded_llm):
    async def say_hi():
        stream = await openai.AsyncOpenAI().responses.create(
            model="gpt-4o-mini", input=SAY_HI, stream=True
        )
        return [event async for event in stream]

    events = asyncio.run(say_hi())
    assert events[-1].type == "response.completed"
    assert seeded_llm.calls == seeded_llm.snapshot


def test_tools(seeded_llm):
    client = openai.OpenAI()
    prompt = [{"role": "user", "content": "Call simple_tool passing 5"}]
    first = list(client.responses.create(
        model="gpt-5-mini", input=prompt, stream=True, tools=[TOOL]
    ))
    call = next(i for i in first[-1].response.output if i.type == "function_call")
    arguments = json.loads(call.arguments)
    turn = [
        {"type": "function_call", "call_id": call.call_id, "name": call.name,
         "arguments": json.dumps(arguments)},
        {"role": "user", "content": ""},
        {"type": "function_call_output", "call_id": call.call_id,
         "output": "This is a simple tool, {}".format(arguments["number"])},
    ]
    second = list(client.responses.create(
        model="gpt-5-mini", input=prompt + turn, stream=True, tools=[TOOL]
    ))
    assert "This is a simple tool, 5" in second[-1].response.output_text
    assert seeded_llm.calls == seeded_llm.snapshot
"""

# datasette-extract's extraction task: the request its code sends today.
TEST_WEB = """
import asyncio
import json

import openai

SCHEMA = {
    "type": "object",
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                "required": ["name", "age"],
            },
        }
    },
    "required": ["items"],
}


async def extract(messages):
    client = openai.AsyncOpenAI()
    arguments = ""
    async for chunk in await client.chat.completions.create(
        stream=True,
        model="gpt-4o-mini",
        messages=messages,
        tools=[{"type": "function", "function": {
            "name": "extract_data",
            "description": "Extract data matching this schema",
            "parameters": SCHEMA,
        }}],
        tool_choice={"type": "function", "function": {"name": "extract_data"}},
        max_tokens=4096,
    ):
        for call in chunk.choices[0].delta.tool_calls or []:
            arguments += call.function.arguments or ""
    return json.loads(arguments)["items"]


def test_extract_flow(seeded_llm):
    messages = [
        {"role": "system", "content": "Be nice"},
        {"role": "user", "content": "Sergei is 4, Cynthia is 7"},
    ]
    items = asyncio.run(extract(messages))
    assert items == [{"name": "Sergei", "age": 4}, {"name": "Cynthia", "age": 7}]
    assert seeded_llm.calls == seeded_llm.snapshot
"""

# The configuration docs/migrating.md gives, in either file.
MATCH_ON_INI = "[pytest]\nllmseed_match_on =\n    method\n    path\n    query\n"
MATCH_ON_TOML = '[tool.pytest.ini_options]\nllmseed_match_on = ["method", "path", "query"]\n'
# No host may be reached; pytest-recording's record mode none, ours by default.
OFFLINE = ("--block-network", "--record-mode=none")


def migrated_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The two suites' tests and shipped cassettes, laid out as in their repositories."""
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)  # no base URL: api.openai.com, never reached
    tests = pytester.mkdir("tests")
    cassettes = []
    for module, (suite, *names) in SHIPPED.items():
        folder = tests / "cassettes" / module
        folder.mkdir(parents=True)
        for name in names:
            cassettes.append(Path(shutil.copy(DATA / suite / f"{name}.yaml", folder)))
    (tests / "conftest.py").write_text(CONFTEST)
    (tests / "test_openai.py").write_text(TEST_OPENAI)
    (tests / "test_web.py").write_text(TEST_WEB)
    return cassettes


@pytest.mark.parametrize(
    ("config_file", "config"),
    [("pytest.ini", MATCH_ON_INI), ("pyproject.toml", MATCH_ON_TOML)],
    ids=["ini", "pyproject"],
)
def test_migrated_suites_replay_their_cassettes_as_they_are(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, config_file: str, config: str
) -> None:
    cassettes = migrated_project(pytester, monkeypatch)
    before = {path: path.read_bytes() for path in cassettes}
    # Without the configuration, the stale body misses, and the miss says what to add.
    result = pytester.runpytest(*OFFLINE, "--snapshot-update")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "llmseed: seed=* record-mode=none*",
            "*llmseed: no recorded answer for this request",
            "  request:  POST https://api.openai.com/v1/chat/completions",
            "  record mode: none",
            # The same endpoint, not the test's own GET recorded beside it (#2).
            "nearest recorded request (#1 of 2) differs in:",
            '  ~ body.model: "gpt-4o" → "gpt-4o-mini"',
            "the cassette was not written by pytest-llmseed: pytest-recording and vcrpy match",
            "  llmseed_match_on =",
            "      method",
            "      path",
            "      query",
        ]
    )
    assert "body.seed" not in result.stdout.str()  # the injected seed is tolerated, not listed
    assert "Network is disabled" not in result.stdout.str()  # failed here, never went out
    # With the configuration the doc gives: every test passes, goldens are written once.
    pytester.path.joinpath(config_file).write_text(config)
    pytester.runpytest(*OFFLINE, "--snapshot-update").assert_outcomes(passed=4)
    result = pytester.runpytest(*OFFLINE)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*3 tests used seeded_llm: 3 replayed, 3 goldens matched*"])
    # Under CI=true too (no recording, unused cassettes fail the run), and under xdist.
    monkeypatch.setenv("CI", "true")
    pytester.runpytest(
        *OFFLINE, *(["-n", "2"] if config_file == "pytest.ini" else [])
    ).assert_outcomes(passed=4)
    assert {path: path.read_bytes() for path in cassettes} == before


def golden(pytester: pytest.Pytester, module: str, test: str) -> dict:  # type: ignore[type-arg]
    path = pytester.path / "tests" / "__snapshots__" / module / f"{test}.llm.yaml"
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def test_migrated_goldens_are_honest_about_seeds_and_ids(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrated_project(pytester, monkeypatch)
    pytester.path.joinpath("pytest.ini").write_text(MATCH_ON_INI)
    pytester.runpytest(*OFFLINE, "--snapshot-update").assert_outcomes(passed=4)
    # Recorded by pytest-recording without a seed: the golden never claims the suite's seed.
    [extract] = golden(pytester, "test_web", "test_extract_flow")["calls"]
    assert extract["meta"]["seed"] == "unseeded (recorded without one)"
    # The golden shows what the code sends today, not the stale recorded body.
    assert extract["request"]["model"] == "gpt-4o-mini"
    assert extract["output"][0]["tool_calls"][0]["arguments"]["items"][0] == {
        "name": "Sergei",
        "age": 4,
    }
    tools = golden(pytester, "test_openai", "test_tools")["calls"]
    assert [call["meta"]["seed"] for call in tools] == [
        "unseeded (the Responses API takes no seed)"
    ] * 2
    assert tools[0]["output"][-1]["arguments"] == {"number": "5"}


def test_a_request_the_migrated_cassette_lacks_fails_without_going_out(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrated_project(pytester, monkeypatch)
    pytester.path.joinpath("pytest.ini").write_text(MATCH_ON_INI)
    pytester.makepyfile(
        test_bye="""
import openai

def test_async_model(seeded_llm):
    openai.OpenAI(max_retries=0).embeddings.create(model="text-embedding-3-small", input="bye")
"""
    )
    folder = pytester.path / "cassettes" / "test_bye"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "llm-openai-plugin" / "test_async_model.yaml", folder)
    result = pytester.runpytest("test_bye.py", *OFFLINE)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*llmseed: no recorded answer for this request",
            "  request:  POST https://api.openai.com/v1/embeddings",
            "  record mode: none",
        ]
    )
    # Stopped by the record mode, before any socket: the network guard never fired.
    assert "Network is disabled" not in result.stdout.str()
