"""A small support-ticket triager built on the OpenAI SDK: the code under test of the example."""

from .triage import Classification, Order, classify, draft_reply, extract_order, triage_many

__all__ = ["Classification", "Order", "classify", "draft_reply", "extract_order", "triage_many"]
