"""Unit tests of ``pytest_llmseed.config.settings`` and ``pytest_llmseed.config.values``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pytest_llmseed.config.settings import (
    DEFAULT_SEED,
    MARKER_KEYWORDS,
    RECORD_MODES,
    Layer,
    Settings,
    marker_layer,
    parse_bool,
    parse_compare,
    parse_record_mode,
    parse_seed,
    resolve,
)
from pytest_llmseed.config.values import (
    DEFAULT_FUZZY_RATIO,
    NO_USER_SECRETS,
    NO_VOLATILE,
    Profile,
    parse_profile,
)

# --- parse_seed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        ("0", 0),
        (2**63 - 1, 2**63 - 1),
        (str(2**63 - 1), 2**63 - 1),
        ("  42 ", 42),
        (1234, 1234),
    ],
)
def test_parse_seed_accepts_the_whole_range(value: object, expected: int) -> None:
    assert parse_seed(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "0 <= seed < 2**63, got -1"),
        ("-1", "0 <= seed < 2**63, got -1"),
        (2**63, f"0 <= seed < 2**63, got {2**63}"),
        (str(2**63), f"0 <= seed < 2**63, got {2**63}"),
        ("abc", "seed must be an integer, got 'abc'"),
        ("", "seed must be an integer"),
        ("1.5", "seed must be an integer, got '1.5'"),
        ("0x10", "seed must be an integer, got '0x10'"),
        (True, "seed must be an integer, not True"),
        (False, "seed must be an integer, not False"),
        (1.5, "seed must be an integer, got 1.5"),
        (None, "seed must be an integer, got None"),
    ],
)
def test_parse_seed_rejects_with_a_message(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_seed(value)


def test_default_seed_is_a_valid_documented_integer() -> None:
    assert DEFAULT_SEED == 1234
    assert parse_seed(DEFAULT_SEED) == DEFAULT_SEED


# --- parse_record_mode ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["none", "once", "new_episodes", "all"])
def test_parse_record_mode_accepts_vcr_modes(mode: str) -> None:
    assert parse_record_mode(mode) == mode
    assert parse_record_mode(f" {mode}\n") == mode


@pytest.mark.parametrize("value", ["sometimes", "None", "ONCE", "", "new-episodes", None, 1])
def test_parse_record_mode_rejects_and_lists_the_modes(value: object) -> None:
    with pytest.raises(ValueError, match="record mode must be one of") as excinfo:
        parse_record_mode(value)
    for mode in RECORD_MODES:
        assert mode in str(excinfo.value)
    assert repr(value) in str(excinfo.value)


# --- parse_compare / parse_profile ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("exact", Profile("exact")),
        ("normalized", Profile("normalized")),
        ("json", Profile("json")),
        ("fuzzy", Profile("fuzzy", DEFAULT_FUZZY_RATIO)),
        ("fuzzy:0.85", Profile("fuzzy", 0.85)),
        ("fuzzy:1", Profile("fuzzy", 1.0)),
        (" fuzzy:0.5 ", Profile("fuzzy", 0.5)),
    ],
)
def test_parse_compare_accepts_profiles(text: str, expected: Profile) -> None:
    assert parse_compare(text) == expected
    assert parse_profile(text) == expected


def test_default_fuzzy_ratio_is_documented_value() -> None:
    assert parse_compare("fuzzy").ratio == 0.9


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fuzzy:0", "must be greater than 0 and at most 1"),
        ("fuzzy:-0.5", "must be greater than 0 and at most 1"),
        ("fuzzy:1.5", "must be greater than 0 and at most 1"),
        ("fuzzy:nan", "must be greater than 0 and at most 1"),
        ("fuzzy:abc", "is not a number"),
        ("fuzzy:", "is not a number"),
        ("json:1", "takes no ':' argument"),
        ("exact:0.5", "takes no ':' argument"),
        ("bogus", "unknown comparison profile 'bogus'"),
        ("", "unknown comparison profile"),
        ("EXACT", "unknown comparison profile"),
    ],
)
def test_parse_compare_rejects_with_a_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_compare(text)


def test_unknown_profile_message_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of") as excinfo:
        parse_compare("bogus")
    for name in ("exact", "normalized", "json", "fuzzy"):
        assert name in str(excinfo.value)


@pytest.mark.parametrize("value", [None, 0.9, 1, Profile("exact")])
def test_parse_compare_rejects_non_strings(value: object) -> None:
    with pytest.raises(ValueError, match="compare must be a profile name string"):
        parse_compare(value)


@pytest.mark.parametrize(
    ("profile", "text"),
    [
        (Profile("exact"), "exact"),
        (Profile("json"), "json"),
        (Profile("fuzzy"), "fuzzy:0.9"),
        (Profile("fuzzy", 0.85), "fuzzy:0.85"),
    ],
)
def test_profile_str_parses_back(profile: Profile, text: str) -> None:
    assert str(profile) == text
    assert parse_compare(str(profile)) == profile


# --- parse_bool ----------------------------------------------------------------------------


def test_parse_bool_takes_real_booleans_only() -> None:
    assert parse_bool(True) is True
    assert parse_bool(False) is False
    for value in ("no", "false", 0, 1, None):
        with pytest.raises(ValueError, match="inject_seed must be True or False"):
            parse_bool(value)


# --- resolve -------------------------------------------------------------------------------

# Three distinct values per field, for command line, marker and ini.
FIELD_VALUES: dict[str, tuple[Any, Any, Any]] = {
    "seed": (1, 2, 3),
    "inject_seed": (False, True, True),
    "record_mode": ("all", "once", "new_episodes"),
    "compare": (Profile("json"), Profile("normalized"), Profile("fuzzy", 0.5)),
    "cassette_dir": (Path("/cli"), Path("/marker"), Path("/ini")),
    "cassette": (Path("/cli.yaml"), Path("/marker.yaml"), Path("/ini.yaml")),
}
DEFAULTS: dict[str, Any] = {
    "seed": DEFAULT_SEED,
    "inject_seed": True,
    "record_mode": "none",
    "compare": Profile("exact"),
    "cassette_dir": None,
    "cassette": None,
}


def test_every_layer_field_is_covered() -> None:
    names = set(Layer._fields)
    assert names == set(FIELD_VALUES) == set(DEFAULTS)
    # The ini-only line lists, which the marker adds to (volatile) or replaces (match_on).
    lists = {"volatile", "secrets", "match_on", "record_hosts"}
    # What CI set aside from the marker or ini (said in a miss), not a layer's value.
    lists.add("ignored")
    assert names | lists == set(Settings._fields)


def test_resolve_with_nothing_set_gives_the_defaults() -> None:
    settings = resolve(cli=Layer(), marker=Layer(), ini=Layer())
    assert settings._asdict() == {
        **DEFAULTS,
        "volatile": NO_VOLATILE,
        "secrets": NO_USER_SECRETS,
        "match_on": ("method", "path", "query", "body"),
        "record_hosts": frozenset(),
        "ignored": "",
    }


@pytest.mark.parametrize("field", sorted(FIELD_VALUES))
@pytest.mark.parametrize(
    ("given", "winner"),
    [
        (("cli", "marker", "ini"), "marker"),
        (("cli", "ini"), "cli"),
        (("cli", "marker"), "marker"),
        (("marker", "ini"), "marker"),
        (("ini",), "ini"),
        ((), "default"),
    ],
)
def test_resolve_precedence_marker_cli_ini_default(
    field: str, given: tuple[str, ...], winner: str
) -> None:
    cli_value, marker_value, ini_value = FIELD_VALUES[field]
    values = {"cli": cli_value, "marker": marker_value, "ini": ini_value}
    layers = {name: Layer(**({field: values[name]} if name in given else {})) for name in values}
    settings = resolve(**layers)
    expected = DEFAULTS[field] if winner == "default" else values[winner]
    assert getattr(settings, field) == expected


def test_marker_seed_wins_over_the_command_line_seed() -> None:
    # The case: `pytest --llmseed-seed=31337` and a test marked seed=4242.
    settings = resolve(cli=Layer(seed=31337), marker=Layer(seed=4242), ini=Layer())
    assert settings.seed == 4242
    assert resolve(cli=Layer(seed=31337), marker=Layer(), ini=Layer(seed=7)).seed == 31337


def test_falsy_values_still_win_over_lower_layers() -> None:
    settings = resolve(
        cli=Layer(seed=0, inject_seed=True),
        marker=Layer(inject_seed=False),
        ini=Layer(seed=99, inject_seed=True),
    )
    assert settings.seed == 0
    assert settings.inject_seed is False


def test_fields_resolve_independently() -> None:
    settings = resolve(
        cli=Layer(record_mode="all", seed=5),
        marker=Layer(seed=7),
        ini=Layer(compare=Profile("json"), seed=3, record_mode="once"),
    )
    assert (settings.seed, settings.record_mode, settings.compare) == (7, "all", Profile("json"))
    assert settings.inject_seed is True


@pytest.mark.parametrize("cli_mode", [None, "none"])
def test_in_ci_only_the_command_line_turns_recording_on(cli_mode: str | None) -> None:
    settings = resolve(
        cli=Layer(record_mode=cli_mode),
        marker=Layer(record_mode="all"),
        ini=Layer(record_mode="once"),
        ci=True,
    )
    assert settings.record_mode == "none"


def test_in_ci_a_marker_refines_a_recording_the_command_line_asked_for() -> None:
    settings = resolve(
        cli=Layer(record_mode="once"), marker=Layer(record_mode="all"), ini=Layer(), ci=True
    )
    assert settings.record_mode == "all"
    ini_only = resolve(cli=Layer(record_mode="once"), marker=Layer(), ini=Layer(record_mode="all"))
    assert ini_only.record_mode == "once"


# --- marker_layer --------------------------------------------------------------------------


def mark(*args: Any, **kwargs: Any) -> pytest.Mark:
    """The Mark that ``@pytest.mark.llmseed(*args, **kwargs)`` puts on a test."""
    return pytest.mark.llmseed(*args, **kwargs).mark


def test_no_marker_says_nothing(tmp_path: Path) -> None:
    assert marker_layer(None, tmp_path) == Layer()
    assert marker_layer(mark(), tmp_path) == Layer()


def test_marker_values_are_parsed(tmp_path: Path) -> None:
    layer = marker_layer(
        mark(seed=7, inject_seed=False, compare="fuzzy:0.8", record_mode="once"), tmp_path
    )
    assert layer == Layer(
        seed=7, inject_seed=False, compare=Profile("fuzzy", 0.8), record_mode="once"
    )


def test_marker_none_values_mean_not_set(tmp_path: Path) -> None:
    assert marker_layer(mark(seed=None, compare=None, cassette=None), tmp_path) == Layer()


def test_marker_positional_args_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keyword arguments only") as excinfo:
        marker_layer(mark(7), tmp_path)
    assert "(7,)" in str(excinfo.value)


def test_marker_unknown_keyword_lists_allowed_keywords(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown keyword 'sead'") as excinfo:
        marker_layer(mark(sead=1), tmp_path)
    for keyword in MARKER_KEYWORDS:
        assert keyword in str(excinfo.value)


def test_marker_several_unknown_keywords_are_all_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown keyword") as excinfo:
        marker_layer(mark(seed=1, zeta=1, alpha=2), tmp_path)
    assert "'alpha', 'zeta'" in str(excinfo.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"inject_seed": "no"}, "inject_seed must be True or False, got 'no'"),
        ({"inject_seed": 0}, "inject_seed must be True or False, got 0"),
        ({"seed": "x"}, "seed must be an integer, got 'x'"),
        ({"seed": -1}, "0 <= seed < 2**63"),
        ({"seed": True}, "seed must be an integer, not True"),
        ({"record_mode": "bad"}, "record mode must be one of"),
        ({"compare": "bad"}, "unknown comparison profile 'bad'"),
        ({"compare": "fuzzy:2"}, "at most 1"),
        ({"cassette": ""}, "cassette='': must be a non-empty path"),
        ({"cassette": 5}, "cassette=5: must be a non-empty path"),
    ],
)
def test_marker_bad_values_are_rejected(
    tmp_path: Path, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        marker_layer(mark(**kwargs), tmp_path)


def test_marker_cassette_path_is_relative_to_the_test_dir(tmp_path: Path) -> None:
    layer = marker_layer(mark(cassette="recorded/shared.yaml"), tmp_path)
    assert layer.cassette == tmp_path / "recorded" / "shared.yaml"
    layer = marker_layer(mark(cassette=Path("one.yaml")), tmp_path)
    assert layer.cassette == tmp_path / "one.yaml"


def test_marker_absolute_cassette_path_is_kept(tmp_path: Path) -> None:
    absolute = tmp_path / "elsewhere" / "c.yaml"
    layer = marker_layer(mark(cassette=str(absolute)), tmp_path / "tests")
    assert layer.cassette == absolute


def test_marker_layer_wins_over_ini_in_resolve(tmp_path: Path) -> None:
    marker = marker_layer(mark(seed=5, record_mode="all"), tmp_path)
    settings = resolve(cli=Layer(), marker=marker, ini=Layer(seed=9, record_mode="once"))
    assert (settings.seed, settings.record_mode) == (5, "all")
