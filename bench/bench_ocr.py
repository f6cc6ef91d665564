"""OCR time per page: scans and phone photos of our own sample directive read by Tesseract's
Vietnamese model, one page at a time, as the intake worker does.

Run: .venv/bin/python bench/bench_ocr.py [--rounds N]
Pages (tests/scans.py): the sample set on A4 at 200 dpi — straight, turned 3°, turned and
speckled as a JPEG — and a two-page scanned PDF rendered at 300 dpi. For each, the median and
the fastest of N rounds, in seconds per page (the machine is shared: the fastest is the figure
least disturbed by other work); the model load is timed apart (once per document). Each run
is one core (OMP_THREAD_LIMIT=1), as in the worker.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from directives import ocr  # noqa: E402
from tests import scans  # noqa: E402


def pictures(folder: Path) -> dict[str, Path]:
    text = scans.SAMPLE.read_text(encoding="utf-8")
    page = scans.page(text)
    first, rest = text.split("4. ", 1)
    scan = folder / "scan.pdf"
    pages = [scans.page(first, dpi=300), scans.page("4. " + rest, dpi=300)]
    pages[0].save(scan, format="PDF", resolution=300.0, save_all=True, append_images=pages[1:])
    return {
        "A4 200 dpi, straight (PNG)": scans.save(page, folder / "straight.png"),
        "A4 200 dpi, turned 3° (PNG)": scans.save(scans.turned(page, 3), folder / "turned.png"),
        "A4 200 dpi, turned, speckled (JPEG)": scans.save(
            scans.speckled(scans.turned(page, -3)), folder / "photo.jpg"
        ),
        "scanned PDF, 2 pages at 300 dpi": scan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not ocr.available():
        print("OCR is not installed (apt-get install tesseract-ocr tesseract-ocr-vie)")
        return
    with tempfile.TemporaryDirectory() as folder:
        found = pictures(Path(folder))
        loads: list[float] = []
        print(f"{'page':40} {'median s/page':>14} {'fastest':>8}")
        for name, path in found.items():
            per_page: list[float] = []
            for _round in range(args.rounds):
                started = time.perf_counter()
                with ocr.Reader() as reader:
                    loads.append(time.perf_counter() - started)
                    pages = list(ocr._pages(path))
                    for page in pages:
                        began = time.perf_counter()
                        reader.read(page)
                        per_page.append(time.perf_counter() - began)
            print(f"{name:40} {statistics.median(per_page):14.2f} {min(per_page):8.2f}")
        print(f"model load (once per document): median {statistics.median(loads):.2f} s")


if __name__ == "__main__":
    main()
