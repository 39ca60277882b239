"""Read-ahead (issue: speed): the next tests' cassettes and goldens are loaded by the kernel
while the current test runs, so a replay does not wait for the disk file by file.

The end-to-end test records a suite, lets its files go from the page cache, and replays it:
the first test finds a later test's cassette and golden cached before anything read them.
The unit tests run ``ReadAhead`` with its real thread, and ``will_need`` on real files.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pagecache
import pytest

from pytest_llmseed.files import readahead
from pytest_llmseed.files.readahead import ReadAhead, will_need

needs_fadvise = pytest.mark.skipif(not readahead.available(), reason="no posix_fadvise here")


def _advised(items: list[int], calls: list[int], window: int = 8) -> list[str]:
    seen: list[str] = []
    ahead = ReadAhead(
        items, lambda n: [f"f{n}"] if n % 5 else [], window=window, advise=seen.append
    )
    for n in calls:
        ahead.advance(n)
    ahead.close()
    return seen


def test_the_files_of_the_next_window_of_tests_are_handed_over_in_run_order() -> None:
    items = list(range(40))
    # Test 0 starts: tests 1 to 8 (the window); 5 uses no file.
    assert _advised(items, [0]) == ["f1", "f2", "f3", "f4", "f6", "f7", "f8"]
    # Half the window later (test 4) the next batch follows, up to 8 after it; nothing twice.
    assert _advised(items, [0, 1, 2, 3, 4]) == [f"f{n}" for n in range(1, 13) if n % 5]
    assert _advised(items, list(range(40))) == [f"f{n}" for n in range(1, 40) if n % 5]


def test_a_test_run_out_of_order_or_unknown_is_handled() -> None:
    items = list(range(40))
    # xdist gives a worker some of the tests: a jump moves the window, skipped ones are not read.
    assert _advised(items, [0, 30]) == [f"f{n}" for n in [*range(1, 9), *range(31, 39)] if n % 5]
    assert _advised(items, [99]) == []  # not one of the session's items


def test_no_thread_is_started_when_nothing_is_to_be_read_ahead() -> None:
    before = {t.name for t in threading.enumerate()}
    ahead = ReadAhead([1, 2, 3], lambda n: [], advise=lambda path: None)
    ahead.advance(1)
    assert "llmseed-read-ahead" not in {t.name for t in threading.enumerate()} - before
    ahead.close()


def test_close_ends_the_thread_after_what_it_was_handed() -> None:
    seen: list[str] = []
    ahead = ReadAhead(list(range(10)), lambda n: [f"f{n}"], window=4, advise=seen.append)
    ahead.advance(0)
    ahead.close()
    assert seen == ["f1", "f2", "f3", "f4"]
    assert not any(t.name == "llmseed-read-ahead" for t in threading.enumerate())
    ahead.close()  # twice is harmless


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    if not readahead.available() or not pagecache.usable(tmp_path):
        pytest.skip("this file system does not let a file go from the page cache")
    return tmp_path


@needs_fadvise
def test_will_need_loads_a_file_into_the_page_cache(cache_dir: Path) -> None:
    path = cache_dir / "cassette.yaml"
    path.write_bytes(b"interactions: []\n" * 2000)
    pagecache.evict(path)
    assert not pagecache.resident(path)
    will_need(str(path))
    assert pagecache.wait_resident([path])


@needs_fadvise
def test_will_need_does_not_follow_a_link_or_open_what_is_not_a_file(cache_dir: Path) -> None:
    target = cache_dir / "elsewhere.yaml"
    target.write_bytes(b"x" * 20000)
    pagecache.evict(target)
    link = cache_dir / "link.yaml"
    link.symlink_to(target)
    will_need(str(link))
    assert not pagecache.wait_resident([target], seconds=0.5)

    fifo = cache_dir / "fifo.yaml"
    os.mkfifo(fifo)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (will_need(str(fifo)), done.set()), daemon=True)
    worker.start()
    assert done.wait(5), "will_need blocked on a FIFO"
    for other in (cache_dir, cache_dir / "missing.yaml"):
        will_need(str(other))  # a directory, a missing file: nothing, no error


def suite(check_golden: Path | None = None) -> str:
    """Six replayable tests; with ``check_golden``, the first one waits for test_t4's files
    to be cached before anything of its own is read."""
    tests = ["import pathlib\n\nimport pagecache\n"]
    for n in range(6):
        check = ""
        if n == 0 and check_golden is not None:
            check = (
                "    later = [seeded_llm.cassette_path.with_name('test_t4.yaml'),"
                f" pathlib.Path({str(check_golden)!r})]\n"
                "    assert pagecache.wait_resident(later), 'not read ahead'\n"
            )
        tests.append(
            f"\n\ndef test_t{n}(seeded_llm):\n{check}"
            "    completion = seeded_llm.client.chat.completions.create(\n"
            f"        model='gpt-4o', messages=[{{'role': 'user', 'content': 'question {n}'}}]\n"
            "    )\n"
            "    assert completion == seeded_llm.snapshot\n"
        )
    return "".join(tests)


@needs_fadvise
def test_a_replay_reads_the_next_tests_files_ahead(
    pytester: pytest.Pytester, llm_env: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not pagecache.usable(pytester.path):
        pytest.skip("this file system does not let a file go from the page cache")
    pytester.makepyfile(test_suite=suite())
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=6)
    files = sorted(pytester.path.glob("cassettes/**/*.yaml"))
    files += sorted(pytester.path.glob("__snapshots__/**/*.llm.yaml"))
    assert len(files) == 12
    pytester.makepyfile(test_suite=suite(next(p for p in files if p.name == "test_t4.llm.yaml")))
    monkeypatch.delenv("OPENAI_API_KEY")
    for path in files:
        pagecache.evict(path)
    assert not any(pagecache.resident(p) for p in files)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
    assert not any(t.name == "llmseed-read-ahead" for t in threading.enumerate())
