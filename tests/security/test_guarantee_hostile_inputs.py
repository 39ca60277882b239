"""Guarantee: a broken or hostile cassette or golden fails its own test with a clear error.

Each case breaks the files of one test of a recorded two-test project and replays it. The
broken test fails with a message that names the file and what to do, with no traceback
from the plugin's internals; the other test still passes; the broken file is left as it
was (never overwritten silently).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from llm_server import FakeOpenAIServer

TESTS = """
def ask(llm, text):
    return llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    )

def test_x(seeded_llm):
    assert ask(seeded_llm, "hostile") == seeded_llm.snapshot

def test_other(seeded_llm):
    assert ask(seeded_llm, "bystander") == seeded_llm.snapshot
"""
CASSETTE = "cassettes/test_hostile/test_x.yaml"
GOLDEN = "__snapshots__/test_hostile/test_x.llm.yaml"
RECORD = "--llmseed-record-mode="
UPDATE = "--snapshot-update"

# A plugin frame in a traceback looks like "…/pytest_llmseed/fixture.py:201: in seeded_test"
# or "…/pytest_llmseed/cassettes/storage.py:88: in load_cassette".
PLUGIN_FRAME = re.compile(r"pytest_llmseed[\\/](?:\w+[\\/])*\w+\.py")

# Recorded once per worker process; each test writes a fresh copy into its own directory.
_RECORDED: dict[str, bytes] = {}


@pytest.fixture
def project(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    """A two-test project with its cassettes and goldens recorded, ready to be broken."""
    pytester.makepyfile(test_hostile=TESTS)
    if not _RECORDED:
        result = pytester.runpytest(f"{RECORD}once", UPDATE)
        result.assert_outcomes(passed=2)
        for path in pytester.path.rglob("*.yaml"):
            _RECORDED[path.relative_to(pytester.path).as_posix()] = path.read_bytes()
        assert {CASSETTE, GOLDEN} <= set(_RECORDED)
    else:
        for name, data in _RECORDED.items():
            path = pytester.path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return pytester.path


def garbage(size: int) -> bytes:
    """Deterministic bytes that are not UTF-8 (and include NUL and control bytes)."""
    return bytes((i * 151 + 7) % 256 for i in range(size))


def with_cassette(change: Callable[[dict], None]) -> Callable[[bytes], bytes]:  # type: ignore[type-arg]
    def rewrite(recorded: bytes) -> bytes:
        data = yaml.safe_load(recorded)
        change(data)
        return yaml.safe_dump(data, sort_keys=False).encode()

    return rewrite


def set_status(data: dict) -> None:  # type: ignore[type-arg]
    data["interactions"][0]["response"]["status"]["code"] = "OK"


def form_body(data: dict) -> None:  # type: ignore[type-arg]
    data["interactions"][0]["request"]["body"] = "model=gpt-4o&content=hostile"


RUBY_VCR = b"""---
http_interactions:
- request:
    method: post
    uri: https://api.openai.com/v1/chat/completions
    body:
      encoding: UTF-8
      string: '{"model":"gpt-4o"}'
  response:
    status:
      code: 200
    body:
      encoding: UTF-8
      string: '{}'
recorded_with: VCR 6.2.0
"""
HAR = json.dumps({"log": {"version": "1.2", "creator": {"name": "Polly.JS"}, "entries": []}})
UNSAFE_TAG = b"!!python/object/apply:os.system ['touch pwned']\n"

# case: (file broken, new content from the recorded one, what the message must also say)
CASES: dict[str, tuple[str, Callable[[bytes], bytes], tuple[str, ...]]] = {
    "cassette_empty": (CASSETTE, lambda _: b"", ("no recorded answer", RECORD)),
    "cassette_truncated": (CASSETTE, lambda b: b[: len(b) // 2], ("cannot use cassette", RECORD)),
    "cassette_invalid_yaml": (
        CASSETTE,
        lambda _: b"version: 1\ninteractions:\n- request: {method: POST\n",
        ("not valid YAML at line", RECORD),
    ),
    "cassette_wrong_structure": (
        CASSETTE,
        lambda _: b"version: 1\ninteractions: {request: POST}\n",
        ("no 'interactions' list", RECORD),
    ),
    "cassette_wrong_value_type": (
        CASSETTE,
        with_cassette(set_status),
        ("interaction #1: response status code 'OK'", RECORD),
    ),
    "cassette_binary_garbage": (CASSETTE, lambda _: garbage(4096), ("not UTF-8", RECORD)),
    "cassette_ruby_vcr_format": (CASSETTE, lambda _: RUBY_VCR, ("Ruby VCR", RECORD)),
    "cassette_har_format": (CASSETTE, lambda _: HAR.encode(), ("HAR file", RECORD)),
    "cassette_unsafe_yaml_tag": (CASSETTE, lambda _: UNSAFE_TAG, ("is not allowed", RECORD)),
    "cassette_request_body_not_json": (
        CASSETTE,
        with_cassette(form_body),
        ("no recorded answer", "the raw bodies differ", RECORD),
    ),
    "golden_newer_format_version": (
        GOLDEN,
        lambda b: b.replace(b"llmseed_golden: 1", b"llmseed_golden: 99"),
        ("format version 99", "upgrade pytest-llmseed"),
    ),
    "golden_empty": (GOLDEN, lambda _: b"", (UPDATE,)),
    "golden_truncated": (GOLDEN, lambda b: b[: len(b) // 2], (UPDATE,)),
    "golden_invalid_yaml": (
        GOLDEN,
        lambda _: b"llmseed_golden: 1\noutput: [\n",
        ("not valid YAML", UPDATE),
    ),
    "golden_wrong_structure": (
        GOLDEN,
        lambda _: b"- just\n- a list\n",
        ("not a pytest-llmseed golden", UPDATE),
    ),
    "golden_binary_garbage": (GOLDEN, lambda _: garbage(4096), (UPDATE,)),
}


def failure_block(output: str, test: str) -> str:
    """The report section of one failed or errored test (up to the next section)."""
    lines = output.splitlines()
    header = re.compile(rf"^_+ (ERROR at setup of )?{test} _+$")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    assert start is not None, f"no failure section for {test}"
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"^(_{3,}|-{3,}|={3,}) ", lines[i])),
        len(lines),
    )
    return "\n".join(lines[start:end])


def assert_clear_failure(result: pytest.RunResult, broken: str, expected: tuple[str, ...]) -> None:
    """test_x failed naming ``broken`` and the remedy; test_other passed; no plugin frames."""
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 1, outcomes  # test_other is not affected
    assert outcomes.get("failed", 0) + outcomes.get("errors", outcomes.get("error", 0)) == 1
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str() + result.stderr.str()
    block = failure_block(output, "test_x")
    assert broken in block.replace("\\", "/"), f"the failure does not name {broken}"
    for text in expected:
        assert text in block, f"{text!r} missing from the failure"
    frames = [line for line in output.splitlines() if PLUGIN_FRAME.search(line)]
    assert frames == [], "plugin internals in the traceback"
    assert "Traceback (most recent call last)" not in output
    assert "During handling of the above exception" not in output
    assert "INTERNALERROR" not in output


@pytest.mark.parametrize("case", list(CASES))
def test_broken_file_gives_a_clear_error_and_is_left_alone(
    pytester: pytest.Pytester, project: Path, case: str
) -> None:
    broken, make, expected = CASES[case]
    path = project / broken
    content = make(_RECORDED[broken])
    path.write_bytes(content)

    result = pytester.runpytest("-p", "no:cacheprovider")

    assert_clear_failure(result, broken, expected)
    assert path.read_bytes() == content, "the broken file was rewritten"
    assert not (project / "pwned").exists()  # a YAML tag never runs anything


def test_huge_cassette_replays_and_is_not_rewritten(
    pytester: pytest.Pytester, project: Path
) -> None:
    """50 MB of recorded traffic (50 one-megabyte answers) before the test's own answer."""
    path = project / CASSETTE
    recorded = yaml.safe_load(_RECORDED[CASSETTE])
    filler = {
        "request": {
            "method": "POST",
            "uri": recorded["interactions"][0]["request"]["uri"],
            "body": {"json": {"model": "gpt-4o", "messages": [{"role": "user", "content": ""}]}},
            "headers": {},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["text/plain"]},
            "body": {"string": ("lorem ipsum dolor sit amet " * 40 + "\n") * 1000},
        },
    }
    one = yaml.safe_dump([filler], sort_keys=False, width=4096)  # dumped once: it is slow
    with path.open("w", encoding="utf-8") as handle:
        handle.write("version: 1\ninteractions:\n")
        for number in range(50):
            handle.write(one.replace("content: ''", f"content: filler {number}", 1))
        handle.write(yaml.safe_dump(recorded["interactions"], sort_keys=False, width=4096))
    size = path.stat().st_size
    assert size >= 50 * 1024 * 1024
    before = path.read_bytes()

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=2)
    assert path.stat().st_size == size
    assert path.read_bytes() == before
