"""CI shards: unused cassettes judged per shard, reports and pending changes merged.

The GitHub Actions recipe of docs/ci.md ("Sharded CI: a job matrix") is run here as
written: each ``run:`` step through bash, the artifact steps as plain copies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import PARAMETRIZED_QUESTIONS
from llm_server import FakeOpenAIServer

DOCS = Path(__file__).resolve().parents[1] / "docs"
UNUSED = "cassettes/test_a/test_x[5].yaml"


def recipe() -> dict[str, Any]:
    """The sharded workflow of docs/ci.md."""
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    [block] = [
        b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "tests-sharded.yml" in b
    ]
    data = yaml.safe_load(block)
    assert isinstance(data, dict)
    return data


def llmseed(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_llmseed.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def project(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    """Two modules recorded; then a test removed (its cassette unused) and a golden drifted."""
    pytester.makepyfile(
        test_a=PARAMETRIZED_QUESTIONS.format(ns="[1, 2, 3, 4, 5]"),
        test_b=PARAMETRIZED_QUESTIONS.format(ns="[6, 7, 8]"),
    )
    recorded = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    recorded.assert_outcomes(passed=8)
    pytester.makepyfile(test_a=PARAMETRIZED_QUESTIONS.format(ns="[1, 2, 3, 4]"))
    (pytester.path / "__snapshots__" / "test_a" / "test_x[5].llm.yaml").unlink()
    golden = pytester.path / "__snapshots__" / "test_b" / "test_x[7].llm.yaml"
    text = golden.read_text()
    golden.write_text(re.sub(r"(content: )(\S)", r"\1Once \2", text, count=1))
    assert golden.read_text() != text
    return pytester.path


def _shim(bin_dir: Path) -> dict[str, str]:
    """``pytest`` and ``llmseed`` on PATH as this interpreter's, as a CI runner has them."""
    bin_dir.mkdir()
    for name, module in (("pytest", "pytest"), ("llmseed", "pytest_llmseed.cli")):
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {module} "$@"\n')
        script.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def _run(step: dict[str, Any], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", step["run"]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _upload(step: dict[str, Any], cwd: Path, artifacts: Path) -> None:
    into = artifacts / step["with"]["name"]
    for line in step["with"]["path"].split():
        source = cwd / line
        if source.is_dir():
            shutil.copytree(source, into / line, dirs_exist_ok=True)
        elif source.is_file():
            (into / line).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / line)


def _download(step: dict[str, Any], cwd: Path, artifacts: Path) -> None:
    options = step["with"]
    assert options["merge-multiple"] is True
    pattern = options["pattern"]
    for artifact in sorted(artifacts.glob(pattern)):
        shutil.copytree(artifact, cwd / options["path"], dirs_exist_ok=True)


def _job(
    job: dict[str, Any], cwd: Path, env: dict[str, str], artifacts: Path, group: str = ""
) -> list[subprocess.CompletedProcess[str]]:
    """Every step of one job, as GitHub would run it (the set-up steps are this test's)."""
    results = []
    for step in job["steps"]:
        step = json.loads(json.dumps(step).replace("${{ matrix.group }}", group))
        uses = step.get("uses", "")
        if "run" in step and not step["run"].startswith("pip install"):
            results.append(_run(step, cwd, env))
        elif uses.startswith("actions/upload-artifact"):
            _upload(step, cwd, artifacts)
        elif uses.startswith("actions/download-artifact"):
            _download(step, cwd, artifacts)
    return results


def test_the_sharded_recipe_of_the_ci_page_runs_as_written(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pytest.importorskip("pytest_split", reason="the recipe shards with pytest-split")
    workflow = recipe()
    work = tmp_path_factory.mktemp("runner")
    summary = work / "step-summary.md"
    env = {**os.environ, **_shim(work / "bin"), "CI": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    artifacts = work / "artifacts"
    groups = [str(g) for g in workflow["jobs"]["test"]["strategy"]["matrix"]["group"]]
    assert len(groups) >= 2
    shard_reports = []
    for group in groups:
        shard = work / f"shard-{group}"  # each job's runner has a fresh checkout
        shutil.copytree(project, shard)
        [pytest_run] = _job(workflow["jobs"]["test"], shard, env, artifacts, group)
        # Every shard fails: each one sees the unused cassette, whoever owned its module.
        assert pytest_run.returncode == 1, pytest_run.stdout + pytest_run.stderr
        assert f"unused cassette: {UNUSED}" in pytest_run.stdout
        shard_reports.append(json.loads((shard / f"llmseed-{group}.json").read_text()))
    # Each shard ran its own tests, the shards together all of them once.
    ran = [t["nodeid"] for report in shard_reports for t in report["tests"]]
    assert sorted(ran) == sorted(set(ran)) and len(ran) == 7
    assert all(report["unused_cassettes"] == [UNUSED] for report in shard_reports)

    merge_dir = work / "merge"
    shutil.copytree(project, merge_dir)
    _mkdir, merged_run, status = _job(workflow["jobs"]["merge"], merge_dir, env, artifacts)
    assert merged_run.returncode == 1, merged_run.stderr
    assert f"unused cassette: {UNUSED}" in merged_run.stdout
    assert "test_b.py::test_x[7]: seed=1234 cassette=hit golden=changed" in merged_run.stdout
    merged = json.loads((merge_dir / "llmseed.json").read_text())
    assert sorted(t["nodeid"] for t in merged["tests"]) == sorted(ran)
    assert merged["summary"]["tests"] == 7 and merged["summary"]["drifted"] == 1
    assert merged["unused_cassettes"] == [UNUSED]
    assert "test_b.py::test_x[7]" in (merge_dir / "llmseed.html").read_text()
    assert "test_b.py::test_x[7]" in summary.read_text()
    assert status.returncode == 1 and "1 pending change(s)" in status.stdout

    # The reviewer applies the merged artifact at the project's root: the next run passes.
    pending = merge_dir / "shards" / "llmseed-pending"
    accepted = llmseed(project, "accept", "--all", "--from", str(pending))
    assert accepted.returncode == 0, accepted.stderr
    (project / UNUSED).unlink()
    ci = {**env, "PYTHONPATH": env.get("PYTHONPATH", "")}
    final = subprocess.run(
        ["bash", "-c", "pytest -p no:cacheprovider"],
        cwd=project,
        env=ci,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert final.returncode == 0, final.stdout
