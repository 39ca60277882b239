"""The object behind the ``seeded_llm`` fixture and the life cycle of one test's traffic."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

from pytest_llmseed.cassettes.cassette import Customization, use_cassette
from pytest_llmseed.config.settings import RunContext, Settings
from pytest_llmseed.errors import LLMSeedError
from pytest_llmseed.exchange.calls import ACTIVE_LOG, CallList
from pytest_llmseed.files.escape import terminal
from pytest_llmseed.files.parse_cache import ParseCache
from pytest_llmseed.finish import TestEnd, account, cassette_status
from pytest_llmseed.goldens.fileformat import ACTIVE_PARSE_CACHE
from pytest_llmseed.goldens.severity import failing_on
from pytest_llmseed.hooks import NO_HOOKS, UserHooks
from pytest_llmseed.interception.clients import ClientCache, new_async_client
from pytest_llmseed.interception.intercept import Recorder, intercepting
from pytest_llmseed.interception.refusal import RefusedHosts
from pytest_llmseed.records import TestRecord
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.redaction import volatile as volatile_parts

if TYPE_CHECKING:
    import openai
    from syrupy.assertion import SnapshotAssertion

T = TypeVar("T")

PLACEHOLDER_KEY = "sk-llmseed-replay-placeholder"
"""Given to clients built without a key during replay; the request never leaves the process."""

KEY_ENV_VARS = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")


class SeededLLM:
    """What a test gets from ``seeded_llm``: the seed, clients, recorded calls, the golden."""

    def __init__(
        self,
        *,
        settings: Settings,
        cassette_path: Path,
        recorder: Recorder,
        snapshot: SnapshotAssertion | None,
        clients: ClientCache,
    ) -> None:
        self._settings = settings
        self._clients = clients
        self._cassette_path = cassette_path
        self._recorder = recorder
        self._snapshot = snapshot
        self.record: TestRecord | None = None
        """What happened in this test; set when the test's LLM session ends."""
        self.golden_first: str | None = None
        """The test's first golden file, relative to the rootdir (its others share the stem)."""
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
        return CallList(self._recorder.log.calls)

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
        return self.snapshot(extension_class=LLMSnapshotExtension.with_profile(profile))

    def close(self) -> None:
        """Let go of the clients (the sync one is the session's; it is closed at the end)."""
        # The async client is only dropped: closing it needs the test's event loop, which is
        # gone by teardown, and its pool is released with it.
        self._client = self._async_client = None

    def __repr__(self) -> str:
        return (
            f"<SeededLLM seed={self.seed} record_mode={self.record_mode} "
            f"cassette={self._cassette_path} calls={len(self._recorder.log.calls)}>"
        )


def replays_only(settings: Settings, path: Path) -> bool:
    """True when this test cannot reach the network, so no real key is needed."""
    return settings.record_mode == "none" or (settings.record_mode == "once" and path.is_file())


@contextmanager
def llm_session(
    *,
    settings: Settings,
    path: Path,
    nodeid: str,
    snapshot: SnapshotAssertion | None,
    run: RunContext,
    test_dir: Path,
    clients: ClientCache,
    parse_cache: ParseCache,
    hooks: UserHooks = NO_HOOKS,
    refused: RefusedHosts | None = None,
) -> Iterator[SeededLLM]:
    """Activate seeding, the cassette and call capture for the duration of one test.

    On the way out ``_account`` works out what happened and leaves it in ``llm.record``.
    """
    recorder = Recorder(
        seed=settings.seed,
        inject=settings.inject_seed,
        known_secrets=[*(os.environ.get(name) for name in KEY_ENV_VARS), PLACEHOLDER_KEY],
        user_secrets=settings.secrets,
        hooks=hooks,
        refused=refused,
        probe=run.probe,
        profile=settings.compare,
    )
    misses: list[str] = []

    def on_miss(exc: Exception) -> BaseException:
        from pytest_llmseed.cassettes.misses import explain_miss  # a miss only

        # pytest's Failed is a BaseException: the SDK's `except Exception` retry loop and
        # the application's own error handling cannot swallow a missing recording.
        # The request diff can show a key the code put in a prompt or header: redact it.
        message = scrub.redact_text(
            explain_miss(exc, settings.record_mode, nodeid, settings.volatile),
            recorder.secrets(),
        )
        misses.append(message)
        return pytest.fail.Exception(message, pytrace=False)

    redirect: list[Path] = []
    with ExitStack() as stack:
        if replays_only(settings, path):
            patch = stack.enter_context(pytest.MonkeyPatch.context())
            for name in KEY_ENV_VARS:
                if not os.environ.get(name):
                    patch.setenv(name, PLACEHOLDER_KEY)
        failure: str | None = None
        try:
            cassette = stack.enter_context(
                use_cassette(
                    path,
                    settings.record_mode,
                    recorder.secrets,
                    settings.seed if settings.inject_seed else None,
                    save_to=lambda original: redirect[0] if redirect else original,
                    parse_cache=parse_cache,
                    custom=Customization(
                        settings.volatile, settings.secrets.headers, hooks, recorder.notice
                    ),
                )
            )
        except LLMSeedError as exc:
            failure = terminal(str(exc), multiline=True)
        if failure is not None:
            # Failed outside the except block: the message alone, not chained to a copy.
            pytest.fail(failure, pytrace=False)
        stack.enter_context(intercepting(recorder, on_miss))
        stack.enter_context(scrub.secrets_in_use(recorder.secrets))
        _set_for_the_test(stack, ACTIVE_LOG, recorder.log)
        _set_for_the_test(stack, ACTIVE_PARSE_CACHE, parse_cache)
        _set_for_the_test(stack, volatile_parts.ACTIVE, settings.volatile)
        updating = snapshot is not None and snapshot.update_snapshots
        stack.enter_context(failing_on(run.fail_on, updating=updating))
        llm = SeededLLM(
            settings=settings,
            cassette_path=path,
            recorder=recorder,
            snapshot=snapshot,
            clients=clients,
        )
        stack.callback(llm.close)
        try:
            yield llm
        finally:
            status = cassette_status(
                missed=bool(misses), recorded=bool(cassette.dirty), calls=len(recorder.log.calls)
            )
            account(
                llm,
                TestEnd(nodeid, path, status, snapshot, run, test_dir),
                redirect,
            )
            try:
                stack.close()
            except LLMSeedError as exc:
                failure = terminal(str(exc), multiline=True)
            if failure is not None:
                pytest.fail(failure, pytrace=False)


def _set_for_the_test(stack: ExitStack, var: ContextVar[T], value: T) -> None:
    """Set a context variable the golden extension reads, until the test's stack closes."""
    stack.callback(var.reset, var.set(value))
