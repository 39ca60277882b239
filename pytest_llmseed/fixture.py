"""The object behind the ``seeded_llm`` fixture and the life cycle of one test's traffic."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest

from pytest_llmseed.cassettes.cassette import CassetteDestination, Customization, use_cassette
from pytest_llmseed.config.settings import RunSettings, Settings
from pytest_llmseed.config.values import KEY_ENV_VARS, PLACEHOLDER_KEY_ENV_VARS
from pytest_llmseed.context import TestContext
from pytest_llmseed.errors import LLMSeedError
from pytest_llmseed.exchange.calls import CallList
from pytest_llmseed.files.escape import for_terminal
from pytest_llmseed.files.parse_cache import ParseCache
from pytest_llmseed.files.paths import relative_path
from pytest_llmseed.finish import EndOfTest, account, cassette_status
from pytest_llmseed.goldens.assertion import bind
from pytest_llmseed.goldens.documents import probe_judge
from pytest_llmseed.goldens.severity import effective_fail_on
from pytest_llmseed.hooks import NO_HOOKS, UserHooks
from pytest_llmseed.interception import refusal, transports
from pytest_llmseed.interception.aiohttp_session import intercepting_aiohttp
from pytest_llmseed.interception.clients import ClientCache, new_async_client
from pytest_llmseed.interception.intercept import Interceptor
from pytest_llmseed.interception.refusal import RefusedHosts
from pytest_llmseed.interception.swap import Swapper
from pytest_llmseed.interception.wrappers import intercepting
from pytest_llmseed.records import TestRecord
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.redaction.credentials import Credentials

if TYPE_CHECKING:
    import openai
    from syrupy.assertion import SnapshotAssertion

PLACEHOLDER_KEY = "sk-llmseed-replay-placeholder"
"""Given to clients built without a key during replay; the request never leaves the process."""


class SeededLLM:
    """What a test gets from ``seeded_llm``: the seed, clients, recorded calls, the golden."""

    def __init__(
        self,
        *,
        settings: Settings,
        cassette_path: Path,
        context: TestContext,
        snapshot: SnapshotAssertion | None,
        clients: ClientCache,
    ) -> None:
        self._settings = settings
        self._clients = clients
        self._cassette_path = cassette_path
        self._context = context
        self._snapshot = snapshot
        self._client: openai.OpenAI | None = None
        self._async_client: openai.AsyncOpenAI | None = None

    @property
    def seed(self) -> int:
        """The seed injected into this test's Chat Completions and Completions requests."""
        return self._settings.seed

    @property
    def record_mode(self) -> str:
        """The vcrpy record mode in force for this test."""
        return self._settings.record_mode

    @property
    def cassette_path(self) -> Path:
        """Where this test's cassette lives."""
        return self._cassette_path

    @property
    def calls(self) -> CallList:
        """Every LLM exchange of the test so far, in order, from any client."""
        return CallList(self._context.log.calls)

    @property
    def client(self) -> openai.OpenAI:
        """An ``openai.OpenAI`` client configured from the usual environment variables.

        Shared with the session's other tests that run with the same ``OPENAI_*`` and proxy
        settings, like a module-level client: configure a copy with ``with_options()``.
        """
        if self._client is None:
            self._client = self._clients.sync_client()
        return self._client

    @property
    def async_client(self) -> openai.AsyncOpenAI:
        """An ``openai.AsyncOpenAI`` client configured from the usual environment variables."""
        if self._async_client is None:
            self._async_client = new_async_client()
        return self._async_client

    @property
    def snapshot(self) -> SnapshotAssertion:
        """A syrupy snapshot bound to the completion golden format."""
        if self._snapshot is None:
            raise RuntimeError("seeded_llm.snapshot needs syrupy's snapshot fixture")
        return self._snapshot

    def snapshot_with(self, *, compare: str) -> SnapshotAssertion:
        """``snapshot`` for one assertion compared under another profile (e.g. ``"json"``)."""
        from pytest_llmseed.config.values import parse_profile
        from pytest_llmseed.goldens.extension import LLMSnapshotExtension

        try:
            profile = parse_profile(compare)
        except ValueError as exc:
            raise ValueError(f"seeded_llm.snapshot_with(compare={compare!r}): {exc}") from None
        extension = LLMSnapshotExtension.with_profile(profile)
        return bind(self.snapshot(extension_class=extension), self._context)

    def close(self) -> None:
        """Let go of the clients (the sync one is the session's; it is closed at the end)."""
        # The async client is only dropped: closing it needs the test's event loop, which is
        # gone by teardown, and its pool is released with it.
        self._client = self._async_client = None

    def __repr__(self) -> str:
        return (
            f"<SeededLLM seed={self.seed} record_mode={self.record_mode} "
            f"cassette={self._cassette_path} calls={len(self._context.log.calls)}>"
        )


def replays_only(settings: Settings, path: Path) -> bool:
    """True when this test cannot reach the network, so no real key is needed."""
    return settings.record_mode == "none" or (settings.record_mode == "once" and path.is_file())


class TestPlace(NamedTuple):
    """Where a test is and what the run shares with it."""

    nodeid: str
    cassette: Path
    test_dir: Path
    run: RunSettings
    clients: ClientCache
    parse_cache: ParseCache
    refused: RefusedHosts
    used_cassettes: Collection[Path] = ()
    """The resolved cassettes of the collected tests (a miss looks for a rename's beside)."""


def _miss_explainer(
    settings: Settings,
    place: TestPlace,
    context: TestContext,
    misses: list[str],
    renames: list[Path],
) -> Callable[[Exception], BaseException]:
    """What vcrpy's "no recorded answer" becomes: the test's failure, explained (noted in
    ``misses``; a probable rename's cassette in ``renames``)."""

    def on_miss(exc: Exception) -> BaseException:
        from pytest_llmseed.cassettes.misses import explain_miss  # a miss only
        from pytest_llmseed.goldens.diffs import diff_lines

        # pytest's Failed is a BaseException: the SDK's `except Exception` retry loop and
        # the application's own error handling cannot swallow a missing recording.
        # The request diff can show a key the code put in a prompt or header: redact it.
        message = scrub.redact_text(
            explain_miss(
                exc,
                f"{settings.record_mode} ({settings.ignored})"
                if settings.ignored
                else settings.record_mode,
                place.nodeid,
                settings.volatile,
                diff=lambda old, new: diff_lines(old, new, root="body"),
                match_on=settings.match_on,
                injected_seed=settings.seed if settings.inject_seed else None,
                used=place.used_cassettes,
                renames=renames,
            ),
            context.secrets(),
        )
        misses.append(message)
        return pytest.fail.Exception(message, pytrace=False)

    return on_miss


@contextmanager
def seeded_test(
    *,
    settings: Settings,
    place: TestPlace,
    snapshot: SnapshotAssertion | None,
    hooks: UserHooks = NO_HOOKS,
    on_record: Callable[[TestRecord, str | None], None],
) -> Iterator[SeededLLM]:
    """Activate seeding, the cassette and call capture for the duration of one test.

    On the way out the test's record (and its first golden's path) go to ``on_record``.
    """
    updating = snapshot is not None and snapshot.update_snapshots
    context = TestContext(
        nodeid=place.nodeid,
        settings=settings,
        credentials=Credentials(
            [*(os.environ.get(name) for name in KEY_ENV_VARS), PLACEHOLDER_KEY],
            settings.secrets,
        ),
        parse_cache=place.parse_cache,
        fail_on=effective_fail_on(place.run.fail_on, updating=updating),
        swap=place.run.swap,
    )
    interceptor = Interceptor(
        context,
        hooks=hooks,
        refused=place.refused,
        probe=place.run.probe,
        judge=probe_judge(settings.compare) if place.run.probe > 1 else None,
        swapper=Swapper(place.run.swap, context.swapped) if place.run.swap else None,
    )
    misses: list[str] = []
    renames: list[Path] = []

    on_miss = _miss_explainer(settings, place, context, misses, renames)

    destination = CassetteDestination(place.cassette)
    with ExitStack() as stack:
        if replays_only(settings, place.cassette):
            patch = stack.enter_context(pytest.MonkeyPatch.context())
            for name in PLACEHOLDER_KEY_ENV_VARS:
                if not os.environ.get(name):
                    patch.setenv(name, PLACEHOLDER_KEY)
        failure: str | None = None
        # Taken before vcrpy patches them: where traffic that is not an LLM's goes.
        before = transports.current_methods()
        try:
            cassette = stack.enter_context(
                use_cassette(
                    place.cassette,
                    settings.record_mode,
                    context.secrets,
                    settings.seed if settings.inject_seed else None,
                    destination=destination,
                    parse_cache=place.parse_cache,
                    custom=Customization(
                        settings.volatile,
                        settings.secrets.headers,
                        hooks,
                        context.credentials.notice,
                        refusal.refuses_our_seed,
                        settings.match_on,
                        settings.record_hosts,
                    ),
                )
            )
        except LLMSeedError as exc:
            failure = for_terminal(str(exc), multiline=True)
        if failure is not None:
            # Failed outside the except block: the message alone, not chained to a copy.
            pytest.fail(failure, pytrace=False)
        interceptor.cassette = cassette
        if place.run.swap is not None:
            # vcrpy's "all" keeps loaded exchanges nothing re-recorded (the old model's
            # requests): a what-if recording holds only what the other model answered.
            cassette.drop_unused_requests = True
        stack.enter_context(intercepting(interceptor, on_miss, before))
        stack.enter_context(intercepting_aiohttp(interceptor, on_miss))
        if snapshot is not None:
            bind(snapshot, context)
        llm = SeededLLM(
            settings=settings,
            cassette_path=place.cassette,
            context=context,
            snapshot=snapshot,
            clients=place.clients,
        )
        stack.callback(llm.close)
        try:
            yield llm
        finally:
            status = cassette_status(
                missed=bool(misses), recorded=bool(cassette.dirty), calls=len(context.log.calls)
            )
            renamed = relative_path(renames[0], place.run.rootdir) if renames else None
            end = EndOfTest(
                place.nodeid, place.cassette, status, snapshot, place.run, place.test_dir, renamed
            )

            def save_cassette(cassette_pending: Path | None) -> None:
                nonlocal failure
                if cassette_pending is not None:
                    # The cassette is saved when its context closes: to the pending file.
                    destination.divert(cassette_pending)
                try:
                    stack.close()
                except LLMSeedError as exc:
                    failure = for_terminal(str(exc), multiline=True)

            ended = account(context, end, save_cassette=save_cassette)
            on_record(ended.record, ended.golden_first)
            if failure is not None:
                pytest.fail(failure, pytrace=False)
