"""The console channel: a person (or a script) types a line, the bot answers.

Interactive mode numbers the options; answering with the number picks one. `--jsonl` mode prints
exactly one JSON line per input line: {"replies": [{"text", "options"}], "awaiting": ...}.
An input line `@file PATH` sends that file (as a photo when it is an image).
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TextIO

from handlers.engine import Engine
from handlers.types import Attachment, Incoming, Outcome, Reply
from locales import _

CHANNEL = "console"


def to_incoming(line: str, chat_id: str) -> Incoming:
    """Translates one typed line; `@file PATH` becomes an attachment."""
    text = line.rstrip("\r\n")
    if text.startswith("@file "):
        path = Path(text[6:].strip()).expanduser()
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        kind: Literal["photo", "document"] = "photo" if mime.startswith("image/") else "document"
        attachment = Attachment(kind, path, path.name, mime)
        return Incoming(CHANNEL, chat_id, chat_id, "", attachments=(attachment,))
    return Incoming(CHANNEL, chat_id, chat_id, text)


def to_json(outcome: Outcome) -> str:
    replies = [
        {"text": r.text, "options": [o.label for o in r.options]}
        | ({"attachment": str(r.attachment.path)} if r.attachment else {})
        for r in outcome.replies
    ]
    return json.dumps({"replies": replies, "awaiting": outcome.awaiting}, ensure_ascii=False)


def to_screen(outcome: Outcome) -> str:
    blocks = []
    for reply in outcome.replies:
        lines = [reply.text]
        lines += [f"  {i}. {option.label}" for i, option in enumerate(reply.options, 1)]
        if reply.attachment:
            lines.append(f"  [{reply.attachment.filename}: {reply.attachment.path}]")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


async def run(
    engine: Engine,
    chat_id: str,
    jsonl: bool,
    stdin: TextIO | None = None,
    write: Callable[[str], None] = print,
) -> None:
    """Reads lines until end of input, or /thoat (not in `--jsonl` mode, where every line is a
    message). `stdin` defaults to the process's standard input at call time."""
    stdin = stdin or sys.stdin
    interactive = not jsonl and stdin.isatty()
    if interactive:
        write(_("console.banner"))
    while True:
        if interactive:
            sys.stdout.write("\n> ")
            sys.stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        if not jsonl and line.strip().lower() in ("/thoat", "/quit", "/exit"):
            break
        outcome = await engine.handle(to_incoming(line, chat_id))
        write(to_json(outcome) if jsonl else to_screen(outcome))


class ConsoleSender:
    """Pushes outbox messages to stdout (a channel without a token, or the console channel)."""

    def __init__(
        self,
        channel: str = CHANNEL,
        write: Callable[[str], None] = print,
        rate_per_second: float = 1000.0,
        rate_per_chat: float = 1000.0,
    ) -> None:
        self.channel = channel
        self.write = write
        self.rate_per_second = rate_per_second
        self.rate_per_chat = rate_per_chat
        self.sent = 0

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        self.sent += 1
        lines = [f"[{self.channel} → {chat_id}]", reply.text]
        lines += [f"  {i}. {option.label}" for i, option in enumerate(reply.options, 1)]
        if reply.attachment:
            lines.append(f"  [{reply.attachment.filename}: {reply.attachment.path}]")
        self.write("\n".join(lines))
        return f"console-{self.sent}"
