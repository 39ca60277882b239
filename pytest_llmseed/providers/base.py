"""What the rest of the plugin asks a provider adapter (``providers/openai.py``,
``anthropic.py``, ``gemini.py``): which requests are its, the endpoint they call, where a
seed goes, how an answer's body (a stream assembled) is read, what a golden shows of an
answer, and which changes of an answer are breaking.

An adapter is a module: its functions and constants satisfy ``Adapter``, so a provider is
added beside the others (and listed in ``registry``), not threaded through them.
"""

from __future__ import annotations

from typing import Any, Protocol

GENERIC: Any = object()
"""``output`` returns this for an answer it does not shape (embeddings, images, files):
the golden then shows the plugin's generic summary of it."""


class Adapter(Protocol):
    """One provider's API, as the plugin needs to know it. No pytest, vcrpy or SDK here."""

    @property
    def NAME(self) -> str:
        """The provider's name, as messages and docs say it."""

    @property
    def STRUCTURED_KEYS(self) -> frozenset[str]:
        """Keys of its golden outputs whose values the code acts on: any change is breaking."""

    @property
    def FINISH_KEYS(self) -> frozenset[str]:
        """Keys of its golden outputs that say why an answer ended."""

    @property
    def CUT_OFF(self) -> frozenset[str]:
        """Finish / stop reasons that mean the answer is incomplete or withheld (breaking)."""

    @property
    def BACKEND_KEYS(self) -> tuple[str, ...]:
        """Keys of a golden's ``meta`` that name the backend (triage: backend changed)."""

    @property
    def EMBEDDING_ENDPOINTS(self) -> frozenset[str]:
        """Its endpoints that answer with vectors (summarized, compared with a tolerance)."""

    def vectors(self, endpoint: str, answer: dict[str, Any]) -> list[Any] | None:
        """The vectors of an answer of one of ``EMBEDDING_ENDPOINTS`` (None: not one)."""

    def recognizes(self, method: str, path: str, headers: Any) -> bool:
        """Whether a request (its method, URL path and headers) is this provider's API."""

    def endpoint_name(self, method: str, path: str) -> str | None:
        """The endpoint a request calls, or None when it is not an LLM call."""

    def owns_endpoint(self, endpoint: str) -> bool:
        """Whether ``endpoint`` (as a golden names it) is one of this provider's."""

    def takes_seed(self, method: str, path: str) -> bool:
        """Whether a request to ``path`` has a seed parameter."""

    def inject_seed(self, body: bytes, seed: int) -> bytes | None:
        """The body with ``seed`` in its place, or None when it must stay as it is (not a
        JSON object, or the caller set a seed: never overwritten)."""

    def request_seed(self, request: Any) -> tuple[Any, Any]:
        """A request body as data without its seed, and the seed (None if it had none)."""

    def request_model(self, path: str, body: Any) -> str | None:
        """The model a request (its URL path, its body as data) names, or None."""

    def with_model(self, path: str, body: Any, model: str) -> tuple[str, Any]:
        """The request's path and body (as data) naming ``model`` instead (what-if runs)."""

    def parse_answer(self, headers: Any, text: str) -> tuple[Any, bool]:
        """An answer's body as data (a stream assembled into one answer), and whether it was
        streamed."""

    def answer_endpoint(self, data: dict[str, Any]) -> str | None:
        """The endpoint an SDK answer object (dumped as data) came from, if it is this
        provider's."""

    def output(
        self, endpoint: str, answer: dict[str, Any], request: Any, parsed: list[Any] | None
    ) -> Any:
        """What a golden compares of an answer, or ``GENERIC``."""

    def meta(
        self, endpoint: str, answer: dict[str, Any], seed: Any, unseeded: str | None
    ) -> dict[str, Any]:
        """What a golden keeps of an answer to explain drift (model, usage, seed), not
        compared; ``unseeded`` says why a call went without our seed, if it did."""


def body_model(path: str, body: Any) -> str | None:
    """``request_model`` of an API that names the model in the JSON body's ``model``."""
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None


def with_body_model(path: str, body: Any, model: str) -> tuple[str, Any]:
    """``with_model`` of an API that names the model in the JSON body's ``model``."""
    if body_model(path, body) is None:
        return path, body
    return path, {**body, "model": model}
