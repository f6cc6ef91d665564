"""Parse time of the directive parser: per document and overall, in milliseconds.

Run: .venv/bin/python bench/bench_parse.py [--rounds N]
Documents: the real examples in ../shared/directives and its corpus/ (when present), our own
samples in tests/directive_samples and the demo directive. Each document is parsed N times; its
figure is the median of those runs, and the overall median is taken over the documents (the
issue's target: median ≤ 10 ms per text document). The machine is shared, so the fastest run of
each document is printed too, as the figure least disturbed by other work.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from directives import extract_text, parse_text  # noqa: E402


def documents() -> list[Path]:
    shared = ROOT.parent / "shared" / "directives"
    paths = sorted(shared.glob("*.txt")) if shared.is_dir() else []
    corpus = shared / "corpus"
    paths += sorted(corpus.glob("*.txt")) if corpus.is_dir() else []
    paths += sorted((ROOT / "tests" / "directive_samples").glob("*.*"))
    demo = ROOT / "bot" / "demo_data" / "sample_directive.txt"
    if demo.is_file():
        paths.append(demo)
    return [p for p in paths if p.suffix in {".txt", ".md"}]


# Shapes no real document has, where a careless pattern turns quadratic (each ~100-300 kB).
HOSTILE = {
    "blank lines": "\n" * 300_000,
    "one list run together": "1. Đề nghị " + "các cơ quan; " * 20_000 + ": thực hiện.",
    "a colon after every name": "1. " + "Sở Y tế: " * 20_000,
    "partners without end": "1. Sở Y tế chủ trì, " + "phối hợp với Sở Tư pháp, " * 10_000,
    "dates in one clause": "1. Hoàn thành " + "trước ngày 10/11, hằng năm, " * 10_000,
    "a shared prefix list": "1. Yêu cầu các Bộ: " + "Tài chính; " * 10_000 + "thực hiện.",
    "unclosed brackets": "1. Sở Y tế " + "(a. B " * 20_000,
    "local classes listed": "1. Các thôn, " + "bản, tổ dân phố, " * 10_000 + ": thực hiện.",
    "'và các' without end": "1. Đề nghị Mặt trận " + "và các đoàn thể xã " * 10_000 + "làm.",
    "reports without dates": "1. Các thôn: " + "báo cáo kết quả về UBND xã; " * 10_000,
    "a motto broken everywhere": "CỘNG\nHÒA XÃ\n" * 10_000 + "Số:\n" * 4_000,
}


def hostile() -> None:
    for name, text in HOSTILE.items():
        t0 = time.perf_counter()
        parse_text(text)
        took = (time.perf_counter() - t0) * 1000
        print(f"hostile: {name:28s} {len(text):7d} chars  {took:8.1f} ms")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--hostile", action="store_true", help="also time inputs built to be slow")
    args = ap.parse_args()
    medians: list[float] = []
    fastest: list[float] = []
    for path in documents():
        text = extract_text(path)
        parse_text(text)  # warm-up
        times = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            parse_text(text)
            times.append((time.perf_counter() - t0) * 1000)
        medians.append(statistics.median(times))
        fastest.append(min(times))
        print(
            f"{path.name[:44]:44s} {len(text):7d} chars  median {medians[-1]:6.2f} ms"
            f"  fastest {fastest[-1]:6.2f} ms"
        )
    if not medians:
        print("no documents found")
        return 1
    ranked = sorted(medians)
    print(
        f"{len(medians)} documents: median {statistics.median(medians):.2f} ms per document "
        f"(fastest runs {statistics.median(fastest):.2f} ms), "
        f"90th percentile {ranked[int(0.9 * (len(ranked) - 1))]:.2f} ms, "
        f"slowest {ranked[-1]:.2f} ms (target: median ≤ 10 ms)"
    )
    if args.hostile:
        hostile()
    return 0


if __name__ == "__main__":
    sys.exit(main())
