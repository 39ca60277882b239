"""Every exception pytest-llmseed raises on purpose: one family, messages that say what to do.

Each carries the file it is about (``path``, None where there is none), so a caller can name
it without parsing the message; ``problem`` is the bare reason. Every constructor takes
``(path, problem)`` in that order, the file first as vcrpy's errors carry their cassette.
"""

from __future__ import annotations

from pathlib import Path


class LLMSeedError(Exception):
    """Base class of the errors pytest-llmseed raises on purpose."""

    path: Path | None = None
    problem: str = ""


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
    """A file about to be written still contains a secret; it was not written."""

    def __init__(self, path: Path | str, where: str) -> None:
        self.path = Path(path)
        self.problem = f"a secret of the test (an API key or credential) is still in {where}"
        super().__init__(
            f"llmseed: refused to write {self.path}: {self.problem} after scrubbing. Nothing "
            f"was written. Remove the key from the request "
            f"(for example a 'user' field or a custom header) so it is not recorded."
        )


class GoldenFileError(LLMSeedError, ValueError):
    """A stored golden cannot be read as a pytest-llmseed golden.

    A ``ValueError`` too: callers that parse text they were handed catch it as bad data.
    """

    def __init__(self, path: Path | str | None, problem: str) -> None:
        self.path = Path(path) if path is not None else None
        self.problem = problem
        super().__init__(problem if self.path is None else f"{self.path}: {problem}")


class PendingError(LLMSeedError):
    """A pending change cannot be read or applied, or the command naming it is wrong."""

    def __init__(self, path: Path | str | None, problem: str) -> None:
        self.path = Path(path) if path is not None else None
        self.problem = problem
        super().__init__(problem if self.path is None else f"{self.path}: {problem}")


class ConfinementError(LLMSeedError):
    """A path (from a pending change, a cassette or a golden) leads where nothing may go."""

    def __init__(self, path: Path | str | None, problem: str) -> None:
        self.path = Path(path) if path is not None else None
        self.problem = problem
        super().__init__(f"refused: {problem}" if path is None else f"refused {path}: {problem}")


class ReportFileError(LLMSeedError):
    """A JSON report handed to ``llmseed report --merge`` cannot be read as one."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class CompressedBodyError(LLMSeedError, ValueError):
    """A compressed HTTP body that is not decoded: too large once decoded, corrupt, or in
    an encoding the plugin does not read. Callers name the file it came from."""

    def __init__(
        self, problem: str, *, too_large: bool = False, unsupported: str | None = None
    ) -> None:
        self.problem = problem
        self.too_large = too_large
        self.unsupported = unsupported
        """The encoding the plugin does not decode, when that is the reason."""
        super().__init__(problem)


class RenameError(LLMSeedError):
    """``llmseed rename`` cannot move a test's files: nothing was moved."""

    def __init__(self, path: Path | str | None, problem: str) -> None:
        self.path = Path(path) if path is not None else None
        self.problem = problem
        super().__init__(problem if self.path is None else f"{self.path}: {problem}")
