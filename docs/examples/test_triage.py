"""Tests of the support triager: seeded, replayed from cassettes, compared with goldens.

Run offline with ``python -m pytest docs/examples``;
re-record with ``python docs/examples/record.py``.
"""

from __future__ import annotations

import asyncio

import pytest
from support_triage import Classification, Order, classify, draft_reply, extract_order, triage_many
from support_triage.triage import CATEGORIES, MODEL, REPLY_PROMPT

BILLING = "I was charged twice for my March invoice. Please refund the duplicate payment."
BUG = "The app crashes every time I tap Export on iOS 17. I can't send reports to my team."
ACCOUNT = "I changed my email last week and now the password reset link never arrives."
QUESTION = "Do you offer a discount for non-profit organisations?"
DAMAGED_ORDER = "Order A-2291 arrived with a cracked mug and no teapot. I want my money back."


def assert_valid(classification: Classification) -> None:
    assert classification.category in CATEGORIES
    assert isinstance(classification.urgency, int)
    assert classification.summary.strip()


def test_classify_billing_ticket(seeded_llm):
    classification = classify(BILLING)

    assert_valid(classification)
    [call] = seeded_llm.calls  # one request, made by the app's own OpenAI() client
    assert call.request["seed"] == seeded_llm.seed  # the plugin seeded it
    assert call.request["tool_choice"]["function"]["name"] == "set_category"
    assert seeded_llm.calls == seeded_llm.snapshot


@pytest.mark.parametrize(
    "ticket",
    [
        pytest.param(BUG, id="bug"),
        pytest.param(ACCOUNT, id="account"),
        pytest.param(QUESTION, id="question"),
    ],
)
def test_classify_tickets(seeded_llm, ticket):
    assert_valid(classify(ticket))
    assert seeded_llm.calls == seeded_llm.snapshot


def test_draft_reply_is_streamed(seeded_llm):
    classification = Classification(category="bug", urgency=4, summary="Export crashes on iOS 17")

    reply = draft_reply(BUG, classification)

    assert reply.strip()
    [call] = seeded_llm.calls
    assert call.streamed  # the stream is recorded as one assembled message
    assert seeded_llm.calls == seeded_llm.snapshot


def test_classify_then_reply(seeded_llm):
    classification = classify(BUG)
    reply = draft_reply(BUG, classification)

    assert_valid(classification)
    assert reply.strip()
    assert [call.streamed for call in seeded_llm.calls] == [False, True]
    assert seeded_llm.calls == seeded_llm.snapshot


def test_extract_order(seeded_llm):
    order = extract_order(DAMAGED_ORDER)

    assert isinstance(order, Order)
    assert order.order_id.strip()
    assert order.items
    assert all(isinstance(item, str) for item in order.items)
    assert isinstance(order.refund_requested, bool)
    assert seeded_llm.calls == seeded_llm.snapshot


def test_triage_many_runs_concurrently(seeded_llm):
    tickets = [BILLING, BUG, ACCOUNT]

    results = asyncio.run(triage_many(tickets))

    assert len(results) == len(tickets)
    for classification in results:
        assert_valid(classification)
    # Concurrent requests finish in any order: check what was sent, not the order.
    sent = {call.request["messages"][-1]["content"] for call in seeded_llm.calls}
    assert sent == set(tickets)
    assert all(call.request["seed"] == seeded_llm.seed for call in seeded_llm.calls)


def test_completion_golden(seeded_llm):
    completion = seeded_llm.client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": REPLY_PROMPT},
            {"role": "user", "content": QUESTION},
        ],
    )

    assert completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion == seeded_llm.snapshot
