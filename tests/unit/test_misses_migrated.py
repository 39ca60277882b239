"""Unit tests of a miss in a migrated suite's cassette: the nearest recorded request is on the
same endpoint before any other, and a body-only miss in another tool's cassette names the
``llmseed_match_on`` lines that replay it as it is."""

from __future__ import annotations

import json
from pathlib import Path

from vcr.cassette import Cassette
from vcr.request import Request

from pytest_llmseed.cassettes.misses import foreign_cassette_hint, nearest_recorded, written_by_us
from pytest_llmseed.cassettes.storage import HEADER
from pytest_llmseed.config.values import NO_VOLATILE

URL = "https://api.openai.com/v1/chat/completions"
MATCH_ON = ("method", "path", "query", "body")


def chat(**body: object) -> Request:
    return Request("POST", URL, json.dumps(body), {"content-type": "application/json"})


def test_the_same_endpoint_is_nearer_than_another_however_much_the_body_changed(
    tmp_path: Path,
) -> None:
    cassette = Cassette(str(tmp_path / "c.yaml"))
    recorded = chat(model="gpt-4o", messages=[{"role": "user", "content": "a"}], stream=True)
    cassette.append(recorded, {"status": {"code": 200}})
    # The test's own server, recorded beside it by pytest-recording (no body, another path).
    cassette.append(Request("GET", "http://localhost/progress.json", "", {}), {})
    live = chat(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "b"}, {"role": "user", "content": "a"}],
        stream=True,
        seed=1234,
    )
    nearest = nearest_recorded(cassette, live, MATCH_ON, 1234, NO_VOLATILE)
    assert nearest is not None
    index, found, failures = nearest
    assert (index, failures) == (0, ["body"])
    assert found is cassette.requests[0]


def test_only_a_file_with_our_header_counts_as_written_by_the_plugin(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.yaml", tmp_path / "theirs.yaml"
    ours.write_text(HEADER + "interactions: []\nversion: 1\n")
    theirs.write_text("interactions: []\nversion: 1\n")
    assert written_by_us(ours)
    assert not written_by_us(theirs)
    assert written_by_us(tmp_path / "missing.yaml")


def test_the_hint_keeps_the_match_on_in_use_without_the_body() -> None:
    assert foreign_cassette_hint(MATCH_ON)[-3:] == ["      method", "      path", "      query"]
    hint = foreign_cassette_hint(("host", "path", "body"))
    assert hint[-3:] == ["  llmseed_match_on =", "      host", "      path"]
