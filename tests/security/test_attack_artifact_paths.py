"""Attack: paths in a CI artifact (or a committed .llmseed-pending/) lead outside the project.

A pull request's CI run writes its artifact, so every path in it is the attacker's. Each
case tampers with the pending change of one test (spring) and runs the real ``llmseed``;
the tampered change is refused with an error naming its pending file, nothing of it is
applied, and the honest change of the other test (autumn) still is.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from artifacts import (
    AUTUMN,
    SPRING,
    Project,
    accepted_and_replays,
    is_executable,
    make_project,
)
from llm_server import FakeOpenAIServer


@pytest.fixture
def project(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> Project:
    """A recorded project and the artifact of its drifted CI run."""
    return make_project(pytester, monkeypatch)


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the project, with a file the attacker wants to read or destroy."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret.yaml").write_text("the user's private file\n")
    return folder


def _hook(project: Project) -> Path:
    hook = project.root / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(parents=True)
    hook.write_text("#!/bin/sh\necho honest hook\n")
    hook.chmod(0o755)
    return hook


def climbing_cassette(project: Project, outside: Path) -> Path:
    """``cassette: ../../../..`` climbs out of the project."""
    target = outside / "written.yaml"
    project.edit("spring", cassette=os.path.relpath(target, project.golden("spring").parent))
    return target


def absolute_cassette(project: Project, outside: Path) -> Path:
    """``cassette: /abs/path`` names a file anywhere."""
    target = outside / "written.yaml"
    project.edit("spring", cassette=str(target))
    return target


def git_hook_cassette(project: Project, outside: Path) -> Path:
    """The cassette replaces ``.git/hooks/pre-commit`` (run by the next ``git commit``)."""
    hook = _hook(project)
    project.edit("spring", cassette="../../.git/hooks/pre-commit")
    return hook


def git_yaml_cassette(project: Project, outside: Path) -> Path:
    """A ``.yaml`` name inside ``.git/`` is still refused."""
    project.edit("spring", cassette="../../.git/config.yaml")
    return project.root / ".git" / "config.yaml"


def cassette_outside_its_folder(project: Project, outside: Path) -> Path:
    """A cassette target inside the project but not in a cassette folder (a workflow)."""
    project.edit("spring", cassette="../../.github/workflows/ci.yaml")
    return project.root / ".github" / "workflows" / "ci.yaml"


def source_outside_artifact(project: Project, outside: Path) -> Path:
    """``cassette_pending`` reads a file outside the artifact into the repository."""
    source = outside / "secret.yaml.llmseed-pending"
    source.write_text((outside / "secret.yaml").read_text())
    project.edit(
        "spring", cassette_pending=os.path.relpath(source, project.pending("spring").parent)
    )
    return project.cassette("spring")


def symlinked_source(project: Project, outside: Path) -> Path:
    """The pending cassette in the artifact is a symlink to a file outside it."""
    link = project.cassette_pending("spring")
    link.unlink()
    link.symlink_to(outside / "secret.yaml")
    return project.cassette("spring")


def symlinked_pending_file(project: Project, outside: Path) -> Path:
    """The pending golden itself is a symlink out of the artifact."""
    real = outside / "stolen.llm.yaml.llmseed-pending"
    real.write_bytes(project.pending("spring").read_bytes())
    project.pending("spring").unlink()
    project.pending("spring").symlink_to(real)
    return project.golden("spring")


def symlinked_target_folder(project: Project, outside: Path) -> Path:
    """The project's cassette folder of the test is a symlink out of the project."""
    folder = project.cassette("spring").parent
    moved = outside / "cassettes"
    folder.rename(moved)
    folder.symlink_to(moved, target_is_directory=True)
    # autumn's cassette lives in the same folder: this attack refuses both changes.
    return moved / project.cassette("spring").name


ATTACKS: dict[str, Callable[[Project, Path], Path]] = {
    f.__name__: f
    for f in (
        climbing_cassette,
        absolute_cassette,
        git_hook_cassette,
        git_yaml_cassette,
        cassette_outside_its_folder,
        source_outside_artifact,
        symlinked_source,
        symlinked_pending_file,
        symlinked_target_folder,
    )
}
REFUSALS = {
    "climbing_cassette": "it is outside the project",
    "absolute_cassette": "'cassette' is an absolute path",
    "git_hook_cassette": "it is inside .git/",
    "git_yaml_cassette": "it is inside .git/",
    "cassette_outside_its_folder": "a cassette must be inside a cassettes/ folder",
    "source_outside_artifact": "it is outside the artifact (--from)",
    "symlinked_source": "it is outside the artifact (--from) (it resolves to",
    "symlinked_pending_file": "it is outside the artifact (--from) (it resolves to",
    "symlinked_target_folder": "it is outside the project (it resolves to",
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_accept_from_a_tampered_artifact_is_refused(
    attack: str, project: Project, outside: Path, pytester: pytest.Pytester
) -> None:
    golden_before = project.golden("spring").read_bytes()
    target = ATTACKS[attack](project, outside)
    before = target.read_bytes() if target.exists() else None

    result = project.llmseed("accept", "--all")

    assert result.returncode == 2, result.stdout + result.stderr
    [refusal] = [
        line
        for line in result.stderr.splitlines()
        if "nothing of this change is applied" in line and "test_x[spring]" in line
    ]
    assert "test_x[spring].llm.yaml.llmseed-pending: nothing of this change" in refusal
    assert REFUSALS[attack] in refusal
    # Nothing of the refused change was applied, nothing was written where it pointed.
    assert (target.read_bytes() if target.exists() else None) == before
    assert project.golden("spring").read_bytes() == golden_before
    assert not (project.root / "cassettes" / "secret.yaml").exists()
    if attack != "symlinked_target_folder":
        assert f"accepted {AUTUMN}" in result.stdout
        accepted_and_replays(project, pytester, "autumn")


def test_a_git_hook_is_never_left_executable_with_attacker_text(
    project: Project, outside: Path
) -> None:
    """The reported attack end to end: the hook keeps its text, ``git commit`` runs it."""
    hook = git_hook_cassette(project, outside)
    project.llmseed("accept", "--all")
    assert hook.read_text() == "#!/bin/sh\necho honest hook\n"
    assert is_executable(hook)  # untouched, so still the user's own


def test_an_accepted_file_never_keeps_an_execute_bit(
    project: Project, pytester: pytest.Pytester
) -> None:
    """A cassette made executable (by a commit) is rewritten with read/write bits only."""
    project.cassette("spring").chmod(0o755)
    project.golden("spring").chmod(0o755)
    assert project.llmseed("accept", "--all").returncode == 0
    assert not is_executable(project.cassette("spring"))
    assert not is_executable(project.golden("spring"))
    accepted_and_replays(project, pytester, "spring")


@pytest.mark.parametrize("attack", ["climbing", "symlinked"])
def test_reject_all_deletes_nothing_outside_the_artifact(
    attack: str, project: Project, outside: Path
) -> None:
    victim = outside / "secret.yaml"
    if attack == "climbing":
        relative = os.path.relpath(victim, project.pending("spring").parent)
        project.edit("spring", cassette_pending=relative)
    else:
        link = project.cassette_pending("spring")
        link.unlink()
        link.symlink_to(victim)
    result = project.llmseed("reject", "--all")
    assert result.returncode == 2
    assert victim.read_text() == "the user's private file\n"
    assert f"rejected {AUTUMN}" in result.stdout
    assert not project.pending("autumn").exists()


def test_a_committed_pending_folder_is_confined_too(
    project: Project, pytester: pytest.Pytester, outside: Path
) -> None:
    """Without --from: a .llmseed-pending/ folder committed on a PR branch."""
    committed = project.root / ".llmseed-pending"
    project.artifact.rename(committed)
    project = Project(project.root, committed)
    hook = _hook(project)
    project.edit("spring", cassette="../../.git/hooks/pre-commit")
    victim = outside / "secret.yaml"
    relative = os.path.relpath(victim, project.pending("autumn").parent)
    project.edit("autumn", cassette_pending=relative)

    status = project.llmseed("status", from_artifact=False)
    assert status.returncode == 2
    assert status.stderr.count("nothing of this change is applied") == 2
    result = project.llmseed("reject", "--all", from_artifact=False)
    assert result.returncode == 2
    assert hook.read_text() == "#!/bin/sh\necho honest hook\n"
    assert victim.exists()


def test_the_honest_artifact_still_applies(project: Project, pytester: pytest.Pytester) -> None:
    result = project.llmseed("accept", "--all")
    assert result.returncode == 0, result.stderr
    assert f"accepted {SPRING}" in result.stdout
    for topic in ("spring", "autumn"):
        accepted_and_replays(project, pytester, topic)
