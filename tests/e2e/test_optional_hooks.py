"""The conftest hooks are optional hooks: a ``conftest.py`` implementing them with
``@pytest.hookimpl(optionalhook=True)`` (as docs/cassettes.md shows) keeps working with the
plugin disabled, and the hooks still apply with it enabled."""

from __future__ import annotations

import pytest
import yaml
from llm_server import FakeOpenAIServer

CONFTEST = """
import json

import pytest


@pytest.hookimpl(optionalhook=True)
def pytest_llmseed_before_record_request(request):
    body = json.loads(request.body)
    body["user"] = "anonymous"
    request.body = json.dumps(body).encode()
    return request


@pytest.hookimpl(optionalhook=True)
def pytest_llmseed_before_record_response(response):
    response["headers"]["X-Recorded-By"] = ["conftest"]
    return response


@pytest.hookimpl(optionalhook=True)
def pytest_llmseed_inject_seed(request, seed):
    return False
"""

SEEDED = """
def test_ask(seeded_llm):
    assert seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}], user="alice-42"
    )
"""
PLAIN = "def test_plain():\n    assert 1 + 1 == 2\n"


def test_optional_hooks_run_with_the_plugin_disabled(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_plain=PLAIN)
    result = pytester.runpytest("-p", "no:llmseed")
    result.assert_outcomes(passed=1)
    assert "PluginValidationError" not in result.stdout.str() + result.stderr.str()


def test_plain_hook_functions_need_the_plugin(pytester: pytest.Pytester) -> None:
    # What the docs warn about: without the marker pytest refuses an unknown pytest_* hook.
    pytester.makeconftest(CONFTEST.replace("@pytest.hookimpl(optionalhook=True)\n", ""))
    pytester.makepyfile(test_plain=PLAIN)
    result = pytester.runpytest("-p", "no:llmseed")
    assert result.ret != pytest.ExitCode.OK
    assert "unknown hook 'pytest_llmseed_" in result.stdout.str() + result.stderr.str()
    # With the plugin, the same plain functions are fine.
    pytester.runpytest().assert_outcomes(passed=1)


def test_optional_hooks_still_apply_with_the_plugin(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_hooked=SEEDED)
    pytester.runpytest("--llmseed-record-mode=once").assert_outcomes(passed=1)
    # inject_seed said no: the server got no seed.
    assert "seed" not in llm_env.requests[0].json
    [interaction] = yaml.safe_load(
        (pytester.path / "cassettes" / "test_hooked" / "test_ask.yaml").read_text()
    )["interactions"]
    assert "anonymous" in str(interaction["request"]["body"])
    assert "alice-42" not in str(interaction["request"]["body"])
    assert interaction["response"]["headers"]["X-Recorded-By"] == ["conftest"]
