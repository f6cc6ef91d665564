"""Parse time of the directive parser: median per document and overall, in milliseconds.

Run: .venv/bin/python bench/bench_parse.py [--rounds N]
Documents: the real examples in ../shared/directives (when present), our own samples in
tests/directive_samples and the demo directive.
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
    paths += sorted((ROOT / "tests" / "directive_samples").glob("*.*"))
    demo = ROOT / "bot" / "demo_data" / "sample_directive.txt"
    if demo.is_file():
        paths.append(demo)
    return [p for p in paths if p.suffix in {".txt", ".md"}]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=50)
    args = ap.parse_args()
    all_times: list[float] = []
    for path in documents():
        text = extract_text(path)
        parse_text(text)  # warm-up
        times = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            parse_text(text)
            times.append((time.perf_counter() - t0) * 1000)
        all_times.extend(times)
        print(f"{path.name:40s} {len(text):7d} chars  median {statistics.median(times):6.2f} ms")
    if not all_times:
        print("no documents found")
        return 1
    print(f"overall median: {statistics.median(all_times):.2f} ms (target < 10 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
