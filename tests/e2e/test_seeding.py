"""Seed resolution and injection, end to end through the real SDK and the test server."""

from __future__ import annotations

import pytest
from llm_server import FakeOpenAIServer

# SDK-facing: CI runs these under openai 2.x as well (`pytest -m sdk`, .ci/run).
pytestmark = pytest.mark.sdk

CHAT = """
def ask(client, text="hi", **kw):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}], **kw
    )
"""


def seeds(server: FakeOpenAIServer) -> list[object]:
    return [r.json.get("seed", "absent") for r in server.requests if isinstance(r.json, dict)]


def test_default_seed_is_injected_and_shown_in_header(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        CHAT
        + """
def test_one(seeded_llm):
    ask(seeded_llm.client)
    assert seeded_llm.seed == 1234
"""
    )
    result = pytester.runpytest("--llmseed-record-mode=once")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["llmseed: seed=1234 record-mode=once"])
    assert seeds(llm_env) == [1234]


@pytest.mark.parametrize(
    ("ini", "marker", "cli", "expected"),
    [
        (None, None, None, 1234),
        ("11", None, None, 11),
        ("11", 22, None, 22),
        ("11", 22, 33, 22),
        ("11", None, 33, 33),
        (None, None, 33, 33),
        (None, 22, None, 22),
        (None, 4242, 31337, 4242),
    ],
)
def test_precedence_marker_command_line_ini_default(
    pytester: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    ini: str | None,
    marker: int | None,
    cli: int | None,
    expected: int,
) -> None:
    if ini is not None:
        pytester.makeini(f"[pytest]\nllmseed_seed = {ini}\n")
    decorator = f"@pytest.mark.llmseed(seed={marker})" if marker is not None else ""
    pytester.makepyfile(
        "import pytest\n"
        + CHAT
        + f"""
{decorator}
def test_one(seeded_llm):
    ask(seeded_llm.client)
    assert seeded_llm.seed == {expected}
"""
    )
    args = ["--llmseed-record-mode=once"] + ([f"--llmseed-seed={cli}"] if cli is not None else [])
    pytester.runpytest(*args).assert_outcomes(passed=1)
    assert seeds(llm_env) == [expected]


def test_caller_seed_is_never_overwritten(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        CHAT
        + """
def test_one(seeded_llm):
    ask(seeded_llm.client, "a", seed=99)
    ask(seeded_llm.client, "b", extra_body={"seed": 98})
    ask(seeded_llm.client, "c")
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    assert seeds(llm_env) == [99, 98, 1234]


def test_inject_seed_false_leaves_requests_alone(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        "import pytest\n"
        + CHAT
        + """
@pytest.mark.llmseed(inject_seed=False)
def test_one(seeded_llm):
    ask(seeded_llm.client)
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    assert seeds(llm_env) == ["absent"]


def test_every_seeded_endpoint_sync_and_async_and_never_responses(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        """
import asyncio
import openai
from pydantic import BaseModel

class Answer(BaseModel):
    text: str
    score: int

def test_all(seeded_llm):
    msgs = [{"role": "user", "content": "x"}]
    own = openai.OpenAI()  # built by "the code under test", not by the fixture
    own.chat.completions.create(model="gpt-4o", messages=msgs)
    own.chat.completions.parse(model="gpt-4o", messages=msgs, response_format=Answer)
    with own.chat.completions.stream(model="gpt-4o", messages=msgs) as stream:
        stream.until_done()
    own.completions.create(model="gpt-3.5-turbo-instruct", prompt="p")
    # The Responses API has no seed: the server answers 400 if one is sent.
    assert own.responses.create(model="gpt-4o", input="r").output_text

    async def main():
        client = openai.AsyncOpenAI()
        await client.chat.completions.create(model="gpt-4o", messages=msgs)
        s = await client.completions.create(model="gpt-3.5-turbo-instruct", prompt="p", stream=True)
        async for _ in s:
            pass
        await client.responses.create(model="gpt-4o", input="r")
    asyncio.run(main())
"""
    )
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    by_path = [(r.path.rsplit("/", 1)[-1], r.json.get("seed", "absent")) for r in llm_env.requests]
    assert by_path == [
        ("completions", 1234),
        ("completions", 1234),
        ("completions", 1234),
        ("completions", 1234),
        ("responses", "absent"),
        ("completions", 1234),
        ("completions", 1234),
        ("responses", "absent"),
    ]
    assert [r.path for r in llm_env.requests][:4] == ["/v1/chat/completions"] * 3 + [
        "/v1/completions"
    ]


def test_seed_is_the_same_under_xdist(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    pytester.makepyfile(
        "import pytest\n"
        + CHAT
        + """
@pytest.mark.parametrize("n", range(4))
def test_one(seeded_llm, n):
    ask(seeded_llm.client, f"q{n}")
"""
    )
    pytester.runpytest(
        "-n", "2", "--llmseed-record-mode=once", "--llmseed-seed=77"
    ).assert_outcomes(passed=4)
    assert sorted(seeds(llm_env)) == [77, 77, 77, 77]


def test_marked_seed_replays_under_a_command_line_seed(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    # The user's story: the test says seed=4242 and was recorded with it; a run with
    # --llmseed-seed=31337 (the suite's default for the other tests) still replays it.
    pytester.makepyfile(
        "import pytest\n"
        + CHAT
        + """
@pytest.mark.llmseed(seed=4242)
def test_marked(seeded_llm):
    ask(seeded_llm.client)
    assert seeded_llm.seed == 4242

def test_unmarked(seeded_llm):
    ask(seeded_llm.client)
    assert seeded_llm.seed == 31337
"""
    )
    recorded = pytester.runpytest("--llmseed-seed=31337", "--llmseed-record-mode=once")
    recorded.assert_outcomes(passed=2)
    assert sorted(map(str, seeds(llm_env))) == ["31337", "4242"]
    replayed = pytester.runpytest("--llmseed-seed=31337")
    replayed.assert_outcomes(passed=2)
    assert len(llm_env.requests) == 2
