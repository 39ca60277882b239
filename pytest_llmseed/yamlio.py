"""YAML writing shared by cassettes and goldens: readable blocks, emoji kept as written."""

from __future__ import annotations

from typing import Any

import yaml

try:  # libyaml when available: much faster for the common case
    from yaml import CSafeDumper as _FastDumper
    from yaml import CSafeLoader as FastLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _FastDumper  # type: ignore[assignment]
    from yaml import SafeLoader as FastLoader  # type: ignore[assignment]

__all__ = ["FastLoader", "dump"]


# YAML 1.1 line breaks besides CR/LF: written raw, a loader turns them into newlines.
_EXOTIC_BREAKS = ("\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # A block keeps text exactly as written, one line per line; PyYAML falls back to a
    # quoted style by itself when a block cannot represent the text (trailing spaces).
    # Text with NEL / LS / PS goes double-quoted, the only style that escapes them.
    if any(c in value for c in _EXOTIC_BREAKS):
        style: str | None = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Fast(_FastDumper):
    pass


class _Pure(yaml.SafeDumper):
    pass


_Fast.add_representer(str, _represent_str)  # type: ignore[arg-type]
_Pure.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    """Dump ``data`` as block YAML in the given key order, unicode as written."""
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 4096}
    text: str = yaml.dump(data, Dumper=_Fast, **options)
    if "\\U" in text:
        # libyaml escapes characters beyond the BMP (most emoji) even with allow_unicode,
        # which also forces multi-line text out of its block; the pure dumper does not.
        text = yaml.dump(data, Dumper=_Pure, **options)
    return text
