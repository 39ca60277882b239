"""YAML shared by cassettes and goldens, write side: readable blocks, in the given order."""

from __future__ import annotations

import re
from typing import Any

import yaml

try:  # libyaml when available: much faster for the common case
    from yaml import CSafeDumper as _FastDumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _FastDumper  # type: ignore[assignment]

__all__ = ["dump"]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # A block keeps text exactly as written, one line per line; PyYAML falls back to a
    # quoted style by itself when a block cannot represent the text (trailing spaces).
    # Text with NEL / LS / PS (YAML 1.1 line breaks besides CR/LF: written raw, a loader
    # turns them into newlines) goes double-quoted, the only style that escapes them.
    if "\x85" in value or "\u2028" in value or "\u2029" in value:
        style: str | None = '"'
    else:
        style = "|" if "\n" in value else None
    return yaml.ScalarNode(_STR, value, style=style)


class _Readable:
    """Representation shared by both dumpers: plain containers and strings the quick way.

    Every golden and cassette is dumped through here, so the general ``represent_data``
    (type lookups, alias bookkeeping) is skipped for the three types that make up nearly
    all of a document; the nodes built are the ones it would build. A value that appears
    twice is written twice: no ``&id001`` anchors in a file meant to be read.
    """

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return _represent_str(self, data)  # type: ignore[arg-type]
        if kind is dict:
            pairs = [(self.represent_data(k), self.represent_data(v)) for k, v in data.items()]
            return yaml.MappingNode(_MAP, pairs, flow_style=False)
        if kind is list:
            return yaml.SequenceNode(_SEQ, [self.represent_data(v) for v in data], flow_style=False)
        return super().represent_data(data)  # type: ignore[misc, no-any-return]


class _Fast(_Readable, _FastDumper):
    pass


class _Pure(_Readable, yaml.SafeDumper):
    pass


_Fast.add_representer(str, _represent_str)  # type: ignore[arg-type]
_Pure.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    """Dump ``data`` as block YAML in the given key order, unicode as written."""
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 4096}
    try:
        text: str = yaml.dump(data, Dumper=_Fast, **options)
    except UnicodeEncodeError:
        # A lone surrogate (what JSON's \\ud800 decodes to) is not Unicode text and no UTF-8
        # file can hold it: it is written as its escape, six visible characters.
        data = _escape_surrogates(data)
        text = yaml.dump(data, Dumper=_Fast, **options)
    if "\\U" in text:
        # libyaml escapes characters beyond the BMP (most emoji) even with allow_unicode,
        # which also forces multi-line text out of its block; the pure dumper does not.
        text = yaml.dump(data, Dumper=_Pure, **options)
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) as a ``\\udXXX`` escape."""
    if isinstance(value, str):
        return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", value)
    if isinstance(value, dict):
        return {_escape_surrogates(k): _escape_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escape_surrogates(v) for v in value]
    return value
