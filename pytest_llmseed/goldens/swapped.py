"""What-if runs: a stored golden as it reads when its requests name the models the run
swapped in, so that the comparison with the new model's answers is about the answers. Pure."""

from __future__ import annotations

from typing import Any

from pytest_llmseed.config.values import ModelSwap
from pytest_llmseed.goldens.documents import map_parts
from pytest_llmseed.providers.registry import adapter_for_endpoint


def _part(part: Any, swap: ModelSwap) -> Any:
    if not isinstance(part, dict):
        return part
    request, endpoint = part.get("request"), part.get("endpoint")
    if not isinstance(request, dict) or not isinstance(endpoint, str):
        return part
    adapter = adapter_for_endpoint(endpoint)
    # A golden keeps the request's body: the model is named there, or (Gemini) not at all.
    model = adapter.request_model("", request)
    entry = swap.target(model) if model is not None else None
    if entry is None:
        return part
    return {**part, "request": adapter.with_model("", request, entry[1])[1]}


def with_swapped_models(document: Any, swap: ModelSwap | None) -> Any:
    """``document`` (a loaded golden) with each request's model swapped as ``swap`` says
    (unchanged when ``swap`` is None or names none of its models)."""
    if swap is None or not isinstance(document, dict):
        return document
    return map_parts(document, lambda part: _part(part, swap))
