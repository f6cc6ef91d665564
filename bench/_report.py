"""How the benches print a figure: beside its baseline measured in the same run, the ratio, and
the goal of the speed issue when it has one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Row:
    """One figure. `baseline` is measured in the same run (None when there is none); `goal` is
    the target (`lower`: smaller is better, the figure must be at most the goal)."""

    what: str
    value: float
    against: str
    baseline: float | None
    goal: float | None = None
    lower: bool = False
    note: str = ""

    @property
    def ratio(self) -> str:
        if self.baseline is None or not self.baseline or math.isnan(self.baseline):
            return ""
        return f"{self.value / self.baseline:.2f}"

    @property
    def verdict(self) -> str:
        if self.goal is None or math.isnan(self.value):
            return ""
        met = self.value <= self.goal if self.lower else self.value >= self.goal
        return "ok" if met else "MISSED"


def figure(value: float | None) -> str:
    if value is None or math.isnan(value):
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def print_rows(rows: Sequence[Row]) -> None:
    """A table: figure, measured, baseline (what it is), ratio, goal, verdict; notes below."""
    head = ("what", "measured", "baseline", "", "ratio", "goal", "")
    table = [head] + [
        (
            r.what,
            figure(r.value),
            figure(r.baseline),
            r.against,
            r.ratio,
            ("≤ " if r.lower else "≥ ") + figure(r.goal) if r.goal is not None else "",
            r.verdict,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(head))]
    for line in table:
        cells = [
            cell.ljust(widths[i]) if i in (0, 3) else cell.rjust(widths[i])
            for i, cell in enumerate(line)
        ]
        print("  ".join(cells).rstrip(), flush=True)
    for r in rows:
        if r.note:
            print(f"  {r.what.strip()}: {r.note}", flush=True)
