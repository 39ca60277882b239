"""vcrpy for one test: cassette naming, record modes, matching, scrubbing hooks, misses."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import scrub
from .cassette_format import CachedSerializer, CassettePersister
from .parse_cache import ParseCache

# Characters pytest-recording replaces, so migrated cassettes keep their names.
_FORBIDDEN = re.compile(r"[<>?%*:|\"'/\\\x00-\x1f\x7f]")
_MAX_NAME = 150


def cassette_name(class_name: str | None, test_name: str) -> str:
    """``Class.test[param]`` with characters unsafe in file names replaced, as pytest-recording."""
    name = f"{class_name}.{test_name}" if class_name else test_name
    name = _FORBIDDEN.sub("-", name)
    if len(name) > _MAX_NAME:
        # Keep long parametrized ids unique and within file-system limits.
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        name = f"{name[: _MAX_NAME - 11]}-{digest}"
    return name


def cassette_path(
    test_file: Path, class_name: str | None, test_name: str, cassette_dir: Path | None
) -> Path:
    """``<dir>/cassettes/<module>/<test name>.yaml``, or under ``cassette_dir`` if given."""
    base = cassette_dir if cassette_dir is not None else test_file.parent / "cassettes"
    return base / test_file.stem / f"{cassette_name(class_name, test_name)}.yaml"


def unused_cassettes(
    directories: dict[Path, str],
    *,
    expected: set[Path],
    skip_modules: set[str],
    rootdir: Path,
) -> list[str]:
    """Cassettes in the modules' default directories that no collected test uses.

    ``directories`` maps each module's cassette directory (resolved) to its test file, and
    ``expected`` holds resolved directories joined with file names; modules with
    deselected tests are skipped, since their other tests' cassettes are not unused.
    """
    from .report import relative_path

    # Both sides are a resolved directory joined with the file name.
    return [
        relative_path(path, rootdir)
        for directory, module in sorted(directories.items())
        if module not in skip_modules and directory.is_dir()
        for path in sorted(directory.glob("*.yaml"))
        if path not in expected
    ]


def is_transient(status: int) -> bool:
    """Answers the SDK retries (and a test must not keep as the truth)."""
    return status in (408, 409, 429) or status >= 500


def _json_or_missing(body: Any) -> Any:
    from vcr.util import read_body

    raw = read_body(body) if hasattr(body, "body") else body
    if isinstance(raw, bytes | str):
        return _parsed(raw)
    return _MISSING


@functools.lru_cache(maxsize=32)
def _parsed(raw: bytes | str) -> Any:
    """A body's JSON (not to be changed: shared), or _MISSING.

    vcrpy matches a request against the recorded ones twice (to know it can answer, then to
    answer); remembering the last bodies parsed halves the JSON parsing of replay.
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _MISSING
    if not isinstance(raw, str) or not raw.strip():
        return _MISSING
    try:
        return json.loads(raw)
    except ValueError:
        return _MISSING


_MISSING = object()


def json_body_matcher(injected_seed: int | None) -> Callable[[Any, Any], None]:
    """vcrpy matcher: JSON bodies equal as data (key order, spacing ignored), else raw bytes.

    A recorded body without a ``seed`` still matches a request that only differs by the
    seed this plugin injected: cassettes recorded by plain vcrpy / pytest-recording replay.
    """

    def match_json_body(r1: Any, r2: Any) -> None:
        j1, j2 = _json_or_missing(r1), _json_or_missing(r2)
        if j1 is _MISSING or j2 is _MISSING:
            from vcr.matchers import body

            body(r1, r2)
            return
        if j1 == j2:
            return
        if injected_seed is not None and isinstance(j1, dict) and isinstance(j2, dict):
            for new, old in ((j1, j2), (j2, j1)):
                if (
                    new.get("seed") == injected_seed
                    and "seed" not in old
                    and {k: v for k, v in new.items() if k != "seed"} == old
                ):
                    return
        raise AssertionError("the JSON bodies differ")

    # vcrpy reports failures under the function's name; keep it the registered one.
    match_json_body.__name__ = "llmseed_body"
    return match_json_body


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

    def before_record_request(request: Any) -> Any:
        if loading[0]:
            # Scrubbed only if it could change what matching compares with the (scrubbed)
            # live request: a key in the URL or body of a cassette recorded by plain vcrpy.
            found = secrets()
            return (
                scrub.scrub_request(request, found)
                if scrub.may_hold_secrets(request, found)
                else request
            )
        # vcrpy filters the same live request several times while matching it: scrub it
        # once. The scrubbed copy is a new object; the request itself is left as it is.
        clean = getattr(request, "_llmseed_clean", None)
        if clean is None:
            clean = scrub.scrub_request(request, secrets())
            request._llmseed_clean = clean
            clean._llmseed_clean = clean
        return clean

    def before_record_response(response: dict[str, Any]) -> dict[str, Any] | None:
        # vcrpy hands over its own copy of the response: changing it in place is safe.
        if is_transient(int(response["status"]["code"])):
            return None
        response = _decoded(response)
        if loading[0]:
            return response
        return scrub.scrub_response(response, secrets())

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
            matchers.query,
            json_body_matcher(injected_seed),
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


def explain_miss(exc: Any, record_mode: str, nodeid: str) -> str:
    """The failure text for a request that has no recorded answer."""
    from deepdiff import DeepDiff

    cassette = exc.cassette
    request = exc.failed_request
    path = Path(cassette._path)
    exists = path.is_file()
    lines = [
        "llmseed: no recorded answer for this request",
        f"  request:  {request.method} {_safe_uri(request.uri)}",
        f"  cassette: {path}" + ("" if exists else " (does not exist yet)"),
        f"  record mode: {record_mode}",
    ]
    similar = exc.similar_requests or []
    if similar:
        nearest, _successes, failures = similar[0]
        index = next((i for i, r in enumerate(cassette.requests) if r is nearest), None)
        label = f"#{index + 1} of {len(cassette)}" if index is not None else "nearest"
        lines.append(f"nearest recorded request ({label}) differs in:")
        for matcher, _message in failures:
            if matcher == "llmseed_body":
                old, new = _json_or_missing(nearest), _json_or_missing(request)
                if old is _MISSING or new is _MISSING:
                    lines.append("  body: the raw bodies differ")
                    continue
                diff = DeepDiff(old, new, verbose_level=2)
                for text in diff.pretty().splitlines()[:20]:
                    lines.append("  " + text.replace("root", "body", 1))
            else:
                old_value = getattr(nearest, matcher, "?")
                new_value = getattr(request, matcher, "?")
                lines.append(f"  {matcher}: {old_value!r} -> {new_value!r}")
    elif len(cassette):
        lines.append(f"the cassette has {len(cassette)} recorded request(s); none is similar")
    elif exists:
        lines.append("the cassette holds no interactions")
    if record_mode == "once" and exists:
        lines.append("record mode 'once' never adds to an existing cassette.")
    # A changed request makes the old interactions stale: re-record the test's cassette.
    mode = "all" if exists else "once"
    host = urlsplit(request.uri).netloc
    lines.append(f"To record it from {host} (needs the API key and the network), run:")
    lines.append(f"  pytest {shlex.quote(nodeid)} --llmseed-record-mode={mode}")
    lines.append("then review the changed golden with `llmseed review` (it is left pending).")
    return "\n".join(lines)


def _safe_uri(uri: str) -> str:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(uri)
    query = [
        (k, scrub.REDACTED if k.lower() in scrub.SECRET_QUERY_PARAMETERS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
