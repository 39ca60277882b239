"""pytest hooks of pytest-llmseed: options, marker, the ``seeded_llm`` fixture, header.

Thin on purpose: each hook reads configuration, calls a function of another module and
stores the result. Heavy imports (openai, vcrpy, deepdiff) happen inside the fixture path.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from . import config as cfg

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from .seeded import SeededLLM

SETTINGS_KEY = pytest.StashKey["cfg.Settings"]()
LAYERS_KEY = pytest.StashKey["tuple[cfg.Layer, cfg.Layer]"]()
MARKER_ERROR_KEY = pytest.StashKey[str]()


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
    parser.addini("llmseed_seed", f"pytest-llmseed seed (default {cfg.DEFAULT_SEED}).")
    parser.addini("llmseed_record_mode", "pytest-llmseed record mode (default none).")
    parser.addini("llmseed_compare", "pytest-llmseed comparison profile (default exact).")
    parser.addini("llmseed_cassette_dir", "pytest-llmseed cassette directory.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "llmseed(*, seed=None, inject_seed=True, compare=None, record_mode=None, "
        "cassette=None): per-test settings of pytest-llmseed for the seeded_llm fixture.",
    )
    # Validated here so a bad ini value stops the run before collection.
    config.stash[LAYERS_KEY] = (cfg.cli_layer(config), cfg.ini_layer(config))


def pytest_report_header(config: pytest.Config) -> str:
    cli, ini = config.stash[LAYERS_KEY]
    settings = cfg.resolve(cli=cli, marker=cfg.Layer(), ini=ini)
    return f"llmseed: seed={settings.seed} record-mode={settings.record_mode}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cli, ini = config.stash[LAYERS_KEY]
    for item in items:
        mark = item.get_closest_marker(cfg.MARKER_NAME)
        try:
            marker = cfg.marker_layer(mark, item.path.parent)
        except ValueError as exc:
            message = f"{item.nodeid}: @pytest.mark.llmseed: {exc}"
            if hasattr(config, "workerinput"):
                # An xdist worker cannot stop the session with a usage error (xdist reports
                # a crash instead), so the test fails at setup with the same message.
                item.stash[MARKER_ERROR_KEY] = message
                continue
            raise pytest.UsageError(message) from None
        item.stash[SETTINGS_KEY] = cfg.resolve(cli=cli, marker=marker, ini=ini)


def pytest_runtest_setup(item: pytest.Item) -> None:
    message = item.stash.get(MARKER_ERROR_KEY, None)
    if message is not None:
        pytest.fail(message, pytrace=False)


@pytest.fixture
def seeded_llm(request: pytest.FixtureRequest, snapshot: SnapshotAssertion) -> Iterator[SeededLLM]:
    """Seeded OpenAI traffic recorded to / replayed from this test's cassette, with a golden."""
    from .cassettes import cassette_path
    from .seeded import llm_session
    from .snapshots import LLMSnapshotExtension

    node = request.node
    settings = node.stash.get(SETTINGS_KEY, None)
    if settings is None:  # an item collected without our hook (e.g. created by another plugin)
        cli, ini = request.config.stash[LAYERS_KEY]
        marker = cfg.marker_layer(node.get_closest_marker(cfg.MARKER_NAME), node.path.parent)
        settings = cfg.resolve(cli=cli, marker=marker, ini=ini)
    path = settings.cassette or cassette_path(
        node.path,
        request.cls.__name__ if request.cls else None,
        node.name,
        settings.cassette_dir,
    )
    with llm_session(
        settings=settings,
        path=path,
        nodeid=node.nodeid,
        snapshot=snapshot.use_extension(LLMSnapshotExtension.with_profile(settings.compare)),
    ) as llm:
        yield llm
