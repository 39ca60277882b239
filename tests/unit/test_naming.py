"""Cassette names: the golden's stem (syrupy's cleaning), the earlier name still found."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmseed.cassettes.naming import cassette_name, cassette_path, legacy_cassette_name


@pytest.mark.parametrize(
    ("test_name", "expected"),
    [
        ("test_x", "test_x"),
        ("test_param[\\xfcn\\xefc\\xf6d\\xe9]", "test_param[xfcnxefcxf6dxe9]"),
        ("test_param[a/b]", "test_param[ab]"),
        ('test_param[x: "y"?*|<>]', "test_param[x y]"),
        ("test_param[it's 50%]", "test_param[it's 50%]"),
        ("test_param[tab\there\u200b]", "test_param[tabhere]"),
    ],
)
def test_cassette_name_is_syrupys_golden_stem(test_name: str, expected: str) -> None:
    assert cassette_name(None, test_name) == expected


def test_class_name_and_long_ids() -> None:
    assert cassette_name("TestGroup", "test_m[1]") == "TestGroup.test_m[1]"
    long_a, long_b = "test_x[" + "a" * 300 + "]", "test_x[" + "a" * 299 + "b]"
    assert len(cassette_name(None, long_a)) == 246
    assert cassette_name(None, long_a) != cassette_name(None, long_b)
    assert cassette_name(None, "test_x[" + "a" * 238 + "]") == "test_x[" + "a" * 238 + "]"


def test_the_earlier_name_is_found_until_a_cassette_has_the_new_one(tmp_path: Path) -> None:
    test_file = tmp_path / "test_m.py"
    name = "test_param[\\xfc]"
    assert legacy_cassette_name(None, name) == "test_param[-xfc]"
    new = tmp_path / "cassettes" / "test_m" / "test_param[xfc].yaml"
    assert cassette_path(test_file, None, name, None) == new
    old = new.with_name("test_param[-xfc].yaml")
    old.parent.mkdir(parents=True)
    old.write_text("interactions: []\n")
    assert cassette_path(test_file, None, name, None) == old
    new.write_text("interactions: []\n")
    assert cassette_path(test_file, None, name, None) == new
    assert cassette_path(test_file, None, name, tmp_path / "elsewhere") == (
        tmp_path / "elsewhere" / "test_m" / "test_param[xfc].yaml"
    )
