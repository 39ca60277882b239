"""Readable cassette files: a vcrpy serializer and an atomic, secret-checking persister.

A cassette stays a vcrpy cassette (``version: 1``, ``interactions``), so vcrpy and
pytest-recording can read what we write, and we read what they wrote. Two additions make
it reviewable: JSON bodies are stored as YAML structure under ``json:`` instead of one
escaped line, and multi-line text (SSE streams) is stored as a literal block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from pytest_llmseed.cassettes.validate import check_shape
from pytest_llmseed.errors import (
    CassetteFileError,
    CompressedBodyError,
    ConfinementError,
    SecretLeakError,
)
from pytest_llmseed.exchange import encoding, multipart
from pytest_llmseed.exchange.bodies import content_type_of, dump_json, parse_json
from pytest_llmseed.files import confine, yamldump, yamlio
from pytest_llmseed.files.parse_cache import ParseCache
from pytest_llmseed.redaction import secrets as scrub

JSON_KEY = "json"
# First and last lines of every cassette the plugin writes. A file that starts with the
# first but lacks the last was cut short (an interrupted copy, a bad merge): YAML cut at a
# line or inside a value often still parses, so the end line is what tells.
HEADER = "# vcrpy cassette written by pytest-llmseed; review changes like code.\n"
END_LINE = "# end of cassette"


def _parse_json(text: Any) -> Any:
    """A JSON object or array body (stored as data), else None (stored as text)."""
    value = parse_json(text)
    return value if isinstance(value, dict | list) else None


def _structure(interaction: dict[str, Any]) -> dict[str, Any]:
    request = interaction["request"]
    body = request.get("body")
    parsed = _parse_json(body)
    if parsed is not None:
        request["body"] = {JSON_KEY: parsed}
    elif isinstance(body, str | bytes) and body:
        form = multipart.to_stored(content_type_of(request.get("headers")), body)
        if form is not None:
            request["body"] = {multipart.STORED_KEY: form}
    response = interaction["response"]
    body = response.get("body")
    if isinstance(body, dict) and "json" in content_type_of(response.get("headers")).lower():
        parsed = _parse_json(body.get("string"))
        if parsed is not None:
            response["body"] = {JSON_KEY: parsed}
            # The stored body is re-encoded on replay, so the recorded length would lie.
            headers = response.get("headers") or {}
            for name in [n for n in headers if n.lower() == "content-length"]:
                del headers[name]
    return interaction


def _unstructure(interaction: Any) -> Any:
    if not isinstance(interaction, dict):
        return interaction
    request = interaction.get("request")
    if isinstance(request, dict):
        body = request.get("body")
        if isinstance(body, dict) and set(body) == {JSON_KEY}:
            request["body"] = dump_json(body[JSON_KEY])
        elif isinstance(body, dict) and set(body) == {multipart.STORED_KEY}:
            request["body"] = multipart.from_stored(body[multipart.STORED_KEY])
    response = interaction.get("response")
    if isinstance(response, dict):
        body = response.get("body")
        if isinstance(body, dict) and set(body) == {JSON_KEY}:
            response["body"] = {"string": dump_json(body[JSON_KEY])}
    return interaction


class ReadableSerializer:
    """vcrpy serializer: vcrpy's safe YAML loader on read, structured bodies on write."""

    @staticmethod
    def serialize(cassette_dict: dict[str, Any]) -> str:
        """Dump a vcrpy cassette dict as readable YAML."""
        interactions = [_structure(i) for i in cassette_dict.get("interactions", [])]
        data = {**cassette_dict, "interactions": interactions}
        return HEADER + yamldump.dump(data) + END_LINE + "\n"

    @staticmethod
    def deserialize(cassette_string: str) -> Any:
        """Load the YAML (as vcrpy's safe loader would) with bodies back as strings."""
        return _unstructured(_parse(cassette_string))


class CachedSerializer(ReadableSerializer):
    """``ReadableSerializer`` whose YAML parses come from a ``ParseCache`` when they can."""

    def __init__(self, cache: ParseCache) -> None:
        self._cache = cache

    def deserialize(self, cassette_string: str) -> Any:  # type: ignore[override]
        return _unstructured(self._cache.load(cassette_string, _parse))


def _parse(cassette_string: str) -> Any:
    from vcr.serializers import yamlserializer

    # vcrpy's loader for what the quick load leaves (its legacy python/* tags).
    return yamlio.load(cassette_string, full=yamlserializer.deserialize)


def _unstructured(data: Any) -> Any:
    if isinstance(data, dict) and isinstance(data.get("interactions"), list):
        data["interactions"] = [_unstructure(i) for i in data["interactions"]]
    return data


def check_cassette_text(path: Path, text: str) -> None:
    """Refuse text that is not a cassette this plugin can replay, or holds a compressed
    body, which the plugin never writes (CassetteFileError)."""
    try:
        data = _unstructured(yamlio.load(text))
    except yamlio.RefusedYAML as exc:
        raise CassetteFileError(path, f"refused: {exc}") from None
    except yaml.YAMLError as exc:
        raise CassetteFileError(path, f"it is not valid YAML{yamlio.error_location(exc)}") from None
    check_shape(path, data)
    index = compressed_interaction(data)
    if index is not None:
        raise CassetteFileError(
            path,
            f"interaction #{index} has a compressed body (content-encoding), "
            f"which pytest-llmseed never writes",
        )


class CassettePersister:
    """vcrpy persister: clear errors on load, secret check and atomic write on save."""

    def __init__(self, secrets: Callable[[], list[str]]) -> None:
        self._secrets = secrets

    def load_cassette(self, cassette_path: str | Path, serializer: Any) -> Any:
        """Read a cassette; a missing or empty file means 'nothing recorded yet'."""
        from vcr.persisters.filesystem import CassetteNotFoundError
        from vcr.serialize import deserialize

        path = Path(cassette_path)
        try:
            real = confine.project().resolve(path)
        except ConfinementError as exc:
            raise CassetteFileError(path, f"refused: {exc.problem}") from None
        try:
            # Opened straight away (no stat first): every replayed test comes through here.
            with open(real, encoding="utf-8") as handle:
                text = handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise CassetteNotFoundError() from None
        except UnicodeDecodeError:
            raise CassetteFileError(path, "it is not UTF-8 text (binary or corrupt)") from None
        except OSError as exc:
            raise CassetteFileError(path, f"it cannot be read ({exc.strerror})") from None
        if not text.strip():
            raise CassetteNotFoundError()
        if text.startswith(HEADER.rstrip()) and END_LINE not in text:
            raise CassetteFileError(path, f"it is cut short: its last line {END_LINE!r} is missing")
        try:
            data = serializer.deserialize(text)
        except yamlio.RefusedYAML as exc:
            raise CassetteFileError(path, f"refused: {exc}") from None
        except yaml.YAMLError as exc:
            where = yamlio.error_location(exc)
            tag = re.search(r"tag '([^']+)'", str(getattr(exc, "problem", "")))
            if isinstance(exc, yaml.constructor.ConstructorError) and tag:
                # e.g. a !!python/object tag: refused by the safe loader, never executed.
                where += f" (the tag {tag[1]} is not allowed in a cassette)"
            raise CassetteFileError(path, f"it is not valid YAML{where}") from None
        except ValueError as exc:  # vcrpy's own loader errors
            raise CassetteFileError(path, f"it cannot be loaded ({exc})") from None
        check_shape(path, data)
        try:
            loaded = deserialize(text, _Loaded(data))
        except (KeyError, TypeError, ValueError) as exc:
            raise CassetteFileError(path, f"its interactions are malformed ({exc})") from None
        return (loaded[0], _decoded_responses(path, loaded[1]), *loaded[2:])

    def save_cassette(
        self, cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any
    ) -> None:
        """Serialize, refuse if a secret survived, then replace the file atomically."""
        from vcr.serialize import serialize

        path = Path(cassette_path)
        text = serialize(cassette_dict, serializer)
        if scrub.leaks(text, self._secrets()):
            raise SecretLeakError(path, "the cassette")
        try:
            confine.project().write_text(path, text)
        except ConfinementError as exc:
            raise CassetteFileError(path, f"refused to write it: {exc.problem}") from None


def _decoded_responses(path: Path, responses: list[Any]) -> list[Any]:
    """Compressed bodies (another tool's recording) decoded now, within ``MAX_DECODED``:
    vcrpy would decode them whole at load, and the client at replay."""
    decoded = []
    for index, response in enumerate(responses, 1):
        try:
            decoded.append(encoding.decoded_response(response))
        except CompressedBodyError as exc:
            raise CassetteFileError(path, f"interaction #{index}: {exc.problem}") from None
    return decoded


def compressed_interaction(data: Any) -> int | None:
    """The number (from 1) of the first interaction whose response has a content-encoding."""
    for index, interaction in enumerate(data.get("interactions") or [], 1):
        headers = (interaction.get("response") or {}).get("headers") or {}
        if isinstance(headers, dict) and any(
            str(name).lower() == "content-encoding" and set(encoding.names(value)) - {"identity"}
            for name, value in headers.items()
        ):
            return index
    return None


class _Loaded:
    """Hands vcrpy's ``deserialize`` the data we already parsed and checked (no second parse)."""

    def __init__(self, data: Any) -> None:
        self._data = data

    def deserialize(self, _text: str) -> Any:
        return self._data
