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

    def all(self) -> list[str]:
        """Every credential seen so far, longest first."""
        if not self._found:
            return scrub.usable_secrets(self._keys)
        found = set(scrub.usable_secrets(self._keys)) | self._found
        return sorted(found, key=len, reverse=True)

    def add(self, values: Iterable[str]) -> None:
        """Remember credential values a request carried (header, query parameter)."""
        self._keys.update(values)

    def notice(self, body: Any) -> None:
        """Remember the values of the project's secret patterns in a body or text."""
        if self.project.patterns:
            self._found.update(pattern_matches(body, self.project.patterns))
