"""The syrupy extension behind ``seeded_llm.snapshot``: one readable YAML golden per test."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import yaml
from syrupy.data import SnapshotCollection
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.location import PyTestLocation
from syrupy.types import SnapshotIndex

from . import compare, diffing, normalize, scrub, yamlio
from .atomic import atomic_write_text
from .compare_profiles import Profile
from .parse_cache import ParseCache

HEADER = (
    "# pytest-llmseed golden. Compared: request and output. Kept, not compared: meta.\n"
    "# Update with `pytest --snapshot-update`; review changes like code.\n"
)


def dump_golden(document: dict[str, Any]) -> str:
    """The golden file's text for a document."""
    return HEADER + yamlio.dump(document)


class GoldenText:
    """What the extension's ``serialize`` gives: a golden document, its text made on demand.

    A golden that matches is compared as data with the stored one (whose parse is kept in
    the parse cache), so its YAML is never written out; a mismatch, a new golden or an
    update asks for ``str()``.
    """

    __slots__ = ("_text", "document")

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = dump_golden(self.document)
        return self._text

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other) if isinstance(other, str | GoldenText) else False

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(str(self))


ACTIVE_PARSE_CACHE: ContextVar[ParseCache | None] = ContextVar("llmseed_parse_cache", default=None)
"""The running session's parse cache (set for each test), for reading stored goldens."""


class GoldenFileError(ValueError):
    """A stored golden cannot be read as a pytest-llmseed golden."""


def load_golden(text: str) -> Any:
    """Parse a golden file's text; GoldenFileError says why it cannot be used."""
    cache = ACTIVE_PARSE_CACHE.get()
    try:
        data = cache.load(text, yamlio.load) if cache is not None else yamlio.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise GoldenFileError(f"the golden file is not valid YAML{where}") from None
    if not isinstance(data, dict) or "llmseed_golden" not in data:
        raise GoldenFileError("the golden file is not a pytest-llmseed golden (no llmseed_golden)")
    version = data["llmseed_golden"]
    if not isinstance(version, int) or version > normalize.FORMAT_VERSION:
        raise GoldenFileError(
            f"the golden file has format version {version!r}; this pytest-llmseed reads "
            f"up to {normalize.FORMAT_VERSION}: upgrade pytest-llmseed"
        )
    return data


_DIRNAMES: dict[tuple[str | Path, str], str] = {}
_DISCOVERY_DIRNAMES: dict[tuple[str | Path, str], str] = {}
_LOCATIONS: dict[tuple[str | Path, str, str, SnapshotIndex], str] = {}


class LLMSnapshotExtension(SingleFileSnapshotExtension):
    """Goldens for completions: ``__snapshots__/<module>/<test>.llm.yaml``, one per assertion."""

    file_extension = "llm.yaml"
    _write_mode = WriteMode.TEXT
    profile: Profile = Profile("exact")
    _location = ""  # the golden last read, so a failure can name it

    @classmethod
    @functools.cache
    def with_profile(cls, profile: Profile) -> type[LLMSnapshotExtension]:
        """This extension comparing under ``profile`` (one class per profile, cached)."""
        if profile == cls.profile:
            return cls
        name = f"LLMSnapshotExtension_{profile.name}"
        return type(name, (cls,), {"profile": profile, "__module__": __name__})

    # syrupy asks for these paths about a dozen times per assertion and builds each with
    # pathlib; they only depend on the test file (and the test), so each is worked out once.
    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """``__snapshots__/<test module>`` beside the test file (syrupy's, remembered)."""
        key = (cls.snapshot_dirname, test_location.filepath)
        found = _DIRNAMES.get(key)
        if found is None:
            found = _DIRNAMES[key] = super().dirname(test_location=test_location)
        return found

    @classmethod
    def discovery_dirname(cls, *, test_location: PyTestLocation) -> str:
        """The directory syrupy scans for this module's goldens (syrupy's, remembered)."""
        key = (cls.snapshot_dirname, test_location.filepath)
        found = _DISCOVERY_DIRNAMES.get(key)
        if found is None:
            found = super().discovery_dirname(test_location=test_location)
            _DISCOVERY_DIRNAMES[key] = found
        return found

    @classmethod
    def get_location(cls, *, test_location: PyTestLocation, index: SnapshotIndex) -> str:
        """The golden file of one assertion (syrupy's, remembered)."""
        key = (cls.snapshot_dirname, test_location.filepath, test_location.nodeid, index)
        found = _LOCATIONS.get(key)
        if found is None:
            found = _LOCATIONS[key] = super().get_location(test_location=test_location, index=index)
        return found

    @classmethod
    def write_snapshot_collection(
        cls, *, snapshot_collection: SnapshotCollection, name_order: Any = None
    ) -> None:
        """Write the golden atomically: a crash leaves the old file or the new, never half."""
        snapshot = next(iter(snapshot_collection))
        atomic_write_text(Path(snapshot_collection.location), str(snapshot.data))

    # syrupy declares str | bytes; it hands the value only to this extension's own methods
    # (matches, diff_lines, write_snapshot_collection), which take a GoldenText.
    def serialize(self, data: Any, **_kwargs: Any) -> GoldenText:  # type: ignore[override]
        """Normalize what the test asserts into a golden, the test's keys redacted."""
        document = normalize.document(data)
        secrets = scrub.active_secrets()
        if secrets:
            # A key appears verbatim in the JSON form (keys have nothing JSON escapes).
            flat = json.dumps(document, ensure_ascii=False, default=str)
            if any(secret in flat for secret in secrets):
                document = scrub.redact_value(document, secrets)
        return GoldenText(document)

    def read_snapshot_data_from_location(
        self, *, snapshot_location: str, snapshot_name: str, session_id: str
    ) -> Any:
        """Read a golden as text. Bytes that are not UTF-8 are replaced, not raised: the
        comparison then reports the file as not valid YAML / not a golden, naming it."""
        self._location = snapshot_location
        try:
            with open(snapshot_location, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def matches(self, *, serialized_data: Any, snapshot_data: Any) -> bool:
        """Requests and outputs equal under the profile (meta is kept, not compared)."""
        try:
            old = load_golden(str(snapshot_data))
        except GoldenFileError:
            return False
        if isinstance(serialized_data, GoldenText) and compare.documents_match(
            old, serialized_data.document, self.profile
        ):
            return True  # the usual case: decided without writing the golden's text
        # As text, then as the text reads back: what a file written from it would hold.
        if str(serialized_data) == str(snapshot_data):
            return True
        new = load_golden(str(serialized_data))
        return compare.documents_match(old, new, self.profile)

    def diff_lines(self, serialized_data: Any, snapshot_data: Any) -> Iterator[str]:
        """Triage line, then what changed path by path (word-level for text)."""
        new = load_golden(str(serialized_data))
        if not snapshot_data:
            yield "no golden yet: accept it with `llmseed review` or `pytest --snapshot-update`"
            if self._location and Path(self._location).is_file():
                yield f"  golden: {self._location}"  # there, but empty
            return
        try:
            old = load_golden(str(snapshot_data))
        except GoldenFileError as exc:
            yield f"cannot compare: {exc}; fix the file or rewrite it with --snapshot-update"
            yield f"  golden: {self._location}"
            return
        yield from describe_change(old, new)
        yield f"(compared with profile {self.profile}; meta is kept but not compared)"


def describe_change(old: Any, new: Any) -> list[str]:
    """Triage line then path-by-path differences between two loaded golden documents."""
    old_parts = compare.compared_parts(old)
    new_parts = compare.compared_parts(new)

    def shape(parts: list[tuple[Any, Any]]) -> Any:
        answers = [{"request": request[1], "output": output} for request, output in parts]
        return answers[0] if len(old_parts) == len(new_parts) == 1 else answers

    return [diffing.triage(old, new), *diffing.diff_lines(shape(old_parts), shape(new_parts))]
