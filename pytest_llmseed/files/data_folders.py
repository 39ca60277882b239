"""Folders of cassettes and goldens, which pytest's collection has no reason to walk.

pytest visits every file under the test folders while it collects, and asks every plugin
about each one (``pytest_ignore_collect``, ``pytest_collect_file``). A suite recorded
with the plugin keeps two files per test there, a cassette and a golden, so without help
its collection grows with the number of its tests by files in which nothing can be
collected. The plugin tells pytest to leave out a cassette or golden folder, but
only one that holds nothing else: what a run collects never changes.
"""

from __future__ import annotations

import os
from pathlib import Path

# The files these folders hold: cassettes, goldens, syrupy's own snapshots (amber, JSON).
_DATA_SUFFIXES = (".yaml", ".yml", ".ambr", ".json")


def holds_only_data(directory: Path) -> bool:
    """True when nothing under ``directory`` could be collected by pytest or a plugin.

    That is: every file is a cassette, golden or snapshot file, or hidden and not Python,
    and there is no link anywhere (pytest follows a linked folder, this check does not).
    A folder that cannot be read is left to pytest, which reports what it finds.
    """
    pending = [str(directory)]
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        return False
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                        continue
                    name = entry.name
                    if name.endswith(".py") or not (
                        name.endswith(_DATA_SUFFIXES) or name.startswith(".")
                    ):
                        return False
        except OSError:
            return False
    return True
