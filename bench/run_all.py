"""Runs every bench/bench_*.py script in turn and prints their figures (`make bench`).

A script whose --help mentions --database-url runs twice, on its SQLite default and on a fresh
PostgreSQL database of a throwaway server started here (see tests/pgserver.py; PostgreSQL is
installed when missing) — once only, with the database, when its --help says it measures both
"side by side" itself.
--no-postgres measures SQLite only; --only NAME runs the scripts whose name contains NAME.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pgserver  # noqa: E402


def scripts(only: str | None) -> list[Path]:
    found = sorted((ROOT / "bench").glob("bench_*.py"))
    return [p for p in found if not only or only in p.name]


def runs(script: Path, postgres: bool) -> list[bool]:
    """How to run the script: a list of "with the PostgreSQL database?" flags."""
    helped = subprocess.run(
        [sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    if not postgres or "--database-url" not in helped:
        return [False]
    return [True] if "side by side" in " ".join(helped.split()) else [False, True]


@contextlib.contextmanager
def maybe_postgres(wanted: bool) -> Iterator[pgserver.PgServer | None]:
    if not wanted:
        yield None
        return
    with pgserver.running() as server:
        yield server


def main() -> int:
    parser = argparse.ArgumentParser(description="Runs every benchmark script.")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--only", help="run the scripts whose file name contains this")
    args = parser.parse_args()

    plans = [(script, runs(script, not args.no_postgres)) for script in scripts(args.only)]
    failed = []
    with maybe_postgres(any(any(flags) for _s, flags in plans)) as server:
        for script, flags in plans:
            for with_pg in flags:
                command = [sys.executable, str(script)]
                if with_pg and server is not None:
                    command += ["--database-url", pgserver.create_database(server.admin_url)]
                where = " (PostgreSQL)" if with_pg else ""
                print(f"== {script.relative_to(ROOT)}{where}", flush=True)
                started = time.perf_counter()
                code = subprocess.run(command, cwd=ROOT).returncode
                print(f"   ({time.perf_counter() - started:.1f} s, exit {code})\n", flush=True)
                if code != 0:
                    failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
