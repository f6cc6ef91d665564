"""One bot token's sends paced together across every process (the rows of storage/pace.py).

Overall: sends spaced `1/rate` apart and never more than `rate - SPARE` reserved in any
second plus a guard (the spare and the guard absorb a busy machine's late calls: measured where
the messages arrive, 1,000 faults and 50 kills never made more than `rate` in a second).
Per chat: pushes (reminders, digests) one per `1/rate_per_chat` (plus a guard); the replies of
a turn may go as a burst of `REPLY_BURST`, then the chat is back to its rate. Several processes
(or several dispatch runs) reserving at once queue on the scope's row, so together they keep to
the platform's limits: 30 messages a second and about one a second per chat on Telegram.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.clock import Clock
from storage.pace import Scope, reserve

# room for a late wake-up (a busy event loop) between a reserved time and the actual call
GUARD = 0.2
SPARE = 2
LATE = 0.05
TRIES = 3
REPLY_BURST = 3


class SharedPace:
    """`await pace.wait(chat_id)` returns when this send may go (it is then reserved)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        channel: str,
        token: str,
        rate: float,
        rate_per_chat: float,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.prefix = f"{channel}:{hashlib.sha256(token.encode()).hexdigest()[:16]}"
        most = max(1, int(rate) - SPARE)
        self.overall = Scope(self.prefix, ((1, 1.0 / rate), (most, 1.0 + GUARD)))
        self.gap = 1.0 / rate_per_chat + GUARD
        self.burst = (REPLY_BURST, REPLY_BURST / rate_per_chat + GUARD)
        self.wall = wall
        self.sleep = sleep

    async def wait(self, chat_id: str, reply: bool = False) -> float:
        """Waits for this send's turn; returns how long it waited (seconds).

        A turn missed by more than `LATE` (the event loop was busy) is not taken late, which
        would bunch it with the turns after it: a new one is reserved (at most `TRIES` times).
        """
        chat = Scope(f"{self.prefix}:{chat_id}"[:120], (self.burst if reply else (1, self.gap),))
        asked = self.wall()
        for _try in range(TRIES):
            async with self.sessions() as session, session.begin():
                when = await reserve(session, [self.overall, chat], self.wall(), self.clock.now())
            delay = when - self.wall()
            if delay > 0:
                await self.sleep(delay)
            if self.wall() - when <= LATE:
                break
        return max(0.0, self.wall() - asked)
