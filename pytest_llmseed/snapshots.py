"""The syrupy extension for completions (golden files). Filled in by the goldens work."""

from __future__ import annotations

from syrupy.extensions.amber import AmberSnapshotExtension


class LLMSnapshotExtension(AmberSnapshotExtension):
    """Temporary: syrupy's amber format until the completion golden format lands."""
