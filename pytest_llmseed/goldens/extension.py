"""The syrupy extension behind ``seeded_llm.snapshot``: one readable YAML golden per test.

Only the syrupy side lives here (paths, reading, writing, matching, the failure diff);
the file format is ``fileformat``, what changed and why is ``triage``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from syrupy.data import SnapshotCollection, SnapshotCollections, SnapshotEmptyCollection
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.location import PyTestLocation
from syrupy.types import SnapshotIndex

from pytest_llmseed.cassettes import naming
from pytest_llmseed.config.values import NO_VOLATILE, Profile
from pytest_llmseed.context import TestContext
from pytest_llmseed.errors import GoldenFileError, SecretLeakError
from pytest_llmseed.files import confine
from pytest_llmseed.files.escape import for_terminal
from pytest_llmseed.goldens import compare, documents, props, severity
from pytest_llmseed.goldens.fileformat import SUFFIX, GoldenText, load_golden
from pytest_llmseed.goldens.swapped import with_swapped_models
from pytest_llmseed.records import FailOn
from pytest_llmseed.redaction import secrets as scrub

_DIRNAMES: dict[tuple[str | Path, str], str] = {}
_DISCOVERY_DIRNAMES: dict[tuple[str | Path, str], str] = {}
_LOCATIONS: dict[tuple[str | Path, str, str, SnapshotIndex], str] = {}
_NAMES: dict[tuple[str | Path, str, SnapshotIndex], str] = {}


class LLMSnapshotExtension(SingleFileSnapshotExtension):
    """Goldens for completions: ``__snapshots__/<module>/<test>.llm.yaml``, one per assertion."""

    file_extension = SUFFIX.removeprefix(".")
    _write_mode = WriteMode.TEXT
    profile: Profile = Profile("exact")
    _location = ""  # the golden last read, so a failure can name it
    context: TestContext | None = None
    """The test's context, set on the instance behind ``seeded_llm.snapshot`` (None on the
    instances syrupy makes itself, which only find and delete files)."""

    @classmethod
    @functools.cache
    def with_profile(cls, profile: Profile) -> type[LLMSnapshotExtension]:
        """This extension comparing under ``profile`` (one class per profile, cached)."""
        if profile == cls.profile:
            return cls
        name = f"LLMSnapshotExtension_{profile.name}"
        return type(name, (cls,), {"profile": profile, "__module__": __name__})

    # syrupy asks for these paths again and again for every assertion and builds each with
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
    def get_snapshot_name(cls, *, test_location: PyTestLocation, index: SnapshotIndex = 0) -> str:
        """The golden's name, its file name's stem (syrupy's, remembered: asked thrice); an
        API key in the test id is replaced, as in the cassette's name."""
        key = (test_location.filepath, test_location.nodeid, index)
        found = _NAMES.get(key)
        if found is None:
            name = super().get_snapshot_name(test_location=test_location, index=index)
            if naming.may_hold_keys(name):
                name = naming.without_secrets(name, naming.env_keys())
            found = _NAMES[key] = name
        return found

    @classmethod
    def get_location(cls, *, test_location: PyTestLocation, index: SnapshotIndex) -> str:
        """The golden file of one assertion (syrupy's, remembered)."""
        key = (cls.snapshot_dirname, test_location.filepath, test_location.nodeid, index)
        found = _LOCATIONS.get(key)
        if found is None:
            found = _LOCATIONS[key] = super().get_location(test_location=test_location, index=index)
        return found

    def discover_snapshots(
        self, *, test_location: PyTestLocation, ignore_extensions: list[str] | None = None
    ) -> SnapshotCollections:
        """The goldens under ``__snapshots__`` (for syrupy's unused detection), found as
        syrupy's own discovery finds them, with two ``scandir`` levels.

        syrupy walks the whole tree with ``rglob`` and tests each file with pathlib, for
        every golden, twice a run (at a directory's first assertion and at the end).
        Its single-file layout claims only ``<dir>/<module>/<name>.llm.yaml``: files one
        level down, not hidden, not in a linked directory (``rglob`` does not follow one).
        """
        root = self.discovery_dirname(test_location=test_location)
        if root == self.dirname(test_location=test_location):  # a file-scoped layout
            return super().discover_snapshots(
                test_location=test_location, ignore_extensions=ignore_extensions
            )
        discovered = SnapshotCollections()
        suffix = f".{self.file_extension}"
        if suffix.rpartition(".")[2] in (ignore_extensions or ()):  # syrupy: the last suffix
            return discovered
        try:
            with os.scandir(root) as entries:
                folders = [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:  # no goldens yet (rglob finds nothing there either)
            return discovered
        for folder in folders:
            try:
                with os.scandir(folder) as entries:
                    found = [
                        e.path
                        for e in entries
                        if e.name.endswith(suffix) and not e.name.startswith(".") and e.is_file()
                    ]
            except OSError:
                continue
            for path in found:
                collection = self.read_snapshot_collection(snapshot_location=path)
                if not collection.has_snapshots:
                    collection = SnapshotEmptyCollection(location=path)
                discovered.add(collection)
        return discovered

    @classmethod
    def write_snapshot_collection(
        cls, *, snapshot_collection: SnapshotCollection, name_order: Any = None
    ) -> None:
        """Write the golden atomically: a crash leaves the old file or the new, never half."""
        snapshot = next(iter(snapshot_collection))
        path = Path(snapshot_collection.location)
        area = confine.project()
        confine.require_kind(path, area.resolve(path), "golden", area)
        data = snapshot.data
        text = str(data)
        if isinstance(data, GoldenText) and data.secrets and scrub.leaks(text, data.secrets()):
            raise SecretLeakError(path, "the golden")
        area.write_text(path, text)

    # syrupy declares str | bytes; it hands the value only to this extension's own methods
    # (matches, diff_lines, write_snapshot_collection), which take a GoldenText.
    def serialize(  # type: ignore[override]
        self,
        data: Any,
        *,
        exclude: Any = None,
        include: Any = None,
        matcher: Any = None,
        **_kwargs: Any,
    ) -> GoldenText:
        """Normalize what the test asserts into a golden, the test's keys redacted, its
        volatile values shown as placeholders and syrupy's ``exclude`` / ``include`` /
        ``matcher`` applied (``goldens/props.py``)."""
        context = self.context
        document = documents.with_id_placeholders(
            documents.document(data, context.log if context else None)
        )
        if document.get("kind") in ("text", "data") and context and context.log.calls:
            # A plain value carries no backend of its own; the test's calls so far do.
            document["meta"] = documents.calls_backend(context.log.calls)
        secrets = context.secrets() if context else []
        if secrets:
            # One search of the JSON form for every secret: a key appears there verbatim
            # (keys have nothing JSON escapes); only then is the document copied.
            flat = json.dumps(document, ensure_ascii=False, default=str)
            if scrub.leaks(flat, secrets):
                document = scrub.redact_value(document, secrets)
        # After redaction: a placeholder must not cut a secret into parts left unredacted.
        volatile = context.volatile if context else NO_VOLATILE
        document = documents.with_placeholders(document, volatile)
        golden = GoldenText(
            props.apply(document, exclude=exclude, include=include, matcher=matcher)
        )
        golden.secrets = context.secrets if context else None
        return golden

    def read_snapshot_data_from_location(
        self, *, snapshot_location: str, snapshot_name: str, session_id: str
    ) -> Any:
        """Read a golden as text. Bytes that are not UTF-8 are replaced, not raised: the
        comparison then reports the file as not valid YAML / not a golden, naming it."""
        self._location = snapshot_location
        try:
            real = confine.project().resolve(Path(snapshot_location))
            with open(real, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def matches(self, *, serialized_data: Any, snapshot_data: Any) -> bool:
        """Requests and outputs equal under the profile (meta is kept, not compared)."""
        cache = self.context.parse_cache if self.context else None
        try:
            old = self._as_swapped(load_golden(str(snapshot_data), cache))
        except GoldenFileError:
            return False
        if isinstance(serialized_data, GoldenText) and compare.documents_match(
            old, serialized_data.document, self.profile
        ):
            return _matched(serialized_data)  # the usual case: the golden's text never made
        # As text, then as the text reads back: what a file written from it would hold.
        if str(serialized_data) == str(snapshot_data):
            return _matched(serialized_data)
        new = load_golden(str(serialized_data))
        if compare.documents_match(old, new, self.profile):
            return _matched(serialized_data)
        return self._tolerated(old, new, serialized_data)

    def _as_swapped(self, old: Any) -> Any:
        """A what-if run compares answers: the stored requests name the swapped-in models."""
        swap = self.context.swap if self.context else None
        return old if swap is None else with_swapped_models(old, swap)

    def _tolerated(self, old: Any, new: Any, serialized_data: Any) -> bool:
        """A change below ``--llmseed-fail-on`` passes; the golden is marked for the report
        (which still counts it as changed and leaves it pending)."""
        fail_on = self.context.fail_on if self.context else FailOn.ANY
        if fail_on is FailOn.ANY or not isinstance(serialized_data, GoldenText):
            return False
        found = severity.classify(old, new)
        if severity.fails(found, fail_on):
            return False
        serialized_data.tolerated = str(found)
        return True

    def diff_lines(self, serialized_data: Any, snapshot_data: Any) -> Iterator[str]:
        """Triage line, then what changed path by path (word-level for text)."""
        # Imported for a failure only: a passing run never loads the diff machinery.
        from pytest_llmseed.goldens.triage import describe_change

        new = load_golden(str(serialized_data))
        if not snapshot_data:
            yield "no golden yet: accept it with `llmseed review` or `pytest --snapshot-update`"
            if self._location and Path(self._location).is_file():
                yield f"  golden: {for_terminal(self._location)}"  # there, but empty
            return
        try:
            old = self._as_swapped(load_golden(str(snapshot_data)))
        except GoldenFileError as exc:
            problem = for_terminal(str(exc))
            yield f"cannot compare: {problem}; fix the file or rewrite it with --snapshot-update"
            yield f"  golden: {for_terminal(self._location)}"
            return
        yield from (for_terminal(line) for line in describe_change(old, new))
        yield f"(compared with profile {self.profile}; meta is kept but not compared)"


def _matched(serialized_data: Any) -> bool:
    """True, once a matched golden is settled: syrupy holds it to the session's end, unread."""
    if isinstance(serialized_data, GoldenText):
        serialized_data.settle()
    return True
