"""Every code block of the README and docs/ is executed or checked here, so none can rot.

How each block is handled (``python tests/docs/test_docs.py`` prints the full inventory):

- ``python`` blocks that define ``test_*`` functions are complete test modules: all of them
  are written into one pytester directory and run twice with the commands of the README's
  record/replay block — first recording against the project's OpenAI-compatible test server,
  then replaying with no key, and the server must see no request during the replay.
  ``<!-- docs-test: server=URL -->`` names a URL in the block (a vLLM / Ollama / llama.cpp
  address) that the test server stands in for; ``<!-- docs-test: requires=MODULE -->``
  skips the block, saying so, when MODULE is not installed.
- ``bash`` / ``console`` blocks: every ``pytest`` command's options must exist in
  ``pytest --help``, every ``llmseed`` command must parse with the console script's own
  argument parser, scripts run with ``python`` must exist, ``pip install`` extras must exist.
  The walkthrough's blocks (``<!-- docs-test: walkthrough -->``) are run for real, in
  order, in a copy of the example, and the output they show must match what the commands
  print.
- ``yaml`` blocks are parsed; goldens are loaded as goldens, cassettes checked for vcrpy's
  shape, and the commands of CI ``run:`` / ``script:`` steps checked like shell lines.
- ``ini`` / ``toml`` blocks are parsed and their ``llmseed_*`` keys must be real ini keys.
- Anything else must be marked ``<!-- not-executed: reason -->`` right before the block.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from helpers import ROOT

DOCS = ROOT / "docs"
PACKAGE = ROOT / "pytest_llmseed"

SHELL_LANGS = {"bash", "sh", "shell", "console"}
# Commands documented as-is that these tests do not run or parse (what they do is plain).
UNCHECKED_PROGRAMS = {"git", "gh", "mkdocs", "cd", "export", "mkdir", "cp", "cat", "echo", "unzip"}
_DIRECTIVE = re.compile(r"<!--\s*(not-executed|docs-test):\s*(.*?)\s*-->", re.S)
_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<lang>[\w+-]*)[^\n]*$")


@dataclasses.dataclass
class Block:
    """A fenced code block of a Markdown page, with the directive written right before it."""

    path: Path
    line: int
    lang: str
    code: str
    skip_reason: str | None = None
    options: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def slug(self) -> str:
        stem = re.sub(r"\W+", "_", str(self.path.relative_to(ROOT).with_suffix(""))).lower()
        return f"{stem}_{self.line}"


def doc_pages() -> list[Path]:
    """The README and every Markdown page under docs/."""
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def read_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a page, each with the ``<!-- ... -->`` directive just above it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        code = "\n".join(line[indent:] for line in lines[index + 1 : end]) + "\n"
        block = Block(path, index + 1, opening["lang"].lower(), code)
        above = index - 1
        while above >= 0 and not lines[above].strip():
            above -= 1
        # A directive may span lines: collect the comment ending right above the fence.
        if above >= 0 and lines[above].rstrip().endswith("-->"):
            start = above
            while start > 0 and "<!--" not in lines[start]:
                start -= 1
            directive = _DIRECTIVE.search("\n".join(lines[start : above + 1]))
            if directive and directive[1] == "not-executed":
                block.skip_reason = " ".join(directive[2].split())
            elif directive:
                for item in directive[2].split():
                    key, _, value = item.partition("=")
                    block.options[key] = value
        blocks.append(block)
        index = end + 1
    return blocks


def all_blocks() -> list[Block]:
    return [block for page in doc_pages() for block in read_blocks(page)]


def is_test_module(block: Block) -> bool:
    return (
        block.lang == "python" and re.search(r"^(async )?def test_", block.code, re.M) is not None
    )


def plan(block: Block) -> tuple[str, str]:
    """``(action, detail)``: what this file does with the block; action "missing" fails."""
    if block.skip_reason is not None:
        return "skipped", block.skip_reason
    if "walkthrough" in block.options:
        return "executed", "run in order in a copy of the example (walkthrough)"
    if block.lang == "python":
        if not is_test_module(block):
            return "missing", "python without a test: make it a complete test or mark it"
        required = block.options.get("requires")
        if required and not module_available(required):
            return "skipped", f"needs {required}, which is not installed here"
        server = block.options.get("server")
        via = f" (the test server standing in for {server})" if server else ""
        return "executed", "recorded, then replayed offline" + via
    if block.lang in SHELL_LANGS:
        if "record-and-replay" in block.options:
            return "executed", "its commands are the record and replay runs of the python blocks"
        return "checked", "commands parsed; options exist in `pytest --help` / `llmseed`"
    if block.lang in ("yaml", "yml"):
        return "checked", "parsed as YAML; golden / cassette / CI commands checked"
    if block.lang in ("ini", "toml"):
        return "checked", "parsed; llmseed_* keys are real ini keys"
    return "missing", f"a {block.lang or 'plain'} block must be marked <!-- not-executed: why -->"


def module_available(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def inventory() -> list[str]:
    """One line per block: where, language, what happens to it and why."""
    return [
        f"{action:8} {b.where:38} {b.lang or '-':8} {why}"
        for b in all_blocks()
        for action, why in [plan(b)]
    ]


# --------------------------------------------------------------------------- inventory


def test_every_block_is_executed_checked_or_marked() -> None:
    """Prints the inventory (visible with ``-rP``); fails on a block nothing handles."""
    lines = inventory()
    print("\n".join(lines))
    missing = [line for line in lines if line.startswith("missing")]
    assert not missing, "\n".join(missing)
    assert sum(line.startswith("executed") for line in lines) >= 20, "\n".join(lines)


def test_skip_markers_give_a_reason() -> None:
    for block in all_blocks():
        if block.skip_reason is not None:
            assert len(block.skip_reason) >= 10, f"{block.where}: say why it is not executed"


# --------------------------------------------------------------------------- shell commands


@cache
def pytest_help() -> str:
    """``pytest --help`` with this project's plugins, from a neutral directory."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"],
        cwd=PACKAGE,  # no ini file there: only the installed plugins speak
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    return result.stdout


def help_options() -> set[str]:
    return set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", pytest_help()))


def help_ini_keys() -> set[str]:
    section = pytest_help().split("[pytest] configuration options", 1)[1]
    return set(re.findall(r"^  ([a-z][\w]*) \(", section, re.M))


def shell_commands(block: Block) -> Iterator[str]:
    """The command lines of a shell block (``$ `` prompts in console blocks)."""
    lines = block.code.splitlines()
    if block.lang == "console":
        lines = [line[2:] for line in lines if line.startswith("$ ")]
    text = "\n".join(lines).replace("\\\n", " ")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield line


def split_command(line: str) -> list[list[str]]:
    """Words of each simple command of a line (split on ``&&``, ``||``, ``;``, ``|``)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    for word in lexer:
        if word in ("&&", "||", ";", "|", "&"):
            commands.append([])
        else:
            commands[-1].append(word)
    return [words for words in commands if words]


def check_command(words: list[str], where: str) -> str:
    """Check one simple command; returns what was checked (for messages)."""
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        words = words[1:]  # VAR=value prefixes
    if not words:
        return "assignment"
    program = Path(words[0]).name
    if program.startswith("python"):
        if words[1:3] == ["-m", "pytest"]:
            return check_pytest(words[3:], where)
        if words[1:3] == ["-m", "pip"]:
            return check_pip(words[3:], where)
        if words[1:3] == ["-m", "venv"] or words[1:3] == ["-m", "build"]:
            return "python -m " + words[2]
        script = words[1]
        assert (ROOT / script).is_file(), f"{where}: {script} does not exist"
        return f"script {script} exists"
    if program == "pytest":
        return check_pytest(words[1:], where)
    if program == "llmseed":
        from pytest_llmseed.cli import _parser

        try:
            _parser().parse_args(words[1:])
        except SystemExit as exc:
            pytest.fail(f"{where}: `{shlex.join(words)}` does not parse (exit {exc.code})")
        return "llmseed arguments parse"
    if program == "pip":
        return check_pip(words[1:], where)
    assert program in UNCHECKED_PROGRAMS, f"{where}: unknown program {program!r} in a command"
    return f"{program}: not checked"


def check_pytest(args: list[str], where: str) -> str:
    known = help_options()
    for arg in args:
        if not arg.startswith("-") or arg == "-":
            continue
        option = arg.split("=", 1)[0]
        if re.fullmatch(r"-[a-zA-Z]{2,}", option) and len(set(option[1:])) == 1:
            option = option[:2]  # -vv, -qq
        assert option in known, f"{where}: pytest has no option {option} (see pytest --help)"
    return "pytest options exist"


def check_pip(args: list[str], where: str) -> str:
    if args[:1] != ["install"]:
        return "pip"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for arg in args[1:]:
        match = re.fullmatch(r"\.\[([\w,-]+)\]", arg)
        if match:
            for extra in match[1].split(","):
                assert extra in extras, f"{where}: pyproject.toml has no [{extra}] extra"
    return "pip install targets exist"


def test_shell_blocks_use_real_commands_and_options() -> None:
    checked = 0
    for block in all_blocks():
        if block.lang not in SHELL_LANGS or block.skip_reason is not None:
            continue
        for line in shell_commands(block):
            for words in split_command(line):
                check_command(words, block.where)
                checked += 1
    assert checked >= 20


def ci_commands(data: object) -> Iterator[str]:
    """Shell lines of ``run:`` (GitHub Actions) and ``script:`` (GitLab CI) entries."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("run", "script", "before_script"):
                items = value if isinstance(value, list) else [value]
                for item in items:
                    yield from str(item).splitlines()
            else:
                yield from ci_commands(value)
    elif isinstance(data, list):
        for item in data:
            yield from ci_commands(item)


def test_yaml_ini_and_toml_blocks_parse(tmp_path: Path) -> None:
    from pytest_llmseed.cassettes.storage import CassettePersister, ReadableSerializer
    from pytest_llmseed.files import confine
    from pytest_llmseed.goldens.fileformat import load_golden

    ini_keys = help_ini_keys()
    seen = {"golden": 0, "cassette": 0, "ci": 0}
    for block in all_blocks():
        if block.skip_reason is not None:
            continue
        if block.lang in ("yaml", "yml"):
            for data in yaml.safe_load_all(block.code):
                if isinstance(data, dict) and "llmseed_golden" in data:
                    load_golden(block.code)
                    seen["golden"] += 1
                elif isinstance(data, dict) and "interactions" in data:
                    cassette = tmp_path / f"{block.slug}.yaml"
                    cassette.write_text(block.code)
                    # The plugin's own loader: what replay would do with this file (in a
                    # project whose root is tmp_path: its reads are confined to the root).
                    confine.set_project(confine.Area([tmp_path]))
                    try:
                        CassettePersister(list).load_cassette(cassette, ReadableSerializer())
                    finally:
                        confine.set_project(None)
                    seen["cassette"] += 1
                for line in ci_commands(data):
                    for words in split_command(line):
                        check_command(words, block.where)
                        seen["ci"] += 1
        elif block.lang == "ini":
            parser = configparser.ConfigParser()
            parser.read_string(block.code)
            for key in parser["pytest"]:
                assert key in ini_keys, f"{block.where}: {key} is not an ini key"
        elif block.lang == "toml":
            data = tomllib.loads(block.code)
            for key in data["tool"]["pytest"]["ini_options"]:
                assert key in ini_keys | {"addopts"}, f"{block.where}: {key} is not an ini key"
    assert all(seen.values()), seen


# --------------------------------------------------------------------------- reference


def test_configuration_reference_matches_pytest_help() -> None:
    from pytest_llmseed.config import settings as config

    help_text = pytest_help()
    options = set(re.findall(r"--llmseed-[\w-]+", help_text))
    ini_keys = {key for key in help_ini_keys() if key.startswith("llmseed_")}
    assert len(options) == 10, options
    assert len(ini_keys) == 15, ini_keys
    reference = (DOCS / "configuration.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for option in options:
        assert f"`{option}" in reference, f"configuration.md does not document {option}"
        assert f"`{option}`" in readme, f"the README's options table lacks {option}"
        assert f"`llmseed_{option.removeprefix('--llmseed-').replace('-', '_')}`" in reference
    documented = set(re.findall(r"`(--llmseed-[\w-]+)", reference + readme))
    assert documented <= options, f"documented but not in pytest --help: {documented - options}"
    for key in ini_keys:
        assert f"`{key}`" in reference, f"configuration.md does not document the ini key {key}"
    for keyword in config.MARKER_KEYWORDS:
        assert f"`{keyword}=`" in reference, f"configuration.md lacks the marker keyword {keyword}"
    assert f"`{config.DEFAULT_SEED}`" in reference
    assert f"`{config.DEFAULT_SEED}`" in readme
    for mode in config.RECORD_MODES:
        assert f"`{mode}`" in reference
    assert "llmseed" in re.findall(r"^@pytest\.mark\.(\w+)", _markers_help(), re.M)


def _markers_help() -> str:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider"],
        cwd=PACKAGE,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


# --------------------------------------------------------------------------- troubleshooting

# Strings in the package that are never shown to a user, with the reason.
NOT_PRINTED = {
    "the JSON bodies differ": "vcrpy's matcher protocol; the miss explanation shows a diff",
    "a recording from  answers it first": "vcrpy's matcher protocol (the same-host preference)",
    "the cassette": "where a key was found: a part of the refused-to-write message",
    "while constructing a mapping": "PyYAML's error, shown as 'not valid YAML at line <n>'",
    "found unhashable key": "PyYAML's error, shown as 'not valid YAML at line <n>'",
    "module  has no attribute": "Python's own AttributeError wording (the lazy public API)",
}
# Functions whose appended lines / returned strings are the text users read.
SUMMARY_FUNCTIONS = ("explain_miss", "summary_lines")
TRIAGE_FUNCTIONS = ("triage", "_triage")


def _fragments(node: ast.expr) -> list[str | None]:
    """A message as constant text pieces, None for each placeholder."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value if isinstance(v, ast.Constant) else None for v in node.values]
    return []


def _message_nodes(tree: ast.Module) -> Iterator[ast.expr]:
    """String arguments of every way the package shows a message to a user."""
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                yield from node.exc.args
            elif isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                stderr = any(
                    k.arg == "file" and ast.unparse(k.value) == "sys.stderr" for k in node.keywords
                )
                if (
                    name in ("pytest.fail", "pytest.UsageError", "super().__init__")
                    or (name == "print" and stderr)
                    or name == "terminalreporter.write_line"
                    or (name == "lines.append" and func.name in SUMMARY_FUNCTIONS)
                ):
                    yield from node.args
            elif (
                isinstance(node, ast.Yield | ast.Return)
                and node.value
                and (
                    (isinstance(node, ast.Yield) and func.name == "diff_lines")
                    or (
                        isinstance(node, ast.Return)
                        and (func.name.endswith("_problem") or func.name in TRIAGE_FUNCTIONS)
                    )
                )
            ):
                yield node.value
            elif isinstance(node, ast.Assign):
                target = ast.unparse(node.targets[0])
                if target == "message":
                    yield node.value
                elif target == "lines" and isinstance(node.value, ast.List):
                    yield from node.value.elts
    for statement in tree.body:  # module-level messages, e.g. NEW_GOLDEN_TRIAGE
        if isinstance(statement, ast.Assign) and ast.unparse(statement.targets[0]).endswith(
            "_TRIAGE"
        ):
            yield statement.value


def message_patterns() -> dict[str, str]:
    """``{source location: regex}`` of each message's first line, up to a distinctive part.

    Placeholders match anything; the pattern ends once it holds 24 characters of constant
    text (or at the end of the first line), so the page must show the message's stable
    beginning. Messages with less constant text than 12 characters only wrap another
    message (``llmseed: {exc}``) and are not patterns of their own.
    """
    patterns: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in _message_nodes(tree):
            pieces = _fragments(node)
            text = "".join(p for p in pieces if p)
            if not any(pieces) or text.strip() in NOT_PRINTED:
                continue
            regex, constant = "", ""
            for piece in pieces:
                if piece is None:
                    regex += ".+?"
                    continue
                first_line = piece.split("\n", 1)[0]
                words = r"\s+".join(re.escape(word) for word in first_line.split())
                regex += rf"\s*{words}\s*" if words else r"\s*"
                constant += first_line.strip()
                if len(constant) >= 24 or "\n" in piece:
                    break
            if len(constant) >= 12:
                patterns[f"{path.relative_to(PACKAGE)}:{node.lineno}"] = regex
    return patterns


def test_troubleshooting_covers_every_message_the_plugin_prints() -> None:
    page = " ".join((DOCS / "troubleshooting.md").read_text().split())
    patterns = message_patterns()
    assert len(patterns) >= 40, patterns
    missing = {where: p for where, p in patterns.items() if not re.search(p, page)}
    assert not missing, "messages not in docs/troubleshooting.md:\n" + "\n".join(
        f"  {where}: {p}" for where, p in missing.items()
    )


# --------------------------------------------------------------------------- python blocks


def record_and_replay_commands() -> tuple[list[str], list[str]]:
    """The two pytest command lines of the README block marked ``record-and-replay``."""
    [block] = [b for b in read_blocks(ROOT / "README.md") if "record-and-replay" in b.options]
    commands = [split_command(line)[0] for line in shell_commands(block)]
    assert [words[0] for words in commands] == ["pytest", "pytest"], commands
    return commands[0][1:], commands[1][1:]


# SDK-facing, and where the recipes' frameworks are installed (CI's other venvs) theirs too.
@pytest.mark.sdk
def test_python_blocks_record_then_replay_offline(
    pytester: pytest.Pytester, llm_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each complete test in the docs runs against the test server, then replays offline."""
    server = llm_env
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.root_url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "sk-test-azure-key-0123456789")
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
    # LlamaIndex reads OPENAI_API_BASE, not OPENAI_BASE_URL (its recipe says so).
    monkeypatch.setenv("OPENAI_API_BASE", server.base_url)
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # The Anthropic and Gemini examples (providers.md) build their clients from these.
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.root_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-anthropic-0123456789")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.root_url)
    monkeypatch.setenv("GEMINI_API_KEY", "sk-test-gemini-0123456789")
    # litellm's gemini/ route reads its base URL, API version included, from this one.
    monkeypatch.setenv("GEMINI_API_BASE", server.root_url + "/v1beta")
    modules: dict[str, Block] = {}
    for block in all_blocks():
        if plan(block)[0] != "executed" or block.lang != "python":
            continue
        code = block.code
        stand_in = block.options.get("server")
        if stand_in:
            assert stand_in in code, f"{block.where}: {stand_in} is not in the block"
            code = code.replace(stand_in, server.base_url if "/v1" in stand_in else server.root_url)
        name = f"test_{block.slug}"
        pytester.makepyfile(**{name: code})
        modules[f"{name}.py"] = block
    assert len(modules) >= 15
    record, replay = record_and_replay_commands()

    def run(args: list[str]) -> dict[str, list[str]]:
        # A process per run: frameworks (the recipes' LangChain, litellm, ...) imported anew
        # inside one process by pytester's module restore do not all survive it.
        report = pytester.path / "docs-run.xml"
        result = pytester.runpytest_subprocess(
            *args, "-p", "no:cacheprovider", f"--junitxml={report}"
        )
        outcomes: dict[str, list[str]] = {}
        for case in ElementTree.parse(report).iter("testcase"):
            module = case.get("classname", "").replace(".", "/") + ".py"
            problems = [child for child in case if child.tag in ("failure", "error", "skipped")]
            outcome = problems[0].tag if problems else "passed"
            outcomes.setdefault(module, []).append(f"{case.get('name')}: {outcome}")
            if problems:
                outcomes[module].append(problems[0].get("message", "") + "\n" + str(result.stdout))
        return outcomes

    recorded = run(record)
    assert len(server.requests) >= len(modules), "the record run did not reach the server"
    cassettes = list(pytester.path.glob("cassettes/*/*.yaml"))
    assert len(cassettes) >= len(modules), cassettes
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("AZURE_OPENAI_API_KEY")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("GEMINI_API_KEY")
    requests_before = len(server.requests)
    replayed = run(replay)
    assert len(server.requests) == requests_before, "the replay contacted the server"
    for module, block in modules.items():
        for phase, outcomes in (("record", recorded), ("replay", replayed)):
            results = outcomes.get(module)
            assert results, f"{block.where}: no test ran in the {phase} run"
            failures = [line for line in results if not line.endswith(": passed")]
            assert not failures, f"{block.where} ({phase}):\n" + "\n".join(failures)
        print(f"{block.where}: {len(recorded[module])} test(s) recorded and replayed")


# --------------------------------------------------------------------------- walkthrough

WALKTHROUGH = DOCS / "walkthrough.md"
# Linked from the site's nav, written by other hands; the build stands in for them if absent.
_PROMPT = "accept (a), reject (r), skip (s), quit (q)? "


def _apply_diff(root: Path, diff: str) -> None:
    """Apply a one-file unified diff by replacing its '-' lines with its '+' lines."""
    target = re.search(r"^\+\+\+ b/(\S+)", diff, re.M)
    assert target, "the walkthrough's diff names no file"
    path = root / target[1]
    old, new = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++", "@@")):
            continue
        if line.startswith("-"):
            old.append(line[1:])
        elif line.startswith("+"):
            new.append(line[1:])
        else:
            old.append(line[1:])
            new.append(line[1:])
    text = path.read_text()
    before, after = "\n".join(old), "\n".join(new)
    assert before in text, f"the walkthrough's diff does not apply to {target[1]}"
    path.write_text(text.replace(before, after, 1))


def _matches(expected: list[str], actual: list[str]) -> str | None:
    """Expected lines appear in order; ``...`` in a line matches anything, alone any lines."""
    position = 0
    for wanted in expected:
        if wanted.strip() == "...":
            continue
        regex = ".*".join(re.escape(part) for part in wanted.rstrip().split("..."))
        while position < len(actual) and not re.fullmatch(regex, actual[position].rstrip()):
            position += 1
        if position == len(actual):
            return wanted
        position += 1
    return None


def _wait_for_free_port(port: int, seconds: float = 60) -> None:
    """Another run of this test (a second checkout's suite) may be recording right now."""
    import socket
    import time

    deadline = time.monotonic() + seconds
    while True:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            try:
                probe.bind(("127.0.0.1", port))
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"127.0.0.1:{port} stays busy; record.py needs it")
        time.sleep(0.5)


def test_walkthrough_runs_as_written(tmp_path: Path) -> None:
    """Change a prompt in a copy of the example, record, review, approve: as the page says."""
    root = tmp_path / "project"
    shutil.copytree(
        DOCS / "examples",
        root / "docs" / "examples",
        ignore=shutil.ignore_patterns("__pycache__", ".llmseed-pending"),
    )
    (root / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "llm_server.py", root / "tests")
    shutil.copy(ROOT / "pyproject.toml", root)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "AZURE_OPENAI_", "PYTEST_", "GITHUB_")) and k != "CI"
    }
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "80"  # the width the page shows
    _wait_for_free_port(8765)  # record.py serves the example's recorded address
    steps = [b for b in read_blocks(WALKTHROUGH) if "walkthrough" in b.options]
    assert len(steps) >= 5
    ran: list[str] = []
    for block in steps:
        if block.lang == "diff":
            _apply_diff(root, block.code)
            ran.append("diff applied")
            continue
        assert block.lang == "console", f"{block.where}: walkthrough blocks are console or diff"
        lines = block.code.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("$ ")]
        for n, start in enumerate(starts):
            command = lines[start][2:]
            shown = lines[start + 1 : starts[n + 1] if n + 1 < len(starts) else len(lines)]
            words = shlex.split(command, comments=True)
            if words[0] == "llmseed":
                words = [sys.executable, "-m", "pytest_llmseed.cli", *words[1:]]
            elif words[0] == "python":
                words = [sys.executable, *words[1:]]
            else:
                pytest.fail(f"{block.where}: the walkthrough runs python and llmseed only")
            keys = "".join(line[len(_PROMPT)] + "\n" for line in shown if line.startswith(_PROMPT))
            result = subprocess.run(
                words,
                cwd=root,
                env=env,
                input=keys,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            output = (result.stdout + result.stderr).splitlines()
            wrong = _matches(shown, output)
            assert wrong is None, (
                f"{block.where}: `{command}` did not print\n  {wrong}\nit printed:\n"
                + "\n".join(output)
            )
            ran.append(f"{command} -> exit {result.returncode}")
    assert not list(root.rglob("*.llmseed-pending")), "the walkthrough leaves nothing pending"
    print("\n".join(ran))


# --------------------------------------------------------------------------- site


def test_mkdocs_config_names_the_project_and_every_page() -> None:
    """Every page under docs/ is in the nav, and the site names the project's URLs.

    The strict build itself (broken links, missing pages) is a CI step: ``tox -e docs``."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert config["repo_url"] == urls["Repository"]
    assert config["site_url"] == urls["Documentation"]
    pages = set(re.findall(r"[\w/.-]+\.md", str(config["nav"])))
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    for page in sorted(on_disk):
        assert page in pages, f"docs/{page} is not in the mkdocs nav"


if __name__ == "__main__":  # pragma: no cover
    print("\n".join(inventory()))
