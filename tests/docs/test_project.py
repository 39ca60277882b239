"""The repository keeps its promises: examples replay offline, README and CI agree, the module
map is complete. (Lint, types, the docs build and the wheel are CI steps: see .ci/run.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from helpers import ROOT


def readme_commands() -> list[str]:
    """The commands of the README's set-up block (the block after the 'Set-up' heading)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Set-up", 1)[1]
    block = re.search(r"```(?:bash|sh|console)?\n(.*?)```", section, re.S)
    assert block, "README has no set-up code block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    examples, tests = commands
    assert "pytest docs/examples" in examples
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci, ".ci/run must run the README's test command verbatim"


def test_example_suite_replays_offline_without_key_or_server() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "AZURE_OPENAI_", "PYTEST_XDIST", "PYTEST_ADDOPTS"))
        and k != "CI"
    }
    # Nothing listens on the recorded address: a request that escaped replay would fail.
    result = subprocess.run(
        # Without coverage: this run's data would land in the outer run's data file.
        [
            sys.executable,
            "-m",
            "pytest",
            "docs/examples",
            "-q",
            "-p",
            "no:cacheprovider",
            "--no-cov",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b9 passed\b", result.stdout), result.stdout
    assert "8 snapshots passed" in result.stdout


def test_contributing_module_map_lists_every_module() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    mapped = set(re.findall(r"^\| `([\w/]+\.py)` \|", text, re.M))
    package = ROOT / "pytest_llmseed"
    modules = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.name != "__init__.py" or path.parent == package
    }
    assert mapped == modules, {"not in the map": modules - mapped, "gone": mapped - modules}


def test_no_module_needs_splitting() -> None:
    # The layout's rule: one responsibility per module, none over ~300 lines.
    long = {
        path.relative_to(ROOT).as_posix(): lines
        for path in (ROOT / "pytest_llmseed").rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > 330
    }
    assert not long, f"split these modules: {long}"
