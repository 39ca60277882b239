"""Re-record this folder's cassettes: ``<venv>/bin/python record.py openaiN`` per SDK major.

Each is the cassette of ``REPLAY_SHIPPED`` (tests/e2e/test_sdk_transports.py) recorded against
the test server by the SDK installed in that venv, its address rewritten to llm.test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE.parent.parent / "e2e")]

from llm_server import FakeOpenAIServer  # noqa: E402
from test_sdk_transports import REPLAY_SHIPPED  # noqa: E402


def main(name: str) -> None:
    with FakeOpenAIServer() as server, tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "test_shipped.py").write_text(REPLAY_SHIPPED)
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test-x"}
        env.pop("CI", None)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--llmseed-record-mode=once",
                "--snapshot-update",
                "test_shipped.py",
            ],
            cwd=tmp,
            env=env,
            check=True,
        )
        text = Path(tmp, "cassettes", "test_shipped", "test_x.yaml").read_text()
        (HERE / f"{name}.yaml").write_text(text.replace(server.base_url, "http://llm.test/v1"))


if __name__ == "__main__":
    main(sys.argv[1])
