"""`make test`'s long part, run side by side: the directive-parser score, the pytest suite on
SQLite and the pytest suite on a throwaway PostgreSQL server (tests/run_on_postgres.py).

The suites mostly wait (bot processes, fake servers, timers, the database server), so they run
at the same time, each spread over `--workers` pytest-xdist workers; every worker migrates one
template database and copies it for each test (tests/dbs.py). Each suite's output is printed
when it ends; the exit status is non-zero when any suite failed.

Run: .venv/bin/python -m tests.run_suites [--workers N] [--only sqlite,postgres,parser]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Suite:
    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    output: Path | None = None
    started: float = 0.0

    def start(self, folder: Path) -> None:
        self.output = folder / f"{self.name}.log"
        self.started = time.monotonic()
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )


def suites(workers: int, only: set[str]) -> list[Suite]:
    python = sys.executable
    spread = ["-n", str(workers)] if workers > 1 else []
    found = [
        Suite("postgres", [python, "-m", "tests.run_on_postgres", "-q", *spread]),
        Suite("sqlite", [python, "-m", "pytest", "-q", *spread]),
        Suite("parser", [python, "-m", "tests.parser_score"]),
    ]
    return [s for s in found if s.name in only]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("TEST_WORKERS", "3")))
    parser.add_argument("--only", default="sqlite,postgres,parser")
    args = parser.parse_args(argv)
    started = time.monotonic()
    running = suites(args.workers, set(args.only.split(",")))
    failed = []
    with tempfile.TemporaryDirectory(prefix="thidua-suites-") as folder:
        for suite in running:
            suite.start(Path(folder))
        waiting = list(running)
        while waiting:
            for suite in list(waiting):
                assert suite.process is not None and suite.output is not None
                code = suite.process.poll()
                if code is None:
                    continue
                waiting.remove(suite)
                seconds = time.monotonic() - suite.started
                verdict = "passed" if code == 0 else f"FAILED (exit {code})"
                print(f"== {suite.name}: {verdict} in {seconds:.0f} s", flush=True)
                sys.stdout.write(suite.output.read_text(errors="replace"))
                print(flush=True)
                if code != 0:
                    failed.append(suite.name)
            time.sleep(0.2)
    total = time.monotonic() - started
    print(f"== all suites in {total:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
