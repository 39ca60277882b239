"""The golden file format: a commented header, then the document as readable YAML."""

from __future__ import annotations

import marshal
from typing import Any

import yaml

from pytest_llmseed.errors import GoldenFileError
from pytest_llmseed.files import yamldump, yamlio
from pytest_llmseed.files.parse_cache import ParseCache
from pytest_llmseed.goldens import documents

SUFFIX = ".llm.yaml"
"""What every golden file's name ends with (syrupy's ``file_extension``, with its dot)."""

HEADER = (
    "# pytest-llmseed golden. Compared: request and output. Kept, not compared: meta.\n"
    "# Update with `pytest --snapshot-update`; review changes like code.\n"
)


def dump_golden(document: dict[str, Any]) -> str:
    """The golden file's text for a document."""
    return HEADER + yamldump.dump(document)


class GoldenText:
    """What the extension's ``serialize`` gives: a golden document, its text made on demand.

    A golden that matches is compared as data with the stored one (whose parse is kept in
    the parse cache), so its YAML is never written out; a mismatch, a new golden or an
    update asks for ``str()``.
    """

    __slots__ = ("_document", "_packed", "_text", "tolerated")

    def __init__(self, document: dict[str, Any]) -> None:
        self._document: dict[str, Any] | None = document
        self._packed: bytes | None = None
        self._text: str | None = None
        self.tolerated: str | None = None
        """The severity of a change ``--llmseed-fail-on`` let pass (the assertion passed)."""

    @property
    def document(self) -> dict[str, Any]:
        """The golden as data (unpacked again if ``settle`` packed it)."""
        if self._document is None:
            self._document = marshal.loads(self._packed or b"")
            self._packed = None
        return self._document

    def settle(self) -> None:
        """The golden matched: keep it packed into one bytes object until it is asked for.

        syrupy keeps every assertion's serialized data until the session ends, and never
        reads a matched one again. As a document it is a tree of a dozen or more dicts and
        lists per test, which every full garbage collection walks and which brings the
        next one closer; packed, it is one object the collector does not track. marshal
        writes the exact built-in types only (a value of any other type is refused with
        ValueError: the document is then kept as it is), so unpacking gives an equal
        document, keys in the same order.
        """
        if self._document is None:
            return  # packed already
        try:
            self._packed = marshal.dumps(self._document)
        except ValueError:
            return
        self._document = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = dump_golden(self.document)
        return self._text

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other) if isinstance(other, str | GoldenText) else False

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(str(self))


def load_golden(text: str, cache: ParseCache | None = None) -> Any:
    """Parse a golden file's text (through the session's parse cache, when given);
    GoldenFileError says why it cannot be used."""
    try:
        data = cache.load(text, yamlio.load) if cache is not None else yamlio.load(text)
    except yamlio.RefusedYAML as exc:
        raise GoldenFileError(f"the golden file is refused: {exc}") from None
    except yaml.YAMLError as exc:
        where = yamlio.error_location(exc)
        raise GoldenFileError(f"the golden file is not valid YAML{where}") from None
    if not isinstance(data, dict) or "llmseed_golden" not in data:
        raise GoldenFileError("the golden file is not a pytest-llmseed golden (no llmseed_golden)")
    version = data["llmseed_golden"]
    if not isinstance(version, int) or version > documents.FORMAT_VERSION:
        raise GoldenFileError(
            f"the golden file has format version {version!r}; this pytest-llmseed reads "
            f"up to {documents.FORMAT_VERSION}: upgrade pytest-llmseed"
        )
    return data
