"""Triage support tickets with an LLM: classify, draft a reply, extract order details.

The module knows nothing about tests. It builds its clients from the usual environment
variables (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``), exactly as an application would.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Literal, get_args

import openai
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageParam,
    ChatCompletionNamedToolChoiceParam,
)
from pydantic import BaseModel

MODEL = "gpt-4o-mini"

CLASSIFY_PROMPT = (
    "You triage customer support tickets. Call set_category with the ticket's category, "
    "an urgency from 1 (can wait) to 5 (customer blocked or losing money) and a one-line summary."
)
REPLY_PROMPT = (
    "You are a friendly support agent. Write a short first reply to the customer: acknowledge "
    "the problem, say what happens next, and do not promise refunds or dates."
)
ORDER_PROMPT = (
    "Extract the order the customer writes about: its id, the items named, and whether "
    "the customer asks for a refund."
)

Category = Literal["billing", "bug", "account", "other"]
CATEGORIES: tuple[Category, ...] = get_args(Category)

SET_CATEGORY_TOOL: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "set_category",
        "description": "Record the triage decision for a support ticket.",
        "parameters": {
            "type": "object",
            "properties": {
                "category": {"type": "string", "enum": list(CATEGORIES)},
                "urgency": {"type": "integer"},
                "summary": {"type": "string"},
            },
            "required": ["category", "urgency", "summary"],
            "additionalProperties": False,
        },
    },
}
FORCE_SET_CATEGORY: ChatCompletionNamedToolChoiceParam = {
    "type": "function",
    "function": {"name": "set_category"},
}


@dataclass(frozen=True)
class Classification:
    """The triage decision for one ticket."""

    category: Category
    urgency: int
    summary: str


class Order(BaseModel):
    """The order a ticket is about."""

    order_id: str
    items: list[str]
    refund_requested: bool


def get_client() -> openai.OpenAI:
    """An OpenAI client configured from the environment."""
    return openai.OpenAI()


def _classify_messages(ticket: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "system", "content": CLASSIFY_PROMPT}, {"role": "user", "content": ticket}]


def _to_classification(completion: ChatCompletion) -> Classification:
    """Read the ``set_category`` tool call the model was forced to make."""
    tool_calls = completion.choices[0].message.tool_calls
    call = tool_calls[0] if tool_calls else None
    if call is None or call.type != "function":
        raise ValueError("the model did not call set_category")
    args = json.loads(call.function.arguments)
    return Classification(args["category"], int(args["urgency"]), args["summary"])


def classify(ticket: str) -> Classification:
    """Classify a ticket by forcing the model to call the ``set_category`` tool."""
    with get_client() as client:
        completion = client.chat.completions.create(
            model=MODEL,
            messages=_classify_messages(ticket),
            tools=[SET_CATEGORY_TOOL],
            tool_choice=FORCE_SET_CATEGORY,
        )
    return _to_classification(completion)


def draft_reply(ticket: str, classification: Classification) -> str:
    """Draft a first answer to the customer, streamed and assembled."""
    context = f"Category: {classification.category}. Urgency: {classification.urgency}/5."
    parts: list[str] = []
    with get_client() as client:
        stream = client.chat.completions.create(
            model=MODEL,
            messages=[
                {"role": "system", "content": f"{REPLY_PROMPT}\n{context}"},
                {"role": "user", "content": ticket},
            ],
            stream=True,
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)
    return "".join(parts)


def extract_order(ticket: str) -> Order:
    """Extract the order details as a validated ``Order`` (structured outputs)."""
    with get_client() as client:
        completion = client.chat.completions.parse(
            model=MODEL,
            messages=[
                {"role": "system", "content": ORDER_PROMPT},
                {"role": "user", "content": ticket},
            ],
            response_format=Order,
        )
    order = completion.choices[0].message.parsed
    if order is None:
        raise ValueError(f"no order extracted: {completion.choices[0].message.refusal}")
    return order


async def triage_many(tickets: list[str]) -> list[Classification]:
    """Classify many tickets concurrently; results are in the order of ``tickets``."""
    async with openai.AsyncOpenAI() as client:

        async def one(ticket: str) -> Classification:
            completion = await client.chat.completions.create(
                model=MODEL,
                messages=_classify_messages(ticket),
                tools=[SET_CATEGORY_TOOL],
                tool_choice=FORCE_SET_CATEGORY,
            )
            return _to_classification(completion)

        return list(await asyncio.gather(*(one(ticket) for ticket in tickets)))
