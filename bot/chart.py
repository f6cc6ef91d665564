"""Charts for digests: a horizontal bar chart of reporting completeness per sub-unit (PNG).

Headless (matplotlib's Agg backend) and in DejaVu Sans, which has every Vietnamese glyph. The
texts come in from the caller (already localized).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

FONT = "DejaVu Sans"


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
    with plt.rc_context({"font.family": FONT, "font.size": 9}):
        fig, ax = plt.subplots(figsize=(8, height), dpi=110)
        try:
            y = list(range(len(names)))[::-1]
            ax.barh(y, on_time, color="#2e7d32", label=on_time_label)
            ax.barh(y, late, left=on_time, color="#f9a825", label=late_label)
            ax.set_yticks(y, names)
            ax.set_xlim(0, 100)
            ax.set_xlabel(axis_label)
            ax.set_title(title)
            ax.grid(axis="x", alpha=0.3)
            ax.legend(loc="lower right", fontsize=8)
            for yy, a, b in zip(y, on_time, late, strict=True):
                ax.text(min(a + b + 1, 92), yy, f"{a + b:.0f}%", va="center", fontsize=8)
            fig.tight_layout()
            fig.savefig(path, format="png")
        finally:
            plt.close(fig)
    return path
