"""Guarantee: every option, ini key and marker keyword with a wrong value stops the run at
start-up with a usage error that names it, before any test runs and without a traceback.
"""

from __future__ import annotations

import re

import pytest

PASSING_TEST = "def test_x():\n    pass\n"
A_FILE, A_DIR = "a_file.txt", "a_dir"

# option: wrong values (paths are relative to the test directory, which has A_FILE and A_DIR)
COMMAND_LINE = {
    "--llmseed-seed": ["abc", "-1", str(2**63), "1.5", ""],
    "--llmseed-record-mode": ["sometimes", "NONE", ""],
    "--llmseed-compare": ["bogus", "fuzzy:2", "fuzzy:abc", "fuzzy:0", "json:0.5"],
    "--llmseed-cassette-dir": [A_FILE, f"{A_FILE}/cassettes"],
    "--llmseed-report": [A_DIR, f"{A_FILE}/report.json"],
    "--llmseed-html": [A_DIR, f"{A_FILE}/diff.html"],
    "--llmseed-pending-dir": [A_FILE, f"{A_FILE}/pending"],
    "--llmseed-probe": ["1", "-3", "two", "2.5", ""],
    "--llmseed-fail-on": ["cosmetic", "ANY", ""],
    "--llmseed-swap-model": ["nonsense", "a=", "=b"],
}
INI = {
    "llmseed_seed": ["x", "-5", "1e3"],
    "llmseed_record_mode": ["bad"],
    "llmseed_compare": ["nope", "fuzzy:1.5"],
    "llmseed_cassette_dir": [A_FILE],
    "llmseed_report": [A_DIR],
    "llmseed_html": [A_DIR],
    "llmseed_pending_dir": [A_FILE],
    "llmseed_volatile": ["nope", "re:(", "re:x*"],
    "llmseed_secret_patterns": ["(", "x*"],
    "llmseed_secret_headers": ["a b", "x:y"],
    "llmseed_probe": ["1", "x"],
    "llmseed_fail_on": ["some", "Breaking"],
    "llmseed_match_on": ["hostname", "url"],
    "llmseed_record_hosts": ["http://gateway.example/v1", "a b"],
    "llmseed_swap_model": ["nonsense", "a="],
}
MARKER = {
    "seed": ['"x"', "True", "-1", str(2**63), "1.5"],
    "inject_seed": ['"no"', "1"],
    "compare": ['"bad"', "5"],
    "record_mode": ['"bad"', "1"],
    "cassette": ['""', "5", f'"{A_DIR}"'],
    "volatile": ['"uuid"', '["bogus"]', '["re:("]', "5"],
    "match_on": ['"path"', '["url"]', "[]"],
}


def cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, values in table.items() for value in values]


def shown(value: str) -> str:
    """The part of a wrong value the message must quote (the bad part of a profile)."""
    name, _, argument = value.partition(":")
    return value if not argument else argument if name == "fuzzy" else name


def check_usage_error(result: pytest.RunResult, *names: str) -> None:
    output = result.stdout.str() + "\n" + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, output
    for name in names:
        assert name in output, f"{name!r} not named in:\n{output}"
    assert "Traceback" not in output
    assert "INTERNALERROR" not in output
    assert " passed" not in output  # nothing ran


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_ok=PASSING_TEST)
    (pytester.path / A_FILE).write_text("not a directory\n")
    (pytester.path / A_DIR).mkdir()
    return pytester


@pytest.mark.parametrize(("option", "value"), cases(COMMAND_LINE))
def test_bad_command_line_value(project: pytest.Pytester, option: str, value: str) -> None:
    result = project.runpytest(f"{option}={value}")
    check_usage_error(result, option, shown(value))


@pytest.mark.parametrize(("key", "value"), cases(INI))
def test_bad_ini_value(project: pytest.Pytester, key: str, value: str) -> None:
    ini = project.makeini(f"[pytest]\n{key} = {value}\n")
    result = project.runpytest()
    check_usage_error(result, key, shown(value), str(ini))


@pytest.mark.parametrize(("keyword", "value"), [*cases(MARKER), ("sead", "1"), ("", "7")])
def test_bad_marker_keyword(project: pytest.Pytester, keyword: str, value: str) -> None:
    argument = f"{keyword}={value}" if keyword else value  # "" is a positional argument
    project.makepyfile(
        test_marked=f"import pytest\n\n@pytest.mark.llmseed({argument})\n{PASSING_TEST}"
    )
    result = project.runpytest("test_marked.py")
    named = keyword or "keyword arguments only"
    check_usage_error(result, "test_marked.py::test_x", named)


@pytest.mark.parametrize(
    "module",
    [
        'import pytest\n\npytestmark = pytest.mark.llmseed(seed="x")\n\n' + PASSING_TEST,
        'import pytest\n\n@pytest.mark.llmseed(seed="x")\nclass TestGroup:\n'
        "    def test_x(self):\n        pass\n",
    ],
    ids=["module", "class"],
)
def test_bad_marker_on_a_module_or_class(project: pytest.Pytester, module: str) -> None:
    """Found through the test's parents, also when the test does not use seeded_llm."""
    project.makepyfile(test_marked=module)
    result = project.runpytest("test_marked.py")
    check_usage_error(result, "test_marked.py::", "seed")


def test_every_option_and_ini_key_is_covered(pytester: pytest.Pytester) -> None:
    """A new option or ini key must get its wrong values above."""
    help_text = pytester.runpytest("--help").stdout.str()
    options = {word.split("=")[0] for word in help_text.split() if word.startswith("--llmseed-")}
    assert options == set(COMMAND_LINE)
    keys = set(re.findall(r"^ +(llmseed_\w+) \(", help_text, re.MULTILINE))
    assert keys == set(INI)
