"""YAML as the plugin writes and reads it.

- ``yamldump.dump`` writes block YAML that reads back as the document: multi-line strings
  as literal blocks, a value used twice written twice (no ``&id001`` anchors), keys in
  the document's order, the rest as PyYAML writes it.
- ``yamlio.load`` gives what PyYAML's safe loader gives, errors included; other tags go
  to the full loader; the garbage collector's setting is left as it was.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmseed.files import yamldump, yamlio


def test_dump_writes_a_shared_value_twice_without_anchors() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 5}
    text = yamldump.dump({"a": usage, "b": [usage, usage]})
    assert "&" not in text
    assert "*" not in text
    assert yaml.safe_load(text) == {"a": usage, "b": [usage, usage]}


def test_dump_writes_a_golden_as_shown() -> None:
    document: dict[str, Any] = {
        "llmseed_golden": 1,
        "kind": "answer",
        "request": {"messages": [{"content": "Say 'hi'\nplease", "role": "user"}], "n": 1},
        "output": [{"finish_reason": "stop", "content": "yes\nno: maybe\n", "parsed": None}],
        "meta": {"usage": {"total": 1.5, "flag": True}, "seed": 1234, "empty": [], "map": {}},
        "odd": ["null", "1.0", " lead", "trail ", "#x", "a\x85b", "日本語", "😀\nblock"],
        "tuple": (1, "two"),
    }
    assert yamldump.dump(document) == (
        "llmseed_golden: 1\nkind: answer\nrequest:\n  messages:\n  - content: |-\n"
        "      Say 'hi'\n      please\n    role: user\n  n: 1\noutput:\n"
        "- finish_reason: stop\n  content: |\n    yes\n    no: maybe\n  parsed: null\n"
        "meta:\n  usage:\n    total: 1.5\n    flag: true\n  seed: 1234\n  empty: []\n"
        "  map: {}\nodd:\n- 'null'\n- '1.0'\n- ' lead'\n- 'trail '\n- '#x'\n"
        '- "a\\Nb"\n- 日本語\n- |-\n  😀\n  block\ntuple:\n- 1\n- two\n'
    )


def _plain(value: Any) -> Any:
    """What YAML reads back of a value: tuples as lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(st.sampled_from("ab: #'\"\n\t\r\x85\u2028é😀-?"), max_size=12),
)
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(st.sampled_from("ab:- "), max_size=4), inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_documents)
def test_dump_reads_back_as_the_document_in_its_own_order(document: Any) -> None:
    text = yamldump.dump(document)
    assert yaml.safe_load(text) == _plain(document)
    assert yamldump.dump(yaml.safe_load(text)) == text  # key order kept, nothing drifts
    for line in text.splitlines():
        assert not line.lstrip("- ").startswith(("&", "*"))  # no anchors or aliases


def _safe_load(text: str) -> Any:
    """PyYAML's answer: the value, or the error's type, message and position."""
    try:
        return ("value", yaml.load(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError as exc:
        return ("error", type(exc), str(exc))


def _quick_load(text: str) -> Any:
    try:
        return ("value", yamlio.load(text))
    except yaml.YAMLError as exc:
        return ("error", type(exc), str(exc))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_documents, st.booleans())
def test_load_gives_what_the_safe_loader_gives(document: Any, flow: bool) -> None:
    for text in (
        yamldump.dump(document),
        yaml.safe_dump(document, default_flow_style=flow, allow_unicode=flow),
    ):
        assert _quick_load(text) == _safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 012",  # YAML 1.1 octal
        "a: 0x1F",
        "a: -3",
        "a: 1_000",
        "a: 190:20:30",  # sexagesimal
        "a: 3.5e3",
        "a: .inf",
        "a: [yes, No, off, ~, null, '']",
        "a: 0",
        "a: ¹",  # a digit to str.isdigit, not to YAML
        "a: !!binary aGk=",  # left to the full loader
        "a: 2026-11-26",
        "a: !!str 12",
        "a: !!int '12'",
        "<<: {a: 1}\nb: 2",
        "? [1]\n: 2",  # unhashable key
        "a: !!python/object/apply:os.system [echo]",  # refused, never run
        "a: [unclosed",
        "a: b\n c: d: e",
        "",
        "# only a comment",
        "- |\n  block\n  text\n- >\n  folded\n  text",
    ],
)
def test_load_matches_the_safe_loader_on_edge_cases(text: str) -> None:
    quick, safe = _quick_load(text), _safe_load(text)
    assert quick == safe


def test_load_hands_other_tags_to_the_loader_given() -> None:
    seen: list[str] = []

    def full(text: str) -> Any:
        seen.append(text)
        return "from the full loader"

    assert yamlio.load("a: !!binary aGk=", full=full) == "from the full loader"
    assert yamlio.load("a: 1", full=full) == {"a": 1}
    assert seen == ["a: !!binary aGk="]


@pytest.mark.parametrize("enabled", [True, False])
def test_a_load_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    # The quick load pauses collection while it composes; the caller's setting comes back,
    # after a load, after a syntax error and after a document left to the full loader.
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert yamlio.load("a: [1, 2]\nb: text\n") == {"a": [1, 2], "b": "text"}
        assert gc.isenabled() is enabled
        with pytest.raises(yaml.YAMLError):
            yamlio.load("a: [1, 2\n")
        assert gc.isenabled() is enabled
        assert yamlio.load("a: !!binary aGk=") == {"a": b"hi"}
        assert gc.isenabled() is enabled
        with pytest.raises(yamlio.RefusedYAML):
            yamlio.load("a: &x [1]\nb: *x\n")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
