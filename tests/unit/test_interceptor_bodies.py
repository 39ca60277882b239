"""The interceptor's two ends: an outgoing request gets the seed and gives up its
credentials; an answer is read the same whether its body came plain or gzip-encoded."""

from __future__ import annotations

import gzip
import json

import pytest

from pytest_llmseed import context as test_context
from pytest_llmseed.config.settings import Layer, resolve
from pytest_llmseed.interception.intercept import Interceptor
from pytest_llmseed.redaction.credentials import Credentials

# httpx2 is openai 3.x's HTTP library; under openai 1.x/2.x (CI's `-m sdk` run) it may
# be absent, and these tests are not SDK-facing.
httpx2 = pytest.importorskip("httpx2", reason="httpx2 is not installed (openai < 3)")


def _interceptor() -> Interceptor:
    settings = resolve(cli=Layer(seed=7), marker=Layer(), ini=Layer())
    return Interceptor(test_context.TestContext("test_intercept", settings, Credentials([])))


def _request() -> httpx2.Request:
    body = json.dumps({"model": "m", "messages": []}).encode()
    return httpx2.Request(
        "POST",
        "http://127.0.0.1:9/v1/chat/completions?api-key=query-secret-123",
        headers={
            "Authorization": "Bearer sk-test-header-0123456789",
            "Api-Key": "azure-secret-123",
            "content-type": "application/json",
        },
        content=body,
    )


def test_outgoing_notes_credentials_and_injects_the_seed() -> None:
    interceptor = _interceptor()
    prepared, _ = interceptor.outgoing(_request())
    assert json.loads(prepared.content)["seed"] == 7
    assert prepared.headers["content-length"] == str(len(prepared.content))
    # The Authorization header's whole value is a secret too, beside its credential.
    assert set(interceptor.credentials.all()) == {
        "Bearer sk-test-header-0123456789",
        "sk-test-header-0123456789",
        "azure-secret-123",
        "query-secret-123",
    }


def test_observe_reads_plain_and_gzip_bodies_alike() -> None:
    answer = {"id": "chatcmpl-1", "object": "chat.completion", "choices": []}
    raw = json.dumps(answer).encode()
    plain = httpx2.Response(
        200, headers={"content-type": "application/json"}, stream=httpx2.ByteStream(raw)
    )
    zipped = httpx2.Response(
        200,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
        stream=httpx2.ByteStream(gzip.compress(raw)),
    )
    interceptor = _interceptor()
    request, _ = interceptor.outgoing(_request())
    interceptor.observe(request, plain)
    interceptor.observe(request, zipped)
    calls = interceptor.context.log.calls
    assert [call.response for call in calls] == [answer, answer]
    assert calls[0].request["seed"] == 7
