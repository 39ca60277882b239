"""pytest hooks of pytest-llmseed: options, marker, the ``seeded_llm`` fixture, header.

Thin on purpose: each hook reads configuration, calls a function of another module and
stores the result. Heavy imports (openai, vcrpy, deepdiff) happen inside the fixture path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_llmseed.config import lines as rules
from pytest_llmseed.config import options
from pytest_llmseed.config import settings as cfg
from pytest_llmseed.files import confine
from pytest_llmseed.session import RunState

if TYPE_CHECKING:
    from pytest_llmseed.fixture import SeededLLM
    from pytest_llmseed.records import TestRecord

SETTINGS_KEY = pytest.StashKey["cfg.Settings"]()
LAYERS_KEY = pytest.StashKey["tuple[cfg.Layer, cfg.Layer]"]()
RULES_KEY = pytest.StashKey["rules.Rules"]()
MARKER_ERROR_KEY = pytest.StashKey[str]()
STATE_KEY = pytest.StashKey["RunState"]()
RECORD_KEY = pytest.StashKey[tuple["TestRecord", str | None]]()
CASSETTE_KEY = pytest.StashKey[Path]()
DATA_DIRNAMES_KEY = pytest.StashKey[frozenset[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from pytest_llmseed import hooks

    pluginmanager.add_hookspecs(hooks)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "llmseed(*, seed=None, inject_seed=True, compare=None, record_mode=None, "
        "cassette=None, volatile=(), match_on=None): per-test settings of pytest-llmseed for the "
        "seeded_llm fixture.",
    )
    # Validated here so a bad ini value stops the run before collection.
    layers = config.stash[LAYERS_KEY] = (options.cli_layer(config), options.ini_layer(config))
    config.stash[RULES_KEY] = rules.ini_rules(config)
    config.stash[DATA_DIRNAMES_KEY] = frozenset(
        [confine.CASSETTE_DIRNAME, confine.GOLDEN_DIRNAME]
        + [layer.cassette_dir.name for layer in layers if layer.cassette_dir is not None]
    )
    pending_dir = options.path_option(config, "pending_dir", directory=True)
    # Everything the plugin reads or writes stays in the rootdir or a folder the command
    # line or ini file chose (a symlink in the working tree cannot lead it elsewhere).
    chosen = [layer.cassette_dir for layer in layers] + [pending_dir]
    confine.set_project(confine.Area([config.rootpath, *(p for p in chosen if p is not None)]))
    ci = cfg.is_ci(os.environ)
    state = RunState(
        config=config,
        ci=ci,
        run=cfg.RunSettings(
            config.rootpath,
            pending_dir,
            probe=options.run_option(config, "probe", cfg.parse_probe) or 0,
            fail_on=options.run_option(config, "fail_on", cfg.parse_fail_on) or cfg.DEFAULT_FAIL_ON,
            swap=options.swap_option(config, ci=ci),
        ),
        report_path=options.path_option(config, "report"),
        html_path=options.path_option(config, "html"),
    )
    config.stash[STATE_KEY] = state
    config.pluginmanager.register(state, "llmseed-session")


def pytest_unconfigure(config: pytest.Config) -> None:
    confine.set_project(None)
    state = config.stash.get(STATE_KEY, None)
    if state is not None and config.pluginmanager.is_registered(state):
        config.pluginmanager.unregister(state)


def pytest_report_header(config: pytest.Config) -> str:
    cli, ini = config.stash[LAYERS_KEY]
    state = config.stash[STATE_KEY]
    settings = _live(cfg.resolve(cli=cli, marker=cfg.Layer(), ini=ini, ci=state.ci), state)
    ci = " ci=true" if state.ci else ""
    probe = state.run.probe
    # In replay nothing goes out, so nothing is probed (a marker may still record live).
    live = settings.record_mode != "none"
    extra = f" probe={probe} ({probe} requests per call)" if probe and live else ""
    if state.run.fail_on != cfg.DEFAULT_FAIL_ON:
        extra += f" fail-on={state.run.fail_on}"
    if state.run.swap is not None:
        extra += f" swap-model={state.run.swap} (what-if: live, recorded to the pending folder)"
    return f"llmseed: seed={settings.seed} record-mode={settings.record_mode}{ci}{extra}"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # A folder of cassettes and goldens holds nothing to collect: pytest need not visit
    # each of its files (files/data_folders.py). Paths on the command line never come here.
    if collection_path.name not in config.stash[DATA_DIRNAMES_KEY]:
        return None  # nearly every path: one set lookup
    from pytest_llmseed.files.data_folders import holds_only_data

    # A file of that name is not a folder: scandir refuses it and pytest collects it as usual.
    return True if holds_only_data(collection_path) else None


def _settings(item: pytest.Item) -> cfg.Settings:
    cli, ini = item.config.stash[LAYERS_KEY]
    mark = item.get_closest_marker(cfg.MARKER_NAME)
    marker = cfg.marker_layer(mark, item.path.parent)
    state = item.config.stash[STATE_KEY]
    settings = _live(cfg.resolve(cli=cli, marker=marker, ini=ini, ci=state.ci), state)
    return rules.with_rules(settings, item.config.stash[RULES_KEY], mark)


def _live(settings: cfg.Settings, state: RunState) -> cfg.Settings:
    """A what-if run (``--llmseed-swap-model``) asks the other model every time: recorded
    anew, whatever a marker or the ini says (its cassettes go to the pending folder)."""
    return settings if state.run.swap is None else settings._replace(record_mode="all")


def _cassette_of(item: pytest.Item, settings: cfg.Settings) -> Path:
    from pytest_llmseed.cassettes.naming import cassette_path

    cls = getattr(item, "cls", None)
    return settings.cassette or cassette_path(
        item.path, cls.__name__ if cls else None, item.name, settings.cassette_dir
    )


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """A parameter that is a secret (the API key of the environment, a value of
    ``llmseed_secret_patterns``) gets an id without it: ids become file names and reports."""
    if not isinstance(val, str) or not val:
        return None
    from pytest_llmseed.config.values import KEY_ENV_VARS, MIN_SECRET_LENGTH

    found = {
        key
        for name in KEY_ENV_VARS
        if len(key := os.environ.get(name, "").strip()) >= MIN_SECRET_LENGTH and key in val
    }
    patterns = config.stash[RULES_KEY].secrets.patterns if RULES_KEY in config.stash else ()
    found.update(m[0] for pattern in patterns for m in pattern.finditer(val) if m[0])
    if not found:
        return None
    from pytest_llmseed.cassettes.naming import without_secrets

    return without_secrets(val, sorted(found, key=len, reverse=True))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    marked: dict[object, bool] = {}
    for item in items:
        _prepare(item, marked)


def pytest_deselected(items: list[pytest.Item]) -> None:
    # A deselected test (-k, --deselect, another CI shard's) still owns its cassette, so every
    # shard judges unused cassettes as a full run would. Most were prepared above already.
    marked: dict[object, bool] = {}
    for item in items:
        if CASSETTE_KEY not in item.stash and MARKER_ERROR_KEY not in item.stash:
            _prepare(item, marked, deselected=True)


def _prepare(item: pytest.Item, marked: dict[object, bool], *, deselected: bool = False) -> None:
    """Resolve a test's settings once, and note the cassette a full run of it uses."""
    uses = "seeded_llm" in getattr(item, "fixturenames", ())
    if not uses and not cfg.carries_marker(item, marked):
        return  # most tests of a large suite: nothing to resolve
    state = item.config.stash[STATE_KEY]
    try:
        settings = _settings(item)
    except ValueError as exc:
        if deselected:  # its cassette is unknown: its module's cassettes are not judged
            state.unjudged_modules.add(str(item.path))
            return
        message = f"{item.nodeid}: @pytest.mark.llmseed: {exc}"
        state.scope.bad_markers.append(item.nodeid)
        if cfg.is_xdist_worker(item.config):
            # An xdist worker cannot stop the session with a usage error (xdist reports
            # a crash instead), so the test fails at setup with the same message.
            item.stash[MARKER_ERROR_KEY] = message
            return
        raise pytest.UsageError(message) from None
    item.stash[SETTINGS_KEY] = settings
    path = item.stash[CASSETTE_KEY] = _cassette_of(item, settings)
    state.expect_cassette(path, item.path, in_module_dir=settings.cassette is None)


def pytest_runtest_setup(item: pytest.Item) -> None:
    message = item.stash.get(MARKER_ERROR_KEY, None)
    if message is not None:
        pytest.fail(message, pytrace=False)
    if SETTINGS_KEY in item.stash and "seeded_llm" in getattr(item, "fixturenames", ()):
        from pytest_llmseed.interception.transports import keep_original_methods

        keep_original_methods()


def _refuse_secret_id(node: pytest.Item, settings: cfg.Settings) -> None:
    """A test id that holds a project secret (an explicit ``ids=`` entry) would become the
    cassette's and the golden's file names and the reports' test id: refused, before any write."""
    from pytest_llmseed.cassettes.naming import pattern_secrets, without_secrets

    found = pattern_secrets(node.name, settings.secrets.patterns)
    if found:
        shown = without_secrets(node.nodeid, found)
        pytest.fail(
            f"the test id of {shown} holds a value that matches llmseed_secret_patterns; "
            "pytest-llmseed writes test ids into file names and reports: give that parameter "
            "an id without the secret (pytest.mark.parametrize's ids=)",
            pytrace=False,
        )


@pytest.fixture
def seeded_llm(request: pytest.FixtureRequest) -> Iterator[SeededLLM]:
    """Seeded OpenAI traffic recorded to / replayed from this test's cassette, with a golden."""
    from pytest_llmseed.fixture import TestPlace, seeded_test
    from pytest_llmseed.goldens.assertion import golden_assertion
    from pytest_llmseed.goldens.extension import LLMSnapshotExtension
    from pytest_llmseed.hooks import user_hooks

    node = request.node
    settings = node.stash.get(SETTINGS_KEY, None) or _settings(node)
    _refuse_secret_id(node, settings)
    path = node.stash.get(CASSETTE_KEY, None) or _cassette_of(node, settings)
    state = request.config.stash[STATE_KEY]
    place = TestPlace(
        nodeid=node.nodeid,
        cassette=path,
        test_dir=node.path.parent,
        run=state.run,
        clients=state.clients,
        parse_cache=state.parse_cache,
        refused=state.refused_hosts,
        used_cassettes=state.expected_cassettes,
    )

    def on_record(record: TestRecord, golden_first: str | None) -> None:
        node.stash[RECORD_KEY] = (record, golden_first)
        # JUnit XML reads these from the teardown report.
        node.user_properties.append(("llmseed_seed", settings.seed))
        if record.triage_line:
            from pytest_llmseed.files.escape import for_terminal

            # Escaped for XML by pytest; control characters made visible here.
            node.user_properties.append(("llmseed_triage", for_terminal(record.triage_line)))

    with seeded_test(
        settings=settings,
        place=place,
        snapshot=golden_assertion(request, LLMSnapshotExtension.with_profile(settings.compare)),
        hooks=user_hooks(node.ihook),
        on_record=on_record,
    ) as llm:
        yield llm


def _redact_failure(report: pytest.TestReport) -> None:
    """A traceback shows a test's arguments (a key passed as a parameter): the terminal,
    JUnit XML and every report get it with the API keys of the environment redacted."""
    from pytest_llmseed.cassettes.naming import env_keys

    secrets = env_keys()
    text = str(report.longrepr) if secrets else ""
    if any(secret in text for secret in secrets):  # a handful of keys
        from pytest_llmseed.redaction.secrets import redact_text

        report.longrepr = redact_text(text, secrets)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and report.longrepr is not None:
        _redact_failure(report)
    if call.when == "teardown" and RECORD_KEY in item.stash:
        record, golden_first = item.stash[RECORD_KEY]
        del item.stash[RECORD_KEY]  # the report carries it from here (items live all session)
        # A plain attribute travels with the report from xdist workers to the controller,
        # as plain data; in one process the record itself goes, never copied.
        data = record.to_dict() if cfg.is_xdist_worker(item.config) else record
        report.llmseed = {"record": data, "golden_first": golden_first}
    elif call.when == "teardown" and "seeded_llm" in getattr(item, "fixturenames", ()):
        # seeded_llm never ended: which goldens the test owns is unknown (session.py).
        report.llmseed_unaccounted = True
    elif call.when == "setup" and MARKER_ERROR_KEY in item.stash:
        report.llmseed_bad_marker = True  # the controller of an xdist run learns it here
    return report
