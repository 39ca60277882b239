"""Unit tests of the golden file format: ``snapshots.dump_golden`` / ``load_golden``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_llmseed.errors import GoldenFileError
from pytest_llmseed.goldens.documents import FORMAT_VERSION
from pytest_llmseed.goldens.fileformat import dump_golden, load_golden


def text_doc(text: str) -> dict[str, Any]:
    return {"llmseed_golden": 1, "kind": "text", "output": text}


def answer_doc(content: str) -> dict[str, Any]:
    return {
        "llmseed_golden": 1,
        "kind": "answer",
        "endpoint": "chat.completions",
        "request": {"messages": [{"content": "Write two lines.", "role": "user"}], "model": "m"},
        "output": [{"finish_reason": "stop", "content": content}],
        "meta": {"model": "m-2024", "seed": 1234},
    }


# --- dump_golden ---------------------------------------------------------------------------


def test_golden_starts_with_header_comment_lines() -> None:
    text = dump_golden(text_doc("hi"))
    lines = text.splitlines()
    assert lines[0].startswith("# pytest-llmseed golden")
    assert lines[1].startswith("# ")
    assert "--snapshot-update" in text
    assert lines[2] == "llmseed_golden: 1"
    assert text.endswith("\n")


def test_golden_keeps_document_key_order() -> None:
    text = dump_golden(answer_doc("x"))
    body = [line for line in text.splitlines() if not line.startswith(("#", " ", "-"))]
    assert [line.split(":")[0] for line in body] == [
        "llmseed_golden",
        "kind",
        "endpoint",
        "request",
        "output",
        "meta",
    ]


def test_multi_line_text_is_a_block() -> None:
    content = "First line.\nSecond line: with a colon.\n"
    text = dump_golden(answer_doc(content))
    assert "content: |\n" in text
    assert "    First line.\n    Second line: with a colon.\n" in text
    assert "\\n" not in text
    assert load_golden(text) == answer_doc(content)


def test_multi_line_text_without_final_newline_is_a_block() -> None:
    text = dump_golden(text_doc("one\ntwo"))
    assert "output: |-\n  one\n  two\n" in text
    assert load_golden(text)["output"] == "one\ntwo"


def test_emoji_in_multi_line_text_stays_a_block_and_unescaped() -> None:
    content = "Spring rain 🌧️\ncherry blossoms 🌸 fall\nGrüße — “quoted”\n"
    text = dump_golden(text_doc(content))
    assert "output: |\n" in text
    assert "🌸" in text
    assert "🌧️" in text
    assert "“quoted”" in text
    assert "\\U" not in text
    assert "\\u" not in text
    assert load_golden(text) == text_doc(content)


def test_emoji_in_one_line_text_is_unescaped() -> None:
    text = dump_golden(text_doc("ok 👍"))
    assert "output: ok 👍\n" in text
    assert load_golden(text) == text_doc("ok 👍")


@pytest.mark.parametrize(
    "content",
    [
        "line with trailing space \nnext line\n",
        "trailing spaces   \n   \nend",
        "\ttab start\nend\t\n",
        "ends with blank lines\n\n\n",
        "  indented first line\nsecond\n",
        "a\r\nwindows line\r\n",
    ],
    ids=["trailing-space", "space-only-line", "tabs", "blank-tail", "indented", "crlf"],
)
def test_awkward_multi_line_text_round_trips_exactly(content: str) -> None:
    doc = answer_doc(content)
    assert load_golden(dump_golden(doc)) == doc


def test_nested_data_round_trips() -> None:
    doc = {
        "llmseed_golden": 1,
        "kind": "data",
        "output": {"n": 1, "f": 0.5, "b": True, "none": None, "list": [1, "two", {"x": []}]},
    }
    assert load_golden(dump_golden(doc)) == doc


@pytest.mark.parametrize("value", ["yes", "no", "null", "1.0", "0x10", "2024-01-01", "~", ""])
def test_strings_that_look_like_other_yaml_types_stay_strings(value: str) -> None:
    doc = text_doc(value)
    assert load_golden(dump_golden(doc)) == doc


# --- load_golden errors --------------------------------------------------------------------


def test_invalid_yaml_is_an_error_naming_the_line() -> None:
    text = "llmseed_golden: 1\nkind: text\noutput: [unclosed\nmore: 1\n"
    with pytest.raises(GoldenFileError, match=r"not valid YAML at line \d+") as info:
        load_golden(text)
    line = int(str(info.value).rsplit("line ", 1)[1].split()[0].rstrip(".:"))
    assert 3 <= line <= 5


def test_invalid_yaml_error_line_points_at_the_problem() -> None:
    text = '# header\nllmseed_golden: 1\nkind: text\noutput: "bad\n  x: "y\n'
    with pytest.raises(GoldenFileError, match="at line 5"):
        load_golden(text)


@pytest.mark.parametrize(
    "text",
    ["kind: text\noutput: hello\n", "- a list\n", "just a string\n", ""],
    ids=["mapping-without-marker", "list", "scalar", "empty"],
)
def test_non_golden_yaml_is_an_error(text: str) -> None:
    with pytest.raises(GoldenFileError, match="not a pytest-llmseed golden"):
        load_golden(text)


def test_newer_format_version_says_to_upgrade() -> None:
    text = f"llmseed_golden: {FORMAT_VERSION + 1}\nkind: text\noutput: hi\n"
    with pytest.raises(GoldenFileError, match="upgrade pytest-llmseed") as info:
        load_golden(text)
    assert f"format version {FORMAT_VERSION + 1}" in str(info.value)


def test_non_integer_format_version_is_an_error() -> None:
    with pytest.raises(GoldenFileError, match="format version"):
        load_golden("llmseed_golden: two\nkind: text\noutput: hi\n")


def test_golden_file_error_is_a_value_error() -> None:
    assert issubclass(GoldenFileError, ValueError)


# --- round-trip property -------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_round_trips_exactly(text: str) -> None:
    doc = text_doc(text)
    assert load_golden(dump_golden(doc)) == doc


# Only characters YAML treats specially (line breaks incl. NEL and U+2028/9, indentation,
# quoting, escapes, a BOM, a character beyond the BMP), so awkward combinations are tried often.
_AWKWARD = st.sampled_from(
    [
        *("\n", "\r", " ", "\t", "\x85", "\u2028", "\u2029", "\ufeff", "\x00", "😀", "é"),
        *(":", "#", "'", '"', "|", "-", "\\"),
    ]
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_AWKWARD))
def test_text_with_yaml_special_characters_round_trips_exactly(text: str) -> None:
    doc = text_doc(text)
    assert load_golden(dump_golden(doc)) == doc


@pytest.mark.parametrize(
    "text",
    ["\x85😀", "line\n\x85next 😀\n", "\u2028\u2029😀", "\x00\x1b[0m😀\n"],
    ids=["nel-emoji", "nel-block-emoji", "unicode-separators-emoji", "controls-emoji"],
)
def test_line_break_characters_next_to_emoji_round_trip(text: str) -> None:
    doc = text_doc(text)
    assert load_golden(dump_golden(doc)) == doc
