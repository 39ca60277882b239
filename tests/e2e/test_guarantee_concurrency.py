"""Guarantee: concurrent and repeated calls record and replay correctly; xdist changes nothing.

Twenty calls in flight at once (asyncio, and threads) each get their own recorded answer
back in replay; the same request five times in a row gets the five recorded answers in
order; and ``-n 2 --snapshot-update`` writes the same goldens (byte for byte) and the same
cassettes as a serial run.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import stable
from llm_server import FakeOpenAIServer

CONCURRENT = '''
import asyncio, json, pathlib
from concurrent.futures import ThreadPoolExecutor

PROMPTS = [f"question {i}" for i in range(20)]


def remember(name, value):
    """The recording run stores the live answers; the replay must give the same ones."""
    path = pathlib.Path(f"{name}.json")
    if path.exists():
        assert json.loads(path.read_text()) == value
    else:
        path.write_text(json.dumps(value))


def check(seeded_llm, answers, name):
    # seed=None: the server answers at random, so only the recording can give these back.
    assert [a.split("]")[0] for a in answers] == [f"[{p}" for p in PROMPTS]
    remember(name, answers)
    asked = sorted(c.request["messages"][0]["content"] for c in seeded_llm.calls)
    assert asked == sorted(PROMPTS)
    assert answers == seeded_llm.snapshot  # in the program's order, not the network's


def test_asyncio(seeded_llm):
    async def ask(prompt):
        out = await seeded_llm.async_client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": prompt}], seed=None
        )
        return out.choices[0].message.content

    async def main():
        return await asyncio.gather(*(ask(p) for p in PROMPTS))

    check(seeded_llm, asyncio.run(main()), "asyncio")


def test_threads(seeded_llm):
    client = seeded_llm.client

    def ask(prompt):
        return client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": prompt}], seed=None
        ).choices[0].message.content

    with ThreadPoolExecutor(max_workers=8) as pool:
        check(seeded_llm, list(pool.map(ask, PROMPTS)), "threads")


def test_same_request_five_times(seeded_llm):
    answers = [
        seeded_llm.client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "again"}], seed=None
        ).choices[0].message.content
        for _ in range(5)
    ]
    assert len(set(answers)) == 5
    remember("repeated", answers)
    assert seeded_llm.calls == seeded_llm.snapshot
'''


def interactions(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return list(data["interactions"])


def test_concurrent_and_repeated_calls_record_then_replay_offline(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_concurrent=CONCURRENT)
    result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    result.assert_outcomes(passed=3)
    assert len(llm_env.requests) == 45
    cassettes = pytester.path / "cassettes" / "test_concurrent"
    for name, count in (("test_asyncio", 20), ("test_threads", 20)):
        recorded = interactions(cassettes / f"{name}.yaml")
        assert len(recorded) == count
        prompts = {i["request"]["body"]["json"]["messages"][0]["content"] for i in recorded}
        assert len(prompts) == count
    assert len(interactions(cassettes / "test_same_request_five_times.yaml")) == 5
    before = {p: p.read_bytes() for p in pytester.path.rglob("*.yaml")}

    # Offline: server stopped, no key. Every answer comes back to the call that asked it.
    monkeypatch.delenv("OPENAI_API_KEY")
    llm_env.stop()
    try:
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
    finally:
        llm_env.start()
    assert {p: p.read_bytes() for p in pytester.path.rglob("*.yaml")} == before


XDIST = """
import asyncio
import pytest

@pytest.mark.parametrize("topic", ["spring", "summer", "autumn", "winter"])
def test_season(seeded_llm, topic):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": f"A haiku about {topic}"}]
    )
    assert out == seeded_llm.snapshot

@pytest.mark.llmseed(seed=7)
def test_stream_and_two_goldens(seeded_llm):
    stream = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "stream"}], stream=True
    )
    for _ in stream:
        pass
    assert stream == seeded_llm.snapshot
    assert seeded_llm.calls == seeded_llm.snapshot

def test_async(seeded_llm):
    async def main():
        return await seeded_llm.async_client.completions.create(
            model="gpt-3.5-turbo-instruct", prompt="Once upon"
        )
    assert asyncio.run(main()) == seeded_llm.snapshot

class TestGroup:
    def test_method(self, seeded_llm):
        out = seeded_llm.client.responses.create(model="gpt-4o", input="hello")
        assert out == seeded_llm.snapshot
"""

# Differ between two live recordings of the same answers (ids, clocks), by design.
VOLATILE = {
    "id",
    "created",
    "created_at",
    "completed_at",
    "date",
    "x-request-id",
    "openai-processing-ms",
}


def files(root: Path, pattern: str) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob(pattern))}


def test_xdist_snapshot_update_writes_the_same_files_as_a_serial_run(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    serial, parallel = pytester.path / "serial", pytester.path / "parallel"
    for root in (serial, parallel):
        root.mkdir()
        (root / "test_xdist.py").write_text(XDIST)
    # Plugins these runs do not use would only slow down the start of each xdist worker.
    lean = ("-pno:cacheprovider", "-pno:hypothesispytest", "-pno:anyio", "-pno:recording")
    options = (*lean, "--llmseed-record-mode=once", "--snapshot-update")

    pytester.runpytest(str(serial), *options).assert_outcomes(passed=7)
    pytester.runpytest(str(parallel), "-n", "2", *options).assert_outcomes(passed=7)

    goldens = files(serial, "*.llm.yaml")
    assert len(goldens) == 8
    assert files(parallel, "*.llm.yaml").keys() == goldens.keys()
    for name, path in goldens.items():
        assert (parallel / name).read_bytes() == path.read_bytes(), name
    cassettes = files(serial / "cassettes", "*.yaml")
    assert len(cassettes) == 7
    assert files(parallel / "cassettes", "*.yaml").keys() == cassettes.keys()
    for name, path in cassettes.items():
        theirs = parallel / "cassettes" / name
        assert stable(interactions(theirs), VOLATILE) == stable(interactions(path), VOLATILE), name

    # And the parallel run's cassettes replay serially against the serial run's goldens.
    shutil.rmtree(serial / "cassettes")
    shutil.copytree(parallel / "cassettes", serial / "cassettes")
    llm_env.stop()
    try:
        pytester.runpytest(str(serial), "-p", "no:cacheprovider").assert_outcomes(passed=7)
    finally:
        llm_env.start()
