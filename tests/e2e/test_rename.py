"""A renamed test: the miss says probable rename and gives ``llmseed rename OLD NEW``, which
moves its cassette, goldens and pending changes together; the replay then passes offline
with the old golden. Every move is checked first: a refusal names what is in the way and
moves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import llmseed
from llm_server import FakeOpenAIServer

TEST = """
import pytest

def {name}(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "Summarize the ticket"}}],
        max_tokens=20,
    )
    assert out == seeded_llm.snapshot

class TestPairs:
    @pytest.mark.parametrize("topic", ["spring"])
    def {method}(self, seeded_llm, topic):
        out = seeded_llm.client.chat.completions.create(
            model="gpt-4o", messages=[{{"role": "user", "content": topic}}], max_tokens=20,
        )
        assert out == seeded_llm.snapshot
"""
OLD = {"name": "test_summary", "method": "test_pair"}
GOLDENS = Path("__snapshots__/test_app")
CASSETTES = Path("cassettes/test_app")
COMMAND = "llmseed rename test_app.py::test_summary test_app.py::test_ticket_summary"


def files(root: Path) -> dict[str, bytes]:
    """Every golden, cassette and pending file of the project, by path."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*.yaml*"))
        if p.is_file() and "artifact" not in p.parts
    }


@pytest.fixture
def recorded(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> pytest.Pytester:
    """Two tests recorded (one in a class, parametrized), the server then forgotten."""
    pytester.makepyfile(test_app=TEST.format(**OLD))
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    return pytester


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_renamed_test_is_named_moved_and_replays_offline(
    recorded: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    xdist: list[str],
) -> None:
    root = recorded.path
    old_golden = (root / GOLDENS / "test_summary.llm.yaml").read_bytes()
    old_cassette = (root / CASSETTES / "test_summary.yaml").read_bytes()
    recorded.makepyfile(test_app=TEST.format(name="test_ticket_summary", method="test_pair"))
    monkeypatch.delenv("OPENAI_API_KEY")
    served = len(llm_env.requests)
    missed = recorded.runpytest("-p", "no:cacheprovider", *xdist)
    missed.assert_outcomes(passed=1, failed=1)
    out = missed.stdout.str()
    assert f"probable rename: {root / CASSETTES / 'test_summary.yaml'} has this request" in out
    assert f"  {COMMAND}\n" in out
    assert "Or, to record it anew from" in out
    # The summary's unused cassette says the same.
    assert "unused cassette: cassettes/test_app/test_summary.yaml" in out
    assert f"    probable rename: run `{COMMAND}` to keep it" in out

    moved = llmseed(root, *COMMAND.split()[1:])
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.splitlines() == [
        "moved cassette: cassettes/test_app/test_summary.yaml -> "
        "cassettes/test_app/test_ticket_summary.yaml",
        "moved golden:   __snapshots__/test_app/test_summary.llm.yaml -> "
        "__snapshots__/test_app/test_ticket_summary.llm.yaml",
        "renamed test_app.py::test_summary to test_app.py::test_ticket_summary (2 file(s))",
    ]
    assert not (root / GOLDENS / "test_summary.llm.yaml").exists()
    assert not (root / CASSETTES / "test_summary.yaml").exists()
    assert (root / CASSETTES / "test_ticket_summary.yaml").read_bytes() == old_cassette

    replay = recorded.runpytest("-p", "no:cacheprovider", *xdist)
    replay.assert_outcomes(passed=2)
    assert "unused" not in replay.stdout.str()
    assert (root / GOLDENS / "test_ticket_summary.llm.yaml").read_bytes() == old_golden
    assert len(llm_env.requests) == served  # offline: the server saw nothing


def test_a_class_method_with_parameters_is_renamed(recorded: pytest.Pytester) -> None:
    root = recorded.path
    moved = llmseed(
        root,
        "rename",
        "test_app.py::TestPairs::test_pair[spring]",
        "test_app.py::TestPairs::test_duo[spring]",
    )
    assert moved.returncode == 0, moved.stderr
    assert (root / GOLDENS / "TestPairs.test_duo[spring].llm.yaml").is_file()
    assert (root / CASSETTES / "TestPairs.test_duo[spring].yaml").is_file()
    recorded.makepyfile(test_app=TEST.format(name="test_summary", method="test_duo"))
    recorded.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_pending_change_moves_with_its_test_and_is_accepted(
    recorded: pytest.Pytester,
) -> None:
    root = recorded.path
    recorded.runpytest("--llmseed-record-mode=all", "--llmseed-seed=7").assert_outcomes(failed=2)
    pending = root / ".llmseed-pending"
    assert (pending / GOLDENS / "test_summary.llm.yaml.llmseed-pending").is_file()
    moved = llmseed(root, *COMMAND.split()[1:])
    assert moved.returncode == 0, moved.stderr
    assert "(4 file(s))" in moved.stdout
    assert not list(pending.rglob("test_summary*"))
    assert (pending / CASSETTES / "test_ticket_summary.yaml.llmseed-pending").is_file()
    status = llmseed(root, "status")
    assert "test_app.py::test_ticket_summary" in status.stdout
    assert status.stderr == ""  # the moved change is bound to its new test
    accepted = llmseed(root, "accept", "test_app.py::test_ticket_summary")
    assert accepted.returncode == 0, accepted.stderr
    recorded.makepyfile(test_app=TEST.format(name="test_ticket_summary", method="test_pair"))
    # The accepted golden and cassette are the seed-7 recording's.
    result = recorded.runpytest("-p", "no:cacheprovider", "-k", "ticket", "--llmseed-seed=7")
    result.assert_outcomes(passed=1)


def test_a_target_in_the_way_refuses_the_whole_rename(recorded: pytest.Pytester) -> None:
    root = recorded.path
    # The new name's golden exists already (a test of that name was recorded once).
    (root / GOLDENS / "test_ticket_summary.llm.yaml").write_text("in the way\n")
    before = files(root)
    result = llmseed(root, *COMMAND.split()[1:])
    assert result.returncode == 2
    assert (
        "test_ticket_summary.llm.yaml: is in the way (the new test's golden exists" in result.stderr
    )
    assert "nothing was moved" in result.stderr
    assert files(root) == before


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        ("../outside/test_app.py::test_x", "is outside the project"),
        ("test_app.py", "is not a test's node id"),
        (".git/test_app.py::test_x", "inside .git/"),
    ],
)
def test_a_target_outside_the_project_is_refused(
    recorded: pytest.Pytester, new: str, problem: str
) -> None:
    root = recorded.path
    (root / ".git").mkdir()
    before = files(root)
    result = llmseed(root, "rename", "test_app.py::test_summary", new)
    assert result.returncode == 2
    assert problem in result.stderr
    assert "Traceback" not in result.stderr
    assert files(root) == before
    assert not (root.parent / "outside").exists()


def test_nothing_to_move_is_named(recorded: pytest.Pytester) -> None:
    result = llmseed(recorded.path, "rename", "test_app.py::test_gone", "test_app.py::test_new")
    assert result.returncode == 2
    assert "nothing to move: no cassette, golden or pending change of test_app.py::test_gone" in (
        result.stderr
    )
