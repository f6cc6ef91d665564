"""What the outbox dispatcher needs of a channel: send one reply to one chat."""

from __future__ import annotations

from typing import Protocol

from handlers.types import Reply


class SendError(Exception):
    """A send that failed. `retry_after` (seconds) when the platform said how long to wait
    (HTTP 429); `permanent` when retrying cannot help (bad chat id); `in_doubt` when the
    platform may have delivered it all the same (the request went out, no answer came back)."""

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        permanent: bool = False,
        in_doubt: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.in_doubt = in_doubt


class ChatBlocked(SendError):
    """The person blocked the bot or left; the binding is flagged and skipped from now on."""

    def __init__(self, message: str = "blocked") -> None:
        super().__init__(message, permanent=True)


class Unreachable(SendError):
    """This channel cannot reach the chat now, though the person has not blocked the bot (Zalo
    OA: outside the messaging window, with no template for the push). A push goes to the
    member's other chats instead; the row shows in the staff digest."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class Sender(Protocol):
    channel: str
    rate_per_second: float
    rate_per_chat: float

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        """Sends; returns the platform's message id (None when it gives none).

        Raises SendError (or ChatBlocked) on failure.
        """
        ...
