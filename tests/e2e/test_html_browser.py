"""The HTML page in a real browser: headless Chromium lays it out at 1280 px, light and dark.

The page comes from a real run (recorded, then two goldens edited so they drift by a word).
A copy of it gets a script that writes layout measurements into the DOM; ``--dump-dom``
returns them. A screenshot of each mode is kept in the test's tmp dir and copied to
``$LLMSEED_TEST_ARTIFACTS`` (default ``tests/.artifacts/``). Without Chromium (the OS package
``chromium``, which ``.ci/run`` installs) the test skips and says why.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT
from llm_server import FakeOpenAIServer

WIDTH, HEIGHT = 1280, 900
ARTIFACTS = Path(os.environ.get("LLMSEED_TEST_ARTIFACTS") or ROOT / "tests" / ".artifacts")
SUITE = """
import pytest

LONG = " ".join(f"word{i}" for i in range(300))

def ask(client, text, **kw):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}], **kw
    )

def test_long_prompt(seeded_llm):
    ask(seeded_llm.client, LONG, max_tokens=150)
    assert seeded_llm.calls == seeded_llm.snapshot

@pytest.mark.parametrize("topic", ["spring", "autumn"])
def test_x(seeded_llm, topic):
    assert ask(seeded_llm.client, f"Tell me about {topic}", max_tokens=60) == seeded_llm.snapshot
"""
# Runs in the test's copy of the page once it is laid out; the results go into the DOM.
MEASURE = """
<pre id="llmseed-measure"></pre><script>
const root = document.documentElement, q = (s) => [...document.querySelectorAll(s)];
const style = (el) => { const c = getComputedStyle(el); return [c.color, c.backgroundColor]; };
const firstDiff = document.querySelector("tr.chg td.new");
document.getElementById("llmseed-measure").textContent = JSON.stringify({
  dark: matchMedia("(prefers-color-scheme: dark)").matches,
  viewport: innerWidth, scrollWidth: root.scrollWidth,
  order: [...document.body.children].map((e) => e.tagName.toLowerCase() + "." + e.className),
  overview: q("table.overview tbody tr:not(.group)").map((tr) =>
    [...tr.cells].map((c) => c.textContent)),
  groups: q("table.overview tr.group").map((tr) => tr.textContent),
  totals: (() => { const t = document.querySelector(".totals");
    return t ? [t.textContent, t.getBoundingClientRect().bottom, innerHeight] : null; })(),
  links: q("table.overview a").map((a) => [a.getAttribute("href"),
    !!document.querySelector(a.getAttribute("href"))]),
  overflowing: q("td, code, h2, p").filter((e) => e.scrollWidth > e.clientWidth + 1).length,
  widest: Math.max(...q("section.change, table").map((e) => e.getBoundingClientRect().right)),
  marks: q("tr.chg ins, tr.chg del").map((e) => e.textContent.trim()),
  folded: q("details.context").map((d) => [d.open, d.querySelector("summary").textContent,
    d.querySelector("table").checkVisibility()]),
  commands: q("code.cmd").map((c) => c.textContent),
  body: style(document.body), ins: style(document.querySelector("ins")),
  del: style(document.querySelector("del")),
  changedLine: firstDiff ? [getComputedStyle(firstDiff).color,
    getComputedStyle(firstDiff).backgroundColor] : null,
});
</script>
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no headless Chromium: install the OS package `chromium` (.ci/run does)")


def _run_browser(
    browser: str, tmp: Path, page: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}",
        f"--window-size={WIDTH},{HEIGHT}",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Chromium's path, once it has shown it starts here (else the tests skip, saying why)."""
    found = _chromium()
    tmp = tmp_path_factory.mktemp("chromium")
    blank = tmp / "blank.html"
    blank.write_text("<!DOCTYPE html><p>ok</p>")
    result = _run_browser(found, tmp, blank, "--dump-dom")
    if "<p>ok</p>" not in result.stdout:
        pytest.skip(f"Chromium does not start here: {result.stderr.strip()[-300:]}")
    return found


@pytest.fixture
def page(
    pytester: pytest.Pytester, llm_server: FakeOpenAIServer, llm_env: FakeOpenAIServer
) -> Path:
    """The HTML page of a real run where two goldens drifted by one word each."""
    pytester.makepyfile(test_page=SUITE)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=3)
    goldens = pytester.path / "__snapshots__" / "test_page"
    long_golden = goldens / "test_long_prompt.llm.yaml"
    long_golden.write_text(long_golden.read_text().replace(" word150 ", " WORD150 "))
    spring = goldens / "test_x[spring].llm.yaml"
    text = spring.read_text()
    words = re.findall(r"^    (\w+) (\w+) (\w+)", text, re.M)[0]  # a line of the answer
    spring.write_text(text.replace(" ".join(words), f"{words[0]} BAZAAR {words[2]}", 1))
    html_path = pytester.path / "drift.html"
    result = pytester.runpytest(f"--llmseed-html={html_path}")
    result.assert_outcomes(failed=2, passed=1)
    return html_path


def _measure(browser: str, page: Path, tmp: Path, *, dark: bool) -> dict:  # type: ignore[type-arg]
    copy = tmp / f"measured-{'dark' if dark else 'light'}.html"
    copy.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    result = _run_browser(
        browser, tmp, copy, "--dump-dom", *(["--force-dark-mode"] if dark else [])
    )
    found = re.search(r'<pre id="llmseed-measure">(.*?)</pre>', result.stdout, re.S)
    assert found, result.stderr[-2000:]
    data = json.loads(html.unescape(found.group(1)))
    assert isinstance(data, dict)
    return data


def _screenshot(browser: str, page: Path, tmp: Path, *, dark: bool) -> Path:
    name = f"html-page-{'dark' if dark else 'light'}.png"
    shot = tmp / name
    flags = ["--force-dark-mode"] if dark else []
    _run_browser(browser, tmp, page, f"--screenshot={shot}", *flags)
    assert shot.is_file()
    assert shot.stat().st_size > 10_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / name)
    return shot


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


def _contrast(pair: list[str]) -> float:
    """WCAG contrast ratio of a computed (color, background-color) pair."""

    def luminance(rgb: tuple[float, ...]) -> float:
        channels = [c / 255 for c in rgb]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted((luminance(_rgb(pair[0])), luminance(_rgb(pair[1]))), reverse=True)
    return (a + 0.05) / (b + 0.05)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_page_reads_well_at_1280_px(
    browser: str, page: Path, tmp_path: Path, dark: bool
) -> None:
    data = _measure(browser, page, tmp_path, dark=dark)
    assert data["dark"] is dark
    # No horizontal scrolling: long lines wrap inside the page's width.
    assert data["viewport"] == WIDTH
    assert data["scrollWidth"] <= WIDTH, data
    assert data["widest"] <= WIDTH
    assert data["overflowing"] == 0
    # The overview table comes first, one row per change, each linking to its diff.
    tables = [i for i, tag in enumerate(data["order"]) if tag.startswith("table")]
    sections = [i for i, tag in enumerate(data["order"]) if tag.startswith("section")]
    assert data["order"][tables[0]] == "table.overview"
    assert tables[0] < sections[0]
    assert [row[0] for row in data["overview"]] == [
        "test_page.py::test_long_prompt",
        "test_page.py::test_x[spring]",
    ]
    assert [row[1] for row in data["overview"]] == ["changed", "changed"]
    # One row per group of changes sharing a severity and a triage sentence, said once.
    assert len(data["groups"]) == 2
    assert "output changed at the same request and backend" in data["groups"][1]
    # Totals by severity above the table, on the first screen.
    text, bottom, screen = data["totals"]
    assert text.split() == ["breaking", "0", "·", "rewording", "2", "·", "cosmetic", "0"]
    assert bottom <= screen
    assert data["links"] == [["#change-1", True], ["#change-2", True]]
    # Word-level highlights inside the changed lines: the one word, not the whole line.
    assert {"WORD150", "word150", "BAZAAR"} <= set(data["marks"])
    assert all(len(mark.split()) <= 2 for mark in data["marks"])
    # Unchanged context is folded: closed, its lines not shown until opened.
    assert data["folded"]
    assert all(not is_open and not visible for is_open, _, visible in data["folded"])
    assert all(re.fullmatch(r"\d+ unchanged line\(s\)", text) for _, text, _ in data["folded"])
    # The command that accepts each change.
    assert data["commands"] == [
        "llmseed accept test_page.py::test_long_prompt",
        "llmseed accept 'test_page.py::test_x[spring]'",
    ]
    # Readable: text contrast meets WCAG AA in both modes.
    for pair in (data["body"], data["ins"], data["del"], data["changedLine"]):
        assert _contrast(pair) >= 4.5, (pair, data["dark"])
    # The page itself is self-contained: nothing to fetch.
    assert not re.search(r"""(src|href)=["'](?!#)""", page.read_text())
    shot = _screenshot(browser, page, tmp_path, dark=dark)
    print(f"screenshot: {shot} (copied to {ARTIFACTS / shot.name})")
