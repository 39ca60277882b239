"""What a pytest start-up imports of the plugin when no test uses ``seeded_llm``, and what a
passing replay leaves unimported.

Every module of a plugin goes through pytest's assertion-rewriting import hook, which costs
about as much again as the module's own content, so the start-up list is kept short and
written down here (CONTRIBUTING's module map says the same). Speed itself is measured in
``bench/``, never here.
"""

from __future__ import annotations

import pytest
from llm_server import FakeOpenAIServer

# The modules a suite that never uses seeded_llm imports, and nothing else of the plugin.
STARTUP_MODULES = {
    "pytest_llmseed",
    "pytest_llmseed.config",
    "pytest_llmseed.config.settings",
    "pytest_llmseed.files",
    "pytest_llmseed.files.confine",
    "pytest_llmseed.hooks",
    "pytest_llmseed.config.options",
    "pytest_llmseed.plugin",
    "pytest_llmseed.config.lines",
    "pytest_llmseed.session",
    "pytest_llmseed.config.values",
}

# Written by the inner run's conftest once the session is over (after the header, the
# collection and our terminal summary have run).
CONFTEST = """
import sys
from pathlib import Path

import pytest


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    names = sorted(name for name in sys.modules if name.split(".")[0] in {NAMES})
    Path("modules.txt").write_text("\\n".join(names))
"""

WATCHED = ("pytest_llmseed", "openai", "vcr", "deepdiff", "yaml", "httpx2", "httpx")


def modules_of_run(pytester: pytest.Pytester, *args: str, expect: int = 0) -> set[str]:
    """The watched top-level packages' modules a fresh pytest process imported."""
    pytester.makeconftest(CONFTEST.replace("{NAMES}", repr(set(WATCHED))))
    # A fresh process: this suite's own process has imported every module long ago.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == expect, result.stdout.str()
    return set((pytester.path / "modules.txt").read_text().split())


def imported(pytester: pytest.Pytester, *args: str) -> set[str]:
    """What a run of two plain tests imported, beyond what the same run imports without
    the plugin (other installed plugins, such as pytest-httpx, import httpx themselves)."""
    pytester.makepyfile(
        test_plain="def test_one():\n    assert 1\n\n\ndef test_two():\n    assert 2\n"
    )
    without = modules_of_run(pytester, "-p", "no:llmseed", *args)
    return modules_of_run(pytester, *args) - (without - {"pytest_llmseed"})


def test_a_suite_without_seeded_llm_imports_only_the_startup_modules(
    pytester: pytest.Pytester,
) -> None:
    names = imported(pytester)
    assert names == STARTUP_MODULES
    # Plain, verbose and collect-only runs import the same (the header is printed by all).
    assert imported(pytester, "-v") == STARTUP_MODULES
    assert imported(pytester, "--co") == STARTUP_MODULES


def test_ini_line_lists_import_their_parsers_at_startup(pytester: pytest.Pytester) -> None:
    # The ini's entries are checked before collection, so their parsers are imported then;
    # still nothing of the HTTP stack, vcrpy or the golden machinery.
    pytester.makeini(
        "[pytest]\nllmseed_volatile =\n    uuid\nllmseed_secret_headers =\n    x-team-token\n"
    )
    names = imported(pytester)
    assert names == STARTUP_MODULES | {"pytest_llmseed.config.entries"}


def test_a_bad_ini_entry_still_stops_the_run_before_collection(
    pytester: pytest.Pytester,
) -> None:
    # The lazy parsers must not turn an ini mistake into a failure at the first test.
    pytester.makeini("[pytest]\nllmseed_volatile =\n    re:(\n")
    pytester.makepyfile(test_plain="def test_one():\n    assert 1\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*llmseed_volatile in *tox.ini*re:(*not a valid regex*"])


# Only a failure, a drifted golden or a miss needs these: the diff machinery (deepdiff, word
# diffs, triage), pending changes and the miss explanation.
FAILURE_PATH_MODULES = {
    "deepdiff",
    "pytest_llmseed.goldens.diffs",
    "pytest_llmseed.goldens.triage",
    "pytest_llmseed.goldens.worddiff",
    "pytest_llmseed.cassettes.misses",
    "pytest_llmseed.review",
    "pytest_llmseed.review.pending",
    "pytest_llmseed.review.staging",
}

LLM_TEST = """
def test_answer(seeded_llm):
    completion = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "name a colour"}]
    )
    assert completion == seeded_llm.snapshot
"""


def test_a_passing_replay_leaves_the_failure_paths_unimported(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_llm=LLM_TEST)
    modules_of_run(pytester, "--llmseed-record-mode=once", "--snapshot-update")

    names = modules_of_run(pytester)
    assert "pytest_llmseed.goldens.extension" in names  # the golden was compared
    assert not names & FAILURE_PATH_MODULES

    # A drifted golden takes the failure path, and imports what it needs there.
    golden = pytester.path / "__snapshots__" / "test_llm" / "test_answer.llm.yaml"
    text = golden.read_text()
    assert "finish_reason: stop" in text
    golden.write_text(text.replace("finish_reason: stop", "finish_reason: length"))
    names = modules_of_run(pytester, expect=1)
    assert FAILURE_PATH_MODULES - {"pytest_llmseed.cassettes.misses"} <= names
