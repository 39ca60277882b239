"""The syrupy ``SnapshotAssertion`` behind ``seeded_llm.snapshot``, one per test.

``snapshot.use_extension(...)`` on syrupy's ``snapshot`` fixture makes two assertions per
test: the fixture's own, with the default extension (amber), and ours. syrupy keeps both
all session and looks at each of them at its end. The fixture's own assertion matters once
per test folder: it is what makes syrupy look at that folder's ``__snapshots__`` with the
default extension too, so that old ``.ambr`` files no test uses any more are reported and
deleted (the migration path of docs/migrating.md). So the first test of each folder goes
through the fixture (it is also how a plugin reaches syrupy's session and its
``--snapshot-update`` flags); every later test of the folder gets a copy of that
assertion for its own location and our extension, the fields ``use_extension`` copies.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.base import AbstractSyrupyExtension
from syrupy.location import PyTestLocation

from pytest_llmseed.context import TestContext
from pytest_llmseed.goldens.extension import LLMSnapshotExtension

_TEMPLATES = pytest.StashKey[dict[Path, SnapshotAssertion]]()


def golden_assertion(
    request: pytest.FixtureRequest, extension_class: type[AbstractSyrupyExtension]
) -> SnapshotAssertion:
    """A snapshot assertion for ``request``'s test with ``extension_class``."""
    templates = request.config.stash.setdefault(_TEMPLATES, {})
    folder = request.node.path.parent
    template = templates.get(folder)
    if template is None:
        first: SnapshotAssertion = request.getfixturevalue("snapshot")
        templates[folder] = first
        return first.use_extension(extension_class)
    # A new dataclass instance registers itself with syrupy's session (__post_init__), as
    # the fixture's does; update flags and the session come from the template.
    return dataclasses.replace(
        template, extension_class=extension_class, test_location=PyTestLocation(request.node)
    )


def bind(assertion: SnapshotAssertion, context: TestContext) -> SnapshotAssertion:
    """Hand the test's context to the extension instance behind ``assertion``."""
    extension = assertion.extension  # syrupy's public property: made on first use, kept
    if isinstance(extension, LLMSnapshotExtension):
        extension.context = context
    return assertion
