"""Settings of one test, resolved once: marker > command line > ini > default."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from pytest_llmseed.config.values import (
    NO_USER_SECRETS,
    NO_VOLATILE,
    ModelSwap,
    Profile,
    UserSecrets,
    Volatile,
    parse_profile,
)

DEFAULT_SEED = 1234
"""The seed every request gets when nothing else is configured. Documented; never changes."""

MAX_SEED = 2**63
RECORD_MODES = ("none", "once", "new_episodes", "all")
DEFAULT_RECORD_MODE = "none"
DEFAULT_COMPARE = "exact"
FAIL_ON_CHOICES = ("any", "breaking")
DEFAULT_FAIL_ON = "any"
MIN_PROBE = 2
MARKER_NAME = "llmseed"
MARKER_KEYWORDS = (
    "seed",
    "inject_seed",
    "compare",
    "record_mode",
    "cassette",
    "volatile",
    "match_on",
)
MATCH_ON_CHOICES = ("method", "scheme", "host", "port", "path", "query", "body")
"""What a live request can be asked to share with a recorded one (vcrpy's matcher names)."""
DEFAULT_MATCH_ON = ("method", "path", "query", "body")
"""The base URL's scheme, host and port are configuration: a suite recorded against a
gateway, or a local server on some port, replays with no base URL set."""


def parse_seed(value: object) -> int:
    """Validate a seed given as text or int; ValueError names what is wrong."""
    if isinstance(value, bool):
        raise ValueError(f"seed must be an integer, not {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value.strip(), 10)
        except ValueError:
            raise ValueError(f"seed must be an integer, got {value!r}") from None
    else:
        raise ValueError(f"seed must be an integer, got {value!r}")
    if not 0 <= number < MAX_SEED:
        raise ValueError(f"seed must satisfy 0 <= seed < 2**63, got {number}")
    return number


def _choice(value: object, choices: tuple[str, ...], what: str) -> str:
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or text not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}; got {value!r}")
    return text


def parse_record_mode(value: object) -> str:
    """Validate a record mode name; ValueError lists the valid ones."""
    return _choice(value, RECORD_MODES, "record mode")


def parse_compare(value: object) -> Profile:
    """Validate a comparison profile given as text."""
    if not isinstance(value, str):
        raise ValueError(f"compare must be a profile name string, got {value!r}")
    return parse_profile(value)


def parse_probe(value: object) -> int:
    """Validate ``--llmseed-probe``'s N: an integer of at least 2 (0 turns probing off)."""
    text = value.strip() if isinstance(value, str) else ""
    number = int(text) if text.isascii() and text.isdigit() else -1
    if number != 0 and number < MIN_PROBE:
        raise ValueError(
            f"probe must be an integer N >= {MIN_PROBE} (requests per call), got {value!r}"
        )
    return number


def parse_fail_on(value: object) -> str:
    """Validate ``--llmseed-fail-on``: ``any`` or ``breaking``."""
    return _choice(value, FAIL_ON_CHOICES, "fail-on")


def parse_match_on(values: object) -> tuple[str, ...]:
    """Validate a ``match_on`` list: names from ``MATCH_ON_CHOICES``, none twice, at least one."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise ValueError(
            f'must be a list of names, e.g. ["method", "path", "query", "body"]; got {values!r}'
        )
    names: list[str] = []
    for value in values:
        name = value.strip() if isinstance(value, str) else value
        if not isinstance(name, str) or name not in MATCH_ON_CHOICES:
            raise ValueError(f"unknown name {value!r}; allowed: {', '.join(MATCH_ON_CHOICES)}")
        if name not in names:
            names.append(name)
    if not names:
        raise ValueError(f"must name at least one of {', '.join(MATCH_ON_CHOICES)}")
    return tuple(names)


def parse_bool(value: object) -> bool:
    """Accept real booleans only: a string like 'no' in a marker is a mistake worth reporting."""
    if not isinstance(value, bool):
        raise ValueError(f"inject_seed must be True or False, got {value!r}")
    return value


# NamedTuples, not frozen dataclasses: defining these is part of every pytest start-up,
# and a dataclass generates and compiles its methods when it is defined.
class Layer(NamedTuple):
    """Values from one source; None means 'this source says nothing'."""

    seed: int | None = None
    inject_seed: bool | None = None
    record_mode: str | None = None
    compare: Profile | None = None
    cassette_dir: Path | None = None
    cassette: Path | None = None


class Settings(NamedTuple):
    """Everything the plugin needs to know about one test's LLM traffic."""

    seed: int
    inject_seed: bool
    record_mode: str
    compare: Profile
    cassette_dir: Path | None
    cassette: Path | None
    volatile: Volatile = NO_VOLATILE
    """The ini's ``llmseed_volatile`` entries and the marker's ``volatile=`` ones."""
    secrets: UserSecrets = NO_USER_SECRETS
    """``llmseed_secret_patterns`` / ``llmseed_secret_headers`` (ini only)."""
    match_on: tuple[str, ...] = DEFAULT_MATCH_ON
    """``llmseed_match_on`` or the marker's ``match_on=``: what a request must share with a
    recorded one to replay it."""
    record_hosts: frozenset[str] = frozenset()
    """``llmseed_record_hosts``: hosts whose raw HTTP is recorded too (lower case)."""
    ignored: str = ""
    """A record mode ``CI=true`` set aside, and why (empty when none was)."""


class RunSettings(NamedTuple):
    """Run-wide settings (one per pytest run) a test's finalization needs (where pending
    changes go, probing, what fails a test)."""

    rootdir: Path
    pending_dir: Path | None = None
    probe: int = 0
    """``--llmseed-probe``: requests per live call (0: off)."""
    fail_on: str = DEFAULT_FAIL_ON
    """``--llmseed-fail-on``: ``any`` or ``breaking``."""
    swap: ModelSwap | None = None
    """``--llmseed-swap-model``: a what-if run's model swaps (None: not one)."""


_DEFAULTS = Layer(
    seed=DEFAULT_SEED,
    inject_seed=True,
    record_mode=DEFAULT_RECORD_MODE,
    compare=Profile(DEFAULT_COMPARE),
)


def is_xdist_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker (xdist's documented ``workerinput``)."""
    return hasattr(config, "workerinput")


def is_ci(environ: Mapping[str, str]) -> bool:
    """``CI`` set to anything but empty / 0 / false / no, as CI services do."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def asks_to_record(record_mode: str | None) -> bool:
    """Whether a command line's record mode asks to record (what ``CI=true`` requires)."""
    return record_mode not in (None, "none")


def resolve(*, cli: Layer, marker: Layer, ini: Layer, ci: bool = False) -> Settings:
    """Merge the sources. The precedence of the whole plugin is written here and only here.

    The most specific source wins, as in pytest-timeout, pytest-rerunfailures and
    pytest-recording: marker > command line > ini > default. A test marked ``seed=4242`` was
    recorded with 4242, so ``--llmseed-seed`` is the default of the other tests, not an
    override. The one exception is safety in CI: nothing records there unless the command
    line asks for it, so a record mode from a marker or the ini file only counts when the
    command line itself asked to record.
    """
    ignored = ""
    if ci and not asks_to_record(cli.record_mode):
        ignored = _ignored_in_ci(marker, ini)
        marker = marker._replace(record_mode=None)
        ini = ini._replace(record_mode=None)
    values: dict[str, Any] = {"ignored": ignored} if ignored else {}
    for name in Layer._fields:
        values[name] = None
        for layer in (marker, cli, ini, _DEFAULTS):
            value = getattr(layer, name)
            if value is not None:
                values[name] = value
                break
    return Settings(**values)


def _ignored_in_ci(marker: Layer, ini: Layer) -> str:
    """Names the marker's or ini's record mode that ``CI=true`` sets aside, and why."""
    for source, layer in (("the marker's record_mode", marker), ("llmseed_record_mode", ini)):
        if layer.record_mode not in (None, "none"):
            return (
                f"{source}={layer.record_mode!r} is ignored: under CI=true nothing records "
                "unless the command line asks (--llmseed-record-mode)"
            )
    return ""


def marker_layer(mark: pytest.Mark | None, test_dir: Path) -> Layer:
    """Read ``@pytest.mark.llmseed(...)``; ValueError for positional args or unknown keywords."""
    if mark is None:
        return Layer()
    if mark.args:
        raise ValueError(
            "takes keyword arguments only, e.g. @pytest.mark.llmseed(seed=7); "
            f"got positional {mark.args!r}"
        )
    unknown = sorted(set(mark.kwargs) - set(MARKER_KEYWORDS))
    if unknown:
        raise ValueError(
            f"unknown keyword {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(MARKER_KEYWORDS)}"
        )
    kw = mark.kwargs

    def check(name: str, parse: Any) -> Any:
        # None means "not set" for every keyword, as for the command line and ini.
        if kw.get(name) is None:
            return None
        try:
            return parse(kw[name])
        except ValueError as exc:
            raise ValueError(f"{name}={kw[name]!r}: {exc}") from None

    def parse_cassette(value: object) -> Path:
        if not isinstance(value, str | Path) or not str(value).strip():
            raise ValueError("must be a non-empty path (relative to the test file)")
        problem = path_problem(test_dir / Path(value), directory=False)
        if problem:
            raise ValueError(problem)
        return test_dir / Path(value)

    return Layer(
        seed=check("seed", parse_seed),
        inject_seed=check("inject_seed", parse_bool),
        record_mode=check("record_mode", parse_record_mode),
        compare=check("compare", parse_compare),
        cassette=check("cassette", parse_cassette),
    )


def path_problem(path: Path, *, directory: bool) -> str | None:
    """Why ``path`` cannot be used as a directory (or written as a file); None if it can."""
    if directory:
        if path.exists() and not path.is_dir():
            return f"{path} exists and is not a directory"
    elif path.is_dir():
        return f"{path} is a directory; give the path of a file to write"
    start = path if directory else path.parent
    for ancestor in (start, *start.parents):
        if ancestor.exists():
            return None if ancestor.is_dir() else f"{ancestor} is a file, not a directory"
    return None


_USE_MARKERS = (MARKER_NAME, "vcr")


def carries_marker(item: pytest.Item, parents: dict[object, bool]) -> bool:
    """Whether the test carries an ``llmseed`` or pytest-recording's ``vcr`` marker.

    A vcr-marked test's cassette is in use too (migration). The markers of its module and
    class are looked up once for all their tests: this runs for every test of the suite.
    """
    for mark in item.own_markers:  # a loop, not any(): no generator for each test
        if mark.name in _USE_MARKERS:
            return True
    parent = item.parent
    if parent is None:
        return False
    found = parents.get(parent)
    if found is None:
        found = parents[parent] = any(mark.name in _USE_MARKERS for mark in parent.iter_markers())
    return found
