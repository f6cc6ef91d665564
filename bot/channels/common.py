"""What the Telegram and Zalo adapters share: a file problem to answer politely, long texts
split, numbered options. (Receiving and answering in order is `bot/channels/conveyor.py`.)

Nothing here knows a platform; it only shapes neutral replies for channels with limits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from handlers.types import Option
from locales import _

log = logging.getLogger(__name__)


class FileProblem(Exception):
    """A received file that could not be fetched; `key` (and `values`) say why, politely."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def units(text: str) -> int:
    """Length as the platforms count it (UTF-16 code units: an emoji counts as two)."""
    return len(text.encode("utf-16-le")) // 2


def _cut_long_line(line: str, limit: int) -> list[str]:
    """A single line longer than the limit: cut at the last space before it, else hard."""
    pieces: list[str] = []
    while units(line) > limit:
        cut = limit
        while units(line[:cut]) > limit:
            cut -= 1
        space = line.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    if line:
        pieces.append(line)
    return pieces


def split_text(text: str, limit: int) -> list[str]:
    """Splits a text into messages of at most `limit` units, only between lines.

    A line longer than the limit on its own is cut at a space (or hard, when it has none).
    Returns at least one piece (an empty text gives [""]).
    """
    if units(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _cut_long_line(line, limit) if units(line) > limit else [line]:
            joined = f"{current}\n{piece}" if current else piece
            if units(joined) <= limit:
                current = joined
                continue
            if current.strip():
                chunks.append(current.rstrip("\n"))
            current = piece
    if current.strip():
        chunks.append(current.rstrip("\n"))
    return chunks or [""]


def either(items: Sequence[str]) -> str:
    """ "1, 2 hoặc 3" in the current language."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_('channel.or')} {items[-1]}"


def numbered(text: str, options: Sequence[Option], by_number: bool) -> str:
    """The text with its options as lines, for channels without buttons.

    `by_number`: the person may answer with the number (numbered lines and the "Trả lời 1, 2
    hoặc 3" hint); otherwise the labels are listed and the person types one.
    """
    if not options:
        return text
    if by_number:
        lines = [f"{n}. {option.label}" for n, option in enumerate(options, 1)]
        hint = _("channel.reply_with", choices=either([str(n) for n in range(1, len(lines) + 1)]))
    else:
        lines = [f"• {option.label}" for option in options]
        hint = _("channels.type_label")
    return "\n".join([text, "", *lines, "", hint]) if text else "\n".join([*lines, "", hint])
