"""The syrupy ``SnapshotAssertion`` behind ``seeded_llm.snapshot``, one per test.

``snapshot.use_extension(...)`` on syrupy's ``snapshot`` fixture makes two assertions per
test: the fixture's own, with the default (amber) extension, and ours. syrupy keeps both
all session, and at the end scans each test directory's ``__snapshots__`` once per
extension it saw there, so the amber one, never asserted on, cost a second scan of every
golden. The first test still goes through the fixture (it is how a plugin reaches syrupy's
session and its ``--snapshot-update`` flags); every later test gets a copy of that
assertion for its own location and our extension, the same fields ``use_extension`` copies.
"""

from __future__ import annotations

import dataclasses

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.base import AbstractSyrupyExtension
from syrupy.location import PyTestLocation

_TEMPLATE = pytest.StashKey[SnapshotAssertion]()


def golden_assertion(
    request: pytest.FixtureRequest, extension_class: type[AbstractSyrupyExtension]
) -> SnapshotAssertion:
    """A snapshot assertion for ``request``'s test with ``extension_class``."""
    template: SnapshotAssertion | None = request.config.stash.get(_TEMPLATE, None)
    if template is None:
        template = request.config.stash[_TEMPLATE] = request.getfixturevalue("snapshot")
        return template.use_extension(extension_class)
    # A new dataclass instance registers itself with syrupy's session (__post_init__), as
    # the fixture's does; update flags and the session come from the template.
    return dataclasses.replace(
        template, extension_class=extension_class, test_location=PyTestLocation(request.node)
    )
