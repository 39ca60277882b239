"""pytest hooks of pytest-llmseed: options, marker, the ``seeded_llm`` fixture, header.

Thin on purpose: each hook reads configuration, calls a function of another module and
stores the result. Heavy imports (openai, vcrpy, deepdiff) happen inside the fixture path.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import config as cfg
from .report import RunReport, TestRecord

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from .seeded import SeededLLM

SETTINGS_KEY = pytest.StashKey["cfg.Settings"]()
LAYERS_KEY = pytest.StashKey["tuple[cfg.Layer, cfg.Layer]"]()
MARKER_ERROR_KEY = pytest.StashKey[str]()
STATE_KEY = pytest.StashKey["_State"]()
RECORD_KEY = pytest.StashKey["tuple[dict[str, Any], list[str]]"]()


def _argtype(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llmseed", "pytest-llmseed: seeded, recorded and golden LLM calls")
    group.addoption(
        "--llmseed-seed",
        dest="llmseed_seed",
        type=_argtype(cfg.parse_seed),
        default=None,
        metavar="N",
        help=f"Seed injected into every Chat Completions / Completions request "
        f"(0 <= N < 2**63; default {cfg.DEFAULT_SEED}). Ini: llmseed_seed.",
    )
    group.addoption(
        "--llmseed-record-mode",
        dest="llmseed_record_mode",
        type=_argtype(cfg.parse_record_mode),
        default=None,
        metavar="MODE",
        help="Cassette record mode: none (replay only, never the network; default), once, "
        "new_episodes or all. Ini: llmseed_record_mode.",
    )
    group.addoption(
        "--llmseed-compare",
        dest="llmseed_compare",
        type=_argtype(cfg.parse_compare),
        default=None,
        metavar="PROFILE",
        help="How completions are compared with goldens: exact (default), normalized, json "
        "or fuzzy[:ratio]. Ini: llmseed_compare.",
    )
    group.addoption(
        "--llmseed-cassette-dir",
        dest="llmseed_cassette_dir",
        default=None,
        metavar="DIR",
        help="Directory holding <module>/<test>.yaml cassettes "
        "(default: cassettes/ beside each test module). Ini: llmseed_cassette_dir.",
    )
    group.addoption(
        "--llmseed-report",
        dest="llmseed_report",
        default=None,
        metavar="PATH",
        help="Write a JSON report of seeds, cassettes, goldens and drift to PATH. "
        "Ini: llmseed_report.",
    )
    group.addoption(
        "--llmseed-html",
        dest="llmseed_html",
        default=None,
        metavar="PATH",
        help="Write one self-contained HTML page with side-by-side diffs of every changed "
        "golden to PATH. Ini: llmseed_html.",
    )
    group.addoption(
        "--llmseed-pending-dir",
        dest="llmseed_pending_dir",
        default=None,
        metavar="DIR",
        help="Collect pending changes (received goldens and their cassettes) under DIR, "
        "mirroring the rootdir, e.g. to upload as a CI artifact (default: beside the "
        "goldens). Ini: llmseed_pending_dir.",
    )
    parser.addini("llmseed_seed", f"pytest-llmseed seed (default {cfg.DEFAULT_SEED}).")
    parser.addini("llmseed_report", "pytest-llmseed JSON report path.")
    parser.addini("llmseed_html", "pytest-llmseed HTML diff page path.")
    parser.addini("llmseed_pending_dir", "pytest-llmseed pending-changes directory.")
    parser.addini("llmseed_record_mode", "pytest-llmseed record mode (default none).")
    parser.addini("llmseed_compare", "pytest-llmseed comparison profile (default exact).")
    parser.addini("llmseed_cassette_dir", "pytest-llmseed cassette directory.")


def _path_option(config: pytest.Config, name: str) -> Path | None:
    """A path from the command line (relative to the invocation dir) or ini (to the ini)."""
    value = config.getoption(f"llmseed_{name}")
    if value:
        return config.invocation_params.dir / str(value)
    raw = config.getini(f"llmseed_{name}")
    if isinstance(raw, str) and raw.strip():
        base = config.inipath.parent if config.inipath else config.rootpath
        return base / raw.strip()
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "llmseed(*, seed=None, inject_seed=True, compare=None, record_mode=None, "
        "cassette=None): per-test settings of pytest-llmseed for the seeded_llm fixture.",
    )
    # Validated here so a bad ini value stops the run before collection.
    config.stash[LAYERS_KEY] = (cfg.cli_layer(config), cfg.ini_layer(config))
    state = _State(
        config=config,
        ci=cfg.is_ci(os.environ),
        run=cfg.RunContext(config.rootpath, _path_option(config, "pending_dir")),
        report_path=_path_option(config, "report"),
        html_path=_path_option(config, "html"),
    )
    state.report.ci = state.ci
    config.stash[STATE_KEY] = state
    config.pluginmanager.register(state, "llmseed-session")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is not None and config.pluginmanager.is_registered(state):
        config.pluginmanager.unregister(state)


def pytest_report_header(config: pytest.Config) -> str:
    cli, ini = config.stash[LAYERS_KEY]
    state = config.stash[STATE_KEY]
    settings = cfg.resolve(cli=cli, marker=cfg.Layer(), ini=ini, ci=state.ci)
    ci = " ci=true" if state.ci else ""
    return f"llmseed: seed={settings.seed} record-mode={settings.record_mode}{ci}"


def _settings(item: pytest.Item) -> cfg.Settings:
    cli, ini = item.config.stash[LAYERS_KEY]
    marker = cfg.marker_layer(item.get_closest_marker(cfg.MARKER_NAME), item.path.parent)
    return cfg.resolve(cli=cli, marker=marker, ini=ini, ci=item.config.stash[STATE_KEY].ci)


def _cassette_of(item: pytest.Item, settings: cfg.Settings) -> Path:
    from .cassettes import cassette_path

    cls = getattr(item, "cls", None)
    return settings.cassette or cassette_path(
        item.path, cls.__name__ if cls else None, item.name, settings.cassette_dir
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash[STATE_KEY]
    for item in items:
        try:
            settings = _settings(item)
        except ValueError as exc:
            message = f"{item.nodeid}: @pytest.mark.llmseed: {exc}"
            if hasattr(config, "workerinput"):
                # An xdist worker cannot stop the session with a usage error (xdist reports
                # a crash instead), so the test fails at setup with the same message.
                item.stash[MARKER_ERROR_KEY] = message
                continue
            raise pytest.UsageError(message) from None
        item.stash[SETTINGS_KEY] = settings
        # Cassettes a full run of the module should use; anything else there is unused.
        uses_cassette = "seeded_llm" in getattr(item, "fixturenames", ())
        if uses_cassette or item.get_closest_marker("vcr") is not None:
            path = _cassette_of(item, settings)
            state.expected_cassettes.add(path.resolve())
            if settings.cassette is None:
                state.cassette_modules[path.parent.resolve()] = str(item.path)


def pytest_runtest_setup(item: pytest.Item) -> None:
    message = item.stash.get(MARKER_ERROR_KEY, None)
    if message is not None:
        pytest.fail(message, pytrace=False)


@pytest.fixture
def seeded_llm(request: pytest.FixtureRequest, snapshot: SnapshotAssertion) -> Iterator[SeededLLM]:
    """Seeded OpenAI traffic recorded to / replayed from this test's cassette, with a golden."""
    from .seeded import llm_session
    from .snapshots import LLMSnapshotExtension

    node = request.node
    settings = node.stash.get(SETTINGS_KEY, None) or _settings(node)
    state = request.config.stash[STATE_KEY]
    with llm_session(
        settings=settings,
        path=_cassette_of(node, settings),
        nodeid=node.nodeid,
        snapshot=snapshot.use_extension(LLMSnapshotExtension.with_profile(settings.compare)),
        run=state.run,
        test_dir=node.path.parent,
    ) as llm:
        yield llm
    if llm.record is not None:
        node.stash[RECORD_KEY] = (llm.record.to_dict(), llm.golden_files)
        # JUnit XML reads these from the teardown report.
        node.user_properties.append(("llmseed_seed", settings.seed))
        if llm.record.triage:
            node.user_properties.append(("llmseed_triage", llm.record.triage))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if call.when == "teardown" and RECORD_KEY in item.stash:
        # A plain attribute travels with the report from xdist workers to the controller.
        record, files = item.stash[RECORD_KEY]
        report.llmseed = {"record": record, "golden_files": files}
    return report


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


@dataclass
class _State:
    """The plugin's session: collects per-test records (also from xdist workers), judges
    unused cassettes, protects goldens of failing tests, writes reports. Registered as a
    plugin object per config, so hooks without a ``config`` argument reach their state."""

    config: pytest.Config
    ci: bool
    run: cfg.RunContext
    report_path: Path | None
    html_path: Path | None
    report: RunReport = field(default_factory=RunReport)
    failed: set[str] = field(default_factory=set)
    golden_files: dict[str, list[str]] = field(default_factory=dict)
    expected_cassettes: set[Path] = field(default_factory=set)
    cassette_modules: dict[Path, str] = field(default_factory=dict)
    deselected_modules: set[str] = field(default_factory=set)
    restored: list[str] = field(default_factory=list)

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected_modules.update(str(item.path) for item in items)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failed.add(report.nodeid)
        data = getattr(report, "llmseed", None)
        if report.when == "teardown" and isinstance(data, dict):
            record = TestRecord.from_dict(data["record"])
            record.outcome = "failed" if report.nodeid in self.failed else "passed"
            self.report.add(record)
            self.golden_files[report.nodeid] = list(data["golden_files"])

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if any("::" in str(arg) for arg in self.config.args):
            return  # single tests were selected: other tests' cassettes are not judged
        unused = [
            _rel(path, self.config.rootpath)
            for directory, module in sorted(self.cassette_modules.items())
            if module not in self.deselected_modules and directory.is_dir()
            for path in sorted(directory.glob("*.yaml"))
            if path.resolve() not in self.expected_cassettes
        ]
        self.report.unused_cassettes = unused
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput["llmseed_unused_cassettes"] = unused

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown without xdist
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        # xdist controller: workers collect, the controller does not, so the workers judge
        # unused cassettes. Every worker collects everything: any one answer will do.
        unused = getattr(node, "workeroutput", {}).get("llmseed_unused_cassettes")
        if unused is not None:
            self.report.unused_cassettes = list(unused)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Any:
        if self.is_worker:
            return (yield)
        # syrupy deletes goldens it thinks unused, including those of a test that failed
        # before it could assert (a cassette miss). A failing test must not lose its goldens.
        kept = {
            path: path.read_bytes()
            for nodeid in self.failed
            for path in (self.config.rootpath / rel for rel in self.golden_files.get(nodeid, []))
            if path.is_file()
        }
        result = yield
        from .atomic import atomic_write_text

        for path, data in kept.items():
            if not path.exists():
                atomic_write_text(path, data.decode("utf-8"))
                self.restored.append(_rel(path, self.config.rootpath))
        self._write_outputs()
        if self.ci and self.report.unused_cassettes and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return result

    def _write_outputs(self) -> None:
        from .atomic import atomic_write_text

        if self.report_path is not None:
            atomic_write_text(self.report_path, self.report.to_json())
        if self.html_path is not None:
            from .html_report import ChangedGolden, render

            changes = [
                ChangedGolden(
                    nodeid=r.nodeid,
                    golden=g["path"],
                    triage=g.get("triage") or "",
                    stored=g.get("stored", ""),
                    received=g["received"],
                )
                for r in self.report.drifted
                for g in r.goldens
                if g.get("received") is not None
            ]
            atomic_write_text(self.html_path, render(changes))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary and (self.report.records or self.report.unused_cassettes):
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(self.report.markdown())

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker:
            return
        lines = self.report.lines()
        if not lines and not self.restored:
            return
        terminalreporter.write_sep("-", "llmseed summary")
        for line in lines:
            terminalreporter.write_line(line)
        for path in self.restored:
            terminalreporter.write_line(f"kept the golden of a failing test: {path}")
        if self.ci and self.report.unused_cassettes:
            terminalreporter.write_line("CI: unused cassettes fail the run (delete them).")
        for label, written in (("JSON report", self.report_path), ("HTML", self.html_path)):
            if written is not None:
                terminalreporter.write_line(f"{label}: {written}")
