"""Runs the pytest suite on a throwaway PostgreSQL server (`make test` does, after SQLite).

Starts the server (installing PostgreSQL when missing, see tests/pgserver.py), exports its admin
URL as THIDUA_TEST_PG_URL so that every test gets a fresh database on it, runs pytest with the
arguments given (tests marked `nodb` are left out: they ran in the SQLite pass and touch no
database), stops the server and exits with pytest's status.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests import pgserver


def main(argv: list[str]) -> int:
    with pgserver.running() as server:
        print(f"PostgreSQL on 127.0.0.1:{server.port} ({server.bin_dir.parent.name})", flush=True)
        env = dict(os.environ, THIDUA_TEST_PG_URL=server.admin_url)
        select = [] if "-m" in argv else ["-m", "not nodb"]
        return subprocess.run([sys.executable, "-m", "pytest", *select, *argv], env=env).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
