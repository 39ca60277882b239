"""The page cache seen from a test: let a file go from it, ask whether it is there (Linux).

For the read-ahead tests: ``evict`` writes a file back and drops its pages
(``POSIX_FADV_DONTNEED``), ``resident`` asks the kernel with ``mincore`` whether every page
of the file is cached. Where the platform has neither, or a file system keeps its pages
whatever it is told (tmpfs), ``usable`` says no and the tests that need it skip.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import sys
import time
from pathlib import Path

_PAGE = mmap.PAGESIZE


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name, use_errno=True) if name else None


_LIBC = _libc()


def evict(path: Path) -> None:
    """Write the file back and ask the kernel to drop its cached pages."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def resident(path: Path) -> bool:
    """True when every page of the (non-empty) file is in the page cache."""
    assert _LIBC is not None
    size = path.stat().st_size
    pages = (size + _PAGE - 1) // _PAGE
    vector = (ctypes.c_ubyte * pages)()
    # A private mapping that is never touched: mincore then reports the file's pages.
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_COPY) as m:
        view = (ctypes.c_char * size).from_buffer(m)
        try:
            result = _LIBC.mincore(
                ctypes.c_void_p(ctypes.addressof(view)), ctypes.c_size_t(size), vector
            )
        finally:
            del view
    if result != 0:
        raise OSError(ctypes.get_errno(), "mincore failed")
    return all(flag & 1 for flag in vector)


def usable(directory: Path) -> bool:
    """True when files in ``directory`` can be let go from the page cache and checked."""
    if _LIBC is None or not hasattr(os, "posix_fadvise"):
        return False
    probe = directory / ".pagecache-probe"
    probe.write_bytes(b"x" * 3 * _PAGE)
    try:
        evict(probe)
        return not resident(probe)
    finally:
        probe.unlink()


def wait_resident(paths: list[Path], seconds: float = 10.0) -> bool:
    """True as soon as every file is cached; False if they are not after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        if all(resident(p) for p in paths):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
