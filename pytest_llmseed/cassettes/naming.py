"""Where a test's cassette lives, and which cassettes no collected test uses."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from pytest_llmseed.config.values import KEY_ENV_VARS, MIN_SECRET_LENGTH
from pytest_llmseed.files.confine import CASSETTE_DIRNAME

# The name syrupy gives the test's golden, without its suffix: syrupy drops these characters
# and every Unicode control or format character (category C), and so do we, so that a
# cassette and its golden share one stem (``test[xfcn].yaml`` beside ``test[xfcn].llm.yaml``).
_SYRUPY_DROPPED = frozenset('\\/?*:|"<>')
# Characters pytest-recording replaces with "-": the name cassettes had before, still found.
_FORBIDDEN = re.compile(r"[<>?%*:|\"'/\\\x00-\x1f\x7f]")
# syrupy keeps a golden's stem within 255 - len(".llm.yaml") characters; longer names get a
# digest here instead of syrupy's cut, so two long ids never share a cassette.
_MAX_NAME = 246


# Where a test id holds a secret, a file name and the id show this (with a digest of the
# value, so two parametrized keys keep two files) instead.
REDACTED_ID = "llmseed-redacted-"


def redacted_id(secret: str) -> str:
    """What stands for ``secret`` in a test id or a file name: stable, and not the value."""
    return REDACTED_ID + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def env_keys() -> list[str]:
    """The API keys in the environment, longest first (short values are no keys)."""
    values = (os.environ.get(name, "").strip() for name in KEY_ENV_VARS)
    return sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


def may_hold_keys(name: str) -> bool:
    """Whether a test's name can hold an API key: only a parametrized id (``[...]``) puts a
    value into a name, so a plain function's name needs no look at the environment."""
    return "[" in name


def without_secrets(name: str, secrets: list[str]) -> str:
    """``name`` (a test id, a file name) with each of ``secrets`` (longest first) replaced."""
    for secret in secrets:  # a handful of keys in a short name
        if secret in name:
            name = name.replace(secret, redacted_id(secret))
    return name


def pattern_secrets(name: str, patterns: Iterable[re.Pattern[str]]) -> list[str]:
    """The values of ``llmseed_secret_patterns`` that ``name`` (a test id) holds, longest first.
    A parameter's value is replaced in its id already; an explicit ``ids=`` entry is not."""
    found = {m[0] for pattern in patterns for m in pattern.finditer(name) if m[0]}
    return sorted(found, key=len, reverse=True)


def _within_limit(name: str) -> str:
    if len(name) > _MAX_NAME:
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        name = f"{name[: _MAX_NAME - 11]}-{digest}"
    return name


def cassette_name(class_name: str | None, test_name: str) -> str:
    """``Class.test[param]`` cleaned as syrupy cleans the golden's name: the same stem (an API
    key in it replaced, as the golden's name has it)."""
    name = f"{class_name}.{test_name}" if class_name else test_name
    if may_hold_keys(name):
        name = without_secrets(name, env_keys())
    name = "".join(
        c for c in name if c not in _SYRUPY_DROPPED and not unicodedata.category(c).startswith("C")
    )
    return _within_limit(name)


def legacy_cassette_name(class_name: str | None, test_name: str) -> str:
    """The name cassettes had before (pytest-recording's: unsafe characters replaced by ``-``)."""
    name = f"{class_name}.{test_name}" if class_name else test_name
    name = _FORBIDDEN.sub("-", name)
    if len(name) > 150:
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        name = f"{name[:139]}-{digest}"
    return name


def cassette_names(
    test_file: Path, class_name: str | None, test_name: str, cassette_dir: Path | None
) -> tuple[Path, Path]:
    """``<dir>/cassettes/<module>/<test name>.yaml`` (or under ``cassette_dir`` if given),
    and the same under the earlier name (pytest-recording's; the same path where they agree)."""
    base = (cassette_dir if cassette_dir is not None else test_file.parent / CASSETTE_DIRNAME) / (
        test_file.stem
    )
    return (
        base / f"{cassette_name(class_name, test_name)}.yaml",
        base / f"{legacy_cassette_name(class_name, test_name)}.yaml",
    )


def cassette_path(
    test_file: Path, class_name: str | None, test_name: str, cassette_dir: Path | None
) -> Path:
    """The test's cassette: ``cassette_names``' first, or, while no cassette has that name,
    one recorded under the earlier name (it keeps replaying)."""
    path, old = cassette_names(test_file, class_name, test_name, cassette_dir)
    if old != path and not path.exists() and old.is_file():
        return old
    return path


def unused_cassettes(
    directories: dict[Path, str],
    *,
    expected: set[Path],
    skip_modules: set[str],
    rootdir: Path,
) -> list[str]:
    """Cassettes in the modules' default directories that no collected test uses.

    ``directories`` maps each module's cassette directory (resolved) to its test file, and
    ``expected`` holds resolved directories joined with file names, deselected tests'
    included (a CI shard judges as a full run would); ``skip_modules`` are not judged.
    """
    from pytest_llmseed.files.paths import relative_path

    # Both sides are a resolved directory joined with the file name.
    return [
        relative_path(path, rootdir)
        for directory, module in sorted(directories.items())
        if module not in skip_modules and directory.is_dir()
        for path in sorted(directory.glob("*.yaml"))
        if path not in expected
    ]
