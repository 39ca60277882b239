"""The plugin's exceptions; every message says what went wrong and what to do."""

from __future__ import annotations

from pathlib import Path


class LLMSeedError(Exception):
    """Base class of the errors pytest-llmseed raises on purpose."""


class CassetteFileError(LLMSeedError):
    """A cassette file exists but cannot be used (corrupt, wrong shape, unreadable)."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(
            f"llmseed: cannot use cassette {self.path}: {problem}\n"
            f"  It was left as it is. Fix it, or delete it and record it again with "
            f"--llmseed-record-mode=once."
        )


class SecretLeakError(LLMSeedError):
    """A file about to be written still contains an API key; it was not written."""

    def __init__(self, path: Path | str, where: str) -> None:
        self.path = Path(path)
        super().__init__(
            f"llmseed: refused to write {self.path}: the API key in use still appears in {where} "
            f"after scrubbing. Nothing was written. Remove the key from the request "
            f"(for example a 'user' field or a custom header) so it is not recorded."
        )
