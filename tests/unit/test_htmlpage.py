"""The reviewer's HTML page as text: overview first, escaping, folding, severity, commands."""

from __future__ import annotations

import re

from pytest_llmseed.report.htmldiff import side_by_side
from pytest_llmseed.report.htmlpage import ChangedGolden, accept_command, render

STORED = "\n".join(f"line {i}" for i in range(40))
RECEIVED = STORED.replace("line 20", "line twenty")


def change(**kw: object) -> ChangedGolden:
    values: dict[str, object] = {
        "nodeid": "t.py::test_x[a b]",
        "golden": "__snapshots__/t/test_x[a b].llm.yaml",
        "triage": "triage: output changed at the same request and backend",
        "stored": STORED,
        "received": RECEIVED,
    }
    values.update(kw)
    return ChangedGolden(**values)  # type: ignore[arg-type]


def test_overview_table_comes_first_and_links_each_diff() -> None:
    page = render([change(), change(nodeid="t.py::test_y", severity="breaking")])
    assert page.index('<table class="overview">') < page.index('<section class="change"')
    assert page.count('<a href="#change-') == 2
    assert 'id="change-1"' in page
    assert 'id="change-2"' in page
    assert '<span class="severity breaking">breaking</span>' in page
    overview = page[page.index('<table class="overview">') : page.index("</table>")]
    assert overview.index("t.py::test_y") < overview.index(change().nodeid)  # breaking first


def test_changed_words_are_marked_inside_the_changed_line() -> None:
    html = side_by_side(STORED, RECEIVED)
    assert '<tr class="chg">' in html
    assert "<del>20</del>" in html
    assert "<ins>twenty</ins>" in html
    assert html.count('<tr class="chg">') == 1


def test_unchanged_context_is_folded_with_three_lines_around_the_change() -> None:
    html = side_by_side(STORED, RECEIVED)
    folded = re.findall(r"<summary>(\d+) unchanged line\(s\)</summary>", html)
    assert folded == ["17", "16"]
    shown = re.findall(r'<tr class="same"><td class="no">(\d+)</td>', html.split("</details>")[1])
    assert shown[:3] == ["18", "19", "20"]


def test_a_short_diff_is_not_folded_and_a_new_golden_shows_only_received() -> None:
    assert "<details" not in side_by_side("a\nb\nc", "a\nB\nc")
    page = render([change(stored="", received="only\nnew", status="missing")])
    assert "stored golden (none yet)" in page
    assert "<ins>only</ins>" in page


def test_model_text_and_names_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & <img src=x>'
    page = render([change(nodeid=f"t.py::test[{hostile}]", triage=hostile, received=hostile)])
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;" in page
    assert not re.search(r"""(src|href)=(?!["']?#)""", page.replace("src=x&gt;", ""))


def test_accept_command_is_shell_quoted() -> None:
    assert accept_command(change()) == "llmseed accept 't.py::test_x[a b]'"
    assert accept_command(change(nodeid="t.py::test_y")) == "llmseed accept t.py::test_y"
    # The run's pending folder goes with it, as it goes with the review command.
    review = "llmseed review --from 'ci art'"
    assert accept_command(change(), review) == "llmseed accept 't.py::test_x[a b]' --from 'ci art'"
    assert "llmseed accept &#x27;t.py::test_x[a b]&#x27;" in render([change()])


def test_light_and_dark_colours_and_no_external_assets() -> None:
    page = render([change()])
    assert "@media (prefers-color-scheme: dark)" in page
    assert '<meta name="color-scheme" content="light dark">' in page
    assert "http://" not in page
    assert "https://" not in page
    assert "<script" not in page
    assert render([]).count("No golden changed.") == 1


def test_the_severity_badge_replaces_the_triage_lines_severity_suffix() -> None:
    graded = change(severity="rewording", triage="triage: output changed — severity: rewording")
    page = render([graded])
    assert '<span class="severity rewording">rewording</span>' in page
    assert "— severity: rewording" not in page
    assert "triage: output changed</span>" in page
