"""Behaviour kept by the speed work on YAML writing and the transport layer (issue: speed).

- ``yamldump.dump`` builds nodes for plain dicts, lists and strings directly and no longer
  tracks aliases: a value used twice is written twice (no ``&id001`` anchors); everything
  else is byte-for-byte what the previous dump wrote.
- ``Interceptor.observe`` skips re-decoding a body that has no ``content-encoding``; encoded
  bodies are still decoded the way the client decodes them.
- ``Interceptor.outgoing`` looks up the credential headers directly instead of decoding all.
- ``yamlio.load`` builds plain documents itself from libyaml's node tree and gives what
  PyYAML's safe loader gives, errors included; other tags go to the full loader.
"""

from __future__ import annotations

import gc
import gzip
import json
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmseed.config.settings import Layer, resolve
from pytest_llmseed.context import TestContext
from pytest_llmseed.files import yamldump, yamlio
from pytest_llmseed.interception.intercept import Interceptor
from pytest_llmseed.redaction.credentials import Credentials

# httpx2 is openai 3.x's HTTP library; under openai 1.x/2.x (CI's `-m sdk` run) it may
# be absent, and these tests are not SDK-facing.
httpx2 = pytest.importorskip("httpx2", reason="httpx2 is not installed (openai < 3)")

# --- the previous dump, as the reference ---------------------------------------------------


def _previous_represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if any(c in value for c in ("\x85", "\u2028", "\u2029")):
        style: str | None = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _PreviousFast(yaml.CSafeDumper):
    pass


class _PreviousPure(yaml.SafeDumper):
    pass


_PreviousFast.add_representer(str, _previous_represent_str)
_PreviousPure.add_representer(str, _previous_represent_str)


def previous_dump(data: Any) -> str:
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 4096}
    text: str = yaml.dump(data, Dumper=_PreviousFast, **options)
    if "\\U" in text:
        text = yaml.dump(data, Dumper=_PreviousPure, **options)
    return text


def test_dump_writes_a_shared_value_twice_without_anchors() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 5}
    text = yamldump.dump({"a": usage, "b": [usage, usage]})
    assert "&" not in text
    assert "*" not in text
    assert yaml.safe_load(text) == {"a": usage, "b": [usage, usage]}
    # The previous dump wrote anchors; both read back the same.
    assert "&id001" in previous_dump({"a": usage, "b": [usage, usage]})


def test_dump_is_otherwise_unchanged() -> None:
    document: dict[str, Any] = {
        "llmseed_golden": 1,
        "kind": "answer",
        "request": {"messages": [{"content": "Say 'hi'\nplease", "role": "user"}], "n": 1},
        "output": [{"finish_reason": "stop", "content": "yes\nno: maybe\n", "parsed": None}],
        "meta": {"usage": {"total": 1.5, "flag": True}, "seed": 1234, "empty": [], "map": {}},
        "odd": ["null", "1.0", " lead", "trail ", "#x", "a\x85b", "日本語", "😀\nblock"],
        "tuple": (1, "two"),
    }
    assert yamldump.dump(document) == previous_dump(document)


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
def test_dump_writes_the_bytes_the_previous_dump_wrote(document: Any) -> None:
    assert yamldump.dump(document) == previous_dump(document)


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


def _interceptor() -> Interceptor:
    settings = resolve(cli=Layer(seed=7), marker=Layer(), ini=Layer())
    return Interceptor(TestContext("test_intercept", settings, Credentials([])))


def _request() -> httpx2.Request:
    body = json.dumps({"model": "m", "messages": []}).encode()
    return httpx2.Request(
        "POST",
        "http://127.0.0.1:9/v1/chat/completions?api-key=query-secret-123",
        headers={
            "Authorization": "Bearer sk-test-header-0123456789",
            "Api-Key": "azure-secret-123",
            "content-type": "application/json",
        },
        content=body,
    )


def test_outgoing_notes_credentials_and_injects_the_seed() -> None:
    interceptor = _interceptor()
    prepared, _ = interceptor.outgoing(_request())
    assert json.loads(prepared.content)["seed"] == 7
    assert prepared.headers["content-length"] == str(len(prepared.content))
    assert set(interceptor.credentials.all()) == {
        "sk-test-header-0123456789",
        "azure-secret-123",
        "query-secret-123",
    }


def test_observe_reads_plain_and_gzip_bodies_alike() -> None:
    answer = {"id": "chatcmpl-1", "object": "chat.completion", "choices": []}
    raw = json.dumps(answer).encode()
    plain = httpx2.Response(
        200, headers={"content-type": "application/json"}, stream=httpx2.ByteStream(raw)
    )
    zipped = httpx2.Response(
        200,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
        stream=httpx2.ByteStream(gzip.compress(raw)),
    )
    interceptor = _interceptor()
    request, _ = interceptor.outgoing(_request())
    interceptor.observe(request, plain)
    interceptor.observe(request, zipped)
    calls = interceptor.context.log.calls
    assert [call.response for call in calls] == [answer, answer]
    assert calls[0].request["seed"] == 7


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
