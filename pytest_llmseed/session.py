"""Cross-test state of one pytest run: records from every test (and xdist worker), unused
cassettes, goldens of failing tests kept, reports written. plugin.py registers one per
config, so hooks that get no ``config`` argument still reach the run's state."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_llmseed.config import settings as cfg

if TYPE_CHECKING:
    from pytest_llmseed.files.parse_cache import ParseCache
    from pytest_llmseed.interception.clients import ClientCache
    from pytest_llmseed.interception.refusal import RefusedHosts
    from pytest_llmseed.report.run import RunReport


class RunState:
    """The state one pytest run shares across its tests: collects per-test records (also
    from xdist workers), judges unused cassettes, protects goldens of failing tests, writes
    reports. Registered as a plugin object per config, so hooks without a ``config``
    argument reach it.

    A plain class, hashable by identity (pluggy keeps plugins in sets): every pytest
    start-up defines it, and a dataclass generates and compiles its methods when defined.
    """

    def __init__(
        self,
        *,
        config: pytest.Config,
        ci: bool,
        run: cfg.RunSettings,
        report_path: Path | None,
        html_path: Path | None,
    ) -> None:
        self.config = config
        self.ci = ci
        self.run = run
        self.report_path = report_path
        self.html_path = html_path
        self.failed: set[str] = set()
        self.golden_first: dict[str, str] = {}
        """Per test, its first golden file (relative to the rootdir); its others share the stem."""
        self.expected_cassettes: set[Path] = set()
        self.cassette_modules: dict[Path, str] = {}
        self.unjudged_modules: set[str] = set()
        """Test files whose cassettes are not judged (a deselected test with a bad marker)."""
        self._resolved: dict[Path, Path] = {}
        self.restored: list[str] = []
        self.scope = RunScope()
        self.nothing_deleted: list[str] = []
        """Why this run deleted nothing (empty when it ran every test to completion)."""

    # Made on first use, like ``report``: a run whose tests never use seeded_llm
    # imports neither.
    @functools.cached_property
    def clients(self) -> ClientCache:
        """The OpenAI clients shared by tests with the same client settings."""
        from pytest_llmseed.interception.clients import ClientCache

        return ClientCache()

    @functools.cached_property
    def refused_hosts(self) -> RefusedHosts:
        """Hosts that refused an injected seed (per process: each xdist worker learns its own)."""
        from pytest_llmseed.interception.refusal import RefusedHosts

        return RefusedHosts()

    @functools.cached_property
    def parse_cache(self) -> ParseCache:
        """Parsed cassettes and goldens kept in pytest's cache (None-backed without it)."""
        from pytest_llmseed.files.parse_cache import ParseCache

        return ParseCache(getattr(self.config, "cache", None))

    @functools.cached_property
    def report(self) -> RunReport:
        """The run's records; made on first use (a collect-only run never needs it)."""
        from pytest_llmseed.report.run import RunReport

        pending_dir = self.run.pending_dir
        shown = None
        if pending_dir is not None:
            # As the reviewer types it from the rootdir, where `llmseed` runs by default.
            try:
                shown = str(pending_dir.relative_to(self.run.rootdir))
            except ValueError:
                shown = str(pending_dir)
        swap = str(self.run.swap) if self.run.swap else ""
        return RunReport(ci=self.ci, probe=self.run.probe, swap=swap, pending_from=shown)

    def expect_cassette(self, path: Path, test_file: Path, *, in_module_dir: bool) -> None:
        """A cassette a full run of its module uses; anything else there is unused."""
        # Directories resolved once each (not every path): symlinked directories compare equal.
        directory = self._resolved.get(path.parent)
        if directory is None:
            directory = self._resolved[path.parent] = path.parent.resolve()
        self.expected_cassettes.add(directory / path.name)
        if in_module_dir:
            self.cassette_modules[directory] = str(test_file)

    @property
    def is_worker(self) -> bool:
        return cfg.is_xdist_worker(self.config)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failed.add(report.nodeid)
            if getattr(report, "llmseed_bad_marker", False):  # under xdist (plugin.py)
                self.scope.bad_markers.append(report.nodeid)
        if report.when == "teardown":
            self.scope.finished.add(report.nodeid)
            # A seeded_llm test that failed before the fixture could account for its goldens:
            # syrupy would take them for unused, and which files they are is not known here.
            if report.nodeid in self.failed and getattr(report, "llmseed_unaccounted", False):
                self.scope.unaccounted.append(report.nodeid)
        data = getattr(report, "llmseed", None)
        if report.when == "teardown" and isinstance(data, dict):
            from pytest_llmseed.records import TestRecord

            record = data["record"]
            if not isinstance(record, TestRecord):  # from an xdist worker
                record = TestRecord.from_dict(record)
            record.outcome = "failed" if report.nodeid in self.failed else "passed"
            self.report.add(record)
            if data.get("golden_first"):
                self.golden_first[report.nodeid] = str(data["golden_first"])

    def goldens_of(self, nodeid: str) -> list[Path]:
        """The golden files on disk of a test that ran with ``seeded_llm``."""
        from pytest_llmseed.goldens.outcomes import files_like

        first = self.golden_first.get(nodeid)
        return files_like(self.config.rootpath / first) if first else []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:  # on xdist's controller too: it relays workers' failed ones
            self.scope.collection_errors += 1

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.scope.deselected += len(items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.scope.selected = len(session.items)
        self._publish_scope()
        if self.scope.collection_errors:
            return  # a module or class that failed to collect still owns its cassettes
        if any("::" in str(arg) for arg in self.config.args):
            return  # single tests were selected: other tests' cassettes are not judged
        if not self.cassette_modules:
            return  # no test uses a cassette: nothing to judge (and nothing to import)
        from pytest_llmseed.cassettes.naming import unused_cassettes

        unused = unused_cassettes(
            self.cassette_modules,
            expected=self.expected_cassettes,
            skip_modules=self.unjudged_modules,
            rootdir=self.config.rootpath,
        )
        self.report.unused_cassettes = unused
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput["llmseed_unused_cassettes"] = unused

    def _publish_scope(self) -> None:
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput["llmseed_deselected"] = self.scope.deselected

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown without xdist
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # The controller collects nothing: each worker's collection (all the same) says
        # how many tests the run selected.
        self.scope.selected = max(self.scope.selected, len(ids))

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown without xdist
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        # xdist controller: workers collect, the controller does not, so the workers judge
        # unused cassettes. Every worker collects everything: any one answer will do.
        output = getattr(node, "workeroutput", {})
        unused = output.get("llmseed_unused_cassettes")
        if unused is not None:
            self.report.unused_cassettes = list(unused)
        if "llmseed_deselected" in output:
            self.scope.deselected = max(self.scope.deselected, output["llmseed_deselected"])
        else:  # a worker that crashed or was cut short: its deselection is unknown
            self.scope.workers_lost += 1

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Any:
        if "clients" in self.__dict__:
            self.clients.close()
        if self.is_worker:
            return (yield)
        if "parse_cache" in self.__dict__:
            self.parse_cache.prune()
        if self._guards_goldens():
            from pytest_llmseed.report.scope import incomplete

            self.nothing_deleted = incomplete(self.scope, session, exitstatus, self.config.args)
        if self.nothing_deleted:
            # syrupy's own switch (--snapshot-disable-unused), left on to the end of the run:
            # syrupy then neither judges, reports nor deletes unused snapshots (on xdist's
            # controller the workers' reports would be judged again for the summary).
            self.config.option.disable_unused_snapshots = True
        # syrupy deletes goldens it thinks unused, including those of a test that failed
        # before it could assert (a cassette miss). A failing test must not lose its goldens.
        kept = {
            path: path.read_bytes() for nodeid in self.failed for path in self.goldens_of(nodeid)
        }
        result = yield
        self._restore(kept)
        self._write_outputs()
        if self.ci and self.report.unused_cassettes and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return result

    def _restore(self, kept: dict[Path, bytes]) -> None:
        """Put back the goldens of failing tests that syrupy removed."""
        if not kept:
            return
        from pytest_llmseed.files import confine
        from pytest_llmseed.files.paths import relative_path

        for path, data in kept.items():
            if not path.exists():
                confine.project().write_text(path, data.decode("utf-8"))
                self.restored.append(relative_path(path, self.config.rootpath))

    def _write_outputs(self) -> None:
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if self.report_path is None and self.html_path is None and not step_summary:
            return  # nothing asked for (and nothing to import for it)
        from pytest_llmseed.cassettes.naming import env_keys
        from pytest_llmseed.report.outputs import write_outputs

        write_outputs(
            self.report,
            json_path=self.report_path,
            html_path=self.html_path,
            step_summary=step_summary,
            secrets=env_keys(),
        )

    def _guards_goldens(self) -> bool:
        """Whether this run could delete goldens or cassettes, or advise to: goldens are
        updated, or seeded_llm tests took part (a plain syrupy suite is left to syrupy)."""
        updating = getattr(self.config.option, "update_snapshots", False)
        return bool(updating or "report" in self.__dict__ or self.scope.bad_markers)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker:
            return
        # No record and no finding made the report: nothing to say (and nothing to import).
        lines = []
        if "report" in self.__dict__:
            from pytest_llmseed.report.terminal import summary_lines

            lines = summary_lines(self.report)
        if not lines and not self.restored and not self.nothing_deleted:
            return
        from pytest_llmseed.files.escape import for_terminal

        terminalreporter.write_sep("-", "llmseed summary")
        for line in lines:
            terminalreporter.write_line(line)
        if self.nothing_deleted:
            why = for_terminal("; ".join(self.nothing_deleted))
            terminalreporter.write_line(
                f"nothing deleted: {why}. Unused goldens are judged (and deleted with "
                "--snapshot-update) only by a run of every test to completion; syrupy's "
                "unused detection is off for this one."
            )
        for path in self.restored:
            terminalreporter.write_line(f"kept the golden of a failing test: {for_terminal(path)}")
        unasserted = sorted(
            path
            for nodeid in self.failed
            if nodeid in self.report.records and not self.report.records[nodeid].goldens
            for path in self.goldens_of(nodeid)
        )
        if unasserted and not self.restored:
            terminalreporter.write_line(
                f"{len(unasserted)} golden(s) of failing tests were not compared (the tests "
                "failed first); syrupy counts them as unused, but they are kept: fix the "
                "tests rather than deleting them with --snapshot-update"
            )
        if self.ci and self.report.unused_cassettes:
            # A selection judges cassettes as a full run would, but a run that stopped short
            # gives no advice to delete anything.
            advice = "" if self.nothing_deleted else " (delete them)"
            terminalreporter.write_line(f"CI: unused cassettes fail the run{advice}.")
        for label, written in (("JSON report", self.report_path), ("HTML", self.html_path)):
            if written is not None:
                terminalreporter.write_line(f"{label}: {written}")


class RunScope:
    """What the run covered, to tell a complete run (which may delete unused goldens) from
    one that stopped, failed to collect or ran a selection (``report/scope.py`` says which)."""

    def __init__(self) -> None:
        self.selected = 0
        self.finished: set[str] = set()
        self.deselected = 0
        self.collection_errors = 0
        self.workers_lost = 0
        self.bad_markers: list[str] = []
        self.unaccounted: list[str] = []
