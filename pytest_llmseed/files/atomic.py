"""Atomic file writes: every file the plugin writes is either its old or its new version.

The new content goes to a hidden temporary file in the same directory (same file system,
so the final ``os.replace`` is atomic), is flushed to disk, then renamed over the target.
A process killed at any moment leaves the old file or the new one, never a half; at worst
a hidden ``.<name>.llmseed-<pid>-<random>.tmp`` stays behind, which nothing reads and the
next write of the same file removes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

_TMP_INFIX = ".llmseed-"
_TMP_SUFFIX = ".tmp"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) so readers see the old file or the new."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half."""
    # Write through a symlink, as a plain write would, instead of replacing the link.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(target)
    replace_file(target, data, mode=_existing_mode(target))


def replace_file(
    target: Path, data: bytes, *, mode: int | None = None, durable: bool = True
) -> None:
    """Write ``data`` to a hidden temporary beside ``target``, then rename it over ``target``.

    ``durable`` flushes the file and the rename to disk, for files that must survive a
    crash; a cache that can be rebuilt skips that. ``mode`` is given to the new file (a
    rewritten file keeps its read and write permissions).
    """
    tmp = target.with_name(
        f".{target.name}{_TMP_INFIX}{os.getpid()}-{secrets.token_hex(4)}{_TMP_SUFFIX}"
    )
    # os.open with 0o666 honours the umask, as open() does (mkstemp would force 0o600).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        _fsync_directory(target.parent)


def _existing_mode(path: Path) -> int | None:
    """The permissions a rewritten file keeps: read and write bits only (never execute,
    setuid or sticky), so replacing an executable (a git hook) cannot leave one behind."""
    try:
        return stat.S_IMODE(path.stat().st_mode) & 0o666
    except OSError:
        return None


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale_temporaries(target: Path) -> None:
    """Delete temporaries of ``target`` left by processes that died before their rename."""
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there
        return
    prefix = f".{target.name}{_TMP_INFIX}"
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)):
            continue
        pid_text = name[len(prefix) : -len(_TMP_SUFFIX)].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            with contextlib.suppress(OSError):
                (target.parent / name).unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
