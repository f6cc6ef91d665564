"""The neutral port between channels and flows.

Channel adapters turn a platform update into an `Incoming` and render `Reply` objects back;
flows see nothing else of a platform. Platform leftovers travel in `extras`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Awaiting = Literal["choice", "confirm", "number", "text", "date", "photo", "work"]
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
    redelivery recognisable; None means the channel cannot redeliver. `group`: the message
    came from a group chat (several people), where the bot acts for nobody.
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
    group: bool = False


@dataclass(frozen=True)
class Option:
    """A choice offered to the person; `id` is short and stable (fits Telegram's callback data)."""

    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """One message back to the person. `notice` (pushes only): what the message is about, as
    ``{"topic": str, "values": {name: text}}``, for channels that must send a push as a
    template registered with the platform (Zalo OA outside its messaging window)."""

    text: str
    options: tuple[Option, ...] = ()
    attachment: Attachment | None = None
    notice: Mapping[str, Any] | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON form stored for sending (outbox and recorded replies)."""
        payload: dict[str, Any] = {
            "text": self.text,
            "options": [[o.id, o.label] for o in self.options],
        }
        if self.attachment is not None:
            a = self.attachment
            payload["attachment"] = {
                "kind": a.kind,
                "path": str(a.path),
                "filename": a.filename,
                "mime": a.mime,
            }
        if self.notice is not None:
            payload["notice"] = dict(self.notice)
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Reply:
        """The reply stored by `to_payload` (or planned into the outbox by a flow)."""
        options = tuple(Option(str(i), str(label)) for i, label in payload.get("options") or [])
        attachment = None
        raw = payload.get("attachment")
        if isinstance(raw, Mapping) and raw.get("path"):
            attachment = Attachment(
                "photo" if raw.get("kind") == "photo" else "document",
                Path(str(raw["path"])),
                str(raw.get("filename") or Path(str(raw["path"])).name),
                str(raw.get("mime") or "application/octet-stream"),
            )
        notice = payload.get("notice")
        return cls(
            str(payload.get("text", "")),
            options,
            attachment,
            dict(notice) if isinstance(notice, Mapping) else None,
        )


@dataclass(frozen=True)
class Outcome:
    """Everything the engine answers to one incoming message; `locale` is the language the
    replies are in (for words an adapter adds, such as "Trả lời 1, 2 hoặc 3")."""

    replies: tuple[Reply, ...]
    awaiting: Awaiting | None = None
    ignored: bool = False
    locale: str | None = None
    # ids of the replies recorded with the turn (when the message came from the inbox)
    reply_ids: tuple[int, ...] = ()
    # the turn asked for heavy work: send these replies, then call `Engine.finish_work`
    working: bool = False
