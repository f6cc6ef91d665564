"""SIGTERM and SIGINT as a graceful stop for the long-running commands (`run`, `web`)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Sets `stop` on SIGTERM or SIGINT while inside; the handlers are removed on leaving.

    Where the loop cannot take signal handlers (a platform without them: NotImplementedError;
    a loop outside the main thread, as when tests run the bot in-process: RuntimeError) the
    caller stops by setting `stop` itself, so those are not errors.
    """
    loop = asyncio.get_running_loop()
    for signum in SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        yield
    finally:
        for signum in SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
