"""Attack: a parse-cache entry committed on a branch replays an answer no cassette holds.

Parsed cassettes and goldens are kept in pytest's cache under a hash of their text. Keyed
by public data only, anyone could compute an entry's name and commit
``.pytest_cache/v/llmseed-yaml/<name>.json`` holding another answer. The name is now a
hash keyed with a per-user secret kept outside the repository, and a corrupt entry is
ignored (parsed again).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
import yaml
from llm_server import FakeOpenAIServer

from pytest_llmseed.files import parse_cache, yamlio

TEST = """
def test_x(seeded_llm):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Say hello"}]
    )
    print("ANSWER:", out.choices[0].message.content)
    assert out.choices[0].message.content != "PLANTED"
"""


@pytest.fixture
def recorded(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    pytester.makepyfile(test_c=TEST)
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    return pytester.path


def _public_names(text: str) -> list[str]:
    """Every name an attacker can compute from the cassette's text alone."""
    names = []
    for fmt in ("1", "2"):
        data = f"{fmt}:{yaml.__version__}\0".encode() + text.encode("utf-8", "surrogatepass")
        names += [hashlib.sha1(data).hexdigest(), hashlib.blake2b(data, digest_size=20).hexdigest()]
        names.append(hashlib.sha256(data).hexdigest())
    return names


def test_a_planted_entry_is_never_used(recorded: Path, pytester: pytest.Pytester) -> None:
    cassette = recorded / "cassettes" / "test_c" / "test_x.yaml"
    text = cassette.read_text()
    planted = yamlio.load(text)
    body = planted["interactions"][0]["response"]["body"]["json"]
    body["choices"][0]["message"]["content"] = "PLANTED"
    folder = recorded / ".pytest_cache" / "d" / parse_cache.CACHE_NAME
    folder.mkdir(parents=True, exist_ok=True)
    for name in _public_names(text):
        (folder / f"{name}.json").write_text(json.dumps(planted))

    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    assert "ANSWER: PLANTED" not in result.stdout.str()
    # The cache is in use all the same: its own entries sit beside the planted ones.
    names = {p.stem for p in folder.glob("*.json")}
    assert len(names - set(_public_names(text))) >= 1


def test_a_corrupt_entry_is_ignored(recorded: Path, pytester: pytest.Pytester) -> None:
    pytester.runpytest().assert_outcomes(passed=1)  # fills the cache
    folder = recorded / ".pytest_cache" / "d" / parse_cache.CACHE_NAME
    entries = list(folder.glob("*.json"))
    assert entries
    for entry in entries:
        entry.write_text('{"interactions": [{"truncat')
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_key_lives_outside_the_repository_and_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    key = parse_cache.machine_key()
    assert key is not None
    assert len(key) == 32
    path = tmp_path / "user-cache" / "pytest-llmseed" / "key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert parse_cache.machine_key() == key  # made once, read afterwards


def test_without_a_usable_key_nothing_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert parse_cache.machine_key() is None
    config = pytester.parseconfigure()
    assert config.cache is not None
    cache = parse_cache.ParseCache(config.cache)
    calls: list[str] = []
    for _ in range(2):
        cache.load("a: 1", lambda text: calls.append(text) or yamlio.load(text))
    assert len(calls) == 2
