"""pytest-llmseed: seeded, recorded, golden-checked tests for code that calls LLMs.

The public API: ``SeededLLM`` (what the ``seeded_llm`` fixture gives), ``LLMCall`` (the
items of ``seeded_llm.calls``) and the exceptions (``LLMSeedError`` and its family).
Everything else is internal and may move between releases.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"

if TYPE_CHECKING:
    from pytest_llmseed.errors import (
        CassetteFileError,
        GoldenFileError,
        LLMSeedError,
        PendingError,
        SecretLeakError,
    )
    from pytest_llmseed.exchange.calls import LLMCall
    from pytest_llmseed.fixture import SeededLLM

# Lazy: importing the plugin at pytest start-up must not pull in openai / vcrpy / syrupy.
_PUBLIC = {
    "SeededLLM": "fixture",
    "LLMCall": "exchange.calls",
    "LLMSeedError": "errors",
    "CassetteFileError": "errors",
    "GoldenFileError": "errors",
    "PendingError": "errors",
    "SecretLeakError": "errors",
}

__all__ = [
    "CassetteFileError",
    "GoldenFileError",
    "LLMCall",
    "LLMSeedError",
    "PendingError",
    "SecretLeakError",
    "SeededLLM",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
