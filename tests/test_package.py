"""The release artifacts: sdist and wheel build, carry complete metadata and work once installed.

One test on purpose: building and installing into a fresh virtual environment is the slow
part (about a minute, most of it pip installing the dependencies from the package index),
and every check below needs it.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(command: list[str | Path], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


def test_built_wheel_installs_in_a_fresh_venv_and_runs_the_example_offline(
    tmp_path: Path,
) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = re.search(
        r'__version__ = "([^"]+)"', (ROOT / "pytest_llmseed" / "__init__.py").read_text()
    )
    assert version

    # sdist first, then the wheel built from the unpacked sdist: proves the sdist is complete.
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ROOT], cwd=tmp_path)
    [sdist] = dist.glob("*.tar.gz")
    [wheel] = dist.glob("*.whl")
    assert wheel.name == f"pytest_llmseed-{version[1]}-py3-none-any.whl"

    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for required in (
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "mkdocs.yml",
        "pytest_llmseed/py.typed",
        "docs/examples/test_triage.py",
        "docs/examples/cassettes/test_triage/test_extract_order.yaml",
        "tests/llm_server.py",
    ):
        assert required in names, f"the sdist lacks {required}"
    assert not [n for n in names if "__pycache__" in n or ".llmseed-pending" in n]

    with zipfile.ZipFile(wheel) as archive:
        files = set(archive.namelist())
        info = f"pytest_llmseed-{version[1]}.dist-info"
        metadata = email.message_from_bytes(archive.read(f"{info}/METADATA"))
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    for module in (ROOT / "pytest_llmseed").rglob("*.py"):
        assert f"{module.relative_to(ROOT).as_posix()}" in files
    assert {"pytest_llmseed/py.typed", "pytest_llmseed/report/report_schema.json"} <= files
    assert not [f for f in files if f.startswith(("tests/", "docs/"))]
    assert f"{info}/licenses/LICENSE" in files
    assert metadata["Name"] == "pytest-llmseed"
    assert metadata["Version"] == version[1]
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.11"
    assert "Framework :: Pytest" in metadata.get_all("Classifier")
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert set(urls) == set(project["urls"]) >= {"Documentation", "Repository", "Changelog"}
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "llmseed = pytest_llmseed.plugin" in entry_points
    assert "llmseed = pytest_llmseed.cli:main" in entry_points

    # A fresh environment: only the wheel and what it declares (from the package index).
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel],
        cwd=tmp_path,
    )

    # The example suite, copied away from the repository, replays offline: no key, no server.
    examples = tmp_path / "work" / "examples"
    shutil.copytree(
        ROOT / "docs" / "examples",
        examples,
        ignore=shutil.ignore_patterns("__pycache__", ".llmseed-pending"),
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "AZURE_OPENAI_", "PYTEST_", "VIRTUAL_ENV"))
        and k not in ("CI", "PYTHONPATH")
    }
    result = run(
        [python, "-m", "pytest", "examples", "-p", "no:cacheprovider"],
        cwd=examples.parent,
        env=env,
    )
    assert re.search(r"\b9 passed\b", result.stdout), result.stdout
    assert "8 snapshots passed" in result.stdout
    assert "llmseed: seed=1234 record-mode=none" in result.stdout
    # Where the plugin came from: the installed wheel, not this checkout.
    where = run(
        [python, "-c", "import pytest_llmseed; print(pytest_llmseed.__file__)"], cwd=venv, env=env
    )
    assert where.stdout.startswith(str(venv)), where.stdout
    status = run([venv / "bin" / "llmseed", "status", "examples"], cwd=examples.parent, env=env)
    assert status.stdout.strip() == "no pending changes"
    summary = result.stdout.strip().splitlines()[-1].strip("= ")
    print(f"built {sdist.name} and {wheel.name} (from the sdist); installed into a fresh venv")
    print(f"example suite from the installed wheel, offline: {summary}")
