"""syrupy's ``exclude=``, ``include=`` and ``matcher=`` applied to a golden document.

``seeded_llm.snapshot(exclude=props("meta"))``, ``include=paths_include(...)`` and
``matcher=path_type(...)`` work as on syrupy's own serializers: filters are asked about
every key and list index (``prop``) with the path above it, a matcher about every value
with its path; paths are the golden's, e.g. ``calls.1.output.0.content``. The golden's
head (``llmseed_golden``, ``kind``) is always kept: without it the file is not a golden.
A matcher's replacement that is not plain data (syrupy's ``Repr`` of a type name) is
written as its ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_HEAD = frozenset({"llmseed_golden", "kind"})
Filter = Callable[..., bool]
Matcher = Callable[..., Any]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    if isinstance(value, tuple):
        return list(value)
    return repr(value)


def user_matcher(matcher: Matcher | None) -> Matcher | None:
    """``matcher``, or None when it is syrupy's own wrapper around no matcher of the user's.

    syrupy hands every serializer a wrapper (it turns nested assertions into their repr)
    that calls the user's matcher if there is one; walking a golden through a wrapper that
    changes nothing costs every assertion a call per value. The assertion behind the
    wrapper says whether the user gave one; if syrupy's wrapper ever looks different, the
    walk is done (correct, only slower).
    """
    for cell in getattr(matcher, "__closure__", None) or ():
        try:
            owner = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if type(owner).__name__ == "SnapshotAssertion" and hasattr(owner, "_matcher"):
            return matcher if owner._matcher is not None else None
    return matcher


def apply(
    document: dict[str, Any],
    *,
    exclude: Filter | None = None,
    include: Filter | None = None,
    matcher: Matcher | None = None,
) -> dict[str, Any]:
    """``document`` as syrupy's options make it (itself when no option is given)."""
    matcher = user_matcher(matcher)
    if exclude is None and include is None and matcher is None:
        return document

    def kept(key: Any, path: tuple[Any, ...]) -> bool:
        if exclude is not None and exclude(prop=key, path=path):
            return False
        return include is None or bool(include(prop=key, path=path))

    def walk(value: Any, path: tuple[Any, ...]) -> Any:
        if matcher is not None:
            value = _plain(matcher(data=value, path=path))
        if isinstance(value, dict):
            items = [(k, v) for k, v in value.items() if kept(k, path)]
            return {k: walk(v, (*path, (k, type(v)))) for k, v in items}
        if isinstance(value, list):
            items = [(i, v) for i, v in enumerate(value) if kept(i, path)]
            return [walk(v, (*path, (i, type(v)))) for i, v in items]
        return value

    shaped: dict[str, Any] = {}
    for key, value in document.items():
        if key in _HEAD:
            shaped[key] = value
        elif kept(key, ()):
            shaped[key] = walk(value, ((key, type(value)),))
    return shaped
