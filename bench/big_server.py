"""A minimal OpenAI-compatible server for answers the test server will not give.

``tests/llm_server.py`` caps answers at 200 words. The benchmark needs one 20,000-chunk
stream and one 2,000-word answer, so this server (standard library only, 127.0.0.1) answers
any ``POST /v1/chat/completions`` with a streamed answer of ``stream_chunks`` content chunks
when ``"stream": true``, and a ``answer_words``-word completion otherwise. Both are
recorded through the real tools (our plugin, pytest-recording) like any other answer.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from suites import MARKER

_WORDS = (
    "apple", "river", "stone", "light", "garden", "window", "quiet", "morning", "paper",
    "table", "orange", "cloud", "market", "bridge", "silver", "forest", "candle", "summer",
    "winter", "letter", "basket", "music", "yellow", "ocean", "harbor", "meadow",
)  # fmt: skip


def words(count: int) -> list[str]:
    """``count`` plain words, with the marker the diff benchmark changes at 1/4 and 3/4."""
    result = [_WORDS[(i * 7 + i // len(_WORDS)) % len(_WORDS)] for i in range(count)]
    for at in (count // 4, 3 * count // 4):
        result[at] = MARKER
    return result


def _base(obj: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench0000",
        "object": obj,
        "created": 1700000000,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_bench",
    }


def stream_body(chunks: int) -> bytes:
    """An SSE body of ``chunks`` content chunks, framed as the Chat Completions API does."""

    def event(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        payload = {**_base("chat.completion.chunk"), "choices": [choice]}
        return "data: " + json.dumps(payload, separators=(",", ":")) + "\n\n"

    parts = [event({"role": "assistant", "content": ""})]
    parts.extend(event({"content": word + " "}) for word in words(chunks))
    parts.append(event({}, "stop"))
    parts.append("data: [DONE]\n\n")
    return "".join(parts).encode()


def answer_body(count: int) -> bytes:
    """A non-streamed completion whose content has ``count`` words."""
    message = {"role": "assistant", "content": " ".join(words(count)), "refusal": None}
    payload = {
        **_base("chat.completion"),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 8, "completion_tokens": count, "total_tokens": count + 8},
    }
    return json.dumps(payload).encode()


class BigAnswerServer:
    """Serve long answers on 127.0.0.1 in a daemon thread (a context manager)."""

    def __init__(self, *, stream_chunks: int, answer_words: int) -> None:
        stream, answer = stream_body(stream_chunks), answer_body(answer_words)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["content-length"])))
                streamed = request.get("stream") is True
                data = stream if streamed else answer
                self.send_response(200)
                kind = "text/event-stream" if streamed else "application/json"
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> BigAnswerServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
