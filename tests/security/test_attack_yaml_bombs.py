"""Attack: YAML alias bombs, deep nesting and huge files in cassettes, goldens, pending files.

PyYAML shares an aliased node; whatever walks the data afterwards (our JSON dump, a diff,
``repr``) copies it out again, so a few hundred bytes ask for gigabytes. The plugin never
writes anchors or aliases, so it refuses them on read, and bounds nesting and size, with
an error naming the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from artifacts import AUTUMN, Project, make_project
from llm_server import FakeOpenAIServer

from pytest_llmseed.files import yamlio

# Nine levels of nine: 9**9 (387 million) strings once expanded.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
DEEP = "a: " + "[" * (yamlio.MAX_DEPTH + 5) + "]" * (yamlio.MAX_DEPTH + 5) + "\n"

TESTS = """
def ask(llm, text):
    return llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    )

def test_x(seeded_llm):
    assert ask(seeded_llm, "bombed") == seeded_llm.snapshot

def test_other(seeded_llm):
    assert ask(seeded_llm, "bystander") == seeded_llm.snapshot
"""


@pytest.fixture
def recorded(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    pytester.makepyfile(test_b=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    return pytester.path


def _inject(path: Path, document: str) -> None:
    """Put ``document`` into the file as extra top-level keys (still valid YAML)."""
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    header = [line for line in lines if line.startswith("#") and lines.index(line) < 3]
    path.write_text("".join(header) + document + "".join(lines[len(header) :]))


@pytest.mark.parametrize("document", [BOMB, DEEP], ids=["alias bomb", "deep nesting"])
def test_a_bombed_cassette_fails_its_test_naming_the_file(
    document: str, recorded: Path, pytester: pytest.Pytester
) -> None:
    cassette = recorded / "cassettes" / "test_b" / "test_x.yaml"
    _inject(cassette, document)
    before = cassette.read_bytes()
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    problem = "YAML anchor or alias" if document is BOMB else "deeper than"
    result.stdout.fnmatch_lines([f"*cannot use cassette*test_x.yaml: refused: *{problem}*"])
    assert cassette.read_bytes() == before


@pytest.mark.parametrize("document", [BOMB, DEEP], ids=["alias bomb", "deep nesting"])
def test_a_bombed_golden_fails_its_test_naming_the_file(
    document: str, recorded: Path, pytester: pytest.Pytester
) -> None:
    golden = recorded / "__snapshots__" / "test_b" / "test_x.llm.yaml"
    _inject(golden, document)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*cannot compare: the golden file is refused: it *"])


def test_a_bombed_pending_file_is_refused_by_llmseed(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project: Project = make_project(pytester, monkeypatch)
    _inject(project.pending("spring"), BOMB.replace("a:", "zz:", 1))
    result = project.llmseed("accept", "--all")
    assert result.returncode == 2
    assert "test_x[spring].llm.yaml.llmseed-pending: cannot read this pending change" in (
        result.stderr
    )
    assert "YAML anchor or alias" in result.stderr
    assert f"accepted {AUTUMN}" in result.stdout


@pytest.mark.parametrize(
    "text",
    [
        BOMB,
        DEEP,
        "a: &x 1\n",  # an anchor left unused
        "a: !!binary aGk=\nb: &x [1]\nc: *x\n",  # the full loader's path
        "<<: &m {a: 1}\nb: 2\n",  # a merge key with an anchor
    ],
)
def test_the_loader_refuses_before_expanding(text: str) -> None:
    with pytest.raises(yamlio.RefusedYAML):
        yamlio.load(text)


def test_a_text_over_the_size_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_TEXT", 1000)
    with pytest.raises(yamlio.RefusedYAML, match="larger than"):
        yamlio.load("a: " + "x" * 2000)


@pytest.mark.parametrize(
    "text", ["a: 'x &y *z'\n", "u: http://h/?a=1&b=2\n", "- '&x'\n- \"*y\"\n", "k: a&b\n"]
)
def test_ampersands_and_stars_in_text_still_load(text: str) -> None:
    assert yamlio.load(text) == yaml.safe_load(text)
