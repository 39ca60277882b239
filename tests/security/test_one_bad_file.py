"""One bad file stops nothing: it is refused alone, named, and the others go on.

A pending file that is not UTF-8 or is a directory, a 5,000-digit number, keys of mixed
types: ``llmseed status``, ``accept`` and ``review`` name the file and still list and apply
the other changes; the same goldens committed fail their own test with a clear message; a
report with such a number is a named-file error of ``report --merge``. Hypothesis feeds
random bytes and random YAML as pending files, goldens and reports: always a named-file
error, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import llmseed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llm_server import FakeOpenAIServer

from pytest_llmseed.errors import GoldenFileError, ReportFileError
from pytest_llmseed.files.yamlio import MAX_DIGITS
from pytest_llmseed.goldens.fileformat import load_golden
from pytest_llmseed.goldens.triage import describe_change
from pytest_llmseed.report.console import Out
from pytest_llmseed.report.merge import read_report
from pytest_llmseed.review import pending
from pytest_llmseed.review.describe import show

TESTS = """
import pytest

@pytest.mark.parametrize("topic", ["spring", "autumn"])
def test_x(seeded_llm, topic):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": f"Tell me about {topic}"}],
        max_tokens=20,
    )
    assert out == seeded_llm.snapshot
"""
GOLDENS = Path("__snapshots__/test_a")
HUGE = "9" * (MAX_DIGITS + 700)
NOT_UTF8 = b"\xff\xfe\x00llmseed\x80\x81"


@pytest.fixture
def artifact(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    """A recorded two-test suite, re-recorded with another seed into a CI artifact."""
    pytester.makepyfile(test_a=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    art = pytester.path / "artifact"
    pytester.runpytest(
        "--llmseed-record-mode=all", "--llmseed-seed=7", f"--llmseed-pending-dir={art}"
    ).assert_outcomes(failed=2)
    return art


def add_change(art: Path, name: str, received: str | None, cassette: str | bytes | None) -> Path:
    """A pending golden beside the genuine ones (``cassette``: its pending cassette's
    content; "dir" makes it a directory)."""
    spring = art / GOLDENS / "test_x[spring].llm.yaml.llmseed-pending"
    data = yaml.safe_load(spring.read_text())
    data["test"] = f"test_a.py::{name}"
    if received is not None:
        data["received"] = received
    data["cassette"] = f"../../cassettes/test_a/{name}.yaml"
    data["cassette_pending"] = f"../../cassettes/test_a/{name}.yaml.llmseed-pending"
    file = art / GOLDENS / f"{name}.llm.yaml.llmseed-pending"
    file.write_text(yaml.safe_dump(data))
    target = art / "cassettes" / "test_a" / f"{name}.yaml.llmseed-pending"
    if cassette == "dir":
        target.mkdir()
    elif isinstance(cassette, bytes):
        target.write_bytes(cassette)
    elif cassette is not None:
        target.write_text(cassette)
    return file


def received_golden(art: Path, body: str) -> str:
    spring = art / GOLDENS / "test_x[spring].llm.yaml.llmseed-pending"
    received: str = yaml.safe_load(spring.read_text())["received"]
    head, _, _ = received.partition("output:")
    return head + body


@pytest.fixture
def hostile(artifact: Path) -> dict[str, Path]:
    """Bad pending changes beside the two genuine ones, each a pending golden file."""
    ok_cassette = (artifact / "cassettes/test_a/test_x[spring].yaml.llmseed-pending").read_text()
    bad = {
        "cassette_not_utf8": add_change(artifact, "not_utf8", None, NOT_UTF8),
        "cassette_directory": add_change(artifact, "a_dir", None, "dir"),
        "huge_number": add_change(
            artifact, "huge", received_golden(artifact, f"output:\n  n: {HUGE}\n"), ok_cassette
        ),
    }
    golden_not_utf8 = artifact / GOLDENS / "raw.llm.yaml.llmseed-pending"
    golden_not_utf8.write_bytes(NOT_UTF8)
    bad["golden_not_utf8"] = golden_not_utf8
    golden_dir = artifact / GOLDENS / "folder.llm.yaml.llmseed-pending"
    golden_dir.mkdir()
    bad["golden_directory"] = golden_dir
    return bad


def assert_named(stderr: str, bad: dict[str, Path]) -> None:
    for file in bad.values():
        assert f"{file.name}" in stderr, f"{file.name} not named"
    assert "Traceback" not in stderr


def test_status_lists_the_good_changes_and_names_each_bad_file(
    pytester: pytest.Pytester, artifact: Path, hostile: dict[str, Path]
) -> None:
    result = llmseed(pytester.path, "status", "--from", str(artifact))
    assert result.returncode == 2  # not 1: an unreadable file is not "pending"
    assert_named(result.stderr, hostile)
    assert "test_a.py::test_x[spring]" in result.stdout
    assert "test_a.py::test_x[autumn]" in result.stdout
    assert "not UTF-8" in result.stderr
    assert f"a number of more than {MAX_DIGITS} digits" in result.stderr


def test_accept_all_applies_the_good_changes_and_refuses_each_bad_one(
    pytester: pytest.Pytester, artifact: Path, hostile: dict[str, Path]
) -> None:
    goldens = {p.name: p.read_bytes() for p in (pytester.path / GOLDENS).iterdir()}
    result = llmseed(pytester.path, "accept", "--all", "--from", str(artifact))
    assert result.returncode == 2
    assert_named(result.stderr, hostile)
    assert "accepted 2 pending change(s)" in result.stdout
    after = {p.name: p.read_bytes() for p in (pytester.path / GOLDENS).iterdir()}
    assert set(after) == set(goldens)  # nothing written for the bad ones
    for name, before in goldens.items():
        assert after[name] != before
    assert all(path.exists() for path in hostile.values())


def test_review_walks_the_good_changes(
    pytester: pytest.Pytester, artifact: Path, hostile: dict[str, Path]
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_llmseed.cli", "review", "--from", str(artifact)],
        cwd=pytester.path,
        input="a\na\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_named(result.stderr, hostile)
    assert "accepted 2, rejected 0, skipped 0; 0 pending change(s) left" in result.stdout


def test_keys_of_mixed_types_are_shown_and_applied(
    pytester: pytest.Pytester, artifact: Path
) -> None:
    mixed = received_golden(artifact, "output:\n  1: one\n  b: two\n  true: three\n")
    # Its own cassette too: a change whose pending cassette is missing is refused.
    cassette = (artifact / "cassettes/test_a/test_x[spring].yaml.llmseed-pending").read_text()
    add_change(artifact, "mixed", mixed, cassette)
    for command in (["status"], ["accept", "--all"]):
        result = llmseed(pytester.path, *command, "--from", str(artifact))
        assert "Traceback" not in result.stderr
        assert "test_a.py::mixed" in result.stdout
    assert "1: one" in (pytester.path / GOLDENS / "mixed.llm.yaml").read_text()


@pytest.mark.parametrize(
    "output",
    [f"output:\n  n: {HUGE}\n", "output:\n  1: one\n  b: two\n"],
    ids=["huge_number", "mixed_keys"],
)
def test_a_committed_golden_fails_its_own_test_only(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, output: str
) -> None:
    pytester.makepyfile(test_a=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    golden = pytester.path / GOLDENS / "test_x[spring].llm.yaml"
    head, _, _ = golden.read_text().partition("output:")
    golden.write_text(head + output)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in text
    assert "Traceback (most recent call last)" not in text
    if "huge" in output or HUGE in output:
        assert "test_x[spring].llm.yaml" in text
        assert f"a number of more than {MAX_DIGITS} digits" in text


def test_a_report_with_a_huge_number_is_named(pytester: pytest.Pytester) -> None:
    report = pytester.path / "shard.json"
    report.write_text(f'{{"schema_version": 1, "ci": true, "n": {HUGE}}}')
    result = llmseed(pytester.path, "report", "--merge", str(report))
    assert result.returncode == 2
    assert "shard.json: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


# --- hypothesis: random bytes and YAML as every kind of file --------------------------------

_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.just("HUGE_NUMBER"),  # a plain scalar, made a 5,000-digit integer by _dump
)
_keys = st.one_of(st.integers(-5, 5), st.text(max_size=6), st.booleans(), st.none())
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=25,
)
_goldens = st.fixed_dictionaries(
    {"llmseed_golden": st.just(1)},
    optional={
        "kind": st.sampled_from(["calls", "answer"]),
        "calls": _documents,
        "endpoint": _documents,
        "request": _documents,
        "output": _documents,
        "meta": _documents,
    },
)


def _dump(value: Any) -> str:
    """YAML of ``value``, with each "HUGE_NUMBER" a number of more digits than Python reads."""
    return yaml.safe_dump(value, allow_unicode=True).replace("HUGE_NUMBER", HUGE)


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


_texts = st.one_of(
    st.binary(max_size=300).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.text(max_size=300),
    _documents.map(_dump),
    _goldens.map(_dump),
)


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A project root with a committed golden, and an artifact folder beside it."""
    root, art = tmp_path / "root", tmp_path / "art"
    (root / "__snapshots__" / "m").mkdir(parents=True)
    (art / "__snapshots__" / "m").mkdir(parents=True)
    (art / "cassettes" / "m").mkdir(parents=True)
    (root / "__snapshots__" / "m" / "t.llm.yaml").write_text(
        "llmseed_golden: 1\nrequest: {model: gpt-4o}\noutput: {content: hello}\n"
    )
    return root, art


def _pending_file(art: Path, received: str) -> Path:
    file = art / "__snapshots__" / "m" / "t.llm.yaml.llmseed-pending"
    data = {
        "llmseed_pending": 1,
        "test": "m.py::t",
        "triage": "triage: output changed",
        "received": received,
        "cassette": "../../cassettes/m/t.yaml",
        "cassette_pending": "../../cassettes/m/t.yaml.llmseed-pending",
    }
    file.write_bytes(_encoded(_dump(data)))
    return file


def _find_and_show(root: Path, art: Path) -> pending.Found:
    import io

    found = pending.find_in_artifacts([art], root=root)
    for index, change in enumerate(found.changes, 1):
        show(Out(io.StringIO(), color=False), change, index, len(found.changes))
    return found


@_SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_as_a_pending_golden_file(layout: tuple[Path, Path], data: bytes) -> None:
    root, art = layout
    file = art / "__snapshots__" / "m" / "t.llm.yaml.llmseed-pending"
    file.write_bytes(data)
    found = _find_and_show(root, art)
    assert found.changes == []
    assert [error.path for error in found.errors] == [file]


@_SETTINGS
@given(received=_texts, cassette=st.one_of(st.binary(max_size=300), _texts.map(_encoded)))
def test_random_received_golden_and_pending_cassette(
    layout: tuple[Path, Path], received: str, cassette: bytes
) -> None:
    root, art = layout
    file = _pending_file(art, received)
    (art / "cassettes" / "m" / "t.yaml.llmseed-pending").write_bytes(cassette)
    found = _find_and_show(root, art)
    assert all(error.path == file for error in found.errors)
    assert len(found.errors) + len(found.changes) == 1


@_SETTINGS
@given(text=_texts)
def test_random_text_as_a_committed_golden(text: str) -> None:
    with contextlib.suppress(GoldenFileError):
        load_golden(text)


@_SETTINGS
@given(old=_goldens, new=_goldens)
def test_random_goldens_are_described(old: dict[str, Any], new: dict[str, Any]) -> None:
    huge = HUGE in _dump(old) + _dump(new)
    try:
        describe_change(load_golden(_dump(old)), load_golden(_dump(new)))
    except GoldenFileError as exc:
        problem = str(exc)
    else:
        problem = ""
    # Only the number too long to read is refused; everything else is described.
    assert ("digits" in problem) == huge


_report_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_reports = st.one_of(
    st.binary(max_size=300),
    _report_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {
            "schema_version": st.just(1),
            "ci": st.booleans(),
            "summary": st.just({}),
            "unused_cassettes": st.lists(st.text(max_size=5), max_size=2),
            "tests": st.lists(_report_values, max_size=3),
        },
        optional={"whatif": _report_values},
    ).map(lambda v: json.dumps(v).encode()),
    st.just(b'{"schema_version": ' + HUGE.encode() + b"}"),
    st.just(b"[" * 100_000 + b"]" * 100_000),
)


@_SETTINGS
@given(data=_reports)
def test_random_reports_are_read_or_named(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "shard.json"
    path.write_bytes(data)
    try:
        read_report(path)
    except ReportFileError as exc:
        named = exc.path
    else:
        named = path
    assert named == path
