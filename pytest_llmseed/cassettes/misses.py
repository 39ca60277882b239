"""The failure text for a request with no recorded answer: the nearest one, and what to run."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pytest_llmseed.cassettes.matching import (
    compared_bodies,
    count_differences,
    form_or_none,
    json_or_missing,
    matchers_for,
)
from pytest_llmseed.config.entries import PRESET_DESCRIPTIONS
from pytest_llmseed.config.settings import DEFAULT_MATCH_ON, MATCH_ON_CHOICES
from pytest_llmseed.config.values import NO_VOLATILE, Volatile
from pytest_llmseed.exchange.bodies import NOT_JSON as MISSING
from pytest_llmseed.files.escape import for_terminal
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.redaction.volatile import suggest


def explain_miss(
    exc: Any,
    record_mode: str,
    nodeid: str,
    volatile: Volatile = NO_VOLATILE,
    *,
    diff: Callable[[Any, Any], list[str]],
    match_on: tuple[str, ...] = DEFAULT_MATCH_ON,
    injected_seed: int | None = None,
    used: Collection[Path] = (),
    renames: list[Path] | None = None,
) -> str:
    """The failure text for a request that has no recorded answer (``diff`` shows two
    JSON bodies' differences path by path, as golden diffs do; ``used``: the resolved
    cassettes of the collected tests, the others beside a missing one may be a rename's)."""
    cassette = exc.cassette
    request = exc.failed_request
    path = Path(cassette.path)
    exists = path.is_file()
    lines = [
        "llmseed: no recorded answer for this request",
        f"  request:  {for_terminal(request.method)} {for_terminal(_safe_uri(request.uri))}",
        f"  cassette: {for_terminal(str(path))}" + ("" if exists else " (does not exist yet)"),
        f"  record mode: {record_mode}",
    ]
    nearest = nearest_recorded(cassette, request, match_on, injected_seed, volatile)
    host_only = False
    if nearest is not None:
        index, recorded, failures = nearest
        lines.append(f"nearest recorded request (#{index + 1} of {len(cassette)}) differs in:")
        for name in failures:
            shown = _difference(
                name, recorded, request, injected_seed=injected_seed, volatile=volatile, diff=diff
            )
            lines.extend(shown)
        if not failures:
            lines.append(
                "  nothing: it was played already (the test sends this request more often "
                "than the recording did)"
            )
        lines.extend(
            for_terminal(line) for line in volatile_hint(recorded, request, failures, volatile)
        )
        host_only = bool(failures) and set(failures) <= set(URL_ORIGIN)
        if host_only:
            lines.extend(for_terminal(line) for line in base_url_hint(recorded, request, match_on))
        elif failures == ["body"] and not written_by_us(path):
            lines.extend(foreign_cassette_hint(match_on))
    elif len(cassette):
        lines.append(f"the cassette has {len(cassette)} recorded request(s); none is similar")
    elif exists:
        lines.append("the cassette holds no interactions")
    if host_only:
        return "\n".join(lines)
    renamed = (
        None
        if exists
        else probable_rename(
            cassette,
            request,
            used,
            match_on=match_on,
            injected_seed=injected_seed,
            volatile=volatile,
        )
    )
    if renamed is not None:
        if renames is not None:
            renames.append(renamed)
        lines.append(
            f"probable rename: {for_terminal(str(renamed))} has this request and no collected "
            "test uses it."
        )
        lines.append("To keep its recording and golden under this test's name, run:")
        lines.append(f"  {for_terminal(rename_command(renamed, nodeid))}")
    if record_mode == "once" and exists:
        lines.append("record mode 'once' never adds to an existing cassette.")
    # A changed request makes the old interactions stale: re-record the test's cassette.
    mode = "all" if exists else "once"
    host = urlsplit(request.uri).netloc
    if renamed is not None:
        lines.append(f"Or, to record it anew from {for_terminal(host)}, run:")
    else:
        lines.append(
            f"To record it from {for_terminal(host)} (needs the API key and the network), run:"
        )
    lines.append(f"  pytest {for_terminal(shlex.quote(nodeid))} --llmseed-record-mode={mode}")
    lines.append("then review the changed golden with `llmseed review` (it is left pending).")
    return "\n".join(lines)


def probable_rename(
    cassette: Any,
    request: Any,
    used: Collection[Path],
    *,
    match_on: tuple[str, ...],
    injected_seed: int | None,
    volatile: Volatile,
) -> Path | None:
    """A cassette beside the missing one that no collected test uses and that holds this
    request (as matching sees it): the test was probably renamed; None if there is none."""
    from vcr.matchers import requests_match
    from vcr.persisters.filesystem import CassetteNotFoundError

    from pytest_llmseed.cassettes.storage import CassettePersister, ReadableSerializer
    from pytest_llmseed.errors import CassetteFileError

    path = Path(cassette.path)
    live = cassette.filter_request(request) or request
    matchers = matchers_for(match_on, injected_seed, volatile)
    try:
        candidates = sorted(p for p in path.parent.glob("*.yaml") if p.resolve() not in used)
    except OSError:
        return None
    for candidate in candidates:
        try:
            recorded = CassettePersister(list).load_cassette(candidate, ReadableSerializer)[0]
        except (CassetteFileError, CassetteNotFoundError):
            continue
        if any(requests_match(live, old, matchers) for old in recorded):
            return candidate
    return None


def rename_command(old_cassette: Path | str, nodeid: str) -> str:
    """``llmseed rename OLD NEW``: OLD is the node id ``old_cassette``'s name stands for,
    in the module of ``nodeid``."""
    name = Path(old_cassette).name.removesuffix(".yaml")
    head, bracket, params = name.partition("[")
    old = f"{nodeid.partition('::')[0]}::{head.replace('.', '::')}{bracket}{params}"
    return f"llmseed rename {shlex.quote(old)} {shlex.quote(nodeid)}"


URL_ORIGIN = ("scheme", "host", "port")
"""The base URL's parts: configuration, not what a test asks."""


def foreign_cassette_hint(match_on: tuple[str, ...]) -> list[str]:
    """Lines for a body-only miss in a cassette another tool wrote (a migrated suite): the
    ``match_on`` in use, without ``body``."""
    lines = [
        "the cassette was not written by pytest-llmseed: pytest-recording and vcrpy match",
        "without the body by default, so its bodies can be older than what the code sends now.",
        "To replay it as it is (goldens then catch prompt changes), add to the ini file:",
        "  llmseed_match_on =",
    ]
    lines += [f"      {name}" for name in match_on if name != "body"]
    return lines


def written_by_us(path: Path) -> bool:
    """Whether the cassette file starts with the header the plugin writes (a missing or
    unreadable file counts as ours: there is no other tool's recording to explain)."""
    from pytest_llmseed.cassettes.storage import HEADER

    try:
        with path.open("rb") as file:
            return file.read(len(HEADER)) == HEADER.encode()
    except OSError:
        return True


def nearest_recorded(
    cassette: Any,
    request: Any,
    match_on: tuple[str, ...],
    injected_seed: int | None,
    volatile: Volatile,
) -> tuple[int, Any, list[str]] | None:
    """The recorded request with the fewest differences from ``request`` (its index and the
    ``match_on`` names it fails), the first of equals; None if none shares anything.

    Differences in the request line (method, URL parts) count first, then the body's: as
    many as its differing JSON leaves, so a request that differs in one field beats one that
    differs in ten; what matching tolerates (the injected seed, volatile values) is no
    difference.
    """
    from vcr.matchers import get_matchers_results

    live = cassette.filter_request(request) or request
    matchers = matchers_for(match_on, injected_seed, volatile)
    # matchers_for builds them in MATCH_ON_CHOICES' order; vcrpy reports them by __name__.
    named = list(zip([n for n in MATCH_ON_CHOICES if n in match_on], matchers, strict=True))
    best: tuple[tuple[int, int], int, Any, list[str]] | None = None
    for index, recorded in enumerate(cassette.requests):
        successes, failures = get_matchers_results(live, recorded, matchers)
        if not successes:
            continue
        failing = {name for name, _message in failures}
        failed = [name for name, matcher in named if matcher.__name__ in failing]
        body = 0
        if "body" in failed:
            old, new = compared_bodies(recorded, live, injected_seed, volatile)
            both = old is not MISSING and new is not MISSING
            body = count_differences(old, new) if both else 1
        # The same endpoint with a changed body is nearer than another endpoint (a recorded
        # GET of the test's own server beside the LLM call), however much the body changed.
        score = (len(failed) - ("body" in failed), body)
        if best is None or score < best[0]:
            best = (score, index, recorded, failed)
    return None if best is None else (best[1], best[2], best[3])


def _difference(
    name: str,
    recorded: Any,
    request: Any,
    *,
    injected_seed: int | None,
    volatile: Volatile,
    diff: Callable[[Any, Any], list[str]],
) -> list[str]:
    """The lines that show how ``request`` differs from ``recorded`` in one matched part."""
    if name != "body":
        old_value, new_value = getattr(recorded, name, "?"), getattr(request, name, "?")
        return [f"  {name}: {for_terminal(repr(old_value))} -> {for_terminal(repr(new_value))}"]
    old, new = compared_bodies(recorded, request, injected_seed, volatile)
    if old is MISSING or new is MISSING:
        old, new = form_or_none(recorded), form_or_none(request)
        if old is None or new is None:
            return ["  body: the raw bodies differ"]
        lines = ["  body: the multipart form fields differ"]
        return lines + ["  " + for_terminal(text) for text in body_diff(old, new, diff)]
    return ["  " + for_terminal(text) for text in body_diff(old, new, diff)]


def base_url_hint(recorded: Any, request: Any, match_on: tuple[str, ...]) -> list[str]:
    """Lines for a request that differs from a recording only in its base URL's origin."""
    origin = f"{recorded.scheme}://{recorded.host}:{recorded.port}"
    sent = f"{request.scheme}://{request.host}:{request.port}"
    matched = " ".join(name for name in match_on if name in URL_ORIGIN)
    return [
        f"it differs from the recording only in its host: recorded from {origin}, sent to {sent}.",
        "The base URL is configuration: set OPENAI_BASE_URL (or the client's base_url) to the "
        f"recorded one, {origin}, or leave {matched} out of llmseed_match_on "
        "(default: method path query body) or the marker's match_on=.",
    ]


def volatile_hint(nearest: Any, request: Any, failures: list[str], volatile: Volatile) -> list[str]:
    """Lines naming the ``llmseed_volatile`` entries that would make the request replay,
    when it differs from the nearest recorded one only in values that look like presets
    (``failures``: the ``match_on`` names it fails)."""
    if not failures or any(name not in ("body", "query") for name in failures):
        return []
    old, new = json_or_missing(nearest), json_or_missing(request)
    if old is MISSING or new is MISSING:
        old, new = _text(nearest.body), _text(request.body)
    names = suggest([old, sorted(nearest.query)], [new, sorted(request.query)], volatile)
    if not names:
        return []
    described = " and ".join(PRESET_DESCRIPTIONS[name] for name in names)
    listed = ", ".join(f'"{name}"' for name in names)
    return [
        f"it differs only in values that look like {described}: they change from run to run.",
        "To match them as equal (goldens then show placeholders), add to the ini file:",
        "  llmseed_volatile =",
        *(f"      {name}" for name in names),
        f"or mark the test @pytest.mark.llmseed(volatile=[{listed}]).",
    ]


def _text(body: Any) -> str | None:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body if isinstance(body, str) else None


MAX_BODY_DIFF_LINES = 20


def body_diff(recorded: Any, sent: Any, diff: Callable[[Any, Any], list[str]]) -> list[str]:
    """What changed from the nearest recorded JSON body to the one sent, path by path.

    Long text (a prompt) is diffed word by word with a few words of context, as goldens
    are: one changed word in a 400-word prompt is a couple of lines, not the prompt twice.
    """
    lines = diff(recorded, sent)
    if len(lines) > MAX_BODY_DIFF_LINES:
        cut = len(lines) - MAX_BODY_DIFF_LINES + 1
        lines = [*lines[: MAX_BODY_DIFF_LINES - 1], f"… and {cut} more line(s)"]
    return lines


def _safe_uri(uri: str) -> str:
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(uri)
    query = [
        (k, scrub.REDACTED if k.lower() in scrub.SECRET_QUERY_PARAMETERS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
