"""The command-line options, their ini twins and the marker, validated end to end."""

from __future__ import annotations

import pytest

OPTIONS = (
    "--llmseed-seed",
    "--llmseed-record-mode",
    "--llmseed-compare",
    "--llmseed-cassette-dir",
)
INI_KEYS = ("llmseed_seed", "llmseed_record_mode", "llmseed_compare", "llmseed_cassette_dir")

NO_NETWORK_TEST = "def test_x() -> None:\n    pass\n"


def test_help_lists_the_group_options_and_ini_keys(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "pytest-llmseed*",
            "  --llmseed-seed=N*",
            "  --llmseed-record-mode=MODE*",
            "  --llmseed-compare=PROFILE*",
            "  --llmseed-cassette-dir=DIR*",
        ]
    )
    result.stdout.fnmatch_lines([f"  {key} (*" for key in INI_KEYS])


def test_help_options_are_in_one_group(pytester: pytest.Pytester) -> None:
    lines = pytester.runpytest("--help").stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith("pytest-llmseed"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    group = "\n".join(lines[start:end])
    for option in OPTIONS:
        assert option in group


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("--llmseed-seed=abc", "*argument --llmseed-seed:*integer*'abc'*"),
        ("--llmseed-seed=-1", "*argument --llmseed-seed:*0 <= seed < 2*63*-1*"),
        ("--llmseed-seed=9223372036854775808", "*argument --llmseed-seed:*2*63*"),
        (
            "--llmseed-record-mode=sometimes",
            "*argument --llmseed-record-mode:*none, once, new_episodes, all*'sometimes'*",
        ),
        ("--llmseed-compare=fuzzy:2", "*argument --llmseed-compare:*fuzzy*at most 1*"),
        ("--llmseed-compare=bogus", "*argument --llmseed-compare:*'bogus'*"),
    ],
)
def test_bad_command_line_value_is_a_usage_error(
    pytester: pytest.Pytester, argument: str, message: str
) -> None:
    pytester.makepyfile(NO_NETWORK_TEST)
    result = pytester.runpytest(argument)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("llmseed_seed", "x", "*integer*'x'*"),
        ("llmseed_seed", "-5", "*0 <= seed < 2*63*"),
        ("llmseed_record_mode", "bad", "*none, once, new_episodes, all*"),
        ("llmseed_compare", "nope", "*unknown comparison profile 'nope'*"),
        ("llmseed_compare", "fuzzy:0", "*at most 1*"),
    ],
)
def test_bad_ini_value_is_a_usage_error_naming_key_and_file(
    pytester: pytest.Pytester, key: str, value: str, message: str
) -> None:
    ini = pytester.makeini(f"[pytest]\n{key} = {value}\n")
    pytester.makepyfile(NO_NETWORK_TEST)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{key}*{ini}*"])
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


def test_bad_value_in_pyproject_names_the_pyproject(pytester: pytest.Pytester) -> None:
    pyproject = pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\nllmseed_record_mode = "sometimes"\n'
    )
    pytester.makepyfile(NO_NETWORK_TEST)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*llmseed_record_mode*{pyproject}*"])


def test_command_line_value_does_not_hide_a_bad_ini_value(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nllmseed_seed = x\n")
    pytester.makepyfile(NO_NETWORK_TEST)
    result = pytester.runpytest("--llmseed-seed=5")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*llmseed_seed*"])


def test_good_ini_values_show_in_the_header_and_cli_wins(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nllmseed_seed = 11\nllmseed_record_mode = once\nllmseed_compare = fuzzy:0.8\n"
        "llmseed_cassette_dir = recorded\n"
    )
    pytester.makepyfile(NO_NETWORK_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["llmseed: seed=11 record-mode=once"])
    result = pytester.runpytest("--llmseed-seed=0", "--llmseed-record-mode=none")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["llmseed: seed=0 record-mode=none"])


def test_largest_seed_is_accepted(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(NO_NETWORK_TEST)
    result = pytester.runpytest(f"--llmseed-seed={2**63 - 1}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"llmseed: seed={2**63 - 1} record-mode=none"])


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("sead=1", "*unknown keyword 'sead'*allowed*seed*inject_seed*compare*record_mode*"),
        ("7", "*keyword arguments only*"),
        ('seed="x"', "*seed*'x'*"),
        ('record_mode="bad"', "*record_mode*'bad'*"),
        ('compare="bad"', "*compare*'bad'*"),
        ('inject_seed="no"', "*inject_seed*'no'*"),
    ],
)
def test_bad_marker_is_a_usage_error_naming_test_and_keyword(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    module = pytester.makepyfile(
        test_marked=f"import pytest\n\n@pytest.mark.llmseed({marker})\n{NO_NETWORK_TEST}"
    )
    result = pytester.runpytest(module)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_marked.py::test_x*"])
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()
    result.assert_outcomes()


def test_bad_module_level_marker_names_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_module_mark=f"import pytest\n\npytestmark = pytest.mark.llmseed(sead=1)\n\n"
        f"{NO_NETWORK_TEST}"
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_module_mark.py::test_x*unknown keyword 'sead'*"])


def test_good_marker_keywords_are_accepted(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n"
        '@pytest.mark.llmseed(seed=7, inject_seed=False, compare="fuzzy:0.8", '
        'record_mode="once", cassette="shared.yaml")\n'
        f"{NO_NETWORK_TEST}"
    )
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=1)


def test_bad_marker_under_xdist_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marked="import pytest\n\n@pytest.mark.llmseed(sead=1)\n"
        f"{NO_NETWORK_TEST}\n\ndef test_y() -> None:\n    pass\n"
    )
    result = pytester.runpytest("-n", "2")
    output = result.stdout.str() + result.stderr.str()
    assert result.ret not in (pytest.ExitCode.OK, pytest.ExitCode.INTERNAL_ERROR)
    assert "INTERNALERROR" not in output
    assert "test_marked.py::test_x" in output
    assert "unknown keyword 'sead'" in output
