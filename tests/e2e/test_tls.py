"""The clients' TLS context: the SDK's own, built at the first handshake, never by a replay.

Real HTTPS on 127.0.0.1: the test server serves TLS with a certificate from a throwaway CA
(trustme), and the SDK verifies it against the CAs its own default context trusts.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TEST_KEY
from llm_server import FakeOpenAIServer

trustme = pytest.importorskip("trustme")

# SDK-facing: CI runs these under openai 2.x (httpx) as well as 3.x (httpx2).
pytestmark = pytest.mark.sdk

# Run in a fresh process (the session's context is built once per process), printed at the
# session's end: how many CA certificates the context the clients were given holds, and
# whether a handshake built the library's own context.
TLS_STATE_CONFTEST = """
def pytest_sessionfinish(session):
    from pytest_llmseed.interception.clients import shared_ssl_context

    ctx = shared_ssl_context()
    built = ctx.context().cert_store_stats()["x509_ca"] if getattr(ctx, "built", 0) else "-"
    print(f"\\nllmseed-tls: own={ctx.cert_store_stats()['x509_ca']} built={built}")
"""

ASK = """
import asyncio
import ssl

import openai
import pytest

def ask(client, text):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    ).choices[0].message.content
"""


@pytest.fixture(scope="module")
def tls_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    """A throwaway CA and its certificate as a PEM file (what ``SSL_CERT_FILE`` names)."""
    ca = trustme.CA()
    pem = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    return ca, pem


@pytest.fixture
def tls_server(
    tls_ca: tuple[object, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeOpenAIServer]:
    """The test server over HTTPS on 127.0.0.1, the SDK pointed at it with a fake key."""
    ca, _pem = tls_ca
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)  # type: ignore[attr-defined]
    with FakeOpenAIServer(tls=context) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        yield server


def tls_state(result: pytest.RunResult) -> str:
    found = [line for line in result.outlines if line.startswith("llmseed-tls: ")]
    assert len(found) == 1, result.stdout.str()
    return found[0].removeprefix("llmseed-tls: ")


def test_recording_over_https_verifies_with_the_sdk_default_context_built_at_the_handshake(
    pytester: pytest.Pytester,
    tls_server: FakeOpenAIServer,
    tls_ca: tuple[object, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SSL_CERT_FILE is read by the SDK's HTTP library when it builds its default context.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_ca[1]))
    pytester.makeconftest(TLS_STATE_CONFTEST)
    pytester.makepyfile(
        test_https=ASK
        + """
def test_sync_and_async(seeded_llm):
    assert ask(seeded_llm.client, "over tls")

    async def ask_async():
        answer = await seeded_llm.async_client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "async over tls"}]
        )
        return answer.choices[0].message.content

    assert asyncio.run(ask_async())
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--llmseed-record-mode=once")
    result.assert_outcomes(passed=1)
    # The context the clients hold has no CA of its own; the one a handshake built has the
    # CA that SSL_CERT_FILE names, and both requests reached the server over TLS.
    assert tls_state(result) == "own=0 built=1"
    assert [r.path for r in tls_server.requests] == ["/v1/chat/completions"] * 2
    cassette = (pytester.path / "cassettes" / "test_https" / "test_sync_and_async.yaml").read_text()
    assert f"uri: {tls_server.base_url}/chat/completions" in cassette

    # Replayed (offline: the server is gone), the session never builds a TLS context.
    tls_server.stop()
    replay = pytester.runpytest_subprocess("-p", "no:cacheprovider")  # record mode none
    replay.assert_outcomes(passed=1)
    assert tls_state(replay) == "own=0 built=-"


def test_a_certificate_the_sdk_does_not_trust_fails_the_request(
    pytester: pytest.Pytester, tls_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No SSL_CERT_FILE: the library's default CAs, which do not include the throwaway CA.
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    pytester.makeconftest(TLS_STATE_CONFTEST)
    pytester.makepyfile(
        test_untrusted=ASK
        + """
def test_refused(seeded_llm):
    with pytest.raises(openai.APIConnectionError) as info:
        ask(seeded_llm.client.with_options(max_retries=0), "over tls")
    causes, error = [], info.value
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, ssl.SSLCertVerificationError) for e in causes), causes
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--llmseed-record-mode=once")
    result.assert_outcomes(passed=1)
    state = tls_state(result)
    assert state.startswith("own=0 built="), state
    assert state != "own=0 built=-", state  # the handshake built the library's context
    assert tls_server.requests == []  # refused at the handshake: no request got through
