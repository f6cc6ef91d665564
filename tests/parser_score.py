"""`make test` step: scores `thidua directive parse` on ../shared/directives and on its corpus/ and
prints both figures; both must stay >= 0.95."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
THRESHOLD = 0.95
SETS = ((SHARED / "directives", THRESHOLD), (SHARED / "directives" / "corpus", THRESHOLD))


def _score(scorer: Path, examples: Path) -> float | None:
    thidua = Path(sys.executable).parent / "thidua"
    command = f"{thidua} directive parse {{file}} --json"
    result = subprocess.run(
        [sys.executable, str(scorer), str(examples), "--cmd", command],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    last = lines[-1] if lines else ""
    print(f"== {examples}")
    print("\n".join(lines[-2:]))
    if result.returncode != 0 or not last.startswith("overall:"):
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    return float(last.split(":", 1)[1])


def main() -> int:
    scorer = SHARED / "tools" / "score_directives.py"
    if not scorer.exists():
        print(f"parser score: skipped, {SHARED} is not here")
        return 0
    failed = False
    for examples, floor in SETS:
        if not examples.is_dir():
            print(f"parser score: {examples} is not here")
            continue
        score = _score(scorer, examples)
        if score is None or score < floor:
            print(f"parser score on {examples.name}: {score} is under {floor}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
