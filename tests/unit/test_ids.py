"""redaction/ids.py: server-assigned ids numbered by first appearance, opaque blobs."""

from __future__ import annotations

from pytest_llmseed.goldens.documents import with_id_placeholders
from pytest_llmseed.redaction.ids import OPAQUE, IdNumbers, opaque_blobs


def test_the_same_id_gets_the_same_number_and_ids_are_numbered_in_order() -> None:
    request = {
        "messages": [
            {"role": "assistant", "tool_calls": [{"id": "call_abc123XYZ"}, {"id": "call_def456"}]},
            {"role": "tool", "tool_call_id": "call_abc123XYZ", "content": "sunny"},
            {"role": "tool", "tool_call_id": "call_def456", "content": "call_abc123XYZ"},
        ],
        "previous_response_id": "resp_0123456789",
    }
    placed = IdNumbers().place(request)
    calls = placed["messages"][0]["tool_calls"]
    assert [c["id"] for c in calls] == ["<id:1>", "<id:2>"]
    assert [m["tool_call_id"] for m in placed["messages"][1:]] == ["<id:1>", "<id:2>"]
    assert placed["messages"][2]["content"] == "call_abc123XYZ"  # text is what it says
    assert placed["previous_response_id"] == "<id:3>"


def test_ids_the_caller_or_the_model_chose_are_kept() -> None:
    data = {
        "id": "42",  # not shaped like a server's
        "tools": [{"type": "tool_use", "id": "toolu_01abcdef", "input": {"id": "order_123456"}}],
        "output": [{"name": "f", "arguments": {"id": "user_abcdef"}}],
        "parsed": {"id": "file-abcdefgh"},
    }
    placed = IdNumbers().place(data)
    assert placed["id"] == "42"
    assert placed["tools"][0] == {
        "type": "tool_use",
        "id": "<id:1>",
        "input": {"id": "order_123456"},
    }
    assert placed["output"] == data["output"]
    assert placed["parsed"] == data["parsed"]


def test_opaque_blobs_whatever_their_size() -> None:
    data = [
        {"type": "reasoning", "encrypted_content": "gAAAA" * 40},
        {"type": "thinking", "thinking": "Hmm.", "signature": "EqQBCkgI"},
        {"type": "redacted_thinking", "data": "xyz"},
        {"type": "text", "signature": "kept: not a thinking block's", "data": "kept"},
        {"parts": [{"text": "hi", "thoughtSignature": "CiIB"}]},
    ]
    shown = opaque_blobs(data)
    assert shown[0]["encrypted_content"] == OPAQUE
    assert shown[1] == {"type": "thinking", "thinking": "Hmm.", "signature": OPAQUE}
    assert shown[2]["data"] == OPAQUE
    assert shown[3] == data[3]
    assert shown[4]["parts"][0]["thoughtSignature"] == OPAQUE


def test_one_numbering_across_the_calls_of_a_golden_and_none_for_plain_data() -> None:
    first = {"endpoint": "responses", "request": {"input": "Hi"}, "output": [], "meta": {}}
    second = {
        "endpoint": "responses",
        "request": {"previous_response_id": "resp_aaaaaaaa", "input": [{"call_id": "call_bbb"}]},
        "output": [],
        "meta": {"id": "resp_aaaaaaaa"},  # meta is kept as it is
    }
    golden = with_id_placeholders({"kind": "calls", "calls": [first, second]})
    placed = golden["calls"][1]
    assert placed["request"] == {"previous_response_id": "<id:1>", "input": [{"call_id": "<id:2>"}]}
    assert placed["meta"] == {"id": "resp_aaaaaaaa"}
    data = {"kind": "data", "output": {"call_id": "call_bbb"}}
    assert with_id_placeholders(data) is data
