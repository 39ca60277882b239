"""The object behind the ``seeded_llm`` fixture and the life cycle of one test's traffic."""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .calls import ACTIVE_LOG, CallList
from .cassettes import explain_miss, use_cassette
from .config import Settings
from .errors import LLMSeedError
from .intercept import Recorder, intercepting

if TYPE_CHECKING:
    import openai
    from syrupy.assertion import SnapshotAssertion

PLACEHOLDER_KEY = "sk-llmseed-replay-placeholder"
"""Given to clients built without a key during replay; the request never leaves the process."""

KEY_ENV_VARS = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for the session: building one per client costs milliseconds each."""
    import httpx2

    return httpx2.create_ssl_context()


class SeededLLM:
    """What a test gets from ``seeded_llm``: the seed, clients, recorded calls, the golden."""

    def __init__(
        self,
        *,
        settings: Settings,
        cassette_path: Path,
        recorder: Recorder,
        snapshot: SnapshotAssertion | None,
    ) -> None:
        self._settings = settings
        self._cassette_path = cassette_path
        self._recorder = recorder
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
        return CallList(self._recorder.log.calls)

    @property
    def client(self) -> openai.OpenAI:
        """An ``openai.OpenAI`` client configured from the usual environment variables."""
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                http_client=openai.DefaultHttpxClient(verify=shared_ssl_context())
            )
        return self._client

    @property
    def async_client(self) -> openai.AsyncOpenAI:
        """An ``openai.AsyncOpenAI`` client configured from the usual environment variables."""
        if self._async_client is None:
            import openai

            self._async_client = openai.AsyncOpenAI(
                http_client=openai.DefaultAsyncHttpxClient(verify=shared_ssl_context())
            )
        return self._async_client

    @property
    def snapshot(self) -> SnapshotAssertion:
        """A syrupy snapshot bound to the completion golden format."""
        if self._snapshot is None:
            raise RuntimeError("seeded_llm.snapshot needs syrupy's snapshot fixture")
        return self._snapshot

    def snapshot_with(self, *, compare: str) -> SnapshotAssertion:
        """``snapshot`` for one assertion compared under another profile (e.g. ``"json"``)."""
        from .compare_profiles import parse_profile
        from .snapshots import LLMSnapshotExtension

        try:
            profile = parse_profile(compare)
        except ValueError as exc:
            raise ValueError(f"seeded_llm.snapshot_with(compare={compare!r}): {exc}") from None
        return self.snapshot(extension_class=LLMSnapshotExtension.with_profile(profile))

    def close(self) -> None:
        """Close the clients this object built (connections, not the cassette)."""
        if self._client is not None:
            self._client.close()
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
) -> Iterator[SeededLLM]:
    """Activate seeding, the cassette and call capture for the duration of one test."""
    recorder = Recorder(
        seed=settings.seed,
        inject=settings.inject_seed,
        known_secrets=[*(os.environ.get(name) for name in KEY_ENV_VARS), PLACEHOLDER_KEY],
    )

    def on_miss(exc: Exception) -> BaseException:
        # pytest's Failed is a BaseException: the SDK's `except Exception` retry loop and
        # the application's own error handling cannot swallow a missing recording.
        return pytest.fail.Exception(explain_miss(exc, settings.record_mode, nodeid), pytrace=False)

    with ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        if replays_only(settings, path):
            for name in KEY_ENV_VARS:
                if not os.environ.get(name):
                    patch.setenv(name, PLACEHOLDER_KEY)
        try:
            stack.enter_context(
                use_cassette(
                    path,
                    settings.record_mode,
                    recorder.secrets,
                    settings.seed if settings.inject_seed else None,
                )
            )
        except LLMSeedError as exc:
            pytest.fail(str(exc), pytrace=False)
        stack.enter_context(intercepting(recorder, on_miss))
        token = ACTIVE_LOG.set(recorder.log)
        stack.callback(ACTIVE_LOG.reset, token)
        llm = SeededLLM(settings=settings, cassette_path=path, recorder=recorder, snapshot=snapshot)
        stack.callback(llm.close)
        try:
            yield llm
        finally:
            try:
                stack.close()
            except LLMSeedError as exc:
                pytest.fail(str(exc), pytrace=False)
