"""The credentials one test has seen: configured keys, keys sent in requests, and the values
of the project's own secret patterns. Everything the test writes is redacted against them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pytest_llmseed.config.values import NO_USER_SECRETS, UserSecrets
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.redaction.project_secrets import pattern_matches


class Credentials:
    """Secrets to keep out of this test's files, growing as requests reveal more."""

    def __init__(self, known: Iterable[str | None], project: UserSecrets = NO_USER_SECRETS) -> None:
        self.project = project
        self._keys: set[str] = set(scrub.usable_secrets(known))
        self._found: set[str] = set()  # values of the project's patterns, however short
        # ``all()``'s answer until a new value arrives: every filter and write asks for it.
        self._all: tuple[str, ...] | None = None

    def all(self) -> list[str]:
        """Every credential seen so far, longest first (a new list: the caller's to keep)."""
        if self._all is None:
            found = set(scrub.usable_secrets(self._keys)) | self._found
            self._all = tuple(sorted(found, key=len, reverse=True))
        return list(self._all)

    def add(self, values: Iterable[str]) -> None:
        """Remember credential values a request carried (header, query parameter)."""
        before = len(self._keys)
        self._keys.update(values)
        if len(self._keys) != before:
            self._all = None

    def notice(self, body: Any) -> None:
        """Remember the values of the project's secret patterns in a body or text."""
        if self.project.patterns:
            before = len(self._found)
            self._found.update(pattern_matches(body, self.project.patterns))
            if len(self._found) != before:
                self._all = None
