"""One test's LLM state, made by the ``seeded_llm`` fixture and handed to what needs it.

The fixture builds one ``TestContext`` per test and passes it explicitly: to the
transport wrappers (``interception.intercept.Interceptor``), to the cassette's record
filters, and to the golden extension instance behind ``seeded_llm.snapshot`` (its
``context`` attribute, set when the assertion is made). Nothing finds it implicitly.

The one implicit lookup of the plugin is per request, not per test:
``interception.refusal.OUR_SEED_IN_FLIGHT`` tells vcrpy's ``before_record_response``
callback (which sees only a response) whether the request being answered carries the seed
we injected. It is a ``ContextVar`` because concurrent async requests of one test each
need their own answer. Run-wide, ``files.confine.project()`` is the confinement area of the
run (set when pytest configures the plugin), which syrupy's class-level writes need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_llmseed.exchange.calls import CallLog
from pytest_llmseed.records import FailOn

if TYPE_CHECKING:
    from pytest_llmseed.config.settings import Settings
    from pytest_llmseed.config.values import ModelSwap, Volatile
    from pytest_llmseed.files.parse_cache import ParseCache
    from pytest_llmseed.redaction.credentials import Credentials


@dataclass
class TestContext:
    """What one test's traffic, cassette and goldens share."""

    __test__ = False  # a test module that imports it must not try to collect it

    nodeid: str
    settings: Settings
    credentials: Credentials
    parse_cache: ParseCache | None = None
    fail_on: FailOn = FailOn.ANY
    """The drift severity that fails a golden (``any`` while goldens are being updated)."""
    log: CallLog = field(default_factory=CallLog)
    """The test's LLM exchanges, in order (``seeded_llm.calls``)."""
    swap: ModelSwap | None = None
    """``--llmseed-swap-model``: a what-if run's model swaps (None: not one)."""
    swapped: set[str] = field(default_factory=set)
    """What-if runs: the ``FROM`` of each model swap the test's requests matched."""

    @property
    def volatile(self) -> Volatile:
        """The volatile request parts in force for the test."""
        return self.settings.volatile

    def secrets(self) -> list[str]:
        """Every credential the test has seen so far, to redact from what it writes."""
        return self.credentials.all()
