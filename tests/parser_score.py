"""`make test` step: scores `thidua directive parse` on ../shared/directives; fails under 0.95."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
THRESHOLD = 0.95


def main() -> int:
    scorer, examples = SHARED / "tools" / "score_directives.py", SHARED / "directives"
    if not scorer.exists() or not examples.is_dir():
        print(f"parser score: skipped, {SHARED} is not here")
        return 0
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
    print("\n".join(lines[-3:]))
    if result.returncode != 0 or not last.startswith("overall:"):
        print(result.stderr[-2000:], file=sys.stderr)
        return 1
    score = float(last.split(":", 1)[1])
    if score < THRESHOLD:
        print(f"parser score {score:.3f} is under {THRESHOLD}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
