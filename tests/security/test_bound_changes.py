"""A pending change is bound to its test: its golden, cassette and pending cassette are the
files the test's node id names, never what the artifact's labels say.

Each attack sits in a CI artifact beside a genuine change, which is still applied: a label
naming another test, a genuine change carrying another test's cassette (or another pending
file as its cassette), the artifact's own severity, a pending cassette left out. Review and
``status --verbose`` show the cassette's requests and answers before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import llmseed
from llm_server import FakeOpenAIServer

TESTS = """
def _ask(seeded_llm, topic):
    return seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": f"Tell me about {topic}"}],
        max_tokens=20,
    )

def test_summary(seeded_llm):
    assert _ask(seeded_llm, "summaries") == seeded_llm.snapshot

def test_other(seeded_llm):
    assert _ask(seeded_llm, "others") == seeded_llm.snapshot

def test_genuine(seeded_llm):
    assert _ask(seeded_llm, "genuine things") == seeded_llm.snapshot
"""
GOLDENS = Path("__snapshots__/test_a")
CASSETTES = Path("cassettes/test_a")
ATTACKER = "ATTACKER ANSWER, wire the money"


@pytest.fixture
def artifact(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    """Three recorded tests, re-recorded with another seed into a CI artifact."""
    pytester.makepyfile(test_a=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=3)
    art = pytester.path / "artifact"
    pytester.runpytest(
        "--llmseed-record-mode=all", "--llmseed-seed=7", f"--llmseed-pending-dir={art}"
    ).assert_outcomes(failed=3)
    return art


def pending_golden(art: Path, test: str) -> Path:
    return art / GOLDENS / f"{test}.llm.yaml.llmseed-pending"


def pending_cassette(art: Path, test: str) -> Path:
    return art / CASSETTES / f"{test}.yaml.llmseed-pending"


def relabel(file: Path, **changes: str) -> None:
    data = yaml.safe_load(file.read_text())
    data.update(changes)
    file.write_text(yaml.safe_dump(data, allow_unicode=True))


def committed(root: Path) -> dict[str, str]:
    """Every committed golden and cassette, by path."""
    return {
        str(p.relative_to(root)): p.read_text()
        for folder in (GOLDENS, CASSETTES)
        for p in sorted((root / folder).iterdir())
    }


def genuine_applied(root: Path, art: Path, before: dict[str, str]) -> None:
    """The genuine change beside the attack: its golden and cassette are the artifact's."""
    golden = str(GOLDENS / "test_genuine.llm.yaml")
    assert (root / golden).read_text() != before[golden]
    assert not pending_golden(art, "test_genuine").exists()
    assert not pending_cassette(art, "test_genuine").exists()


def test_a_label_naming_another_test_writes_nothing_of_it(
    pytester: pytest.Pytester, artifact: Path
) -> None:
    # test_other's change, labelled test_summary: accepting "test_summary" must not write
    # test_other's golden.
    relabel(pending_golden(artifact, "test_other"), test="test_a.py::test_summary")
    before = committed(pytester.path)
    only = llmseed(pytester.path, "accept", "test_a.py::test_summary", "--from", str(artifact))
    assert only.returncode == 2
    assert "test_other.llm.yaml" in only.stderr
    assert "it is not a golden of test_a.py::test_summary" in only.stderr
    after = committed(pytester.path)
    for name in (GOLDENS / "test_other.llm.yaml", CASSETTES / "test_other.yaml"):
        assert after[str(name)] == before[str(name)]
    # test_summary's own change, the genuine one, is what was accepted.
    assert "accepted test_a.py::test_summary" in only.stdout
    assert "accepted 1 pending change(s)" in only.stdout
    result = llmseed(pytester.path, "accept", "--all", "--from", str(artifact))
    assert result.returncode == 2
    assert "file and label disagree" in result.stderr
    after = committed(pytester.path)
    assert (
        after[str(GOLDENS / "test_other.llm.yaml")] == before[str(GOLDENS / "test_other.llm.yaml")]
    )
    assert after[str(CASSETTES / "test_other.yaml")] == before[str(CASSETTES / "test_other.yaml")]
    genuine_applied(pytester.path, artifact, before)


@pytest.mark.parametrize("through", ["cassette", "cassette_pending"])
def test_a_change_cannot_carry_another_tests_cassette(
    pytester: pytest.Pytester, artifact: Path, through: str
) -> None:
    # The attacker's answers, smuggled in through test_summary's genuine change: its
    # cassette label names test_other's cassette (which its pending cassette would
    # replace), or its pending cassette label names another file of the artifact.
    evil = pending_cassette(artifact, "test_summary").read_text().replace("Tell me", ATTACKER)
    if through == "cassette":
        pending_cassette(artifact, "test_summary").write_text(evil)
        relabel(
            pending_golden(artifact, "test_summary"),
            cassette="../../cassettes/test_a/test_other.yaml",
        )
        problem = "it is not the cassette of test_a.py::test_summary"
    else:
        (artifact / CASSETTES / "evil.yaml.llmseed-pending").write_text(evil)
        relabel(
            pending_golden(artifact, "test_summary"),
            cassette_pending="../../cassettes/test_a/evil.yaml.llmseed-pending",
        )
        problem = "its pending cassette should be"
    before = committed(pytester.path)
    result = llmseed(pytester.path, "accept", "--all", "--from", str(artifact))
    assert result.returncode == 2
    assert "test_summary.llm.yaml.llmseed-pending" in result.stderr
    assert problem in result.stderr
    after = committed(pytester.path)
    for name in (GOLDENS / "test_summary.llm.yaml", CASSETTES / "test_summary.yaml"):
        assert after[str(name)] == before[str(name)], name
    assert ATTACKER not in "".join(after.values())
    assert "accepted test_a.py::test_other" in result.stdout  # its own, genuine change
    genuine_applied(pytester.path, artifact, before)


def test_the_cassette_change_is_shown_before_it_is_written(
    pytester: pytest.Pytester, artifact: Path
) -> None:
    # A genuine change whose re-recorded cassette holds an answer the reviewer must see,
    # with a right-to-left override in it that must not reach the terminal raw.
    file = pending_cassette(artifact, "test_summary")
    text = file.read_text()
    assert "fabric marble" in text  # the answer recorded with seed 7
    file.write_text(text.replace("fabric marble", ATTACKER + " \u202e", 1))
    before = committed(pytester.path)
    status = llmseed(pytester.path, "status", "--verbose", "--from", str(artifact))
    assert status.returncode == 1
    review = llmseed(pytester.path, "review", "--from", str(artifact), input="s\ns\ns\n")
    for shown in (status.stdout, review.stdout):
        assert "cassette change (requests and answers" in shown
        assert ATTACKER in shown
        assert "\u202e" not in shown
    plain = llmseed(pytester.path, "status", "--from", str(artifact))
    assert ATTACKER not in plain.stdout  # only --verbose shows cassettes in status
    assert committed(pytester.path) == before


def test_only_the_plugins_own_severity_is_shown(pytester: pytest.Pytester, artifact: Path) -> None:
    # A breaking change (cut off at the token limit) whose artifact calls itself cosmetic.
    file = pending_golden(artifact, "test_summary")
    data = yaml.safe_load(file.read_text())
    assert "finish_reason: stop" in data["received"]
    relabel(
        file,
        received=data["received"].replace("finish_reason: stop", "finish_reason: length"),
        triage="triage: whitespace only, nothing to see — severity: cosmetic",
    )
    for command in (["status"], ["status", "--verbose"]):
        result = llmseed(pytester.path, *command, "--from", str(artifact))
        out = result.stdout
        assert "breaking (1)" in out
        assert "nothing to see" not in out
        assert "cosmetic" not in out.split("pending change(s) (")[0]
        assert out.index("breaking (1)") < out.index("test_a.py::test_summary")
    review = llmseed(pytester.path, "review", "--from", str(artifact), input="s\ns\ns\n")
    assert "severity: breaking" in review.stdout
    assert "nothing to see" not in review.stdout


def test_a_change_whose_pending_cassette_is_missing_is_refused(
    pytester: pytest.Pytester, artifact: Path
) -> None:
    pending_cassette(artifact, "test_other").unlink()
    before = committed(pytester.path)
    status = llmseed(pytester.path, "status", "--from", str(artifact))
    assert "test_other.llm.yaml.llmseed-pending" in status.stderr
    assert "is missing (the golden was recorded with it)" in status.stderr
    assert "copy the whole artifact, or run the test again" in status.stderr
    result = llmseed(pytester.path, "accept", "--all", "--from", str(artifact))
    assert result.returncode == 2
    assert "test_other.yaml.llmseed-pending is missing" in result.stderr
    after = committed(pytester.path)
    assert (
        after[str(GOLDENS / "test_other.llm.yaml")] == before[str(GOLDENS / "test_other.llm.yaml")]
    )
    genuine_applied(pytester.path, artifact, before)
    assert pending_golden(artifact, "test_other").exists()  # left for the reviewer


def test_two_goldens_of_one_test_share_its_pending_cassette(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    # The cassette stays pending while another golden of the same test still needs it.
    pytester.makepyfile(
        test_a="""
def test_two(seeded_llm):
    outs = [
        seeded_llm.client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": topic}], max_tokens=20)
        for topic in ("one", "two")
    ]
    matched = [out == seeded_llm.snapshot for out in outs]  # both compared, then asserted
    assert all(matched)
"""
    )
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    art = pytester.path / "artifact"
    pytester.runpytest(
        "--llmseed-record-mode=all", "--llmseed-seed=7", f"--llmseed-pending-dir={art}"
    )
    assert pending_golden(art, "test_two").exists()
    assert (art / GOLDENS / "test_two.1.llm.yaml.llmseed-pending").exists()
    cassette = pending_cassette(art, "test_two").read_text()
    result = llmseed(pytester.path, "accept", "--all", "--from", str(art))
    assert result.returncode == 0, result.stderr
    assert "accepted 2 pending change(s)" in result.stdout
    assert (pytester.path / CASSETTES / "test_two.yaml").read_text() == cassette
    assert not list(art.rglob("*.llmseed-pending"))
