"""Re-record the example's cassettes and goldens: ``python docs/examples/record.py``.

Starts the project's own OpenAI-compatible test server (tests/llm_server.py) on
127.0.0.1:8765, runs the example's tests against it with recording on
(``--llmseed-record-mode=all --snapshot-update``), stops the server and exits with
pytest's exit code. The key it passes is a fake one, and nothing but 127.0.0.1 is ever
contacted: the shipped recordings come from that test server, not from OpenAI.

Extra arguments are passed on to pytest, e.g. ``python docs/examples/record.py -k order``.
With ``--review`` the goldens are not rewritten: the cassettes are re-recorded and every
golden that changed is left pending, to be approved with ``llmseed review`` (the approval
walkthrough in docs/walkthrough.md does exactly that).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
REPOSITORY = EXAMPLES.parents[1]
HOST, PORT = "127.0.0.1", 8765

sys.path.insert(0, str(REPOSITORY / "tests"))
from llm_server import FakeOpenAIServer  # noqa: E402


def main(argv: list[str]) -> int:
    """Record every example test against the local test server; return pytest's exit code."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env["OPENAI_BASE_URL"] = f"http://{HOST}:{PORT}/v1"
    env["OPENAI_API_KEY"] = "sk-test-example-recording"  # fake: the test server takes any key
    review = "--review" in argv
    update = [] if review else ["--snapshot-update"]
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(EXAMPLES),
        "--llmseed-record-mode=all",
        *update,
        "-p",
        "no:cacheprovider",
        *(arg for arg in argv if arg != "--review"),
    ]
    with FakeOpenAIServer(host=HOST, port=PORT) as server:
        print(f"recording against the test server at {server.base_url}", flush=True)
        return subprocess.run(command, env=env, cwd=REPOSITORY, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
