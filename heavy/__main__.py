"""The worker process of `heavy.run`: one request on stdin, (status, value) on stdout."""

from __future__ import annotations

import importlib
import pickle
import resource
import sys
from typing import Any


def _child() -> None:
    """The worker: reads one request from stdin, writes (status, value) to stdout."""
    function, args, seconds, memory_mb = pickle.loads(sys.stdin.buffer.read())
    memory = int(memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    result: tuple[str, Any]
    try:
        module_name, _sep, name = str(function).partition(":")
        target = getattr(importlib.import_module(module_name), name)
        result = ("ok", target(*args))
    except MemoryError:
        result = ("memory", None)
    except Exception as error:
        try:
            pickle.dumps(error)
            result = ("error", error)
        except Exception:
            result = ("error", f"{type(error).__name__}: {error}")
    try:
        data = pickle.dumps(result)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _child()
