"""Unit tests of the readable cassette format, the persister and scrubbing of secrets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.request import Request
from vcr.serialize import deserialize, serialize

from pytest_llmseed.cassettes.storage import CassettePersister, ReadableSerializer
from pytest_llmseed.errors import CassetteFileError, SecretLeakError
from pytest_llmseed.files import confine
from pytest_llmseed.files.atomic import atomic_write_text
from pytest_llmseed.redaction.secrets import (
    REDACTED,
    bearer_token,
    may_hold_secrets,
    redact_body,
    redact_text,
    scrub_request,
    scrub_response,
    usable_secrets,
)

KEY = "sk-test-llmseed-0123456789abcdef"
CHAT_URL = "https://api.openai.com/v1/chat/completions"
REQUEST_JSON = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "Write a haiku.\nAbout spring."}],
    "seed": 1234,
}
RESPONSE_JSON = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Blossoms fall\nsoft rain\nspring ends"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 7, "total_tokens": 16},
}
SSE_BODY = (
    'data: {"object":"chat.completion.chunk","choices":[]}\n\n'
    'data: {"object":"chat.completion.chunk","choices":[]}\n\n'
    "data: [DONE]\n\n"
)


@pytest.fixture(autouse=True)
def _project(tmp_path: Path) -> Iterator[None]:
    """The persister reads and writes inside the project: here, the test's directory."""
    confine.set_project(confine.Area([tmp_path]))
    yield
    confine.set_project(None)


def chat_request(body: bytes | None = None, **headers: str) -> Request:
    raw = json.dumps(REQUEST_JSON).encode() if body is None else body
    return Request("POST", CHAT_URL, raw, {"Content-Type": "application/json", **headers})


def json_response(payload: Any = RESPONSE_JSON) -> dict[str, Any]:
    raw = json.dumps(payload).encode()
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "Content-Type": ["application/json"],
            "Content-Length": [str(len(raw))],
            "x-request-id": ["req_1"],
        },
        "body": {"string": raw},
    }


def sse_response() -> dict[str, Any]:
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "Content-Type": ["text/event-stream; charset=utf-8"],
            "Content-Length": [str(len(SSE_BODY))],
        },
        "body": {"string": SSE_BODY.encode()},
    }


def cassette(*pairs: tuple[Request, dict[str, Any]]) -> dict[str, Any]:
    return {"requests": [p[0] for p in pairs], "responses": [p[1] for p in pairs]}


def as_json(body: Any) -> Any:
    return json.loads(body.decode() if isinstance(body, bytes) else body)


# --- ReadableSerializer through vcrpy ------------------------------------------------------


def test_round_trip_keeps_bodies_equal_as_json() -> None:
    text = serialize(cassette((chat_request(), json_response())), ReadableSerializer)
    requests, responses = deserialize(text, ReadableSerializer)
    assert len(requests) == len(responses) == 1
    assert requests[0].method == "POST"
    assert requests[0].uri == CHAT_URL
    assert as_json(requests[0].body) == REQUEST_JSON
    assert responses[0]["status"]["code"] == 200
    assert as_json(responses[0]["body"]["string"]) == RESPONSE_JSON


def test_round_trip_of_several_interactions_keeps_order_and_sse_text() -> None:
    second = json.dumps({**REQUEST_JSON, "stream": True}).encode()
    text = serialize(
        cassette((chat_request(), json_response()), (chat_request(second), sse_response())),
        ReadableSerializer,
    )
    requests, responses = deserialize(text, ReadableSerializer)
    assert [as_json(r.body).get("stream") for r in requests] == [None, True]
    assert responses[1]["body"]["string"] == SSE_BODY.encode()


def test_json_bodies_are_stored_as_yaml_structure() -> None:
    text = serialize(cassette((chat_request(), json_response())), ReadableSerializer)
    data = yaml.safe_load(text)
    interaction = data["interactions"][0]
    assert data["version"] == 1
    assert interaction["request"]["body"] == {"json": REQUEST_JSON}
    assert interaction["response"]["body"] == {"json": RESPONSE_JSON}
    assert '{"model"' not in text  # not one escaped JSON line
    assert "model: gpt-4o" in text


def test_multi_line_strings_are_literal_blocks() -> None:
    text = serialize(cassette((chat_request(), json_response())), ReadableSerializer)
    assert "content: |-\n" in text
    assert "Blossoms fall\n" in text
    assert "\\n" not in text


def test_sse_stream_is_stored_as_a_text_block() -> None:
    text = serialize(cassette((chat_request(), sse_response())), ReadableSerializer)
    body = yaml.safe_load(text)["interactions"][0]["response"]["body"]
    assert body == {"string": SSE_BODY}
    assert re.search(r"string: \|[+-]?\n", text)
    assert "\n        data: [DONE]\n" in text


def test_content_length_is_dropped_only_for_restructured_bodies() -> None:
    text = serialize(
        cassette((chat_request(), json_response()), (chat_request(), sse_response())),
        ReadableSerializer,
    )
    first, second = yaml.safe_load(text)["interactions"]
    assert {k.lower() for k in first["response"]["headers"]} == {"content-type", "x-request-id"}
    assert second["response"]["headers"]["Content-Length"] == [str(len(SSE_BODY))]


def test_non_json_request_body_stays_a_string() -> None:
    form = b"model=gpt-4o&prompt=hi"
    request = Request("POST", CHAT_URL, form, {"Content-Type": "application/x-www-form-urlencoded"})
    text = serialize(cassette((request, sse_response())), ReadableSerializer)
    assert yaml.safe_load(text)["interactions"][0]["request"]["body"] == form.decode()
    requests, _ = deserialize(text, ReadableSerializer)
    assert requests[0].body == form


def test_unicode_bodies_are_readable_and_round_trip() -> None:
    payload = {**RESPONSE_JSON, "choices": [{"index": 0, "text": "日本語 — héllo"}]}
    text = serialize(cassette((chat_request(), json_response(payload))), ReadableSerializer)
    assert "日本語 — héllo" in text
    _, responses = deserialize(text, ReadableSerializer)
    assert as_json(responses[0]["body"]["string"]) == payload


def test_multi_line_text_with_an_emoji_stays_a_readable_block() -> None:
    # LLM output often has emoji (outside the BMP); they must not turn the block into one
    # escaped line such as "Blossoms \U0001F338\nsoft rain".
    payload = {"choices": [{"index": 0, "text": "Blossoms 🌸\nsoft rain\nspring ends"}]}
    text = serialize(cassette((chat_request(), json_response(payload))), ReadableSerializer)
    assert "text: |-\n" in text
    assert "Blossoms 🌸\n" in text
    _, responses = deserialize(text, ReadableSerializer)
    assert as_json(responses[0]["body"]["string"]) == payload


def test_plain_vcrpy_cassette_is_read() -> None:
    from vcr.serializers import yamlserializer

    raw = json.dumps(RESPONSE_JSON)
    text = serialize(cassette((chat_request(), json_response())), yamlserializer)
    requests, responses = deserialize(text, ReadableSerializer)
    assert as_json(requests[0].body) == REQUEST_JSON
    assert responses[0]["body"]["string"] == raw.encode()


# --- CassettePersister.load_cassette -------------------------------------------------------


def persister() -> CassettePersister:
    return CassettePersister(lambda: [KEY])


def load(path: Path) -> Any:
    return persister().load_cassette(path, ReadableSerializer)


def test_load_reads_what_save_wrote(tmp_path: Path) -> None:
    path = tmp_path / "cassettes" / "mod" / "test_one.yaml"
    persister().save_cassette(path, cassette((chat_request(), json_response())), ReadableSerializer)
    requests, responses = load(path)
    assert as_json(requests[0].body) == REQUEST_JSON
    assert as_json(responses[0]["body"]["string"]) == RESPONSE_JSON


BROKEN_CASSETTES = {
    "invalid_yaml": ("interactions: [\n  - {request: \n", "not valid YAML"),
    "yaml_list": ("- request: {}\n- response: {}\n", "expected a mapping"),
    "scalar": ("just a sentence\n", "expected a mapping"),
    "no_interactions": ("version: 1\n", "no 'interactions' list"),
    "interactions_not_list": ("version: 1\ninteractions: {}\n", "no 'interactions' list"),
    "missing_status": (
        "version: 1\ninteractions:\n- request: {method: POST, uri: 'https://h/v1/x', "
        "body: null, headers: {}}\n  response: {headers: {}, body: {string: ''}}\n",
        "interaction #1 lacks request method/uri or response status",
    ),
    "missing_uri": (
        "version: 1\ninteractions:\n- request: {method: POST}\n"
        "  response: {status: {code: 200, message: OK}}\n",
        "interaction #1 lacks",
    ),
    "unsafe_tag": ("!!python/object/apply:os.system ['echo pwned']\n", "not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CASSETTES))
def test_load_of_a_broken_file_names_the_path(tmp_path: Path, case: str) -> None:
    content, problem = BROKEN_CASSETTES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CassetteFileError) as excinfo:
        load(path)
    assert excinfo.value.path == path
    assert str(path) in str(excinfo.value)
    assert problem in str(excinfo.value)
    assert "--llmseed-record-mode" in str(excinfo.value)


def test_load_of_binary_garbage_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(b"\xff\xfe\x00\x81garbage\x9c\x00")
    with pytest.raises(CassetteFileError, match="not UTF-8") as excinfo:
        load(path)
    assert str(path) in str(excinfo.value)


def test_invalid_yaml_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\ninteractions:\n- request: [\n", encoding="utf-8")
    with pytest.raises(CassetteFileError, match=r"not valid YAML at line \d+"):
        load(path)


def test_a_later_bad_interaction_is_numbered(tmp_path: Path) -> None:
    path = tmp_path / "second.yaml"
    persister().save_cassette(path, cassette((chat_request(), json_response())), ReadableSerializer)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("- request: {method: GET, uri: 'https://h/'}\n  response: {}\n")
    with pytest.raises(CassetteFileError, match="interaction #2 lacks"):
        load(path)


@pytest.mark.parametrize("content", [None, "", "  \n\n"])
def test_missing_or_empty_file_means_nothing_recorded(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "c.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CassetteNotFoundError):
        load(path)


def test_a_directory_is_not_a_cassette(tmp_path: Path) -> None:
    with pytest.raises(CassetteNotFoundError):
        load(tmp_path)


# --- CassettePersister.save_cassette -------------------------------------------------------


def leaky_cassettes() -> dict[str, dict[str, Any]]:
    in_header = json_response()
    in_header["headers"]["x-echo"] = [f"Bearer {KEY}"]
    escaped = b'{"model":"gpt-4o","user":"sk\\u002dtest-llmseed-0123456789abcdef"}'
    return {
        "request_body": cassette((chat_request(f'{{"user":"{KEY}"}}'.encode()), json_response())),
        "text_body": cassette((chat_request(b"key=" + KEY.encode()), sse_response())),
        "uri": cassette((Request("POST", f"{CHAT_URL}?api-key={KEY}", b"{}", {}), json_response())),
        "request_header": cassette((chat_request(Authorization=f"Bearer {KEY}"), json_response())),
        "response_header": cassette((chat_request(), in_header)),
        "json_escaped": cassette((chat_request(escaped), json_response())),
    }


@pytest.mark.parametrize("where", sorted(leaky_cassettes()))
def test_save_refuses_a_cassette_that_contains_the_key(tmp_path: Path, where: str) -> None:
    path = tmp_path / "c.yaml"
    old = b"version: 1\ninteractions: []\n# the previous recording\n"
    path.write_bytes(old)
    with pytest.raises(SecretLeakError) as excinfo:
        persister().save_cassette(path, leaky_cassettes()[where], ReadableSerializer)
    assert str(path) in str(excinfo.value)
    assert KEY not in str(excinfo.value)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


def test_save_refusal_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "c.yaml"
    with pytest.raises(SecretLeakError):
        persister().save_cassette(path, leaky_cassettes()["request_body"], ReadableSerializer)
    assert not path.exists()
    assert not path.parent.exists() or not any(path.parent.iterdir())


def test_save_replaces_an_existing_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("old content\n", encoding="utf-8")
    persister().save_cassette(path, cassette((chat_request(), json_response())), ReadableSerializer)
    assert "old content" not in path.read_text(encoding="utf-8")
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


def test_save_checks_secrets_when_called_not_when_built(tmp_path: Path) -> None:
    seen: list[str] = []
    store = CassettePersister(lambda: list(seen))
    leaky = cassette((chat_request(b"token " + KEY.encode()), sse_response()))
    seen.append(KEY)  # a key noted after the persister was created still counts
    with pytest.raises(SecretLeakError):
        store.save_cassette(tmp_path / "c.yaml", leaky, ReadableSerializer)


# --- atomic_write_text ---------------------------------------------------------------------


def test_atomic_write_creates_parents_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c.yaml"
    atomic_write_text(path, "one\ntwo — 日本\n")
    assert path.read_bytes() == "one\ntwo — 日本\n".encode()
    assert [p.name for p in path.parent.iterdir()] == ["c.yaml"]


def test_atomic_write_replaces_content(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("a much longer old content that must not survive\n" * 10, encoding="utf-8")
    atomic_write_text(path, "new\n")
    assert path.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(path, "half written \ud800 never")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


# --- scrub_request -------------------------------------------------------------------------


def header_names(request: Request) -> set[str]:
    return {name.lower() for name in request.headers}


@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION"])
def test_authorization_is_removed_in_any_casing(name: str) -> None:
    request = chat_request(**{name: f"Bearer {KEY}"})
    scrubbed = scrub_request(request, [KEY])
    assert "authorization" not in header_names(scrubbed)
    assert header_names(scrubbed) == {"content-type"}


def test_credential_and_volatile_headers_are_removed() -> None:
    headers = {
        "api-key": KEY,
        "OpenAI-Organization": "org-abc123",
        "OpenAI-Project": "proj_abc123",
        "Cookie": "session=abc",
        "X-Stainless-Lang": "python",
        "x-stainless-retry-count": "0",
        "User-Agent": "OpenAI/Python 3.57",
        "X-Custom": "kept",
    }
    scrubbed = scrub_request(chat_request(**headers), [KEY])
    assert header_names(scrubbed) == {"content-type", "x-custom"}
    assert scrubbed.headers["X-Custom"] == "kept"


def test_scrub_request_returns_a_copy() -> None:
    request = chat_request(f'{{"user":"{KEY}"}}'.encode(), Authorization=f"Bearer {KEY}")
    scrub_request(request, [KEY])
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY.encode() in request.body


def test_api_key_query_parameter_is_removed() -> None:
    uri = (
        "https://x.openai.azure.com/openai/deployments/d/chat/completions"
        f"?api-version=2024-06-01&api-key={KEY}"
    )
    scrubbed = scrub_request(Request("POST", uri, b"{}", {}), [KEY])
    assert KEY not in scrubbed.uri
    assert "api-key" not in scrubbed.uri
    assert scrubbed.query == [("api-version", "2024-06-01")]


def test_key_literal_in_the_uri_is_redacted() -> None:
    scrubbed = scrub_request(Request("POST", f"https://h/v1/{KEY}/completions", b"{}", {}), [KEY])
    assert KEY not in scrubbed.uri
    assert REDACTED in scrubbed.uri


def test_key_literal_in_the_json_body_is_redacted() -> None:
    body = json.dumps({"model": "m", "user": f"key is {KEY}!", "n": 1}).encode()
    scrubbed = scrub_request(chat_request(body), [KEY])
    assert KEY.encode() not in scrubbed.body
    assert json.loads(scrubbed.body) == {"model": "m", "user": f"key is {REDACTED}!", "n": 1}


def test_key_literal_in_a_text_body_is_redacted() -> None:
    scrubbed = scrub_request(chat_request(b"prompt=" + KEY.encode() + b"&x=1"), [KEY])
    assert scrubbed.body == f"prompt={REDACTED}&x=1".encode()


def test_key_hidden_by_a_json_escape_is_redacted() -> None:
    raw = b'{"model":"m","user":"sk\\u002dtest-llmseed-0123456789abcdef"}'
    assert KEY.encode() not in raw
    assert json.loads(raw)["user"] == KEY
    scrubbed = scrub_request(chat_request(raw), [KEY])
    decoded = json.loads(scrubbed.body)
    assert decoded == {"model": "m", "user": REDACTED}
    assert KEY not in json.dumps(decoded, ensure_ascii=False)


def test_key_as_a_json_object_key_is_redacted() -> None:
    body = json.dumps({"metadata": {KEY: "x"}}).encode()
    scrubbed = scrub_request(chat_request(body), [KEY])
    assert json.loads(scrubbed.body) == {"metadata": {REDACTED: "x"}}


def test_body_without_secrets_is_unchanged() -> None:
    body = b'{ "model" : "m" }'
    assert scrub_request(chat_request(body), [KEY]).body == body


def test_scrubbed_request_then_saved_holds_no_secret(tmp_path: Path) -> None:
    request = chat_request(
        b'{"user":"sk\\u002dtest-llmseed-0123456789abcdef"}',
        Authorization=f"Bearer {KEY}",
        **{"api-key": KEY},
    )
    path = tmp_path / "c.yaml"
    clean = scrub_request(request, [KEY])
    persister().save_cassette(path, cassette((clean, json_response())), ReadableSerializer)
    assert KEY not in path.read_text(encoding="utf-8")


# --- scrub_response ------------------------------------------------------------------------


def test_scrub_response_drops_cookies_and_redacts_literals() -> None:
    response = json_response({"echo": f"you sent {KEY}"})
    response["headers"]["Set-Cookie"] = ["__cf_bm=abc; path=/"]
    response["headers"]["openai-organization"] = ["org-abc123"]
    response["headers"]["x-debug"] = [f"key={KEY}"]
    result = scrub_response(response, [KEY])
    assert result is response
    names = {n.lower() for n in result["headers"]}
    assert "set-cookie" not in names
    assert "openai-organization" not in names
    assert result["headers"]["x-debug"] == [f"key={REDACTED}"]
    assert result["headers"]["x-request-id"] == ["req_1"]
    assert as_json(result["body"]["string"]) == {"echo": f"you sent {REDACTED}"}


def test_scrub_response_redacts_an_sse_body() -> None:
    response = sse_response()
    response["body"]["string"] = f"data: {KEY}\n\n".encode()
    scrub_response(response, [KEY])
    assert response["body"]["string"] == f"data: {REDACTED}\n\n".encode()


# --- secrets helpers -----------------------------------------------------------------------


def test_usable_secrets_drops_short_and_empty_values_longest_first() -> None:
    values = [None, "", "1234567", "  12345678  ", "sk-abcdefgh", "sk-abcdefgh-longer", "12345678"]
    assert usable_secrets(values) == ["sk-abcdefgh-longer", "sk-abcdefgh", "12345678"]


def test_longest_secret_is_redacted_whole() -> None:
    secrets = usable_secrets(["sk-abcdefgh", "sk-abcdefgh-longer"])
    assert redact_text("a sk-abcdefgh-longer b", secrets) == f"a {REDACTED} b"


def test_short_secrets_redact_nothing() -> None:
    secrets = usable_secrets(["test", "abc1234"])
    assert secrets == []
    text = "a test of abc1234"
    assert redact_text(text, secrets) == text
    assert redact_body(text.encode(), secrets) == text.encode()
    request = chat_request(json.dumps({"user": text}).encode())
    assert scrub_request(request, secrets).body == request.body


@pytest.mark.parametrize("body", [None, b"", "", {"string": KEY}, [KEY]])
def test_redact_body_leaves_other_shapes_alone(body: Any) -> None:
    assert redact_body(body, [KEY]) == body


def test_redact_body_keeps_the_type() -> None:
    assert redact_body(f"x {KEY}", [KEY]) == f"x {REDACTED}"
    assert redact_body(f"x {KEY}".encode(), [KEY]) == f"x {REDACTED}".encode()
    assert redact_body(b"\xff\xfe" + KEY.encode(), [KEY]) == b"\xff\xfe" + REDACTED.encode()


@pytest.mark.parametrize(
    ("value", "token"),
    [
        (f"Bearer {KEY}", KEY),
        (f"bearer {KEY}", KEY),
        (f"Basic {KEY}", KEY),
        (KEY, KEY),
        (f"Custom {KEY}", KEY),  # any scheme: its credential is the secret
    ],
)
def test_bearer_token(value: str, token: str) -> None:
    assert bearer_token(value) == token


# --- may_hold_secrets (the quick test for loaded requests) ---------------------------------


@pytest.mark.parametrize(
    ("uri", "body", "expected"),
    [
        ("https://h/v1/chat/completions", b'{"model": "m"}', False),
        ("https://h/v1/chat/completions", None, False),
        ("https://h/v1/chat/completions?api-version=1", "{}", False),
        ("https://h/v1/chat/completions?api-key=abc", b"{}", True),
        ("https://h/v1/chat/completions?Access_Token=abc", b"{}", True),
        (f"https://h/v1/{KEY}/completions", b"{}", True),
        ("https://h/v1/chat/completions", f'{{"prompt": "{KEY}"}}', True),
        ("https://h/v1/chat/completions", f'{{"prompt": "{KEY}"}}'.encode(), True),
    ],
)
def test_may_hold_secrets(uri: str, body: Any, expected: bool) -> None:
    assert may_hold_secrets(Request("POST", uri, body, {}), [KEY]) is expected
    if not expected:
        # Nothing to find means nothing the scrubber would change for matching.
        clean = scrub_request(Request("POST", uri, body, {}), [KEY])
        assert (clean.uri, clean.body) == (uri, Request("POST", uri, body, {}).body)
