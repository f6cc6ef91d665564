"""Heavy work (reading a document, OCR, building a big export) in a worker process with limits.

A package of its own, light to import, so a worker starts in a fraction of a second.

`await heavy.run("package.module:function", *args, limits=Limits(...))` runs a module-level,
pure function in a fresh Python process: CPU seconds and address space are capped by
`resource.setrlimit`, wall time by the caller (the process is killed when it runs out). The
event loop and the database are free meanwhile: nothing of the message's transaction is held,
and other chats are answered. Arguments and the result travel pickled over the pipes, so give
paths and plain values, not open files or sessions.

It raises `HeavyFailed` (`reason` is "time", "memory" or "crashed") when the limits stopped the
work or the process died, and re-raises the function's own exception (e.g.
`directives.UnreadableDocument`) when the function raised one.

A flow uses it through `handlers.flow.work(...)`: the person is told it is reading, the
message's transaction commits, the work runs, and the flow goes on from the result in a new
transaction (see `handlers/jobs.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import sys
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CHILD = "heavy"  # `python -m heavy` runs __main__.py: a light process, no flows loaded


@dataclass(frozen=True)
class Limits:
    """Wall seconds, CPU seconds and memory (MB of address space) one piece of work may use."""

    seconds: float = 60.0
    memory_mb: int = 768


class HeavyFailed(Exception):
    """The work was stopped: `reason` is "time", "memory" or "crashed"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


# workers at a time in this process (the others wait their turn): the machine has few cores
WORKERS = 2
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


async def run(
    function: str,
    *args: Any,
    limits: Limits | None = None,
    env: Mapping[str, str | None] | None = None,
) -> Any:
    """Runs `function` ("module:name") on `args` in a worker process within `limits` (at most
    `WORKERS` at a time; the wall time counts from the worker's start). The worker inherits
    this process's environment with `env` laid over it (None removes a variable): how a
    worker that reads the database learns where it is, without the address travelling in
    its arguments (which a flow stores)."""
    loop = asyncio.get_running_loop()
    turns = _turns.get(loop)
    if turns is None:
        turns = _turns[loop] = asyncio.Semaphore(WORKERS)
    async with turns:
        return await _run(function, args, limits or Limits(), env)


def _environment(env: Mapping[str, str | None] | None) -> dict[str, str] | None:
    if not env:
        return None
    merged = dict(os.environ)
    for name, value in env.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


async def _run(
    function: str, args: tuple[Any, ...], limits: Limits, env: Mapping[str, str | None] | None
) -> Any:
    request = pickle.dumps((function, args, limits.seconds, limits.memory_mb))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        CHILD,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=_environment(env),
    )
    try:
        out, _err = await asyncio.wait_for(process.communicate(request), limits.seconds)
    except TimeoutError:
        raise HeavyFailed("time", f"over {limits.seconds:.0f} s") from None
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    try:
        status, value = pickle.loads(out)
    except Exception:
        # killed by the CPU limit (SIGXCPU), or died without a word
        reason = "time" if process.returncode in (-24, -9) else "crashed"
        raise HeavyFailed(reason, f"exit {process.returncode}") from None
    if status == "ok":
        return value
    if status == "memory":
        raise HeavyFailed("memory", f"over {limits.memory_mb} MB")
    if isinstance(value, BaseException):
        raise value
    raise HeavyFailed("crashed", str(value))
