"""Pure functions for the `heavy` worker tests (run in a worker process, importable there)."""

from __future__ import annotations

import time


def add(a: int, b: int) -> int:
    return a + b


def hog(megabytes: int) -> int:
    """Asks for more memory than a worker may have."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def spin(seconds: float) -> int:
    """Burns CPU for `seconds`."""
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
    return n


def refuse(text: str) -> None:
    raise ValueError(text)
