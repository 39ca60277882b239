"""Re-record the example's cassettes and goldens: ``python docs/examples/record.py``.

Starts the project's own OpenAI-compatible test server (tests/llm_server.py) on
127.0.0.1:8765 in its scripted mode: each ticket of the example gets a canned answer
(``SCRIPT`` below: the category, urgency and summary the classifier's tool call carries,
the reply a support agent would draft, the order the extractor finds), so the recorded
answers read like a model's. It runs the example's tests against it with recording on
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
from llm_server import FakeOpenAIServer, ScriptRule  # noqa: E402

# Canned answers keyed by a phrase of each ticket in test_triage.py. ``arguments`` is what
# the forced set_category call carries (or, for the order ticket, the structured output);
# ``reply`` is the drafted answer. Urgency follows the prompt's scale: 1 (can wait) to 5.
SCRIPT = (
    ScriptRule(
        match="charged twice for my March invoice",
        arguments={
            "category": "billing",
            "urgency": 3,
            "summary": "Charged twice for the March invoice; asks for the duplicate payment back.",
        },
        reply=(
            "Hi, and sorry about the double charge on your March invoice. I have passed the "
            "duplicate payment on to our billing team, who will check it and write to you by "
            "email. You don't need to do anything else for now."
        ),
    ),
    ScriptRule(
        match="The app crashes every time I tap Export",
        arguments={
            "category": "bug",
            "urgency": 4,
            "summary": "The iOS 17 app crashes on Export, so reports cannot be sent to the team.",
        },
        reply=(
            "Hi, thanks for the report, and sorry that Export crashes on iOS 17. I have shared "
            "the details with our engineers so they can reproduce it, and we will update you "
            "here as soon as we know more. If you can, tell us which app version you are on."
        ),
    ),
    ScriptRule(
        match="password reset link never arrives",
        arguments={
            "category": "account",
            "urgency": 4,
            "summary": "Password reset emails stopped arriving after the email address changed.",
        },
        reply=(
            "Hi, sorry you are locked out. I have asked our account team to check which email "
            "address your account now uses for password resets; they will contact you to "
            "confirm it before sending a new link."
        ),
    ),
    ScriptRule(
        match="discount for non-profit organisations",
        arguments={
            "category": "other",
            "urgency": 1,
            "summary": "Asks whether there is a discount for non-profit organisations.",
        },
        reply=(
            "Hi, thanks for asking! I have forwarded your question to our sales team, who "
            "will reply with the options we have for non-profit organisations."
        ),
    ),
    ScriptRule(
        match="Order A-2291 arrived",
        arguments={"order_id": "A-2291", "items": ["mug", "teapot"], "refund_requested": True},
        reply=(
            "Hi, I am sorry your order A-2291 arrived with a cracked mug and without the "
            "teapot. I have passed it on to our orders team, who will be in touch about it."
        ),
    ),
)


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
        server.script(*SCRIPT)
        print(f"recording against the test server at {server.base_url}", flush=True)
        return subprocess.run(command, env=env, cwd=REPOSITORY, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
