"""A recorded project whose CI run left pending changes in an artifact, for the attack tests.

``make_project`` records a two-test project, re-records it live as a CI job would (both
answers drift) with the pending changes written to an artifact outside the project, and
gives both folders. The files are made once per process and copied into each test's own
directory, so every attack starts from the same honest artifact and tampers with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from helpers import llmseed

TEST = """
import pytest

@pytest.mark.parametrize("topic", ["spring", "autumn"])
def test_x(seeded_llm, topic):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": f"Tell me about {topic}"}],
        max_tokens=20,
    )
    assert out == seeded_llm.snapshot
"""
SPRING = "test_a.py::test_x[spring]"
AUTUMN = "test_a.py::test_x[autumn]"
GOLDEN = "__snapshots__/test_a/test_x[{topic}].llm.yaml"
CASSETTE = "cassettes/test_a/test_x[{topic}].yaml"
PENDING_SUFFIX = ".llmseed-pending"

_MADE: dict[str, dict[str, bytes]] = {}


class Project(NamedTuple):
    """A project root and the CI artifact of its drifted run (outside the root)."""

    root: Path
    artifact: Path

    def pending(self, topic: str) -> Path:
        """The pending golden of one test in the artifact."""
        return self.artifact / (GOLDEN.format(topic=topic) + PENDING_SUFFIX)

    def cassette_pending(self, topic: str) -> Path:
        """The pending cassette of one test in the artifact."""
        return self.artifact / (CASSETTE.format(topic=topic) + PENDING_SUFFIX)

    def golden(self, topic: str) -> Path:
        return self.root / GOLDEN.format(topic=topic)

    def cassette(self, topic: str) -> Path:
        return self.root / CASSETTE.format(topic=topic)

    def edit(self, topic: str, **changes: Any) -> None:
        """Rewrite fields of a pending golden, as an attacker editing the artifact would."""
        path = self.pending(topic)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.update(changes)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    def llmseed(self, *args: str, from_artifact: bool = True) -> subprocess.CompletedProcess[str]:
        """The real ``llmseed`` console script, run from the project root."""
        extra = ["--from", str(self.artifact)] if from_artifact else []
        return llmseed(self.root, *args, *extra)


def _snapshot(base: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(base)): p.read_bytes()
        for p in base.rglob("*")
        if p.is_file()
        and not {".pytest_cache", "__pycache__", ".cache"} & set(p.relative_to(base).parts)
    }


def _restore(files: dict[str, bytes], base: Path) -> None:
    for name, data in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def make_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The recorded project and its drifted CI artifact (needs ``llm_env``)."""
    root = pytester.path
    artifact = Path(str(root) + "-artifact")
    if not _MADE:
        pytester.makepyfile(test_a=TEST)
        pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(
            passed=2
        )
        with monkeypatch.context() as patch:
            patch.setenv("CI", "true")
            pytester.runpytest(
                "--llmseed-record-mode=all", "--llmseed-seed=7", f"--llmseed-pending-dir={artifact}"
            ).assert_outcomes(failed=2)
        _MADE["root"], _MADE["artifact"] = _snapshot(root), _snapshot(artifact)
    else:
        _restore(_MADE["root"], root)
    shutil.rmtree(artifact, ignore_errors=True)
    _restore(_MADE["artifact"], artifact)
    return Project(root, artifact)


def accepted_and_replays(project: Project, pytester: pytest.Pytester, topic: str) -> None:
    """The legitimate change of ``topic`` was applied: its golden and cassette replay seed 7."""
    assert "seed: 7" in project.golden(topic).read_text(encoding="utf-8")
    result = pytester.runpytest("--llmseed-seed=7", "-k", topic, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def is_executable(path: Path) -> bool:
    """Whether any execute bit is set on ``path``."""
    return bool(os.stat(path).st_mode & 0o111)
