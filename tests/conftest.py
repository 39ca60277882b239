"""Fixtures shared by the test suite: the fake OpenAI server and pytester set-up."""

from __future__ import annotations

# pytester's in-process runs restore sys.modules afterwards; a module first imported inside
# a run would be imported anew in the next one, and PyYAML's C emitter then no longer
# recognises the new module's event classes. Importing the stack once here keeps one copy.
# The HTTP stack is httpx2 (openai 3.x) and/or httpx (1.x, 2.x): whichever is installed.
import contextlib
import importlib
from collections.abc import Iterator

import deepdiff  # noqa: F401
import hypothesis  # noqa: F401
import openai  # noqa: F401
import pytest
import vcr  # noqa: F401
import yaml  # noqa: F401
from helpers import ANTHROPIC_TEST_KEY, GEMINI_TEST_KEY
from llm_server import FakeOpenAIServer

for _name in ("httpcore2", "httpx2", "httpcore", "httpx"):
    with contextlib.suppress(ImportError):
        importlib.import_module(_name)

TEST_KEY = "sk-test-llmseed-0123456789abcdef"

# Variables that would change what the plugin does inside a pytester run.
_ISOLATED_ENV = (
    "CI",
    "GITHUB_STEP_SUMMARY",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "OPENAI_API_VERSION",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GEMINI_BASE_URL",
    "GEMINI_API_BASE",
    "LITELLM_USER_AGENT",
    "PYTEST_ADDOPTS",
    # Set when this suite itself runs under xdist; inner runs would think they are workers.
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_XDIST_TESTRUNUID",
)


@pytest.fixture(scope="session")
def _server_process() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def llm_server(_server_process: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The OpenAI-compatible test server on 127.0.0.1, with a clean log and settings."""
    _server_process.reset()
    yield _server_process
    _server_process.reset()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner pytest runs must not see the outer environment (CI=true in CI, real keys)."""
    for name in _ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch, llm_server: FakeOpenAIServer) -> FakeOpenAIServer:
    """Point the OpenAI SDK at the test server with a fake key; nothing else leaks in."""
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    return llm_server


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, llm_server: FakeOpenAIServer) -> None:
    """Replay conditions: no key in the environment (the server may still be up: see tests)."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture
def providers_env(llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAIServer:
    """``llm_env``, and the Anthropic and Gemini SDKs (and frameworks over them) pointed at
    the same test server with fake keys, through their usual environment variables."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", llm_env.root_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_TEST_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", llm_env.root_url)
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI_TEST_KEY)
    return llm_env
