"""Set-up for the example: make ``support_triage`` importable and say where the API is."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent
RECORDED_BASE_URL = "http://127.0.0.1:8765/v1"

# The example app lives beside its tests, not in an installed package. Adding its folder
# works from any working directory and under every pytest --import-mode.
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))


@pytest.fixture(autouse=True)
def openai_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Default ``OPENAI_BASE_URL`` to the address the shipped cassettes were recorded from.

    The cassettes were recorded against the project's own OpenAI-compatible test server
    (tests/llm_server.py) listening on 127.0.0.1:8765; see record.py. Replay matches requests
    on scheme, host, port and path, so the URL has to be the recorded one; nothing listens
    there during replay and nothing is contacted. To use the example for real, point
    OPENAI_BASE_URL at the real API (https://api.openai.com/v1), set OPENAI_API_KEY and
    re-record with ``--llmseed-record-mode=all --snapshot-update``.

    No key is set here: in replay the plugin gives clients built without one a placeholder.
    """
    if not os.environ.get("OPENAI_BASE_URL"):
        monkeypatch.setenv("OPENAI_BASE_URL", RECORDED_BASE_URL)
