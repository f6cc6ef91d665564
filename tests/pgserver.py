"""A throwaway PostgreSQL server for tests and benchmarks.

`start()` installs Debian's `postgresql` package when no `pg_ctl` is found, creates a data
directory in a temporary folder, and starts the server on 127.0.0.1 on a free port with its unix
socket in that folder. Run as root (as on CI), the server runs as the `postgres` user, since
PostgreSQL refuses root. The server is stopped and the folder removed by `stop()`, on leaving the
`running()` block, or at exit. `create_database(admin_url)` makes a fresh, uniquely named database
and returns its `postgresql+asyncpg://` URL.

`python -m tests.pgserver` starts a server, prints its admin URL and waits for Ctrl-C.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

PG_GLOB = "/usr/lib/postgresql/*/bin"
SERVER_OPTIONS = (
    # durability is not wanted from a throwaway test server; speed is
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    " -c max_connections=300 -c shared_buffers=128MB"
)


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (the one with pg_ctl and initdb)."""
    found = []
    for folder in glob.glob(PG_GLOB):
        path = Path(folder)
        if (path / "pg_ctl").exists() and (path / "initdb").exists():
            version = path.parent.name
            found.append((int(version) if version.isdigit() else 0, path))
    if found:
        return max(found)[1]
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).resolve().parent
    return None


def ensure_installed() -> Path:
    """The bin folder, after installing Debian's `postgresql` package if it is missing."""
    found = find_bin_dir()
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql, as root)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    found = find_bin_dir()
    if found is None:
        raise RuntimeError("apt-get installed postgresql but no pg_ctl was found")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    bin_dir: Path
    root: Path
    port: int
    as_postgres: bool
    stopped: bool = field(default=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, text=True, capture_output=True, check=False, **kwargs)

    def stop(self) -> None:
        """Stops the server (fast shutdown) and removes its folder; safe to call twice."""
        if self.stopped:
            return
        self.stopped = True
        self.run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> PgServer:
    """Starts a fresh server (see the module docstring); raises with the server log on failure."""
    bin_dir = ensure_installed()
    as_postgres = os.geteuid() == 0
    # under /tmp, not $TMPDIR: the postgres user must be able to reach the folder
    root = Path(tempfile.mkdtemp(prefix="thidua-pg-", dir="/tmp" if as_postgres else None))
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    server = PgServer(bin_dir, root, free_port(), as_postgres)
    atexit.register(server.stop)
    init = server.run(
        "initdb", "-D", str(server.data_dir), "-U", "postgres", "-A", "trust",
        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
    )  # fmt: skip
    if init.returncode != 0:
        server.stop()
        raise RuntimeError(f"initdb failed: {init.stdout}\n{init.stderr}")
    options = f"-h 127.0.0.1 -p {server.port} -k {root} {SERVER_OPTIONS}"
    for _attempt in range(3):
        started = server.run(
            "pg_ctl", "start", "-D", str(server.data_dir), "-l", str(root / "server.log"),
            "-o", options, "-w", "-t", "60",
        )  # fmt: skip
        if started.returncode == 0:
            return server
        # another process may have taken the port between free_port() and the start
        server.port = free_port()
        options = f"-h 127.0.0.1 -p {server.port} -k {root} {SERVER_OPTIONS}"
    log = (
        (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
    )
    server.stop()
    raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")


def _exit_on_sigterm() -> None:
    """SIGTERM (a CI timeout, `kill`) then unwinds like Ctrl-C, so the server is stopped."""
    in_main = threading.current_thread() is threading.main_thread()
    if in_main and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


@contextlib.contextmanager
def running() -> Iterator[PgServer]:
    """A started server, stopped and removed when the block ends."""
    _exit_on_sigterm()
    server = start()
    try:
        yield server
    finally:
        server.stop()


_names = itertools.count(1)
_created: list[tuple[str, str]] = []
_lock = threading.Lock()


def _in_thread(coro_fn: Any) -> Any:
    """Runs an async function to completion on a fresh loop in another thread, so this works
    both from plain code and from inside a running event loop (async fixtures)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro_fn())
        except BaseException as error:  # re-raised in the caller's thread
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def create_database(admin_url: str, template: str | None = None, keep: bool = False) -> str:
    """A new database on the server of `admin_url`, empty or a copy of `template` (a database
    nobody is connected to); returns its postgresql+asyncpg URL.

    Databases this process made before the previous one, that nobody is connected to any more,
    are dropped first, so a long test run does not fill the disk (`keep`: never this one).
    """
    import asyncpg

    with _lock:
        name = f"thidua_t{os.getpid()}_{next(_names)}"
        # the latest one may still be in use by the caller (a test asking for a second database)
        stale = [n for server, n in _created if server == admin_url][:-1]
        copy = f' TEMPLATE "{template}"' if template else ""

        async def work() -> list[str]:
            conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
            dropped = []
            try:
                for old in stale:
                    with contextlib.suppress(asyncpg.ObjectInUseError):
                        await conn.execute(f'DROP DATABASE IF EXISTS "{old}"')
                        dropped.append(old)
                await conn.execute(f'CREATE DATABASE "{name}"{copy}')
            finally:
                await conn.close()
            return dropped

        dropped = _in_thread(work)
        _created[:] = [(s, n) for s, n in _created if not (s == admin_url and n in dropped)]
        if not keep:
            _created.append((admin_url, name))
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


if __name__ == "__main__":
    import time

    with running() as pg:
        print(pg.admin_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
