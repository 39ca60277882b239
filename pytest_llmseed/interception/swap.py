"""What-if runs (``--llmseed-swap-model``): the model a request names swapped before it goes
out, so vcrpy records, and the test's calls and goldens show, what was sent.

A request's provider adapter says where its model is named (the JSON body, the URL path);
a model is swapped only where the mapping names it (or names ``*``).
"""

from __future__ import annotations

import json
from typing import Any

from pytest_llmseed.config.values import ModelSwap
from pytest_llmseed.exchange.bodies import NOT_JSON, parse_json
from pytest_llmseed.interception.transports import http_library, with_content
from pytest_llmseed.providers.registry import adapter_for_request


class Swapper:
    """One test's model swaps, and which entries of the mapping its requests matched."""

    def __init__(self, swap: ModelSwap, matched: set[str]) -> None:
        self.swap = swap
        self.matched = matched
        """The ``FROM`` of each entry that swapped a request (the test's context's set)."""

    def swapped(self, request: Any) -> Any:
        """``request`` naming the model the mapping gives for its own, or as it is."""
        http = http_library(request)
        if not isinstance(request.stream, http.ByteStream):
            return request  # a streamed upload names no model we could read
        adapter = adapter_for_request(request.method, str(request.url), request.headers)
        raw = b"".join(request.stream)
        body = parse_json(raw) if raw else None
        body = None if body is NOT_JSON else body
        path = request.url.path
        model = adapter.request_model(path, body)
        entry = self.swap.target(model) if model is not None else None
        if model is None or entry is None:
            return request
        self.matched.add(entry[0])
        new_path, new_body = adapter.with_model(path, body, entry[1])
        content = raw if new_body is body else json.dumps(new_body, ensure_ascii=False).encode()
        url = request.url.copy_with(path=new_path) if new_path != path else None
        return with_content(request, content, url)
