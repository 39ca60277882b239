"""How much a changed golden matters: cosmetic, rewording or breaking. Pure functions.

Text leaves are judged with ``compare``'s normalization (plus case); everything the code
under test acts on (tool calls and their arguments, structured output, a refusal, JSON
content, a finish reason that cuts the answer off) is structure, and any change there is
breaking. Which keys those are, and which finish reasons cut off, the provider adapters say.
"""

from __future__ import annotations

from typing import Any

from pytest_llmseed.goldens.compare import compared_parts, normalize_text, parse_json_leaf
from pytest_llmseed.providers import registry
from pytest_llmseed.records import FailOn, Severity

_ORDER = (Severity.COSMETIC, Severity.REWORDING, Severity.BREAKING)
STRUCTURED_KEYS = registry.STRUCTURED_KEYS
"""Keys whose values (whole subtrees) the code acts on, of every provider's goldens (tool
calls and their arguments, tool use input, function calls): any change is breaking."""
FINISH_KEYS = registry.FINISH_KEYS
"""Keys that say why an answer ended (``finish_reason``, ``stop_reason``, ``finishReason``)."""
CUT_OFF = registry.CUT_OFF
"""Finish / stop reasons that mean the answer is incomplete or withheld."""


def effective_fail_on(fail_on: str, *, updating: bool) -> FailOn:
    """``--llmseed-fail-on`` for one test. While syrupy updates goldens every change is
    written, so none may pass as tolerated."""
    return FailOn.ANY if updating else FailOn(fail_on)


def fails(severity: Severity, fail_on: FailOn) -> bool:
    """Whether a change of ``severity`` fails the test under ``fail_on``."""
    return fail_on is FailOn.ANY or severity is Severity.BREAKING


def worst(*found: Severity) -> Severity:
    """The most serious of ``found`` (cosmetic when nothing is given)."""
    return max(found, key=_ORDER.index, default=Severity.COSMETIC)


def _text(old: str, new: str) -> Severity:
    if old == new:
        return Severity.COSMETIC
    old_json, new_json = parse_json_leaf(old), parse_json_leaf(new)
    if not isinstance(old_json, str):
        # JSON content: it must still parse, to the same data.
        if isinstance(new_json, str) or old_json != new_json:
            return Severity.BREAKING
        return Severity.COSMETIC  # the same data, formatted differently
    if normalize_text(old).casefold() == normalize_text(new).casefold():
        return Severity.COSMETIC
    return Severity.REWORDING


def _entry(key: str, old: Any, new: Any) -> Severity:
    """The severity of one mapping entry that differs (``old`` or ``new`` may be absent)."""
    if key in STRUCTURED_KEYS:
        return Severity.BREAKING
    if key == "refusal":
        # A refusal that appeared (or went away) changes what the code gets.
        return (
            value_severity(old, new) if old is not None and new is not None else Severity.BREAKING
        )
    if key in FINISH_KEYS:
        return Severity.BREAKING if new in CUT_OFF else Severity.REWORDING
    if old is None or new is None:
        # content <-> parsed when JSON stops parsing, or a part that appeared or vanished.
        return Severity.BREAKING
    return value_severity(old, new)


def value_severity(old: Any, new: Any) -> Severity:
    """How much ``new`` differs from ``old`` (outputs of a golden, or parts of them)."""
    if old == new:
        return Severity.COSMETIC
    if isinstance(old, str) and isinstance(new, str):
        return _text(old, new)
    if isinstance(old, dict) and isinstance(new, dict):
        return worst(
            *(
                _entry(key, old.get(key), new.get(key))
                # In the files' order: keys of mixed types (1, "a") do not sort.
                for key in [*old, *(k for k in new if k not in old)]
                if old.get(key) != new.get(key) or (key in old) != (key in new)
            )
        )
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return Severity.BREAKING  # another number of choices, calls or items
        return worst(*(value_severity(a, b) for a, b in zip(old, new, strict=True)))
    return Severity.BREAKING  # another type, number or flag


def classify(old: Any, new: Any) -> Severity:
    """The severity of the change from one loaded golden document to another.

    Outputs decide; a changed request makes the change at least a rewording (something
    other than formatting changed), and another number of calls is breaking.
    """
    old_parts, new_parts = compared_parts(old), compared_parts(new)
    if len(old_parts) != len(new_parts):
        return Severity.BREAKING
    found = [
        worst(
            value_severity(old_output, new_output),
            Severity.REWORDING if old_request != new_request else Severity.COSMETIC,
        )
        for (old_request, old_output), (new_request, new_output) in zip(
            old_parts, new_parts, strict=True
        )
    ]
    return worst(*found)
