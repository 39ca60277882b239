"""``--llmseed-probe=N``: every live request sent N times, distinct outputs measured."""

from __future__ import annotations

import json

import pytest
from llm_server import FakeOpenAIServer

TWO_TESTS = """
def ask(client, text):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    )

def test_first(seeded_llm):
    assert ask(seeded_llm.client, "first") == seeded_llm.snapshot

def test_second(seeded_llm):
    ask(seeded_llm.client, "second a")
    ask(seeded_llm.client, "second b")
    assert seeded_llm.calls == seeded_llm.snapshot
"""


def chat_requests(server: FakeOpenAIServer) -> list[dict[str, object]]:
    return [r.json for r in server.requests if r.path.endswith("/chat/completions")]


def report(pytester: pytest.Pytester) -> dict[str, object]:
    data: dict[str, object] = json.loads((pytester.path / "r.json").read_text())
    return data


def probes(data: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    return {t["nodeid"]: t["probe"] for t in data["tests"]}  # type: ignore[index, attr-defined, union-attr]


def test_deterministic_server_one_output_per_call(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_app=TWO_TESTS)
    result = pytester.runpytest(
        "--llmseed-record-mode=once",
        "--snapshot-update",
        "--llmseed-probe=3",
        "--llmseed-report=r.json",
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "llmseed: seed=1234 record-mode=once probe=3 (3 requests per call)",
            "probe: 3 requests per call: 3 call(s) in 2 test(s) probed, "
            "0 test(s) gave varying outputs",
        ]
    )
    result.stdout.no_fnmatch_line("*varied:*")
    # Three calls, each sent three times with the same seed; only one each recorded.
    sent = chat_requests(llm_env)
    assert len(sent) == 9
    assert all(body["seed"] == 1234 for body in sent)
    cassette = (pytester.path / "cassettes/test_app/test_second.yaml").read_text()
    assert cassette.count("uri: ") == 2
    assert probes(report(pytester)) == {
        "test_app.py::test_first": [
            {
                "call": 1,
                "endpoint": "chat.completions",
                "samples": 3,
                "distinct": 1,
                "fingerprints": ["fp_test_0001"],
                "kind": "text",
            }
        ],
        "test_app.py::test_second": [
            {
                "call": n,
                "endpoint": "chat.completions",
                "samples": 3,
                "distinct": 1,
                "fingerprints": ["fp_test_0001"],
                "kind": "text",
            }
            for n in (1, 2)
        ],
    }
    golden = (pytester.path / "__snapshots__/test_app/test_first.llm.yaml").read_text()
    assert "probe:" in golden
    assert "distinct: 1" in golden


def test_noisy_server_names_the_varied_tests_and_suggests_what_to_do(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    llm_env.seed_fidelity = 0.0  # best effort at its worst: every answer is sampled anew
    llm_env.noise_seed = 7
    llm_env.fingerprints = ["fp_a", "fp_b"]
    pytester.makepyfile(test_app=TWO_TESTS)
    result = pytester.runpytest(
        "--llmseed-record-mode=once",
        "--snapshot-update",
        "--llmseed-probe=3",
        "--llmseed-report=r.json",
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "probe: 3 requests per call: 3 call(s) in 2 test(s) probed, "
            "2 test(s) gave varying outputs",
            "  varied: test_app.py::test_first call 1 (chat.completions): 3 distinct outputs "
            "in 3 samples; fingerprints: fp_a, fp_b",
            "  varied: test_app.py::test_second call 1 (chat.completions): *",
            "  varied: test_app.py::test_second call 2 (chat.completions): *",
            "    outputs vary at a fixed seed: compare these tests with a tolerant profile*",
        ]
    )
    data = report(pytester)
    assert data["summary"]["varied"] == 2  # type: ignore[index]
    first = probes(data)["test_app.py::test_first"][0]
    assert (first["samples"], first["distinct"]) == (3, 3)
    # The first answer is the one recorded and returned: replay gives the same golden.
    replay = pytester.runpytest("--llmseed-probe=3")
    replay.assert_outcomes(passed=2)
    replay.stdout.no_fnmatch_line("*probe: 3 requests per call:*")
    # Re-recorded, every answer drifts; the HTML page shows what the probe measured.
    again = pytester.runpytest(
        "--llmseed-record-mode=all", "--llmseed-probe=2", "--llmseed-html=d.html"
    )
    again.assert_outcomes(failed=2)
    page = (pytester.path / "d.html").read_text()
    assert '<p class="probe">probe: call 1: 2 distinct output(s) in 2 samples' in page


def test_probe_compares_as_the_goldens_compare(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    # Two different samples: distinct under exact, the same under a very lax fuzzy ratio.
    llm_env.fingerprints = ["fp_a", "fp_b"]
    pytester.makepyfile(
        test_app="""
import pytest

@pytest.mark.llmseed(compare="exact")
def test_exact(seeded_llm):
    seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "same"}]
    )

@pytest.mark.llmseed(compare="fuzzy:0.01")
def test_fuzzy(seeded_llm):
    seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "same"}]
    )
"""
    )
    llm_env.seed_fidelity = 0.0
    llm_env.noise_seed = 3
    result = pytester.runpytest(
        "--llmseed-record-mode=once",
        "--snapshot-update",
        "--llmseed-probe=2",
        "--llmseed-report=r.json",
    )
    result.assert_outcomes(passed=2)
    found = probes(report(pytester))
    assert found["test_app.py::test_exact"][0]["distinct"] == 2
    assert found["test_app.py::test_fuzzy"][0]["distinct"] == 1


def test_replay_sends_nothing_more(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    pytester.makepyfile(test_app=TWO_TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    llm_env.reset()
    result = pytester.runpytest("--llmseed-probe=4", "--llmseed-report=r.json")
    result.assert_outcomes(passed=2)
    assert chat_requests(llm_env) == []
    assert all(not p for p in probes(report(pytester)).values())


def test_streamed_and_async_calls_are_probed(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        test_app="""
import asyncio

def test_stream(seeded_llm):
    stream = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "s"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text

def test_async(seeded_llm):
    async def main():
        return await seeded_llm.async_client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "a"}]
        )
    assert asyncio.run(main()).choices[0].message.content
"""
    )
    result = pytester.runpytest(
        "--llmseed-record-mode=once",
        "--snapshot-update",
        "--llmseed-probe=2",
        "--llmseed-report=r.json",
    )
    result.assert_outcomes(passed=2)
    assert len(chat_requests(llm_env)) == 4
    for found in probes(report(pytester)).values():
        assert [(p["samples"], p["distinct"]) for p in found] == [(2, 1)]


def test_under_xdist(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    llm_env.seed_fidelity = 0.0
    llm_env.noise_seed = 5
    pytester.makepyfile(test_app=TWO_TESTS)
    result = pytester.runpytest(
        "-n",
        "2",
        "--llmseed-record-mode=once",
        "--snapshot-update",
        "--llmseed-probe=2",
        "--llmseed-report=r.json",
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["probe: 2 requests per call: 3 call(s) in 2 test(s) probed, 2 test(s) gave varying*"]
    )
    assert len(chat_requests(llm_env)) == 6
    assert sorted(probes(report(pytester))) == [
        "test_app.py::test_first",
        "test_app.py::test_second",
    ]


@pytest.mark.parametrize("value", ["1", "-2", "two"])
def test_bad_probe_values_are_usage_errors(pytester: pytest.Pytester, value: str) -> None:
    result = pytester.runpytest(f"--llmseed-probe={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--llmseed-probe*probe must be an integer N >= 2*"])


def test_ini_twin(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> None:
    pytester.makeini("[pytest]\nllmseed_probe = 2\n")
    pytester.makepyfile(test_app=TWO_TESTS)
    result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["llmseed: * probe=2 (2 requests per call)"])
    assert len(chat_requests(llm_env)) == 6
    pytester.makeini("[pytest]\nllmseed_probe = 1\n")
    bad = pytester.runpytest()
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*llmseed_probe = '1' in *probe must be an integer N >= 2*"])


def _answer(content: str, fingerprint: str | None = "fp_1") -> dict[str, object]:
    return {
        "object": "chat.completion",
        "system_fingerprint": fingerprint,
        "choices": [
            {"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
    }


def test_measure_counts_outputs_under_the_profile() -> None:
    from pytest_llmseed.config.values import parse_profile
    from pytest_llmseed.goldens.documents import probe_judge
    from pytest_llmseed.interception.probe import measure

    answers = [_answer("Hello there."), _answer("hello  there."), _answer("Hi.", "fp_2")]
    exact = measure(
        "chat.completions", {"model": "m"}, answers, probe_judge(parse_profile("exact"))
    )
    assert (exact.samples, exact.distinct, exact.fingerprints) == (3, 3, ("fp_1", "fp_2"))
    normalized = measure(
        "chat.completions", None, answers, probe_judge(parse_profile("normalized"))
    )
    assert normalized.distinct == 3  # normalized keeps case: "Hello" and "hello" differ
    same = measure("chat.completions", None, answers[:1] * 4, probe_judge(parse_profile("exact")))
    assert (same.samples, same.distinct) == (4, 1)
    nofp = measure(
        "chat.completions", None, [_answer("a", None)], probe_judge(parse_profile("exact"))
    )
    assert nofp.fingerprints == ()


@pytest.mark.parametrize(("value", "expected"), [("2", 2), (" 7 ", 7), ("0", 0), (5, None)])
def test_parse_probe(value: object, expected: int | None) -> None:
    from pytest_llmseed.config.settings import parse_probe

    if expected is None:
        with pytest.raises(ValueError, match="N >= 2"):
            parse_probe(value)
    else:
        assert parse_probe(value) == expected
