"""The benchmark's results as one Markdown table (medians), with the issue's targets."""

from __future__ import annotations

from typing import Any

from measure import median

Row = tuple[str, ...]


def _verdict(ok: bool, text: str) -> str:
    return f"{'✓' if ok else '✗'} {text}"


class Table:
    """Rows of ``measure | ours and each --variant | peer | reference | target | result``.

    The result column judges the first plugin column (the installed plugin) on the target.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.kinds: list[str] = data["config"]["plugins"]
        self.rows: list[Row] = []

    def add(self, measure: str, ours: list[str], *others: str) -> None:
        """One row: the measure, a value per plugin column, peer, reference, target, result."""
        self.rows.append((measure, *ours, *others))

    def markdown(self) -> str:
        head = ("measure", *self.kinds, "peer", "reference", "target", "result")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def _overhead(table: Table, label: str, ours: list[float], peer: float, floor: float) -> None:
    peer_ms = peer - floor
    ours_ms = [v - floor for v in ours]
    ratio = ours_ms[0] / peer_ms if peer_ms > 0 else float("inf")
    table.add(
        label,
        [f"{v:.2f}" for v in ours_ms],
        f"{peer_ms:.2f}",
        "",
        "≤ 0.5 x peer",
        _verdict(ratio <= 0.5, f"{ratio:.2f} x peer"),
    )


MODES = (
    ("warm", ""),
    ("cold", " cold"),
    ("cold, files out of the page cache", " dropped"),
)


def _replay(table: Table) -> None:
    for mode, suffix in MODES:
        if f"{table.kinds[0]}{suffix}" in table.data["replay"]:  # older JSON: no dropped runs
            _replay_mode(table, mode, suffix)


def _replay_mode(table: Table, mode: str, suffix: str) -> None:
    data, kinds = table.data, table.kinds
    n, replay = data["config"]["tests"], data["replay"]
    names = [*kinds, "peer", "floor"]
    wall = {k: median(replay[k + suffix]["wall"]) for k in names}
    in_test = {k: replay[k + suffix]["per_test_ms"] for k in names}
    table.add(
        f"replay of {n} tests, {mode}, wall (s)",
        [f"{wall[k]:.2f}" for k in kinds],
        f"{wall['peer']:.2f}",
        f"floor {wall['floor']:.2f}",
        "",
        "",
    )
    table.add(
        f"time in one test, {mode}, fastest of the runs, median test (ms)",
        [f"{in_test[k]:.2f}" for k in kinds],
        f"{in_test['peer']:.2f}",
        f"floor {in_test['floor']:.2f}",
        "",
        "",
    )
    per_test = {k: wall[k] / n * 1000 for k in wall}
    _overhead(
        table,
        f"overhead per test above the floor, {mode}, from the wall time (ms)",
        [per_test[k] for k in kinds],
        per_test["peer"],
        per_test["floor"],
    )
    _overhead(
        table,
        f"overhead per test above the floor, {mode}, in the test (ms)",
        [in_test[k] for k in kinds],
        in_test["peer"],
        in_test["floor"],
    )


def _scale(table: Table) -> None:
    data, kinds = table.data, table.kinds
    if "scale" not in data:
        return
    small, large = data["config"]["tests"], data["config"]["scale_tests"]
    replay, scale = data["replay"], data["scale"]
    names = [*kinds, "peer", "floor"]
    mean_small = {k: median(replay[k + " cold"]["mean_test_ms"]) for k in names}
    mean_large = {k: median(scale[k]["mean_test_ms"]) for k in names}
    wall_small = {k: median(replay[k + " cold"]["wall"]) / small * 1000 for k in names}
    wall_large = {k: median(scale[k]["wall"]) / large * 1000 for k in names}
    for label, values in (
        (f"wall time per test, {small} tests, cold (ms)", wall_small),
        (f"wall time per test, {large} tests, cold (ms)", wall_large),
        (f"mean time in one test, {small} tests, cold (ms)", mean_small),
    ):
        table.add(
            label,
            [f"{values[k]:.2f}" for k in kinds],
            f"{values['peer']:.2f}",
            f"floor {values['floor']:.2f}",
            "",
            "",
        )
    growth = mean_large[kinds[0]] / mean_small[kinds[0]]
    table.add(
        f"mean time in one test, {large} tests, cold (ms)",
        [f"{mean_large[k]:.2f}" for k in kinds],
        f"{mean_large['peer']:.2f}",
        f"floor {mean_large['floor']:.2f}",
        f"≤ 1.10 x the {small}-test figure",
        _verdict(growth <= 1.10, f"{growth:.2f} x"),
    )
    rss_small = {k: median(replay[k + " cold"]["peak_rss_mb"]) for k in names}
    rss_large = {k: median(scale[k]["peak_rss_mb"]) for k in names}
    table.add(
        f"peak RSS, {small} tests, cold (MB)",
        [f"{rss_small[k]:.0f}" for k in kinds],
        f"{rss_small['peer']:.0f}",
        f"floor {rss_small['floor']:.0f}",
        "",
        "",
    )
    ratio = rss_large[kinds[0]] / rss_large["peer"]
    table.add(
        f"peak RSS, {large} tests, cold (MB)",
        [f"{rss_large[k]:.0f}" for k in kinds],
        f"{rss_large['peer']:.0f}",
        f"floor {rss_large['floor']:.0f}",
        "≤ 1.2 x peer",
        _verdict(ratio <= 1.2, f"{ratio:.2f} x peer"),
    )


def _startup(table: Table) -> None:
    tests, start = table.data["config"]["startup_tests"], table.data["startup"]
    without = median(start["without"]["wall"])
    ours = [median(start[k]["wall"]) for k in table.kinds]
    table.add(
        f"start-up, `pytest --co` of {tests} plain tests, wall (s)",
        [f"{v:.3f}" for v in ours],
        "",
        f"`-p no:llmseed` {without:.3f}",
        "≤ 1.02 x",
        _verdict(ours[0] / without <= 1.02, f"{ours[0] / without:.3f} x"),
    )


def _big(table: Table) -> None:
    data, kinds = table.data, table.kinds
    chunks, words = data["config"]["stream_chunks"], data["config"]["diff_words"]
    stream, diff = data["stream"], data["diff"]
    for key, label, fmt in (
        ("seconds", "test time (s)", "{:.3f}"),
        ("rss_growth_mb", "peak RSS growth (MB)", "{:.1f}"),
    ):
        peer = median(stream["peer"][key])
        ours = [median(stream[k][key]) for k in kinds]
        table.add(
            f"{chunks}-chunk SSE stream replay, {label}",
            [fmt.format(v) for v in ours],
            fmt.format(peer),
            "",
            "≤ peer",
            _verdict(ours[0] <= peer, f"{ours[0] / peer:.2f} x peer" if peer else "-"),
        )
    peer = median(diff["peer"]["diff_seconds"])
    ours = [median(diff[k]["diff_seconds"]) for k in kinds]
    table.add(
        f"failure diff of a changed {words}-word answer (s)",
        [f"{v:.3f}" for v in ours],
        f"{peer:.3f}",
        "",
        "< 0.2 s",
        _verdict(ours[0] < 0.2, f"{ours[0]:.3f} s"),
    )


def _parallel(table: Table) -> None:
    n, replay = table.data["config"]["tests"], table.data["replay"]

    def ratio(name: str) -> tuple[float, float]:
        parallel = median(replay[f"{name} -n 2"]["wall"])
        return parallel, parallel / median(replay[f"{name} cold"]["wall"])

    ours = [ratio(k) for k in table.kinds]
    peer, floor = ratio("peer"), ratio("floor")
    relative = ours[0][1] / floor[1]
    table.add(
        f"replay of {n} tests with `-n 2`, cold, wall (s) (`-n 2` / serial)",
        [f"{p:.2f} ({r:.2f} x)" for p, r in ours],
        f"{peer[0]:.2f} ({peer[1]:.2f} x)",
        f"floor {floor[0]:.2f} ({floor[1]:.2f} x)",
        "≤ 1.05 x the floor's ratio",
        _verdict(relative <= 1.05, f"{relative:.2f} x the floor's"),
    )


def markdown(data: dict[str, Any]) -> str:
    """Every measurement of ``data`` as a Markdown table."""
    table = Table(data)
    _replay(table)
    _scale(table)
    _startup(table)
    _big(table)
    _parallel(table)
    return table.markdown()
