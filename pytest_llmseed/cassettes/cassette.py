"""vcrpy for one test: the cassette activated with our record mode, matching, hooks, storage."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from pytest_llmseed.cassettes.matching import HostPreference, matchers_for
from pytest_llmseed.cassettes.storage import CachedSerializer, CassettePersister
from pytest_llmseed.config.settings import DEFAULT_MATCH_ON
from pytest_llmseed.config.values import NO_VOLATILE, Volatile
from pytest_llmseed.errors import CassetteFileError, CompressedBodyError
from pytest_llmseed.exchange import encoding
from pytest_llmseed.files.parse_cache import ParseCache
from pytest_llmseed.hooks import NO_HOOKS, UserHooks
from pytest_llmseed.providers.registry import adapter_for_request
from pytest_llmseed.providers.sdks import is_llm_request
from pytest_llmseed.redaction import secrets as scrub


class Customization(NamedTuple):
    """What the project configured about recording: volatile parts, secrets, hooks."""

    volatile: Volatile = NO_VOLATILE
    secret_headers: frozenset[str] = frozenset()
    hooks: UserHooks = NO_HOOKS
    notice: Callable[[Any], None] | None = None
    """Told every response body before it is scrubbed (finds the project's secret values)."""
    refuses_our_seed: Callable[[Any], bool] | None = None
    """Whether a 400's body refuses the seed injected into the request in flight (that
    answer is not recorded: the request is sent again without it)."""
    match_on: tuple[str, ...] = DEFAULT_MATCH_ON
    """What a live request must share with a recorded one (``llmseed_match_on``)."""
    record_hosts: frozenset[str] = frozenset()
    """Hosts whose raw (non-SDK) HTTP is recorded too (``llmseed_record_hosts``)."""


NO_CUSTOMIZATION = Customization()


def is_transient(status: int) -> bool:
    """Answers the SDK retries (and a test must not keep as the truth)."""
    return status in (408, 409, 429) or status >= 500


_SDK_PATCHERS = ("httpx", "httpx2", "aiohttp")


@functools.cache
def _installed_patchers() -> frozenset[str]:
    """The SDK's HTTP libraries that are installed (vcrpy's patcher names are theirs).

    vcrpy's patcher for a library that is not installed tries to import it for every
    test, and a failed import is not remembered: a search of the whole path each time.
    What is not installed when the session starts cannot send during it.
    """
    import importlib.util

    return frozenset(name for name in _SDK_PATCHERS if importlib.util.find_spec(name) is not None)


# Record modes in which vcrpy never writes back what it loaded ("once" loads only a
# cassette that exists, and then refuses new requests).
_READ_ONLY_MODES = ("none", "once")


@contextmanager
def use_cassette(
    path: Path,
    record_mode: str,
    secrets: Callable[[], list[str]],
    injected_seed: int | None,
    *,
    destination: CassetteDestination | None = None,
    parse_cache: ParseCache,
    custom: Customization = NO_CUSTOMIZATION,
) -> Iterator[Any]:
    """Activate vcrpy with the plugin's matching, scrubbing and storage for one test."""
    from vcr.cassette import Cassette
    from vcr.patch import PATCHER_NAMES
    from vcr.record_mode import RecordMode

    filters = _RecordFilters(path, record_mode, secrets, custom)
    persister = CassettePersister(secrets)
    match_on = matchers_for(custom.match_on, injected_seed, custom.volatile)
    same_host = None
    if "host" not in custom.match_on:
        same_host = HostPreference(match_on)
        match_on = (*match_on, same_host)
    # vcrpy's Cassette with the hooks as they are. (vcrpy's VCR configuration object would
    # wrap them in a filter that deep-copies the request on every one of its calls.)
    context = Cassette.use(
        path=str(path),
        serializer=CachedSerializer(parse_cache),
        persister=persister if destination is None else _DivertableSave(persister, destination),
        record_mode=RecordMode(record_mode),
        match_on=match_on,
        before_record_request=filters.request,
        before_record_response=filters.response,
        # The OpenAI SDK sends through httpx2 (3.x), httpx (1.x, 2.x, a legacy client on
        # 3.x) or, with its aiohttp client (and litellm's async calls), aiohttp. Patches
        # for the other HTTP libraries vcrpy knows would be built and entered for every
        # test and intercept nothing; an uninstalled library is skipped too.
        skip_patchers=[name for name in PATCHER_NAMES if name not in _installed_patchers()],
    )
    with context as cassette:
        filters.loading = False
        filters.live = True
        if same_host is not None:
            same_host.cassette = cassette
        yield cassette


class _RecordFilters:
    """vcrpy's ``before_record_request`` / ``_response`` for one test: scrubbing, then the
    project's ``pytest_llmseed_before_record_*`` hooks."""

    def __init__(
        self, path: Path, record_mode: str, secrets: Callable[[], list[str]], custom: Customization
    ) -> None:
        # While vcrpy loads the file, its interactions pass through these filters. They
        # were scrubbed when written, and in a read-only mode they are never written again:
        # scrubbing them once more would copy every body and parse an SSE stream event by
        # event, for nothing.
        self.loading = record_mode in _READ_ONLY_MODES
        self.live = False
        """Set once vcrpy has loaded the file: requests filtered from then on are live."""
        self._path = path
        self._secrets = secrets
        self._custom = custom
        self._scrubbed: dict[int, tuple[Any, Any]] = {}
        # Replay never goes to the network: a live request a hook drops stays a miss there.
        self._replay_only = record_mode == "none" or (record_mode == "once" and path.is_file())

    def request(self, request: Any) -> Any:
        """A request as matching compares it and the cassette stores it (None: unrecorded)."""
        user = self._custom.hooks.before_record_request
        headers = self._custom.secret_headers
        if self.loading:
            # Scrubbed only if it could change what matching compares with the (scrubbed)
            # live request: a key in the URL or body of a cassette recorded by plain vcrpy.
            found = self._secrets()
            if scrub.may_hold_secrets(request, found):
                request = scrub.scrub_request(request, found, headers)
            return request if user is None else user(request)
        # vcrpy filters the same live request several times while matching it: scrub it
        # once. The scrubbed copy is a new object; the request itself is left as it is.
        # Our own mapping (by identity, the objects kept alive with it for the test), not
        # attributes on vcrpy's objects.
        known = self._scrubbed.get(id(request))
        if known is not None and known[0] is request:
            return known[1]
        if self.live and not is_llm_request(
            request.headers, request.host, self._custom.record_hosts
        ):
            # Not LLM traffic (a test's own HTTP): vcrpy sends it on, neither matched nor
            # recorded. (httpx's never gets here: interception passes it by vcrpy.)
            return None
        found = self._secrets()
        if self._replay_only and user is None and not scrub.may_hold_secrets(request, found):
            # Never written, and matching compares no header: nothing to take out.
            self._scrubbed[id(request)] = (request, request)
            return request
        clean = scrub.scrub_request(request, found, headers)
        if user is not None:
            changed = user(clean)
            clean = clean if changed is None and self._replay_only else changed
        self._scrubbed[id(request)] = (request, clean)
        if clean is not None:
            self._scrubbed[id(clean)] = (clean, clean)
        return clean

    def _refuses_our_seed(self, response: dict[str, Any]) -> bool:
        body = (response.get("body") or {}).get("string")
        judge = self._custom.refuses_our_seed
        return judge is not None and isinstance(body, bytes | str) and judge(body)

    def response(self, response: dict[str, Any]) -> dict[str, Any] | None:
        """A response as the cassette stores it (None: unrecorded)."""
        # vcrpy hands over its own copy of the response: changing it in place is safe.
        status = int(response["status"]["code"])
        if is_transient(status):
            return None
        response = _decoded(response, self._path)
        refused = status == 400 and self._refuses_our_seed(response)
        if refused and not self.loading:
            return None  # sent again without our seed: that answer is the truth
        if not self.loading:
            if self._custom.notice is not None:
                self._custom.notice((response.get("body") or {}).get("string"))
            response = scrub.scrub_response(response, self._secrets(), self._custom.secret_headers)
        user = self._custom.hooks.before_record_response
        result: dict[str, Any] | None = response if user is None else user(response)
        return result


def _decoded(response: dict[str, Any], path: Path) -> dict[str, Any]:
    """The response with a compressed body decoded (stored readable), within
    ``encoding.MAX_DECODED``; an encoding the plugin does not read is left to vcrpy."""
    if not any(name.lower() == "content-encoding" for name in response.get("headers") or {}):
        return response  # the usual case
    try:
        return encoding.decoded_response(response)
    except CompressedBodyError as exc:
        if exc.unsupported is None:
            raise CassetteFileError(path, f"an answer was not recorded: {exc.problem}") from None
    # An encoding whose library decodes without a bound (brotli before 1.2), from a live
    # server the client asked for it: vcrpy decodes it with that library.
    from vcr.filters import decode_response

    decoded: dict[str, Any] = decode_response(response)
    return decoded


class CassetteDestination:
    """Where a test's cassette is saved when its context closes: its own path, unless the
    end of the test diverts it to a pending file (a golden drifted while it recorded)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def divert(self, pending: Path) -> None:
        """Save the cassette to ``pending`` instead (call before the cassette closes)."""
        self.path = pending


class _DivertableSave:
    """Loads from the cassette's path, saves where its ``CassetteDestination`` says."""

    def __init__(self, inner: CassettePersister, destination: CassetteDestination) -> None:
        self._inner = inner
        self._destination = destination

    def load_cassette(self, cassette_path: str | Path, serializer: Any) -> Any:
        return self._inner.load_cassette(cassette_path, serializer)

    def save_cassette(
        self, cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any
    ) -> None:
        self._inner.save_cassette(self._destination.path, cassette_dict, serializer)


def play_counts(cassette: Any) -> dict[int, int]:
    """How often each recorded interaction of vcrpy's ``cassette`` has been played."""
    return dict(cassette.play_counts)


def played_unseeded(cassette: Any, before: dict[int, int]) -> bool:
    """Whether the interactions played since ``before`` (``play_counts``) were all recorded
    from requests without a seed (plain vcrpy, pytest-recording, ``inject_seed=False``)."""
    played = [i for i, n in cassette.play_counts.items() if n > before.get(i, 0)]
    recorded = cassette.requests
    return bool(played) and not any(_carries_seed(recorded[i]) for i in played)


def _carries_seed(request: Any) -> bool:
    """Whether a recorded request has a seed, where its provider puts one."""
    try:
        data = json.loads(request.body) if request.body else None
    except ValueError:
        return False
    adapter = adapter_for_request(request.method, request.uri, request.headers)
    return isinstance(data, dict) and adapter.request_seed(data)[1] is not None
