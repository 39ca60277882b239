"""Recording the generated replay suites once, against the project's test server."""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import suites
from measure import FAKE_KEY, environment, run_pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from llm_server import FakeOpenAIServer  # noqa: E402

RECORD_OURS = ("--llmseed-record-mode=once", "--snapshot-update")
RECORD_PEER = ("--record-mode=once", "--snapshot-update")


def fetch_answers(base_url: str, prompts: list[str]) -> dict[str, Any]:
    """The server's answer to each prompt, for the floor's in-memory transport."""
    answers = {}
    for text in prompts:
        request = urllib.request.Request(
            f"{base_url}/chat/completions",
            data=json.dumps(suites.request_body(text)).encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {FAKE_KEY}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answers[text] = json.loads(response.read())
    return answers


def record_replay_suites(
    root: Path, tests: int, modules: int, say: Callable[[str], None]
) -> tuple[dict[str, Path], str]:
    """Write the ours / peer / floor suites under ``root`` and record them; the server's URL.

    The server is stopped on return: a replay that tried the network would fail.
    """
    dirs = suites.write_replay_suites(root, tests, modules)
    say(f"recording {tests} tests in {modules} modules against the test server")
    with FakeOpenAIServer() as server:
        env = environment(server.base_url)
        run_pytest(dirs["ours"], RECORD_OURS, env)
        run_pytest(dirs["peer"], RECORD_PEER, env)
        prompts = suites.questions(tests, modules)
        suites.write_floor_answers(dirs["floor"], fetch_answers(server.base_url, prompts))
    return dirs, server.base_url
