"""review/binding.py: the golden and cassette files a node id names, as the plugin names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmseed.review.binding import files_of, root_of, split_nodeid


@pytest.mark.parametrize(
    ("nodeid", "stem", "cassette"),
    [
        ("tests/test_app.py::test_summary", "test_summary", "test_summary"),
        ("tests/test_app.py::test_x[a-b]", "test_x[a-b]", "test_x[a-b]"),
        ("tests/test_app.py::TestA::test_x[p]", "TestA.test_x[p]", "TestA.test_x[p]"),
        # syrupy names a golden after every class around the test, the cassette the innermost.
        ("tests/test_app.py::TestA::TestB::test_x", "TestA.TestB.test_x", "TestB.test_x"),
        # Characters syrupy drops from a file name are dropped from both.
        ('tests/test_app.py::test_x[a/b:"c"]', "test_x[abc]", "test_x[abc]"),
    ],
)
def test_a_node_id_names_its_golden_and_cassette(nodeid: str, stem: str, cassette: str) -> None:
    root = Path("/project")
    found = files_of(nodeid, root, [Path("/project/recordings")])
    assert found.golden == root / "tests/__snapshots__/test_app" / f"{stem}.llm.yaml"
    assert found.cassettes[0] == root / "tests/cassettes/test_app" / f"{cassette}.yaml"
    assert Path(f"/project/recordings/test_app/{cassette}.yaml") in found.cassettes


def test_a_test_owns_its_further_assertions_and_nothing_else(tmp_path: Path) -> None:
    found = files_of("test_app.py::test_x", tmp_path, [])
    folder = tmp_path / "__snapshots__" / "test_app"
    assert found.owns_golden(folder / "test_x.llm.yaml")
    assert found.owns_golden(folder / "test_x.1.llm.yaml")
    assert found.owns_golden(folder / "test_x.named.llm.yaml")
    assert not found.owns_golden(folder / "test_x_other.llm.yaml")
    assert not found.owns_golden(folder / "test_x[p].llm.yaml")
    assert not found.owns_golden(tmp_path / "__snapshots__" / "test_b" / "test_x.llm.yaml")
    assert not found.owns_golden(folder / "test_x.yaml")
    assert found.owns_cassette(tmp_path / "cassettes" / "test_app" / "test_x.yaml")
    assert not found.owns_cassette(tmp_path / "cassettes" / "test_app" / "test_y.yaml")


@pytest.mark.parametrize(
    "nodeid", ["", "test_app.py", "test_app.txt::test_x", "a.py::", "a.py::::x"]
)
def test_what_is_not_a_node_id_is_refused(nodeid: str) -> None:
    with pytest.raises(ValueError, match="is not a test's node id"):
        split_nodeid(nodeid)


def test_the_root_is_found_from_the_golden() -> None:
    golden = Path("/p/tests/unit/__snapshots__/test_app/test_x.llm.yaml")
    assert root_of("tests/unit/test_app.py::test_x", golden) == Path("/p")
    assert root_of("unit/test_app.py::test_x", golden) == Path("/p/tests")
    assert root_of("other/test_app.py::test_x", golden) is None
    assert root_of("tests/unit/test_b.py::test_x", golden) is None
