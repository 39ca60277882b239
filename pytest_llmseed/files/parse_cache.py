"""Parsed cassettes kept between runs, in pytest's cache directory, keyed by their text.

Parsing a cassette's YAML is most of the work of replaying a test. The same text always
parses to the same data, so the data is stored as JSON under a hash of the text (and of
the versions that decide the parse), and the next run reads that instead. A changed
cassette has another hash: nothing is ever stale, only unused.

The hash is keyed with a secret of this machine's user (``~/.cache/pytest-llmseed/key``,
created on first use, mode 0600), kept outside every repository: a ``.pytest_cache``
committed on a branch cannot name an entry for a cassette, so it cannot make a replay
answer what no cassette holds. Without a usable key nothing is cached. Entries unused for
``MAX_AGE_DAYS`` are removed, at most once a day; ``pytest --cache-clear`` empties the
cache and ``-p no:cacheprovider`` turns it off (every cassette is then parsed).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CACHE_NAME = "llmseed-yaml"
MAX_AGE_DAYS = 30
_DAY = 24 * 3600
_FORMAT = "2"  # bump when the stored form changes
_KEY_BYTES = 32
_PRUNED_MARK = ".pruned"


class ParseCache:
    """``load(text, parse)``: ``parse(text)``, from the cache when this text was seen."""

    def __init__(self, cache: pytest.Cache | None) -> None:
        self._cache = cache
        self._directory: Path | None = None
        self._salt = b""
        self._key: bytes | None = None

    def _dir(self) -> Path | None:
        if self._directory is None and self._cache is not None:
            import yaml

            try:
                self._directory = self._cache.mkdir(CACHE_NAME)
            except OSError:
                self._cache = None  # an unwritable cache dir: parse every time
                return None
            self._key = machine_key()
            if self._key is None:
                self._cache = self._directory = None
                return None
            # Another PyYAML could parse the same text differently.
            self._salt = f"{_FORMAT}:{yaml.__version__}\0".encode()
        return self._directory

    def load(self, text: str, parse: Callable[[str], Any]) -> Any:
        """The data of ``text``, parsed by ``parse`` or read back from an earlier parse."""
        directory = self._dir()
        if directory is None:
            return parse(text)
        import hashlib
        import json

        data_bytes = self._salt + text.encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(data_bytes, key=self._key or b"", digest_size=20)
        path = directory / f"{digest.hexdigest()}.json"
        try:
            with open(path, encoding="ascii") as handle:
                stored = handle.read()
                modified = os.fstat(handle.fileno()).st_mtime
            data = json.loads(stored)
        except (OSError, ValueError):
            pass  # not there yet, or unreadable: parse
        else:
            if time.time() - modified > _DAY:
                with contextlib.suppress(OSError):
                    os.utime(path)  # in use: keep it from pruning
            return data
        data = parse(text)
        if _plain(data, set()):
            _write(path, json.dumps(data))  # ASCII: every character survives the file
        return data

    def prune(self) -> None:
        """Remove entries unused for ``MAX_AGE_DAYS``; looks at most once a day."""
        directory = self._directory  # None when nothing was loaded this run
        if directory is None:
            return
        mark = directory / _PRUNED_MARK
        now = time.time()
        try:
            if now - mark.stat().st_mtime < _DAY:
                return
        except OSError:
            pass
        with contextlib.suppress(OSError):
            mark.touch()
            for entry in os.scandir(directory):
                if entry.name.endswith(".json") and now - entry.stat().st_mtime > (
                    MAX_AGE_DAYS * _DAY
                ):
                    os.unlink(entry.path)


def machine_key() -> bytes | None:
    """This user's secret for naming cache entries, made on first use; None if impossible."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "pytest-llmseed" / "key"
    key: bytes | None
    try:
        with open(path, "rb") as handle:
            key = handle.read(_KEY_BYTES + 1)
    except FileNotFoundError:
        key = _create_key(path)
    except OSError:
        return None
    return key if key is not None and len(key) == _KEY_BYTES else None


def _create_key(path: Path) -> bytes | None:
    """Write a new key; when another process was first, its key is the one read back."""
    import secrets

    tmp = path.with_name(f".key.{os.getpid()}-{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(_KEY_BYTES))
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # never replaces a key another process made
        with open(path, "rb") as handle:
            return handle.read(_KEY_BYTES + 1)
    except OSError:
        return None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _plain(value: Any, seen: set[int]) -> bool:
    """True when JSON gives ``value`` back as it is (no aliases, str keys, JSON types)."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return True
    if kind is not list and kind is not dict:
        return False  # bytes (!!binary), dates: kept out of the cache
    if id(value) in seen:
        return False  # a YAML alias: JSON would copy it (or never end, if recursive)
    seen.add(id(value))
    if kind is list:
        return all(_plain(item, seen) for item in value)
    return all(type(key) is str and _plain(item, seen) for key, item in value.items())


def _write(path: Path, text: str) -> None:
    """Replace ``path`` in one step; a cache that cannot be written is only slower."""
    from pytest_llmseed.files.atomic import replace_file

    with contextlib.suppress(OSError):
        replace_file(path, text.encode("ascii"), durable=False)
