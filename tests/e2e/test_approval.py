"""Pending changes and the `llmseed` console script: review, accept, reject, status, --from."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from helpers import llmseed
from llm_server import FakeOpenAIServer

TEST = """
import pytest

@pytest.mark.parametrize("topic", ["spring", "autumn"])
def test_x(seeded_llm, topic):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": f"Tell me about {{topic}}"}}],
        max_tokens=20,
    )
    assert out == seeded_llm.snapshot
"""


def goldens(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "__snapshots__" / "test_a").iterdir()}


def cassettes(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "cassettes" / "test_a").iterdir()}


@pytest.fixture
def drifted(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    """A recorded suite, then a live re-recording with another seed: both answers drift."""
    pytester.makepyfile(test_a=TEST.format())
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    pytester.runpytest("--llmseed-record-mode=all", "--llmseed-seed=7").assert_outcomes(failed=2)
    return pytester.path


def test_a_mismatch_leaves_golden_and_cassette_pending_together(drifted: Path) -> None:
    pending = drifted / ".llmseed-pending"
    files = sorted(str(p.relative_to(pending)) for p in pending.rglob("*") if p.is_file())
    assert files == [
        "__snapshots__/test_a/test_x[autumn].llm.yaml.llmseed-pending",
        "__snapshots__/test_a/test_x[spring].llm.yaml.llmseed-pending",
        "cassettes/test_a/test_x[autumn].yaml.llmseed-pending",
        "cassettes/test_a/test_x[spring].yaml.llmseed-pending",
    ]
    data = yaml.safe_load(
        (pending / "__snapshots__/test_a/test_x[spring].llm.yaml.llmseed-pending").read_text()
    )
    assert data["test"] == "test_a.py::test_x[spring]"
    assert data["triage"] == "triage: request changed: seed 1234 → 7 — severity: rewording"
    assert yaml.safe_load(data["received"])["meta"]["seed"] == 7
    # The committed files were not touched: the old golden and cassette still replay.
    assert "seed: 7" not in (drifted / "cassettes/test_a/test_x[spring].yaml").read_text()


def test_status_accept_and_reject(drifted: Path, pytester: pytest.Pytester) -> None:
    before_goldens, before_cassettes = goldens(drifted), cassettes(drifted)
    status = llmseed(drifted, "status")
    assert status.returncode == 1
    assert "test_a.py::test_x[spring]" in status.stdout
    assert "2 pending change(s)" in status.stdout

    assert llmseed(drifted, "accept", "test_a.py::test_x[spring]").returncode == 0
    assert llmseed(drifted, "reject", "test_a.py::test_x[autumn]").returncode == 0
    assert llmseed(drifted, "status").returncode == 0
    assert not (drifted / ".llmseed-pending").exists()

    after_goldens, after_cassettes = goldens(drifted), cassettes(drifted)
    # Accepted: golden and cassette both moved to seed 7. Rejected: both unchanged.
    assert after_goldens["test_x[spring].llm.yaml"] != before_goldens["test_x[spring].llm.yaml"]
    assert after_cassettes["test_x[spring].yaml"] != before_cassettes["test_x[spring].yaml"]
    assert after_goldens["test_x[autumn].llm.yaml"] == before_goldens["test_x[autumn].llm.yaml"]
    assert after_cassettes["test_x[autumn].yaml"] == before_cassettes["test_x[autumn].yaml"]
    # The accepted pair replays with seed 7; the rejected one still with the default seed.
    pytester.runpytest("--llmseed-seed=7", "-k", "spring").assert_outcomes(passed=1)
    pytester.runpytest("-k", "autumn").assert_outcomes(passed=1)


def test_accept_all_and_unknown_test(drifted: Path, pytester: pytest.Pytester) -> None:
    unknown = llmseed(drifted, "accept", "test_a.py::nope")
    assert unknown.returncode == 2
    assert "no pending change for 'test_a.py::nope'" in unknown.stderr
    assert llmseed(drifted, "accept").returncode == 2  # neither ids nor --all
    accepted = llmseed(drifted, "accept", "--all")
    assert accepted.returncode == 0
    assert "accepted 2 pending change(s)" in accepted.stdout
    pytester.runpytest("--llmseed-seed=7").assert_outcomes(passed=2)


def test_review_in_a_real_terminal(drifted: Path, pytester: pytest.Pytester) -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "pytest_llmseed.cli", "review"],
        cwd=str(drifted),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )
    child.expect(r"\[1/2\] test_a.py::test_x\[autumn\]")
    child.expect("triage: request changed: seed 1234 → 7")
    child.expect(r"accept \(a\), reject \(r\), skip \(s\), quit \(q\)\? ")
    child.send("x")  # not a choice: asked again
    child.expect(r"accept \(a\), reject \(r\), skip \(s\), quit \(q\)\? ")
    child.send("s")  # one keystroke, no Enter
    child.expect(r"\[2/2\] test_a.py::test_x\[spring\]")
    child.expect(r"\x1b\[31m")  # a colored diff on a terminal
    child.expect(r"\? ")
    child.send("a")
    child.expect("accepted 1, rejected 0, skipped 1; 1 pending change\\(s\\) left")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    remaining = llmseed(drifted, "status")
    assert "test_a.py::test_x[autumn]" in remaining.stdout
    assert "spring" not in remaining.stdout
    pytester.runpytest("--llmseed-seed=7", "-k", "spring").assert_outcomes(passed=1)


def test_review_quit_keeps_everything(drifted: Path) -> None:
    child = pexpect.spawn(
        sys.executable, ["-m", "pytest_llmseed.cli", "review"], cwd=str(drifted), encoding="utf-8"
    )
    child.expect(r"\? ")
    child.send("q")
    child.expect("0 pending change\\(s\\) left|2 pending change\\(s\\) left")
    child.expect(pexpect.EOF)
    assert llmseed(drifted, "status").returncode == 1


def test_ci_artifact_round_trip(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI fails and writes pending changes to an artifact dir; a reviewer approves locally."""
    pytester.makepyfile(test_a=TEST.format())
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    # A prompt change lands; CI (nightly live job) re-records and sees the drift.
    pytester.makepyfile(test_a=TEST.format().replace("Tell me about", "Describe"))
    monkeypatch.setenv("CI", "true")
    artifact = pytester.path / "artifact"
    result = pytester.runpytest("--llmseed-record-mode=all", f"--llmseed-pending-dir={artifact}")
    result.assert_outcomes(failed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert not (pytester.path / ".llmseed-pending").exists()
    assert len(list(artifact.rglob("*.llmseed-pending"))) == 4
    # Without re-recording, CI replay fails too (the cassette no longer matches).
    pytester.runpytest().assert_outcomes(failed=2)

    # The reviewer downloads the artifact elsewhere and approves from the project root.
    download = Path(str(pytester.path) + "-download")
    artifact.rename(download)
    status = llmseed(pytester.path, "status", "--from", str(download))
    assert status.returncode == 1
    assert "triage: request changed: the code now asks something else" in status.stdout
    approved = llmseed(pytester.path, "accept", "--all", "--from", str(download))
    assert approved.returncode == 0, approved.stderr
    # The next CI run passes, offline.
    pytester.runpytest().assert_outcomes(passed=2)


def test_from_a_missing_directory_is_an_error(pytester: pytest.Pytester) -> None:
    result = llmseed(pytester.path, "status", "--from", "nowhere")
    assert result.returncode == 2
    assert "--from nowhere: no such directory" in result.stderr


def test_a_corrupt_pending_file_is_named(pytester: pytest.Pytester) -> None:
    bad = pytester.path / ".llmseed-pending" / "__snapshots__" / "m" / "t.llm.yaml.llmseed-pending"
    bad.parent.mkdir(parents=True)
    bad.write_text("{not: [yaml")
    result = llmseed(pytester.path, "status")
    assert result.returncode == 2
    assert "t.llm.yaml.llmseed-pending: cannot read this pending change" in result.stderr
