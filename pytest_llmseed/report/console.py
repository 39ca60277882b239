"""What the ``llmseed`` script prints: colour on a terminal, plain text everywhere else."""

from __future__ import annotations

import os
import re
from typing import TextIO

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
        text = re.sub(r"\[-(.*?)-\]", lambda m: self.paint(m.group(0), "red"), text)
        text = re.sub(r"\{\+(.*?)\+\}", lambda m: self.paint(m.group(0), "green"), text)
        stripped = text.lstrip()
        color = {"-": "red", "+": "green", "~": "yellow"}.get(stripped[:1])
        self.line(text, color if stripped[1:2] == " " else None)
