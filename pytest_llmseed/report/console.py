"""What the ``llmseed`` script prints: colour on a terminal, plain text everywhere else."""

from __future__ import annotations

import difflib
import os
import re
from typing import TextIO

_ONE_LINE = re.compile(r"^(\s*~ .*?: )(.+?) → (.+)$")
"""A change shown on one line, ``~ path: old → new`` (``goldens.diffs``)."""
_COLORS = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2"}


def use_color(stream: TextIO, *, no_color: bool = False) -> bool:
    """Colour on a terminal only; never with ``--no-color`` or ``NO_COLOR`` set (no-color.org)."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Out:
    """Writes lines, colored only on a terminal (never with --no-color or NO_COLOR set)."""

    def __init__(self, stream: TextIO, *, color: bool = False) -> None:
        self.stream = stream
        self.color = color

    def paint(self, text: str, color: str) -> str:
        return f"\033[{_COLORS[color]}m{text}\033[0m" if self.color else text

    def line(self, text: str = "", color: str | None = None) -> None:
        """Print one line; callers pass model or artifact text through ``terminal``."""
        self.stream.write((self.paint(text, color) if color else text) + "\n")
        self.stream.flush()

    def diff_line(self, text: str) -> None:
        if not self.color:
            self.line(text)
            return
        one_line = _ONE_LINE.match(text)
        if one_line:
            lead, old, new = one_line.groups()
            old, new = self._words(old, new)
            self.line(f"{self.paint(lead, 'yellow')}{old} → {new}")
            return
        text = re.sub(r"\[-(.*?)-\]", lambda m: self.paint(m.group(0), "red"), text)
        text = re.sub(r"\{\+(.*?)\+\}", lambda m: self.paint(m.group(0), "green"), text)
        stripped = text.lstrip()
        color = {"-": "red", "+": "green", "~": "yellow"}.get(stripped[:1])
        self.line(text, color if stripped[1:2] == " " else None)

    def _words(self, old: str, new: str) -> tuple[str, str]:
        """Both sides of a one-line change, the words that differ coloured (red, green)."""
        a, b = old.split(" "), new.split(" ")
        old_parts, new_parts = [], []
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            was, now = " ".join(a[i1:i2]), " ".join(b[j1:j2])
            if tag != "equal":
                was, now = (
                    self.paint(was, "red") if was else "",
                    self.paint(now, "green") if now else "",
                )
            old_parts += [was] if was else []
            new_parts += [now] if now else []
        return " ".join(old_parts), " ".join(new_parts)
