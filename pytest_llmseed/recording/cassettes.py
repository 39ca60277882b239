"""vcrpy for one test: the cassette activated with our record mode, matching, hooks, storage."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from ..files.parse_cache import ParseCache
from ..hooks import NO_HOOKS, UserHooks
from . import scrub
from .matching import json_body_matcher, query_matcher
from .storage import CachedSerializer, CassettePersister
from .volatile import NO_VOLATILE, Volatile


class Customization(NamedTuple):
    """What the project configured about recording: volatile parts, secrets, hooks."""

    volatile: Volatile = NO_VOLATILE
    secret_headers: frozenset[str] = frozenset()
    hooks: UserHooks = NO_HOOKS
    notice: Callable[[Any], None] | None = None
    """Told every response body before it is scrubbed (finds the project's secret values)."""


NO_CUSTOMIZATION = Customization()


def is_transient(status: int) -> bool:
    """Answers the SDK retries (and a test must not keep as the truth)."""
    return status in (408, 409, 429) or status >= 500


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
    save_to: Callable[[Path], Path] | None = None,
    parse_cache: ParseCache,
    custom: Customization = NO_CUSTOMIZATION,
) -> Iterator[Any]:
    """Activate vcrpy with the plugin's matching, scrubbing and storage for one test."""
    from vcr import matchers
    from vcr.cassette import Cassette
    from vcr.patch import PATCHER_NAMES
    from vcr.record_mode import RecordMode

    # While vcrpy loads the file, its interactions pass through the hooks below. They were
    # scrubbed when written, and in a read-only mode they are never written again: scrubbing
    # them once more (copies of every body, an SSE stream parsed event by event) was most of
    # the cost of replaying a long stream.
    loading = [record_mode in _READ_ONLY_MODES]
    scrubbed: dict[int, tuple[Any, Any]] = {}
    user_request = custom.hooks.before_record_request
    user_response = custom.hooks.before_record_response
    # Replay never goes to the network: a live request a hook drops stays a miss there.
    replay_only = record_mode == "none" or (record_mode == "once" and path.is_file())

    def before_record_request(request: Any) -> Any:
        if loading[0]:
            # Scrubbed only if it could change what matching compares with the (scrubbed)
            # live request: a key in the URL or body of a cassette recorded by plain vcrpy.
            found = secrets()
            if scrub.may_hold_secrets(request, found):
                request = scrub.scrub_request(request, found, custom.secret_headers)
            return request if user_request is None else user_request(request)
        # vcrpy filters the same live request several times while matching it: scrub it
        # once. The scrubbed copy is a new object; the request itself is left as it is.
        # Our own mapping (by identity, the objects kept alive with it for the test), not
        # attributes on vcrpy's objects.
        known = scrubbed.get(id(request))
        if known is not None and known[0] is request:
            return known[1]
        clean = scrub.scrub_request(request, secrets(), custom.secret_headers)
        if user_request is not None:
            changed = user_request(clean)
            clean = clean if changed is None and replay_only else changed
        scrubbed[id(request)] = (request, clean)
        if clean is not None:
            scrubbed[id(clean)] = (clean, clean)
        return clean

    def before_record_response(response: dict[str, Any]) -> dict[str, Any] | None:
        # vcrpy hands over its own copy of the response: changing it in place is safe.
        if is_transient(int(response["status"]["code"])):
            return None
        response = _decoded(response)
        if not loading[0]:
            if custom.notice is not None:
                custom.notice((response.get("body") or {}).get("string"))
            response = scrub.scrub_response(response, secrets(), custom.secret_headers)
        return response if user_response is None else user_response(response)

    persister = CassettePersister(secrets)
    # vcrpy's Cassette with the hooks as they are. (vcrpy's VCR configuration object would
    # wrap them in a filter that deep-copies the request on every one of its calls.)
    context = Cassette.use(
        path=str(path),
        serializer=CachedSerializer(parse_cache),
        persister=persister if save_to is None else _RedirectedSave(persister, save_to),
        record_mode=RecordMode(record_mode),
        match_on=(
            matchers.method,
            matchers.scheme,
            matchers.host,
            matchers.port,
            matchers.path,
            query_matcher(custom.volatile) if custom.volatile else matchers.query,
            json_body_matcher(injected_seed, custom.volatile),
        ),
        before_record_request=before_record_request,
        before_record_response=before_record_response,
        # The OpenAI SDK sends through httpx2 only. vcrpy would otherwise build and enter
        # patches for eight more HTTP libraries per test, the largest part of its cost.
        skip_patchers=[name for name in PATCHER_NAMES if name != "httpx2"],
    )
    with context as cassette:
        loading[0] = False
        yield cassette


def _decoded(response: dict[str, Any]) -> dict[str, Any]:
    """The response with a compressed body decoded (stored readable), by vcrpy's filter."""
    if not any(name.lower() == "content-encoding" for name in response.get("headers") or {}):
        return response  # the usual case; vcrpy's filter would deep-copy it first
    from vcr.filters import decode_response

    decoded: dict[str, Any] = decode_response(response)
    return decoded


class _RedirectedSave:
    """Loads from the cassette's path, saves where ``save_to`` says (a pending file)."""

    def __init__(self, inner: CassettePersister, save_to: Callable[[Path], Path]) -> None:
        self._inner = inner
        self._save_to = save_to

    def load_cassette(self, cassette_path: str | Path, serializer: Any) -> Any:
        return self._inner.load_cassette(cassette_path, serializer)

    def save_cassette(
        self, cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any
    ) -> None:
        target = self._save_to(Path(cassette_path))
        self._inner.save_cassette(target, cassette_dict, serializer)
