"""Time is passed in: the product asks a clock, tests and the CLI give it a fixed one."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and `--now`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


class StartedClock:
    """Real time, started at `at`: `thidua run --now ISO` acts as if it were `at` when it
    starts, and time goes on from there. A running bot waits for things to come due (a reply
    or push retried after a backoff, a stored update put off, a lease running out), which a
    clock standing still would never reach."""

    def __init__(self, at: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        if at.tzinfo is None:
            raise ValueError("StartedClock needs an aware datetime")
        self.at = at
        self._monotonic = monotonic
        self._start = monotonic()

    def now(self) -> datetime:
        return self.at + timedelta(seconds=self._monotonic() - self._start)
