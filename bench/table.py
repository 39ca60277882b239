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


def _replay(table: Table) -> None:
    data, kinds = table.data, table.kinds
    n, replay = data["config"]["tests"], data["replay"]
    wall = {k: median(replay[k]["wall"]) for k in [*kinds, "peer", "floor"]}
    in_test = {k: replay[k]["per_test_ms"] for k in [*kinds, "peer", "floor"]}
    table.add(
        f"replay of {n} tests, wall (s)",
        [f"{wall[k]:.2f}" for k in kinds],
        f"{wall['peer']:.2f}",
        f"floor {wall['floor']:.2f}",
        "",
        "",
    )
    table.add(
        "time in one test, fastest of the runs, median test (ms)",
        [f"{in_test[k]:.2f}" for k in kinds],
        f"{in_test['peer']:.2f}",
        f"floor {in_test['floor']:.2f}",
        "",
        "",
    )
    per_test = {k: wall[k] / n * 1000 for k in wall}
    _overhead(
        table,
        "overhead per test above the floor, from the wall time (ms)",
        [per_test[k] for k in kinds],
        per_test["peer"],
        per_test["floor"],
    )
    _overhead(
        table,
        "overhead per test above the floor, in the test (ms)",
        [in_test[k] for k in kinds],
        in_test["peer"],
        in_test["floor"],
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
        "≤ 1.03 x",
        _verdict(ours[0] / without <= 1.03, f"{ours[0] / without:.3f} x"),
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

    def speedup(name: str) -> tuple[float, float]:
        parallel = median(replay[f"{name} -n 2"]["wall"])
        return parallel, median(replay[name]["wall"]) / parallel

    ours = [speedup(k) for k in table.kinds]
    peer, floor = speedup("peer"), speedup("floor")
    table.add(
        f"replay of {n} tests with `-n 2`, wall (s) (speed-up over serial)",
        [f"{p:.2f} ({s:.2f} x)" for p, s in ours],
        f"{peer[0]:.2f} ({peer[1]:.2f} x)",
        f"floor {floor[0]:.2f} ({floor[1]:.2f} x)",
        "≥ 1.4 x faster",
        _verdict(ours[0][1] >= 1.4, f"{ours[0][1]:.2f} x faster"),
    )


def markdown(data: dict[str, Any]) -> str:
    """Every measurement of ``data`` as a Markdown table."""
    table = Table(data)
    _replay(table)
    _startup(table)
    _big(table)
    _parallel(table)
    return table.markdown()
