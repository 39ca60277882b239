"""Unit tests of ``pytest_llmseed.providers.openai``: which requests take a seed, and the splice."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmseed.providers.openai import inject_seed, takes_seed

SEED = 1234


@pytest.mark.parametrize(
    "path",
    [
        "/v1/chat/completions",
        "/v1/completions",
        "/openai/deployments/x/chat/completions",
        "/v1/chat/completions/",
        "/proxy/prefix/v1/chat/completions",
    ],
)
def test_completion_endpoints_take_a_seed(path: str) -> None:
    assert takes_seed("POST", path) is True


def test_method_is_compared_case_insensitively() -> None:
    assert takes_seed("post", "/v1/chat/completions") is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/responses"),
        ("GET", "/v1/chat/completions"),
        ("GET", "/v1/completions"),
        ("POST", "/v1/chat/completions/abc"),
        ("DELETE", "/v1/chat/completions/abc"),
        ("POST", "/v1/embeddings"),
        ("POST", "/v1/models"),
    ],
)
def test_other_requests_take_no_seed(method: str, path: str) -> None:
    assert takes_seed(method, path) is False


def test_seed_is_added_to_a_compact_body() -> None:
    body = b'{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}'
    result = inject_seed(body, SEED)
    assert result == b'{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"seed":1234}'


def test_only_the_closing_brace_is_touched() -> None:
    # Unusual but valid spacing and key order must survive byte for byte.
    body = b'{ "b" : 2,  "a":[1, 2 ,3], "c": "x}y" }'
    result = inject_seed(body, SEED)
    assert result is not None
    prefix = b'{ "b" : 2,  "a":[1, 2 ,3], "c": "x}y"'
    assert result.startswith(prefix)
    assert result[len(prefix) :] == b',"seed":1234}'


def test_empty_object_gets_no_leading_comma() -> None:
    assert inject_seed(b"{}", SEED) == b'{"seed":1234}'
    assert inject_seed(b"{ \n }", 7) == b'{"seed":7}'


def test_seed_zero_and_largest_seed_are_written_as_integers() -> None:
    assert json.loads(inject_seed(b'{"a":1}', 0) or b"null") == {"a": 1, "seed": 0}
    big = 2**63 - 1
    assert json.loads(inject_seed(b'{"a":1}', big) or b"null") == {"a": 1, "seed": big}


@pytest.mark.parametrize("existing", [b"42", b"null", b'"7"', b"0"])
def test_a_seed_the_caller_set_is_kept(existing: bytes) -> None:
    body = b'{"model":"m","seed":' + existing + b"}"
    assert inject_seed(body, SEED) is None


def test_a_nested_seed_key_does_not_count_as_the_callers_seed() -> None:
    body = b'{"metadata":{"seed":"5"}}'
    result = inject_seed(body, SEED)
    assert result is not None
    assert json.loads(result) == {"metadata": {"seed": "5"}, "seed": SEED}


@pytest.mark.parametrize(
    "body",
    [b"[]", b"[1, 2]", b'"text"', b"12", b"null", b"true"],
)
def test_json_that_is_not_an_object_is_left_alone(body: bytes) -> None:
    assert inject_seed(body, SEED) is None


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"{", b'{"a": }', b"model=gpt-4o&x=1", b"\xff\xfe\x00garbage", b"{}{}"],
)
def test_invalid_json_is_left_alone(body: bytes) -> None:
    assert inject_seed(body, SEED) is None


def test_pretty_body_with_trailing_newline() -> None:
    body = b'{\n  "model": "gpt-4o",\n  "n": 2\n}\n'
    result = inject_seed(body, SEED)
    assert result is not None
    assert result.startswith(b'{\n  "model": "gpt-4o",\n  "n": 2')
    assert json.loads(result) == {"model": "gpt-4o", "n": 2, "seed": SEED}


def test_surrounding_whitespace_is_accepted() -> None:
    result = inject_seed(b'\r\n\t {"a": 1} \r\n', SEED)
    assert result is not None
    assert result.startswith(b'\r\n\t {"a": 1}'[:-1])
    assert json.loads(result) == {"a": 1, "seed": SEED}


def test_unicode_content_is_kept_byte_for_byte() -> None:
    text = {"messages": [{"role": "user", "content": "héllo — 日本語 😀 \u2028"}]}
    raw = json.dumps(text, ensure_ascii=False).encode("utf-8")
    result = inject_seed(raw, SEED)
    assert result is not None
    assert result.startswith(raw[:-1])
    assert json.loads(result) == {**text, "seed": SEED}


def test_escaped_unicode_stays_escaped() -> None:
    raw = json.dumps({"content": "日本"}).encode()  # \u65e5\u672c
    result = inject_seed(raw, SEED)
    assert result == raw[:-1] + b',"seed":1234}'


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
OBJECTS = st.dictionaries(
    st.text(max_size=12).filter(lambda key: key != "seed"), JSON_VALUES, max_size=6
)
DUMPERS = st.sampled_from(
    [
        {"separators": (",", ":")},
        {},
        {"indent": 2},
        {"indent": 4, "ensure_ascii": False},
        {"indent": "\t", "ensure_ascii": False},
    ]
)


@given(data=OBJECTS, dump_options=DUMPERS, seed=st.integers(0, 2**63 - 1))
def test_any_object_parses_back_with_the_seed_added(
    data: dict[str, Any], dump_options: dict[str, Any], seed: int
) -> None:
    raw = json.dumps(data, **dump_options).encode("utf-8")
    result = inject_seed(raw, seed)
    assert result is not None
    assert json.loads(result) == {**data, "seed": seed}
