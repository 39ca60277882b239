"""The ``llmseed`` console script: review, accept, reject and list pending changes.

Exit codes: 0 done (``status``: nothing pending); 1 ``status`` found pending changes;
2 bad usage or an unreadable pending file.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from pytest_llmseed import __version__
from pytest_llmseed.errors import LLMSeedError, PendingError
from pytest_llmseed.files.escape import for_terminal
from pytest_llmseed.report.console import Out as _Out
from pytest_llmseed.report.console import use_color
from pytest_llmseed.review import pending
from pytest_llmseed.review.describe import severity_of, show, targets
from pytest_llmseed.review.pending import PendingChange, Project
from pytest_llmseed.review.status import cmd_status


def _read_key(stream: TextIO) -> str:
    """One keystroke from a terminal (no Enter needed), else the first character of a line."""
    if stream.isatty():
        import termios
        import tty

        fd = stream.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            return os.read(fd, 1).decode(errors="replace")
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    line = stream.readline()
    return line[:1] if line else "q"


def _shared_cassette(change: PendingChange, others: Sequence[PendingChange]) -> bool:
    return change.cassette is not None and any(
        o is not change and o.cassette == change.cassette for o in others
    )


def _ask(out: _Out, keys: TextIO) -> str:
    """One of a, r, s, q; any other key is named and asked again."""
    while True:
        out.stream.write("accept (a), reject (r), skip (s), quit (q)? ")
        out.stream.flush()
        key = _read_key(keys).lower()
        out.line(key if key.strip() else "")
        if key in ("a", "r", "s", "q"):
            return key
        shown = for_terminal(key) if key.strip() else "(none)"
        out.line(f"unknown key {shown}: press a to accept, r to reject, s to skip, q to quit")


def cmd_review(changes: list[PendingChange], out: _Out, keys: TextIO) -> int:
    """Walk the changes one by one: accept, reject, skip or quit."""
    if not changes:
        out.line("no pending changes")
        return 0
    done = {"accepted": 0, "rejected": 0, "skipped": 0}
    remaining = list(changes)
    for index, change in enumerate(changes, 1):
        show(out, change, index, len(changes))
        key = _ask(out, keys)
        if key == "q":
            break
        if key == "a":
            keep = _shared_cassette(change, remaining)
            if not _attempt(functools.partial(pending.accept, keep_cassette=keep), change):
                done["skipped"] += 1
                continue
            done["accepted"] += 1
            out.line(f"{out.paint('accepted', 'green')} {for_terminal(change.test)}")
        elif key == "r":
            keep = _shared_cassette(change, remaining)
            if not _attempt(functools.partial(pending.reject, keep_cassette=keep), change):
                done["skipped"] += 1
                continue
            done["rejected"] += 1
            out.line(f"{out.paint('rejected', 'red')} {for_terminal(change.test)}")
        else:
            done["skipped"] += 1
            out.line(f"skipped {for_terminal(change.test)} (still pending)")
            out.line()
            continue
        remaining.remove(change)
        out.line()
    left = len(remaining)
    out.line(
        f"accepted {done['accepted']}, rejected {done['rejected']}, skipped {done['skipped']}"
        f"; {left} pending change(s) left",
        "bold",
    )
    return 0


def _select(
    changes: list[PendingChange], tests: list[str], everything: bool
) -> list[PendingChange]:
    from fnmatch import fnmatchcase

    if everything:
        return changes
    if not tests:
        raise PendingError(None, "name the tests (node ids, patterns or files), or pass --all")
    chosen = []
    for test in tests:
        found = [
            c
            for c in changes
            if c.test == test or c.test.startswith(test + "::") or fnmatchcase(c.test, test)
        ]
        if not found:
            raise PendingError(None, f"no pending change for {test!r}; see `llmseed status`")
        chosen += [c for c in found if c not in chosen]
    return chosen


def _apply(
    action: Callable[[PendingChange, list[PendingChange]], None],
    verb: str,
    changes: list[PendingChange],
    args: argparse.Namespace,
    out: _Out,
) -> int:
    chosen = _select(changes, args.tests, args.all)
    remaining, applied = list(changes), []
    for change in chosen:
        # Each applied change leaves `remaining`: the last golden of a test takes its cassette.
        if _attempt(lambda c: action(c, remaining), change):
            applied.append(change)
            remaining.remove(change)
    color = "green" if verb == "accepted" else "red"
    for change in applied:
        out.line(f"{out.paint(verb, color)} {for_terminal(change.test)}")
        for target in targets(change):
            out.line(f"    {out.paint(target, 'dim')}")
    out.line(f"{verb} {len(applied)} pending change(s)", "bold")
    return 0 if len(applied) == len(chosen) else 2


def _attempt(action: Callable[[PendingChange], None], change: PendingChange) -> bool:
    """Apply one change; a refused one is reported and left as it is, the others go on."""
    try:
        action(change)
    except LLMSeedError as exc:
        print(f"llmseed: {for_terminal(str(exc))}", file=sys.stderr)
        return False
    return True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmseed",
        description="Review the golden changes pytest-llmseed left pending.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser, *, artifact: bool = True) -> None:
        sub.add_argument(
            "--from" if artifact else "--no-from",
            dest="sources",
            action="append",
            type=Path,
            metavar="DIR",
            help="read pending changes from DIR (a CI artifact written with "
            "--llmseed-pending-dir) and apply them to the project in --root; repeat it "
            "for several CI shards' artifacts"
            if artifact
            else argparse.SUPPRESS,
        )
        sub.add_argument(
            "--no-color",
            action="store_true",
            help="plain text even on a terminal (as does setting NO_COLOR)",
        )
        sub.add_argument(
            "--root",
            type=Path,
            default=Path.cwd(),
            help="the project's rootdir: nothing is written outside it "
            "(default: the current directory)",
        )
        sub.add_argument(
            "--cassette-dir",
            dest="cassette_dirs",
            action="append",
            type=Path,
            default=[],
            metavar="DIR",
            help="a cassette folder not named cassettes/ (the --llmseed-cassette-dir of "
            "the run), relative to --root; repeatable",
        )

    review = commands.add_parser("review", help="step through each pending change")
    review.add_argument("paths", nargs="*", type=Path, help="where to look (default: .)")
    common(review)
    for name, text in (("accept", "apply"), ("reject", "discard")):
        sub = commands.add_parser(name, help=f"{text} pending changes (golden and cassette)")
        sub.add_argument("tests", nargs="*", help="node ids, fnmatch patterns or test files")
        sub.add_argument("--all", action="store_true", help=f"{text} every pending change")
        sub.add_argument("--path", dest="paths", action="append", type=Path, default=[])
        common(sub)
    status = commands.add_parser("status", help="list pending changes; exit 1 if any")
    status.add_argument("paths", nargs="*", type=Path, help="where to look (default: .)")
    status.add_argument("--verbose", "-v", action="store_true", help="show cassette diffs too")
    common(status)
    rename = commands.add_parser("rename", help="move a renamed test's cassette and golden")
    rename.add_argument("old", help="the test's old node id")
    rename.add_argument("new", help="its new node id")
    common(rename, artifact=False)
    report = commands.add_parser(
        "report", help="merge CI shards' JSON reports; exit 1 on drift or unused cassettes"
    )
    report.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        required=True,
        metavar="REPORT",
        help="JSON reports (--llmseed-report) of the shards of one run",
    )
    report.add_argument("--json", type=Path, metavar="PATH", help="write the merged JSON report")
    report.add_argument("--html", type=Path, metavar="PATH", help="write the merged HTML page")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``llmseed`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "report":
        from pytest_llmseed.report.merge import merge_command

        return merge_command(args.merge, json_path=args.json, html_path=args.html)
    out = _Out(sys.stdout, color=use_color(sys.stdout, no_color=args.no_color))
    if args.command == "rename":
        from pytest_llmseed.review.rename import rename_command

        return rename_command(
            args.old,
            args.new,
            Project.at(args.root, source=None, cassette_dirs=args.cassette_dirs).targets,
            out,
        )
    for source in args.sources or ():
        if not source.is_dir():
            shown = for_terminal(str(source))
            print(f"llmseed: --from {shown}: no such directory", file=sys.stderr)
            return 2
    try:
        if args.sources:
            found = pending.find_in_artifacts(
                args.sources, root=args.root, cassette_dirs=args.cassette_dirs
            )
        else:
            project = Project.at(args.root, source=None, cassette_dirs=args.cassette_dirs)
            found = pending.find(args.paths or [Path()], project, root=args.root)
        for error in found.errors:
            print(f"llmseed: {for_terminal(str(error))}", file=sys.stderr)
        code = _run(args, found.changes, out)
    except LLMSeedError as exc:
        print(f"llmseed: {for_terminal(str(exc))}", file=sys.stderr)
        return 2
    return 2 if found.errors else code


def _run(args: argparse.Namespace, changes: list[PendingChange], out: _Out) -> int:
    if args.command == "review":
        from pytest_llmseed.records import severity_rank

        # Breaking first, as in every report; by test within a severity (a stable sort).
        ordered = sorted(changes, key=lambda c: severity_rank(severity_of(c)))
        return cmd_review(ordered, out, sys.stdin)
    if args.command == "status":
        return cmd_status(changes, out, args.sources, verbose=args.verbose)
    if args.command == "accept":
        return _apply(
            lambda c, left: pending.accept(c, keep_cassette=_shared_cassette(c, left)),
            "accepted",
            changes,
            args,
            out,
        )
    return _apply(
        lambda c, every: pending.reject(c, keep_cassette=_shared_cassette(c, every)),
        "rejected",
        changes,
        args,
        out,
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
