"""The plugin's options as pytest hands them over: command line and ini, checked once.

Command-line values were validated by argparse (``type=``); ini strings are not typed by
pytest, so they are parsed here, a bad one a usage error naming the key and the ini file.
Paths are resolved against the invocation directory (command line) or the ini file's
directory, and checked to be usable now rather than failing when the run ends.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from pytest_llmseed.config import settings as cfg
from pytest_llmseed.config.settings import (
    Layer,
    asks_to_record,
    parse_compare,
    parse_record_mode,
    parse_seed,
    path_problem,
)
from pytest_llmseed.config.values import ModelSwap, parse_swap, parse_swap_entry


class _Option(NamedTuple):
    """One ``--llmseed-<name>`` option and its ini twin ``llmseed_<name>``."""

    name: str
    metavar: str | None
    help: str
    ini_help: str
    parse: Callable[[str], Any] | None = None
    choices: tuple[str, ...] | None = None


_OPTIONS = (
    _Option(
        "seed",
        "N",
        f"Seed injected into every Chat Completions / Completions request "
        f"(0 <= N < 2**63; default {cfg.DEFAULT_SEED}).",
        f"pytest-llmseed seed (default {cfg.DEFAULT_SEED}).",
        parse=cfg.parse_seed,
    ),
    _Option(
        "record_mode",
        "MODE",
        "Cassette record mode: none (replay only, never the network; default), once, "
        "new_episodes or all.",
        "pytest-llmseed record mode (default none).",
        parse=cfg.parse_record_mode,
    ),
    _Option(
        "compare",
        "PROFILE",
        "How completions are compared with goldens: exact (default), normalized, json "
        "or fuzzy[:ratio].",
        "pytest-llmseed comparison profile (default exact).",
        parse=cfg.parse_compare,
    ),
    _Option(
        "cassette_dir",
        "DIR",
        "Directory holding <module>/<test>.yaml cassettes "
        "(default: cassettes/ beside each test module).",
        "pytest-llmseed cassette directory.",
    ),
    _Option(
        "report",
        "PATH",
        "Write a JSON report of seeds, cassettes, goldens and drift to PATH.",
        "pytest-llmseed JSON report path.",
    ),
    _Option(
        "html",
        "PATH",
        "Write one self-contained HTML page with side-by-side diffs of every changed "
        "golden to PATH.",
        "pytest-llmseed HTML diff page path.",
    ),
    _Option(
        "pending_dir",
        "DIR",
        "Collect pending changes (received goldens and their cassettes) under DIR, "
        "mirroring the rootdir, e.g. to upload as a CI artifact (default: beside the "
        "goldens).",
        "pytest-llmseed pending-changes directory.",
    ),
    _Option(
        "probe",
        "N",
        "Measure determinism: send every live LLM request N times (N >= 2; only the "
        "first answer is recorded) and report how many distinct outputs came back. Costs N "
        "requests per call.",
        "pytest-llmseed: requests per live call to probe (N >= 2).",
        parse=cfg.parse_probe,
    ),
    _Option(
        "fail_on",
        None,
        "Which golden drift fails a test: any (default) or breaking (cosmetic and "
        "rewording drift stays pending and reported, but passes).",
        "pytest-llmseed: drift that fails a test (any, breaking).",
        choices=cfg.FAIL_ON_CHOICES,
    ),
)

# The ini-only line lists (no command-line twin: they are the project's, not a run's),
# parsed by config/lines.py.
LINE_LISTS = (
    (
        "llmseed_match_on",
        "pytest-llmseed: what a request must share with a recorded one to replay it, one a "
        "line, from method, scheme, host, port, path, query, body "
        "(default: method path query body).",
    ),
    (
        "llmseed_record_hosts",
        "pytest-llmseed: hosts whose raw HTTP is recorded too, one a line (the supported "
        "SDKs' requests always are; any other HTTP passes through).",
    ),
    (
        "llmseed_volatile",
        "pytest-llmseed: parts of requests that change from run to run, one a line "
        "(uuid, date, datetime, timestamp, hex-id or re:<regex>).",
    ),
    (
        "llmseed_secret_patterns",
        "pytest-llmseed: regexes of the project's own secrets, redacted from every file.",
    ),
    (
        "llmseed_secret_headers",
        "pytest-llmseed: names of headers never recorded (besides authorization etc.).",
    ),
)


def _argtype(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


def add_options(parser: pytest.Parser) -> None:
    """Every option in one ``pytest --help`` group, each with its ini twin; the line lists."""
    group = parser.getgroup("llmseed", "pytest-llmseed: seeded, recorded and golden LLM calls")
    for option in _OPTIONS:
        typed: dict[str, Any] = {}
        if option.parse is not None:
            typed["type"] = _argtype(option.parse)
        if option.choices is not None:
            typed["choices"] = option.choices
        if option.metavar is not None:
            typed["metavar"] = option.metavar
        group.addoption(
            f"--llmseed-{option.name.replace('_', '-')}",
            dest=f"llmseed_{option.name}",
            default=None,
            help=f"{option.help} Ini: llmseed_{option.name}.",
            **typed,
        )
        parser.addini(f"llmseed_{option.name}", option.ini_help)
    for name, text in LINE_LISTS:
        parser.addini(name, text, type="linelist")
    group.addoption(
        "--llmseed-swap-model",
        dest="llmseed_swap_model",
        action="append",
        default=None,
        metavar="FROM=TO",
        type=_argtype(parse_swap_entry),
        help="What-if run: send every request naming model FROM with model TO instead "
        "(repeatable; *=TO swaps every model), live, comparing each answer with its golden; "
        "what it records goes to the pending folder only. Ini: llmseed_swap_model.",
    )
    parser.addini(
        "llmseed_swap_model", "pytest-llmseed: FROM=TO model swaps, one a line.", type="linelist"
    )


def _where(config: pytest.Config) -> str:
    return str(config.inipath) if config.inipath else "the ini file"


def _ini_text(config: pytest.Config, name: str) -> str | None:
    raw = config.getini(f"llmseed_{name}")
    return raw.strip() if isinstance(raw, str) and raw.strip() else None


def ini_value(config: pytest.Config, name: str, parse: Callable[[str], Any]) -> Any:
    """Ini ``llmseed_<name>`` parsed, None when unset; a bad value is a usage error."""
    raw = _ini_text(config, name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"llmseed_{name} = {raw!r} in {_where(config)}: {exc}") from None


def cli_path(config: pytest.Config, name: str, *, directory: bool = False) -> Path | None:
    """``--llmseed-<name>`` as a path relative to the invocation directory, checked."""
    value = config.getoption(f"llmseed_{name}")
    if not value:
        return None
    path = config.invocation_params.dir / str(value)
    problem = path_problem(path, directory=directory)
    if problem:
        raise pytest.UsageError(f"--llmseed-{name.replace('_', '-')}={value}: {problem}")
    return path


def ini_path(config: pytest.Config, name: str, *, directory: bool = False) -> Path | None:
    """Ini ``llmseed_<name>`` as a path relative to the ini file's directory, checked."""
    base = config.inipath.parent if config.inipath else config.rootpath

    def parse(raw: str) -> Path:
        problem = path_problem(base / raw, directory=directory)
        if problem:
            raise ValueError(problem)
        return base / raw

    found: Path | None = ini_value(config, name, parse)
    return found


def path_option(config: pytest.Config, name: str, *, directory: bool = False) -> Path | None:
    """A path option of the run: the command line's, else the ini's, else None."""
    found = cli_path(config, name, directory=directory)
    return found if found is not None else ini_path(config, name, directory=directory)


def run_option(config: pytest.Config, name: str, parse: Callable[[str], Any]) -> Any:
    """A session-wide option: the command line's (argparse checked it), else the ini's."""
    value = config.getoption(f"llmseed_{name}")
    return value if value is not None else ini_value(config, name, parse)


def cli_layer(config: pytest.Config) -> Layer:
    """Command-line values; argparse already validated them through ``type=``."""
    return Layer(
        seed=config.getoption("llmseed_seed"),
        record_mode=config.getoption("llmseed_record_mode"),
        compare=config.getoption("llmseed_compare"),
        cassette_dir=cli_path(config, "cassette_dir", directory=True),
    )


def ini_layer(config: pytest.Config) -> Layer:
    """Ini values, validated here because pytest does not type-check ini strings."""
    return Layer(
        seed=ini_value(config, "seed", parse_seed),
        record_mode=ini_value(config, "record_mode", parse_record_mode),
        compare=ini_value(config, "compare", parse_compare),
        cassette_dir=ini_path(config, "cassette_dir", directory=True),
    )


def swap_option(config: pytest.Config, *, ci: bool) -> ModelSwap | None:
    """``--llmseed-swap-model`` (else the ini's lines), checked against the run: a what-if
    run records live, so it is refused where recording is (``CI=true`` unless the command
    line asks to record) and beside ``--snapshot-update`` (goldens stay as committed)."""
    given = config.getoption("llmseed_swap_model")
    name = "--llmseed-swap-model"
    try:
        if given:
            swap = parse_swap([f"{old}={new}" for old, new in given])
        else:
            name = f"llmseed_swap_model in {_where(config)}"
            swap = parse_swap(config.getini("llmseed_swap_model"))
    except ValueError as exc:
        raise pytest.UsageError(f"{name}: {exc}") from None
    if swap is None:
        return None
    if ci and not asks_to_record(config.getoption("llmseed_record_mode")):
        raise pytest.UsageError(
            f"{name}: a what-if run records live, and under CI=true nothing records unless "
            "the command line asks: add --llmseed-record-mode=all"
        )
    if getattr(config.option, "update_snapshots", False):
        raise pytest.UsageError(
            f"{name}: a what-if run leaves the committed goldens as they are; drop "
            "--snapshot-update (adopt its answers with `llmseed review --from`)"
        )
    return swap
