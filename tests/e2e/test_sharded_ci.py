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
from helpers import PARAMETRIZED_QUESTIONS, ROOT, llmseed, report_schema
from llm_server import FakeOpenAIServer

DOCS = ROOT / "docs"
UNUSED = "cassettes/test_a/test_x[5].yaml"


def recipe() -> dict[str, Any]:
    """The sharded workflow of docs/ci.md."""
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "tests-sharded.yml" in b]
    data = yaml.safe_load(block)
    assert isinstance(data, dict)
    return data


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
    for written in job["steps"]:
        step = json.loads(json.dumps(written).replace("${{ matrix.group }}", group))
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
    assert sorted(ran) == sorted(set(ran))
    assert len(ran) == 7
    assert all(report["unused_cassettes"] == [UNUSED] for report in shard_reports)

    merge_dir = work / "merge"
    shutil.copytree(project, merge_dir)
    _mkdir, merged_run, status = _job(workflow["jobs"]["merge"], merge_dir, env, artifacts)
    assert merged_run.returncode == 1, merged_run.stderr
    assert f"unused cassette: {UNUSED}" in merged_run.stdout
    assert "test_b.py::test_x[7]: seed=1234 cassette=hit golden=changed" in merged_run.stdout
    merged = json.loads((merge_dir / "llmseed.json").read_text())
    assert sorted(t["nodeid"] for t in merged["tests"]) == sorted(ran)
    assert merged["summary"]["tests"] == 7
    assert merged["summary"]["drifted"] == 1
    assert merged["unused_cassettes"] == [UNUSED]
    assert "test_b.py::test_x[7]" in (merge_dir / "llmseed.html").read_text()
    assert "test_b.py::test_x[7]" in summary.read_text()
    assert status.returncode == 1
    assert "1 pending change(s)" in status.stdout

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


SHARD_1 = ["--deselect", "test_a.py::test_x[3]", "--deselect", "test_a.py::test_x[4]"]
SHARD_2 = ["-k", "test_x[3] or test_x[4]"]


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_each_shard_judges_unused_cassettes_as_a_full_run(
    project: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, xdist: list[str]
) -> None:
    monkeypatch.setenv("CI", "true")
    for shard in (SHARD_1, SHARD_2):
        result = pytester.runpytest(*shard, *xdist, "--snapshot-warn-unused")
        # Neither shard takes the other's cassettes for unused; both find the orphan.
        result.stdout.fnmatch_lines([f"unused cassette: {UNUSED}"])
        assert "unused cassette: cassettes/test_a/test_x[[]" not in result.stdout.str().replace(
            UNUSED, ""
        )
        assert result.ret == pytest.ExitCode.TESTS_FAILED
    (project / UNUSED).unlink()
    (project / "__snapshots__" / "test_b" / "test_x[7].llm.yaml").unlink()
    for shard in (SHARD_1, SHARD_2):
        result = pytester.runpytest(*shard, *xdist, "--snapshot-warn-unused")
        assert "unused cassette" not in result.stdout.str()
        # test_x[7]'s golden is gone (a new golden in CI is missing): shard 1 fails on it only.
        assert result.ret == (pytest.ExitCode.TESTS_FAILED if shard is SHARD_1 else 0)


def test_review_from_several_shards_artifacts(
    project: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two drifts, one in each shard.
    golden = project / "__snapshots__" / "test_a" / "test_x[3].llm.yaml"
    golden.write_text(re.sub(r"(content: )(\S)", r"\1Twice \2", golden.read_text(), count=1))
    monkeypatch.setenv("CI", "true")
    for name, shard in (("one", SHARD_1), ("two", SHARD_2)):
        result = pytester.runpytest(*shard, f"--llmseed-pending-dir=artifact-{name}")
        result.assert_outcomes(passed={"one": 4, "two": 1}[name], failed=1)
    status = llmseed(project, "status", "--from", "artifact-one", "--from", "artifact-two")
    assert status.returncode == 1, status.stderr
    assert "2 pending change(s)" in status.stdout
    assert "test_a.py::test_x[3]" in status.stdout
    assert "test_b.py::test_x[7]" in status.stdout
    accepted = llmseed(
        project, "accept", "--all", "--from", "artifact-one", "--from", "artifact-two"
    )
    assert accepted.returncode == 0, accepted.stderr
    (project / UNUSED).unlink()
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=7)


def test_two_artifacts_changing_one_golden_differently_are_refused(
    project: Path, pytester: pytest.Pytester
) -> None:
    pytester.runpytest("--llmseed-pending-dir=first").assert_outcomes(passed=6, failed=1)
    second = project / "second"
    shutil.copytree(project / "first", second)
    [file] = second.rglob("*.llmseed-pending")
    file.write_text(file.read_text().replace("q7", "q9"))
    result = llmseed(project, "status", "--from", "first", "--from", "second")
    assert result.returncode == 2
    assert "two artifacts change the golden" in result.stderr
    assert "review them one --from at a time" in result.stderr


def _report(pytester: pytest.Pytester, name: str, *args: str) -> Path:
    path = pytester.path / name
    pytester.runpytest(*args, f"--llmseed-report={path}")
    return path


def test_merged_reports_validate_against_the_schema(
    project: Path, pytester: pytest.Pytester
) -> None:
    import jsonschema

    one = _report(pytester, "one.json", *SHARD_1)
    two = _report(pytester, "two.json", *SHARD_2)
    result = llmseed(project, "report", "--merge", str(one), str(two), "--json", "all.json")
    assert result.returncode == 1, result.stderr
    assert "merged 2 report(s): 7 tests" in result.stdout
    merged = json.loads((project / "all.json").read_text())
    jsonschema.validate(merged, report_schema())
    assert merged["summary"]["tests"] == 7
    assert merged["unused_cassettes"] == [UNUSED]
    # The same shard twice (a re-run) counts its tests once.
    again = llmseed(project, "report", "--merge", str(two), str(two), "--json", "two-again.json")
    assert json.loads((project / "two-again.json").read_text())["summary"]["tests"] == 2
    assert again.returncode == 1  # the unused cassette


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a pytest-llmseed JSON report"),
        ('{"schema_version": 99}', "schema_version 99 is newer than this pytest-llmseed reads"),
        (
            '{"schema_version": 1, "ci": false, "summary": {}, "tests": {}}',
            "'tests' is missing or not a list",
        ),
        (
            '{"schema_version": 1, "ci": false, "summary": {}, "tests": [], '
            '"unused_cassettes": [1]}',
            "'unused_cassettes' is missing or not a list of paths",
        ),
        (
            '{"schema_version": 1, "ci": false, "summary": {}, "tests": [{"nodeid": "t"}], '
            '"unused_cassettes": []}',
            "tests[0] is not a test record (missing 'seed')",
        ),
    ],
)
def test_a_bad_report_is_named_with_what_is_wrong(
    pytester: pytest.Pytester, content: str, message: str
) -> None:
    good = pytester.path / "good.json"
    good.write_text(
        '{"schema_version": 1, "ci": true, "summary": {}, "tests": [], "unused_cassettes": []}'
    )
    bad = pytester.path / "shard-2.json"
    bad.write_text(content)
    result = llmseed(pytester.path, "report", "--merge", str(good), str(bad), "--json", "out.json")
    assert result.returncode == 2
    assert f"llmseed: {bad}: {message}" in result.stderr
    assert not (pytester.path / "out.json").exists()
    missing = llmseed(pytester.path, "report", "--merge", "nowhere.json")
    assert missing.returncode == 2
    assert "nowhere.json: cannot read it" in missing.stderr
