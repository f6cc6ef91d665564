"""Charts for digests: a horizontal bar chart of reporting completeness per sub-unit (PNG).

Headless and in DejaVu Sans, which has every Vietnamese glyph. The texts come in from the caller
(already localized). The figure is made on its own (`matplotlib.figure.Figure` with the Agg
canvas), never through pyplot: no global figure registry, no backend switch, no rc settings
changed for the whole process, and pyplot's import (a third of the time) is never paid.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FONT = {"family": "DejaVu Sans", "size": 9}
SMALL = {"family": "DejaVu Sans", "size": 8}


@dataclass(frozen=True)
class Bar:
    label: str
    on_time: int
    late: int
    expected: int


def completeness_png(
    bars: Sequence[Bar],
    path: Path,
    title: str,
    on_time_label: str,
    late_label: str,
    axis_label: str,
) -> Path:
    """Writes the chart to `path` (folders created) and returns it; one bar per sub-unit,
    percent of expected reports, on-time and late stacked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # composed forms: DejaVu Sans draws "ộ" as one glyph, a decomposed "ộ" may not stack well
    names = [unicodedata.normalize("NFC", b.label) for b in bars] or ["—"]
    title = unicodedata.normalize("NFC", title)
    on_time = [100 * b.on_time / b.expected if b.expected else 0 for b in bars] or [0]
    late = [100 * b.late / b.expected if b.expected else 0 for b in bars] or [0]
    height = max(2.6, 0.34 * len(names) + 1.4)
    fig = Figure(figsize=(8, height), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = list(range(len(names)))[::-1]
    ax.barh(y, on_time, color="#2e7d32", label=on_time_label)
    ax.barh(y, late, left=on_time, color="#f9a825", label=late_label)
    ax.set_yticks(y, names, fontdict=FONT)
    ax.set_xlim(0, 100)
    ax.set_xticks(ax.get_xticks(), [f"{t:.0f}" for t in ax.get_xticks()], fontdict=FONT)
    ax.set_xlabel(axis_label, fontdict=FONT)
    ax.set_title(title, fontdict={**FONT, "size": 10.8})
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", prop=SMALL)
    for yy, a, b in zip(y, on_time, late, strict=True):
        ax.text(min(a + b + 1, 92), yy, f"{a + b:.0f}%", va="center", fontdict=SMALL)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path
