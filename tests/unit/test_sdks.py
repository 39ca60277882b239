"""Which requests are LLM traffic: the SDKs' and litellm's own client's, by their headers."""

from __future__ import annotations

import httpx2
import pytest

from pytest_llmseed.providers.sdks import is_llm_request, sent_by_genai


@pytest.mark.parametrize(
    ("headers", "llm"),
    [
        ({"X-Stainless-Lang": "python"}, True),  # openai, anthropic
        ({"x-goog-api-client": "google-genai-sdk/2.34.0 gl-python/3.11"}, True),
        ({"User-Agent": "litellm/1.80.0"}, True),  # litellm's anthropic/, gemini/ routes
        ({"user-agent": "litellm/1.110.2", "x-api-key": "sk-test-x"}, True),
        ({"User-Agent": "python-httpx/0.28.1"}, False),
        ({"User-Agent": "my-litellm/1.0"}, False),
        ({"User-Agent": "curl/8.0", "x-goog-api-client": "gl-python/3.11"}, False),
        ({}, False),
    ],
)
def test_llm_traffic_by_headers(headers: dict[str, str], llm: bool) -> None:
    assert is_llm_request(httpx2.Headers(headers), "127.0.0.1", frozenset()) is llm
    # A listed host makes any request LLM traffic.
    assert is_llm_request(httpx2.Headers(headers), "127.0.0.1", frozenset({"127.0.0.1"}))


def test_only_the_genai_sdk_is_taken_on_aiohttp() -> None:
    assert sent_by_genai(httpx2.Headers({"x-goog-api-client": "google-genai-sdk/3.6.1"}))
    assert not sent_by_genai(httpx2.Headers({"X-Stainless-Lang": "python"}))
    assert not sent_by_genai(httpx2.Headers({"User-Agent": "litellm/1.80.0"}))
