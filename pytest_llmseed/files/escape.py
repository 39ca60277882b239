"""One escaping helper per medium, for every output that can carry model or artifact text.

Model answers, triage lines (fingerprints, model names), test ids and paths from an
artifact are untrusted: printed raw, an ESC or OSC sequence clears the screen, retitles
the terminal, hides a link or moves the cursor up to overwrite the line naming the file
about to be written; in Markdown they add links, images, headings and raw HTML.
"""

from __future__ import annotations

import html as _html
import re

# C0 and C1 controls, DEL, lone surrogates, and the format characters that reorder or
# hide text (bidirectional overrides and isolates, zero-width joiners aside).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_UNSAFE_OR_NEWLINE = re.compile(_UNSAFE.pattern[:-1] + "\n\t]")


def _visible(match: re.Match[str]) -> str:
    char = match[0]
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str, *, multiline: bool = False) -> str:
    """``text`` safe to print: control characters shown as visible escapes (``\\x1b``).

    One line unless ``multiline``: newlines and tabs are escaped too, so a value cannot
    start a line that looks like the tool's own.
    """
    return (_UNSAFE if multiline else _UNSAFE_OR_NEWLINE).sub(_visible, str(text))


# Characters that start markup inside a GitHub Markdown table cell (emphasis, code, links,
# images, autolinks (scheme colon, www. dot, e-mail @), math, strikethrough, the cell's
# own |): each becomes a backslash escape, shown as written; &, < and > become entities.
_MARKDOWN = re.compile(r"[\\`*_{}\[\]()#!|~:.@$]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def for_markdown(text: str) -> str:
    """``text`` as one inert Markdown table cell: no markup, no HTML, no line breaks."""
    visible = for_terminal(text)  # control characters and newlines as escapes
    escaped = _MARKDOWN.sub(lambda m: "\\" + m[0], visible)
    return re.sub("[&<>]", lambda m: _ENTITIES[m[0]], escaped)


def for_markdown_code(text: str) -> str:
    """``text`` as an inline code span of a table cell (ids, paths): shown literally."""
    visible = for_terminal(text).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", visible)), default=0) + 1)
    pad = " " if visible.startswith("`") or visible.endswith("`") else ""
    return f"{fence}{pad}{visible}{pad}{fence}"


def for_html(text: str) -> str:
    """``text`` for an HTML page: markup escaped, control characters shown as escapes."""
    return _html.escape(for_terminal(text, multiline=True), quote=True)
