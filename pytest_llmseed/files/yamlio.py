"""YAML shared by cassettes and goldens, read side: a quick safe load, and its limits.

The write side (readable blocks) is ``yamldump``.
"""

from __future__ import annotations

import gc
import operator
import re
import sys
from collections.abc import Callable
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

try:  # libyaml when available: much faster for the common case
    from yaml import CSafeLoader as FastLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as FastLoader  # type: ignore[assignment]

__all__ = ["MAX_DEPTH", "MAX_TEXT", "FastLoader", "RefusedYAML", "load"]

MAX_TEXT = 64 * 1024 * 1024
"""Largest YAML text loaded, in characters: a cassette of a long session is a few MB."""
MAX_DEPTH = 100
"""Deepest nesting of maps and lists loaded (a chat request's JSON schema is under 20)."""
MAX_DIGITS = sys.get_int_max_str_digits() or 4300
"""Longest integer loaded, in digits: Python refuses to read or print a longer one."""
_MAX_BITS = int(MAX_DIGITS * 3.32)


class RefusedYAML(yaml.YAMLError):
    """YAML we never write and refuse to read: anchors / aliases, too deep, too large.

    Aliases share one node between many places; what later walks the data (a JSON dump, a
    diff, ``repr``) copies it out again, so a small file can ask for gigabytes (a "billion
    laughs" document).
    """

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        where = f" at line {line}" if line is not None else ""
        super().__init__(f"{problem}{where}")


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


# --- loading -------------------------------------------------------------------------------
# Every replayed test loads its cassette. libyaml parses in C, but PyYAML then calls back
# into Python for every node (to resolve its tag, twice more for path resolvers) and walks
# the tree with its generic constructor: together most of the load. Here libyaml composes
# with those callbacks reduced to nothing, and the walk below builds the values of the plain
# documents cassettes and goldens are (maps, lists, strings, numbers, booleans, nulls),
# resolving plain scalars with the safe loader's own rules. Anything else (binary,
# timestamps, merge keys, vcrpy's legacy python tags) is left to the full loader.

_INT = "tag:yaml.org,2002:int"
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_SAFE = SafeConstructor()
_SCALARS: dict[str, Callable[[Any], Any]] = {
    "tag:yaml.org,2002:null": _SAFE.construct_yaml_null,
    "tag:yaml.org,2002:bool": _SAFE.construct_yaml_bool,
    _INT: _SAFE.construct_yaml_int,
    "tag:yaml.org,2002:float": _SAFE.construct_yaml_float,
}
_BaseLoader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class _Composer(_BaseLoader):  # type: ignore[misc]
    """Composes nodes, leaving the tag of each node the document gives none unresolved.

    libyaml calls these three back for every node; as C callables they cost no Python
    frame. ``resolve(kind, value, implicit)``
    keeps its arguments as ``slice(kind, value, implicit)``, which ``_build`` reads: for a
    scalar, ``implicit[0]`` says it was plain. The path resolver hooks do nothing:
    ``operator.is_`` and ``tuple`` take their arguments, and what they return is dropped.
    """

    resolve = slice
    descend_resolver = operator.is_
    ascend_resolver = tuple


def _implicit_tag(value: str) -> str:
    """The tag the safe loader gives a plain scalar (yaml.resolver.Resolver.resolve)."""
    tag = _PLAIN_TAGS.get(value)
    if tag is None:
        tag = _STR
        for resolved, regexp in _IMPLICIT.get(value[:1], []) + _IMPLICIT.get(None, []):
            if regexp.match(value):
                tag = str(resolved)
                break
        if len(value) <= 64:
            # Keys and short values repeat from file to file: remember a bounded number.
            if len(_PLAIN_TAGS) >= 4096:
                _PLAIN_TAGS.clear()
            _PLAIN_TAGS[value] = tag
    return tag


_PLAIN_TAGS: dict[str, str] = {}


class _Unusual(Exception):
    """A node the quick walk leaves to PyYAML's own constructor."""


_UNUSUAL = object()  # load's marker: the document goes to the full loader


def _alias(node: Any) -> RefusedYAML:
    return RefusedYAML(
        "it uses a YAML alias (*name): pytest-llmseed files never do; write the value out",
        node.start_mark.line + 1,
    )


def _text(node: Any) -> str | None:
    """A scalar's text when it reads as a string with no tag, else None (left to _build).

    Most keys and values of a map are: a quoted scalar, or a plain one already known to
    read as a string. This quick test is cheaper than _build's, and it runs for every key
    and value.
    """
    tag = node.tag
    if type(tag) is slice and type(node) is ScalarNode:
        value: str = node.value
        if not tag.step[0] or _PLAIN_TAGS.get(value) is _STR:
            return value
    return None


def _build(node: Any, seen: set[int], depth: int) -> Any:
    kind = type(node)
    tag = node.tag
    unresolved = type(tag) is slice  # no tag in the document (see _Composer)
    if kind is ScalarNode:
        if unresolved:
            tag = node.tag = _implicit_tag(node.value) if tag.step[0] else _STR
        if tag == _STR:
            return node.value
        if tag == _INT:
            text = node.value
            # Plain decimal; YAML 1.1 reads a leading 0 as octal, left to PyYAML.
            if text.isascii() and text.isdigit() and (text[0] != "0" or len(text) == 1):
                if len(text) > MAX_DIGITS:
                    raise _too_long(node.start_mark.line + 1)
                return int(text)
        construct = _SCALARS.get(tag)
        if construct is None:
            raise _Unusual
        value = construct(node)
        if tag == _INT and value.bit_length() > _MAX_BITS:  # 0x…, 0o…: no digit limit
            raise _too_long(node.start_mark.line + 1)
        return value
    # An alias is the very node composed once, met again; a scalar one costs nothing.
    if id(node) in seen:
        raise _alias(node)
    seen.add(id(node))
    if depth >= MAX_DEPTH:
        raise _too_deep(node.start_mark.line + 1)
    if kind is MappingNode and (unresolved or tag == _MAP):
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _text(key_node)
            if key is None:
                key = _build(key_node, seen, depth + 1)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Unusual
            value = _text(value_node)
            if value is None:
                value = _build(value_node, seen, depth + 1)
            try:
                mapping[key] = value
            except TypeError:
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found unhashable key",
                    key_node.start_mark,
                ) from None
        return mapping
    if kind is SequenceNode and (unresolved or tag == _SEQ):
        return [_build(item, seen, depth + 1) for item in node.value]
    raise _Unusual


def _too_long(line: int | None) -> RefusedYAML:
    return RefusedYAML(f"it holds a number of more than {MAX_DIGITS} digits", line)


def _too_deep(line: int | None) -> RefusedYAML:
    return RefusedYAML(f"it nests maps and lists deeper than {MAX_DEPTH} levels", line)


# An anchor (&name) where a node starts; text merely holding "&" costs one more scan.
_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[{,:?-])&[^\s,\[\]{}]")


def check(text: str) -> None:
    """Refuse what a plain document never holds: anchors, aliases, deep nesting, huge size.

    Walks the parser's events (no nodes are built), so nothing is expanded while checking.
    """
    if len(text) > MAX_TEXT:
        raise RefusedYAML(f"it is larger than {MAX_TEXT // (1024 * 1024)} MB")
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise RefusedYAML(
                "it uses a YAML anchor or alias (&name / *name): pytest-llmseed files "
                "never do; write the value out",
                _line(event),
            )
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(_line(event))
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _line(event: Any) -> int | None:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else None


def load(text: str, full: Callable[[str], Any] | None = None) -> Any:
    """What a safe load of ``text`` gives, quicker for plain documents.

    ``full`` loads documents with other tags (default: PyYAML's safe loader); syntax errors
    are PyYAML's own, with their marks. Anchors, aliases, nesting deeper than ``MAX_DEPTH``
    and text over ``MAX_TEXT`` raise ``RefusedYAML``.
    """
    if len(text) > MAX_TEXT or ("&" in text and _MAYBE_ANCHOR.search(text)):
        check(text)  # the quick walk below sees aliases, not an anchor left unused
    # Composing makes a node per value (an object, its marks), all freed when the data
    # is built: a burst of short-lived allocations with no cycles. A collection in the
    # middle of it would find nothing to free, and would promote the tree to older
    # generations, bringing the next full collection closer. So none runs until it is over.
    try:
        return _load(text, full)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # A scalar PyYAML's constructors cannot make (a date that does not exist, a number
        # too long to read): the file is refused like any other it cannot load.
        problem = str(exc).split(":", 1)[0][:200]
        raise RefusedYAML(f"it holds a value that cannot be read ({problem})") from None


def _load(text: str, full: Callable[[str], Any] | None) -> Any:
    paused = gc.isenabled()
    gc.disable()
    try:
        composer = _Composer(text)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
        data = None if node is None else _build(node, set(), 0)
        del node
    except _Unusual:
        data = _UNUSUAL
    finally:
        if paused:
            gc.enable()
    if data is not _UNUSUAL:
        return data
    check(text)  # the full loader builds aliases and recurses without a bound
    return full(text) if full is not None else yaml.load(text, Loader=FastLoader)


def error_location(exc: yaml.YAMLError) -> str:
    """`` at line N`` for a YAML error that knows where it happened, else nothing."""
    mark = getattr(exc, "problem_mark", None)
    return f" at line {mark.line + 1}" if mark is not None else ""
