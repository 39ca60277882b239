"""pytest-llmseed: seeded, recorded, golden-checked tests for code that calls LLMs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"

if TYPE_CHECKING:
    from .calls import LLMCall
    from .seeded import SeededLLM

__all__ = ["LLMCall", "SeededLLM", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy: importing the plugin at pytest start-up must not pull in openai / vcrpy / syrupy.
    if name == "SeededLLM":
        from .seeded import SeededLLM

        return SeededLLM
    if name == "LLMCall":
        from .calls import LLMCall

        return LLMCall
    raise AttributeError(f"module 'pytest_llmseed' has no attribute {name!r}")
