"""Guarantee: a crash never leaves a half-written file.

Real pytest runs (and ``llmseed accept``) are killed with SIGKILL at 20 different moments
while they write cassettes, goldens, pending changes and reports. The moments are the
file operations of the run itself: a process forked from a warm helper counts every
operation that writes under the project (open for writing, each write, fsync, rename,
unlink) and kills itself at the chosen one; a kill in a write first lets half the bytes
through. Afterwards every file is its old version or its new complete version and loads,
and the only other files are the writer's hidden temporaries, which the next complete run
removes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import stable
from llm_server import FakeOpenAIServer

from pytest_llmseed.cassettes.storage import END_LINE, CassettePersister, ReadableSerializer
from pytest_llmseed.files import confine
from pytest_llmseed.goldens.fileformat import load_golden
from pytest_llmseed.review.pending import Project
from pytest_llmseed.review.pending import load as load_pending

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

PROJECT = """
import pytest

@pytest.mark.parametrize("topic", ["spring", "summer", "autumn"])
def test_haiku(seeded_llm, topic):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": f"A haiku about {topic}"}]
    )
    assert out == seeded_llm.snapshot

def test_stream(seeded_llm):
    stream = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "stream"}], stream=True
    )
    for _ in stream:
        pass
    assert seeded_llm.calls == seeded_llm.snapshot
"""
REPORTS = ("--llmseed-report=report.json", "--llmseed-html=report.html")
# Plugins these runs do not use cost more start-up time than the runs themselves.
LEAN = tuple(
    f"-pno:{name}" for name in ("cacheprovider", "xdist", "hypothesispytest", "anyio", "recording")
)
RECORD_OLD = (*LEAN, "--llmseed-record-mode=once", "--snapshot-update", *REPORTS)
# Re-record with another seed: every cassette and golden gets a new version.
UPDATE = (*LEAN, "--llmseed-record-mode=all", "--llmseed-seed=99", *REPORTS)

# Runs in a child forked from the helper: counts write operations under ROOT and kills the
# process at operation number KILL_AT (0: never), after letting half of a write through.
KILLER = r"""
import builtins, io, os, signal

def install(root, kill_at):
    root = os.path.realpath(root) + os.sep
    events, fd_paths = [], {}
    real_open, real_io_open = builtins.open, io.open
    real = {n: getattr(os, n) for n in ("open", "fdopen", "fsync", "replace", "rename", "unlink", "remove")}

    def tracked(path):
        if isinstance(path, int):
            return None
        full = os.path.realpath(os.fsdecode(path))
        if not full.startswith(root):
            return None
        rel = full[len(root):]
        parts = rel.split(os.sep)
        return None if "__pycache__" in parts or parts[0].startswith("_kill") else rel

    def event(kind, rel, partial=None):
        events.append(kind + " " + rel)
        if len(events) == kill_at:
            if partial is not None:
                partial()
            os.kill(os.getpid(), signal.SIGKILL)

    class Writer:
        def __init__(self, raw, rel):
            self._raw, self._rel = raw, rel

        def write(self, data):
            def half():
                self._raw.write(data[: len(data) // 2])
                self._raw.flush()
            event("write", self._rel, half)
            return self._raw.write(data)

        def __enter__(self):
            self._raw.__enter__()
            return self

        def __exit__(self, *exc):
            return self._raw.__exit__(*exc)

        def __getattr__(self, name):
            return getattr(self._raw, name)

    def writing(mode):
        return any(c in mode for c in "wax+")

    def open_(file, mode="r", *args, **kwargs):
        rel = tracked(file)
        if rel is not None and writing(mode):
            event("open", rel)
            return Writer(real_io_open(file, mode, *args, **kwargs), rel)
        return real_io_open(file, mode, *args, **kwargs)

    def os_open(path, flags, mode=0o777, *, dir_fd=None):
        rel = tracked(path)
        if rel is not None and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            event("open", rel)
            fd = real["open"](path, flags, mode, dir_fd=dir_fd)
            fd_paths[fd] = rel
            return fd
        fd = real["open"](path, flags, mode, dir_fd=dir_fd)
        fd_paths.pop(fd, None)
        return fd

    def fdopen(fd, mode="r", *args, **kwargs):
        raw = real["fdopen"](fd, mode, *args, **kwargs)
        rel = fd_paths.get(fd)
        return Writer(raw, rel) if rel is not None and writing(mode) else raw

    def fsync(fd):
        rel = fd_paths.get(fd if isinstance(fd, int) else fd.fileno())
        if rel is not None:
            event("fsync", rel)
        return real["fsync"](fd)

    def renamer(name):
        def rename(src, dst, **kwargs):
            rel = tracked(dst)
            if rel is not None:
                event(name, rel)
            result = real[name](src, dst, **kwargs)
            if rel is not None:
                event(name + "d", rel)
            return result
        return rename

    def remover(name):
        def remove(path, **kwargs):
            rel = tracked(path)
            if rel is not None:
                event(name, rel)
            return real[name](path, **kwargs)
        return remove

    builtins.open = io.open = open_
    os.open, os.fdopen, os.fsync = os_open, fdopen, fsync
    os.replace, os.rename = renamer("replace"), renamer("rename")
    os.unlink, os.remove = remover("unlink"), remover("remove")
    return events, real_open
"""

# A single-threaded helper that imports the stack once and forks a child per run, so a
# run costs its own work, not interpreter start-up. One JSON job per stdin line.
HELPER = r"""
import json, os, sys, traceback
import pytest, openai, httpx2, vcr, syrupy, deepdiff, yaml
import pytest_llmseed.plugin, pytest_llmseed.fixture, pytest_llmseed.cli

KILLER = sys.argv[1]
print("ready", flush=True)
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            out = os.open(job["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.chdir(job["cwd"])
            sys.dont_write_bytecode = True
            namespace = {}
            exec(KILLER, namespace)
            events, real_open = namespace["install"](job["cwd"], job["kill_at"])
            if job["cli"]:
                code = pytest_llmseed.cli.main(job["args"])
            else:
                code = pytest.main(job["args"])
            with real_open(job["events"], "w", encoding="utf-8") as handle:
                handle.write("\n".join(events))
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(code))
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"exit": os.waitstatus_to_exitcode(status)}), flush=True)
"""

TEMPORARY = re.compile(r"^\..+\.llmseed-\d+-[0-9a-f]+\.tmp$")


class Runner:
    """Runs pytest or ``llmseed`` in a forked child; optionally killed at one operation."""

    def __init__(self, helper: subprocess.Popen[str], scratch: Path) -> None:
        self.helper = helper
        self.scratch = scratch
        self.runs = 0

    def run(self, cwd: Path, args: tuple[str, ...], *, kill_at: int = 0, cli: bool = False) -> Any:
        self.runs += 1
        output = self.scratch / f"run{self.runs}.log"
        events = self.scratch / f"run{self.runs}.events"
        job = {
            "cwd": str(cwd),
            "args": list(args),
            "kill_at": kill_at,
            "cli": cli,
            "output": str(output),
            "events": str(events),
        }
        assert self.helper.stdin is not None
        assert self.helper.stdout is not None
        self.helper.stdin.write(json.dumps(job) + "\n")
        self.helper.stdin.flush()
        reply = json.loads(self.helper.stdout.readline())
        log = output.read_text(encoding="utf-8", errors="replace")
        ops = events.read_text(encoding="utf-8").splitlines() if events.exists() else None
        return reply["exit"], ops, log


@pytest.fixture
def runner(
    tmp_path: Path, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runner]:
    """The fork helper, with the test server's URL and key in its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CI"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    scratch = tmp_path / "_kill"
    scratch.mkdir()
    helper = subprocess.Popen(
        [sys.executable, "-c", HELPER, KILLER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=scratch,
    )
    try:
        assert helper.stdout is not None
        assert helper.stdout.readline().strip() == "ready"
        yield Runner(helper, scratch)
    finally:
        assert helper.stdin is not None
        helper.stdin.close()
        helper.wait(timeout=60)


def snapshot_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".py")
    }


VOLATILE = {"id", "created", "date", "x-request-id", "openai-processing-ms"}


def is_cassette(name: str) -> bool:
    return name.startswith("cassettes/") or "/cassettes/" in name


def loads(path: Path, root: Path) -> None:
    """The file parses completely with the reader the plugin (or a user) would use."""
    # Checked wherever the run put it: confined to the whole file system here (a pending
    # change's node id is read from the project's root).
    everywhere = Path(path.anchor)
    confine.set_project(confine.Area([everywhere]))
    try:
        _loads(path, Project.at(root, source=None))
    finally:
        confine.set_project(None)


def _loads(path: Path, project: Project) -> None:
    name = path.name
    text = path.read_text(encoding="utf-8")
    if name.endswith(".llm.yaml"):
        load_golden(text)
    elif name.endswith(".llm.yaml.llmseed-pending"):
        load_pending(path, project, root=path.parent)
    elif name.endswith((".yaml", ".yaml.llmseed-pending")):
        assert END_LINE in text
        CassettePersister(lambda: []).load_cassette(path, ReadableSerializer)
    elif name.endswith(".json"):
        json.loads(text)
    elif name.endswith(".html"):
        assert text.rstrip().endswith("</html>")


def same_version(name: str, data: bytes, version: bytes) -> bool:
    """Byte-identical, or for a cassette re-recorded live, the same exchanges."""
    if data == version:
        return True
    if not is_cassette(name) or not data.startswith(b"#"):
        return False
    ours, theirs = yaml.safe_load(data), yaml.safe_load(version)
    return bool(stable(ours["interactions"], VOLATILE) == stable(theirs["interactions"], VOLATILE))


def check_old_or_new(
    root: Path, old: dict[str, bytes], new: dict[str, bytes], semantic: set[str]
) -> list[str]:
    """Problems with ``root`` after a kill; empty when every file is old or new and loads."""
    problems = []
    now = snapshot_of(root)
    for name in sorted(set(old) | set(new) | set(now)):
        base = name.rsplit("/", 1)[-1]
        if name not in old and name not in new:
            if not TEMPORARY.match(base):
                problems.append(f"{name}: neither old nor new")
            continue
        if name not in now:
            if name in old and name in new:
                problems.append(f"{name}: missing")
            continue
        data = now[name]
        versions = [v for v in (old.get(name), new.get(name)) if v is not None]
        exact = name not in semantic
        if not any(data == v if exact else same_version(name, data, v) for v in versions):
            problems.append(f"{name}: a version that is neither old nor new")
            continue
        try:
            loads(root / name, root)
        except Exception as exc:  # anything unreadable is a failure of the guarantee
            problems.append(f"{name}: does not load ({exc!r})")
    return problems


# The kinds of moment, the most telling first: a torn write, just after / before a rename.
PHASES = ("write", "replaced", "replace", "unlink", "renamed", "rename", "remove", "fsync", "open")


def moments(operations: list[str], count: int) -> list[int]:
    """``count`` operation numbers: every kind of moment, each spread over the run."""
    by_kind: dict[str, list[int]] = {}
    for number, operation in enumerate(operations, 1):
        by_kind.setdefault(operation.split(" ", 1)[0], []).append(number)
    kinds = [k for k in PHASES if k in by_kind]
    rounds = -(-count // len(kinds))
    slots = rounds * len(kinds)
    chosen: set[int] = set()
    # Slot s takes kind s % K from the s-th stretch of the run: kinds and files both vary.
    for slot in range(slots):
        if len(chosen) == count:
            break
        numbers = by_kind[kinds[slot % len(kinds)]]
        chosen.add(numbers[(2 * slot + 1) * len(numbers) // (2 * slots)])
    assert len(chosen) == count, f"only {len(operations)} write operations"
    return sorted(chosen)


def kill_and_check(
    runner: Runner,
    start: Path,
    work: Path,
    args: tuple[str, ...],
    count: int,
    *,
    cli: bool = False,
) -> tuple[int, list[str]]:
    """Run uncut to learn the operations and the new files, then kill at ``count`` moments."""
    reference = work / "reference"
    shutil.copytree(start, reference)
    code, operations, log = runner.run(reference, args, cli=cli)
    assert code in (0, 1), log
    assert operations, log
    old, new = snapshot_of(start), snapshot_of(reference)
    semantic = {n for n in new if is_cassette(n)} if not cli else set()
    survived, failures = 0, []
    for number, kill_at in enumerate(moments(operations, count)):
        killed = work / f"killed{number}"
        shutil.copytree(start, killed)
        code, _, log = runner.run(killed, args, kill_at=kill_at, cli=cli)
        assert code == -signal.SIGKILL, f"not killed at {operations[kill_at - 1]}: {log}"
        problems = check_old_or_new(killed, old, new, semantic)
        if problems:
            failures.append(f"killed at {operations[kill_at - 1]}: {problems}")
        else:
            survived += 1
    return survived, failures


def figure(request: pytest.FixtureRequest, name: str, value: object) -> None:
    """Report one of the guarantee's figures: a JUnit property, and printed (see ``-rP``)."""
    request.node.user_properties.append((name, value))
    print(f"{name} = {value}")


@pytest.fixture
def recorded(runner: Runner, tmp_path: Path) -> Path:
    """The project recorded once (seed 1234): the 'old' version of every file."""
    start = tmp_path / "start"
    start.mkdir()
    (start / "test_project.py").write_text(PROJECT)
    code, _, log = runner.run(start, RECORD_OLD)
    assert code == 0, log
    assert len(snapshot_of(start)) == 10  # 4 cassettes, 4 goldens, 2 reports
    return start


def test_sigkill_while_recording_and_updating_goldens(
    runner: Runner, recorded: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    args = (*UPDATE, "--snapshot-update")
    survived, failures = kill_and_check(runner, recorded, tmp_path / "update", args, 10)
    figure(request, "kills_survived", f"{survived}/10")
    assert failures == []
    assert survived == 10

    # The next complete run finishes the job and removes what the killed ones left behind.
    last = tmp_path / "update" / "killed9"
    assert runner.run(last, args)[0] == 0
    assert list(last.rglob("*.tmp")) == []
    assert runner.run(last, (*LEAN, "--llmseed-seed=99"))[0] == 0


def test_sigkill_while_writing_pending_changes_reports_and_accepting(
    runner: Runner, recorded: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # A drifted run without --snapshot-update: pending goldens, pending cassettes, reports.
    survived, failures = kill_and_check(runner, recorded, tmp_path / "pending", UPDATE, 5)
    # Accepting the pending changes: goldens and cassettes replaced, pending files removed.
    drifted = tmp_path / "pending" / "reference"
    assert list(drifted.rglob("*.llmseed-pending"))
    accepted, accept_failures = kill_and_check(
        runner, drifted, tmp_path / "accept", ("accept", "--all"), 5, cli=True
    )
    figure(request, "kills_survived", f"{survived + accepted}/10")
    assert failures + accept_failures == []
    assert survived + accepted == 10


# --- the writer itself ---------------------------------------------------------------------


def test_a_new_file_gets_the_umask_permissions_and_a_rewrite_keeps_its_own(
    tmp_path: Path,
) -> None:
    from pytest_llmseed.files.atomic import atomic_write_text

    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "new.yaml"
        atomic_write_text(path, "one\n")
        assert path.stat().st_mode & 0o777 == 0o644  # as open() would, not mkstemp's 0o600
        path.chmod(0o640)
        atomic_write_text(path, "two\n")
        assert path.stat().st_mode & 0o777 == 0o640
        assert path.read_text() == "two\n"
    finally:
        os.umask(old_umask)


def test_a_symlinked_file_is_written_through_the_link(tmp_path: Path) -> None:
    from pytest_llmseed.files.atomic import atomic_write_text

    target = tmp_path / "shared" / "golden.llm.yaml"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.llm.yaml"
    link.symlink_to(target)
    atomic_write_text(link, "new\n")
    assert link.is_symlink()
    assert target.read_text() == "new\n"


def test_temporaries_of_dead_writers_are_removed_by_the_next_write(tmp_path: Path) -> None:
    from pytest_llmseed.files.atomic import atomic_write_text

    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead, alive = int(child.stdout), os.getpid()  # the child has exited and been reaped
    path = tmp_path / "c.yaml"
    stale = tmp_path / f".c.yaml.llmseed-{dead}-0badf00d.tmp"
    in_use = tmp_path / f".c.yaml.llmseed-{alive}-0badf00d.tmp"
    other = tmp_path / f".other.yaml.llmseed-{dead}-0badf00d.tmp"
    for leftover in (stale, in_use, other):
        leftover.write_text("half a fi")
    atomic_write_text(path, "whole\n")
    assert not stale.exists()
    assert in_use.exists()  # a live process may still rename it
    assert other.exists()  # another file's: removed when that file is written
    assert path.read_text() == "whole\n"
