"""GoldenText, what the golden extension serializes to: compared as data, written on demand.

The extension's ``serialize`` gives a ``GoldenText``: the golden document, its YAML made
only when asked for. A stored golden is compared with it as data; the text is written only
for a mismatch, a new golden or an update. What matches, and what a mismatch shows, is as
when the text was always written first.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_llmseed import context
from pytest_llmseed.config.settings import Layer, resolve
from pytest_llmseed.config.values import parse_profile
from pytest_llmseed.files import yamldump
from pytest_llmseed.goldens.extension import LLMSnapshotExtension
from pytest_llmseed.goldens.fileformat import GoldenText, dump_golden, load_golden
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.redaction.credentials import Credentials

KEY = "sk-test-golden-0123456789abcdef"


def answer(content: str, fingerprint: str = "fp_1") -> dict[str, Any]:
    """Data a test may snapshot (``kind: data``)."""
    return {"content": content, "fingerprint": fingerprint}


def extension(profile: str = "exact") -> LLMSnapshotExtension:
    return LLMSnapshotExtension.with_profile(parse_profile(profile))()


def test_a_stored_golden_that_matches_is_compared_without_writing_the_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = dump_golden(extension().serialize(answer("same")).document)
    received = extension().serialize(answer("same"))
    assert isinstance(received, GoldenText)
    dumps: list[object] = []
    dump = yamldump.dump
    monkeypatch.setattr(yamldump, "dump", lambda data: dumps.append(data) or dump(data))
    assert extension().matches(serialized_data=received, snapshot_data=stored)
    assert dumps == []  # compared as data: no YAML written
    assert str(received) == stored  # and when it is asked for, it is the stored text
    assert len(dumps) == 1
    assert received == stored


def test_formatting_of_the_stored_file_does_not_matter_content_does() -> None:
    stored = dump_golden(extension().serialize(answer("same")).document)
    reformatted = stored.replace("llmseed_golden: 1", "llmseed_golden: 1  # edited by hand")
    assert reformatted != stored
    assert extension().matches(
        serialized_data=extension().serialize(answer("same")), snapshot_data=reformatted
    )
    changed = extension().serialize(answer("different"))
    assert not extension().matches(serialized_data=changed, snapshot_data=stored)
    assert "different" in str(changed)  # the pending change's text


def test_profiles_decide() -> None:
    stored = dump_golden(extension().serialize("Hello,   world!").document)
    spaced = extension("normalized").serialize("Hello, world!")
    assert extension("normalized").matches(serialized_data=spaced, snapshot_data=stored)
    assert not extension("exact").matches(
        serialized_data=extension().serialize("Hello, world!"), snapshot_data=stored
    )


@pytest.mark.parametrize(
    "stored",
    [
        "not: [valid",  # not YAML
        "just: data\n",  # not a golden
        "llmseed_golden: 99\nkind: text\noutput: x\n",  # from a newer pytest-llmseed
    ],
)
def test_a_stored_file_that_is_not_a_readable_golden_never_matches(stored: str) -> None:
    assert not extension().matches(serialized_data=extension().serialize("x"), snapshot_data=stored)


def test_a_key_in_the_document_is_redacted() -> None:
    with_key = extension()
    settings = resolve(cli=Layer(), marker=Layer(), ini=Layer())
    with_key.context = context.TestContext("test_key", settings, Credentials([KEY]))
    golden = with_key.serialize({"prompt": f"my key is {KEY}", "n": 1})
    assert KEY not in str(golden)
    assert scrub.REDACTED in str(golden)
    assert load_golden(str(golden))["output"]["n"] == 1


def test_equality_is_by_text() -> None:
    golden = GoldenText(extension().serialize("x").document)
    assert golden == str(golden)
    assert golden == GoldenText(golden.document)
    assert golden != 3
    assert repr(golden) == repr(str(golden))


def test_a_matched_golden_reads_back_as_the_same_document() -> None:
    # syrupy keeps every assertion's serialized data until the session ends; however a
    # matched golden is held meanwhile, asked for again it is the same document, keys in
    # the same order, and the same text.
    data = {"messages": [{"role": "user", "content": "hi"}], "n": 1, "flags": [True, None]}
    stored = dump_golden(extension().serialize(data).document)
    received = extension().serialize(data)
    before = received.document
    assert extension().matches(serialized_data=received, snapshot_data=stored)
    assert received.document == before
    assert list(received.document["output"]) == list(before["output"])
    assert str(received) == stored


def test_a_golden_that_does_not_match_keeps_its_document() -> None:
    stored = dump_golden(extension().serialize(answer("old")).document)
    received = extension().serialize(answer("new"))
    assert not extension().matches(serialized_data=received, snapshot_data=stored)
    assert received.document["output"] == answer("new")  # the pending change and triage read it
    assert "new" in str(received)


class Label(str):
    """A str subclass: a value marshal refuses."""


def test_a_document_marshal_cannot_pack_is_kept_as_it_is() -> None:
    document = {"llmseed_golden": 1, "kind": "data", "output": [Label("x")]}
    golden = GoldenText(document)
    golden.settle()
    assert golden.document is document
    assert type(golden.document["output"][0]) is Label
