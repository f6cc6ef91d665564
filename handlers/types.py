"""The neutral port between channels and flows.

Channel adapters turn a platform update into an `Incoming` and render `Reply` objects back;
flows see nothing else of a platform. Platform leftovers travel in `extras`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Awaiting = Literal["choice", "confirm", "number", "text", "date", "photo"]
MessageKind = Literal["text", "sticker", "voice", "unsupported"]


@dataclass(frozen=True)
class Attachment:
    """A file received or sent: `path` is where the bytes are on disk."""

    kind: Literal["photo", "document"]
    path: Path
    filename: str
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Incoming:
    """One message from a person, as every channel describes it.

    `command`/`args` may be left empty by the adapter: the engine parses them from `text`.
    `choice` is an option id when the person pressed a button. `update_id` is what makes a
    redelivery recognisable; None means the channel cannot redeliver.
    """

    channel: str
    chat_id: str
    user_id: str | None = None
    text: str = ""
    command: str | None = None
    args: str = ""
    choice: str | None = None
    attachments: tuple[Attachment, ...] = ()
    update_id: str | None = None
    kind: MessageKind = "text"
    extras: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Option:
    """A choice offered to the person; `id` is short and stable (fits Telegram's callback data)."""

    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """One message back to the person."""

    text: str
    options: tuple[Option, ...] = ()
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Outcome:
    """Everything the engine answers to one incoming message; `locale` is the language the
    replies are in (for words an adapter adds, such as "Trả lời 1, 2 hoặc 3")."""

    replies: tuple[Reply, ...]
    awaiting: Awaiting | None = None
    ignored: bool = False
    locale: str | None = None
