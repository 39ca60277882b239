"""Read-ahead: the operating system is asked to load the next tests' cassettes and goldens.

A replayed test reads two small files, its cassette and its golden. Where the page cache
does not hold them (a CI machine that reclaims it, a virtual disk, a network file system)
each read waits for the disk, and measured on such a machine that wait was a larger part of
a test than the plugin's own work. So, as tests run, the files of the next ``WINDOW``
tests are handed to ``posix_fadvise(POSIX_FADV_WILLNEED)`` by a thread of their own: the
kernel reads them while the current test runs, and the test's own read finds them loaded.

Nothing is read into the process and nothing is written: the thread opens each file
read-only, without following a link as its last part and without blocking, gives the
advice and closes it. A file that is missing, not a regular file or not readable is
skipped, and so is everything where the platform has no ``posix_fadvise`` (macOS,
Windows). The test still reads its files itself, through the project's confinement.
"""

from __future__ import annotations

import os
import queue
import stat
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

__all__ = ["WINDOW", "ReadAhead", "available", "will_need"]

WINDOW = 32
"""How many tests ahead of the running one have their files read ahead."""

T = TypeVar("T")

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once (then fadvise refuses it)
    | getattr(os, "O_CLOEXEC", 0)
)


def available() -> bool:
    """True where the platform can be asked to read a file ahead."""
    return hasattr(os, "posix_fadvise") and hasattr(os, "POSIX_FADV_WILLNEED")


def will_need(path: str) -> None:
    """Ask the kernel to load ``path`` into its page cache; anything unusual is skipped."""
    try:
        # Only a regular file is opened: opening a device can do something by itself.
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return
        fd = os.open(path, _FLAGS)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


class ReadAhead(Generic[T]):
    """Reads ahead the files of the tests that follow the running one, ``WINDOW`` at a time.

    ``items`` is the session's run order; ``files_of(item)`` gives an item's files (empty
    for one that uses none). ``advance(item)`` is called as each test starts. The thread
    is started by the first call and ended by ``close`` (the session's end).
    """

    def __init__(
        self,
        items: Sequence[T],
        files_of: Callable[[T], Iterable[str]],
        *,
        window: int = WINDOW,
        advise: Callable[[str], None] = will_need,
    ) -> None:
        self._items = items
        self._files_of = files_of
        self._window = window
        self._advise = advise
        self._index: dict[int, int] | None = None
        self._next = 0  # the first item whose files were not handed over yet
        self._queue: queue.SimpleQueue[list[str] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def advance(self, item: T) -> None:
        """``item`` starts: hand over the files of the tests up to ``window`` after it."""
        if self._index is None:
            # By identity: items are unique in a session, and hashing a node is not free.
            self._index = {id(each): n for n, each in enumerate(self._items)}
        position = self._index.get(id(item))
        if position is None:
            return
        # Refilled once half the window or less is left ahead: a batch every window / 2 tests.
        if self._next - position - 1 > self._window // 2:
            return
        start = max(self._next, position + 1)
        end = min(position + 1 + self._window, len(self._items))
        self._next = end
        paths = [path for each in self._items[start:end] for path in self._files_of(each)]
        if not paths:
            return
        if self._thread is None:
            thread = threading.Thread(target=self._run, name="llmseed-read-ahead", daemon=True)
            thread.start()
            self._thread = thread
        self._queue.put(paths)

    def close(self) -> None:
        """End the thread, once it has gone through what it was handed (a batch or two)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _run(self) -> None:
        while True:
            paths = self._queue.get()
            if paths is None:
                return
            for path in paths:
                self._advise(path)
