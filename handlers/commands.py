"""Recognising commands in what people type: "/baocao", "/báo_cáo", "Báo cáo", "bao cao"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.text import fold

# What may follow a bare command: a number, or a month ("thang 11", "11/2026", "2026-11",
# "thang 11 nam 2026"); folded text, ASCII digits only.
_ARG = re.compile(
    r"[0-9]{1,3}|[0-9]{4}-[0-9]{1,2}"
    r"|(?:thang|t) ?[0-9]{1,2}(?: ?[/.\-] ?[0-9]{4}| (?:nam )?[0-9]{4})?"
    r"|[0-9]{1,2} ?[/.\-] ?[0-9]{4}",
    re.ASCII,
)


@dataclass(frozen=True)
class Parsed:
    command: str
    args: str


def _key(words: str) -> str:
    return fold(words).replace("_", " ").replace(" ", "")


def parse(text: str, known: set[str]) -> Parsed | None:
    """The command in `text`, if any, by its folded key in `known` (keys have no spaces).

    A slash command takes the rest of the line as arguments ("/start ABCD2345"); a message
    without a slash is a command only when it is nothing but the command's words ("bao cao"),
    or those words and a number or a month ("tam dung 3", "bao cao thang 11", "bao cao
    11/2026"), so a sentence that happens to start with a command's words stays an answer.
    """
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.startswith("/"):
        head, _, rest = stripped[1:].partition(" ")
        key = _key(head.split("@", 1)[0])
        return Parsed(key if key in known else f"?{key}", rest.strip())
    if len(stripped) > 40:
        return None
    key = _key(stripped)
    if key in known:
        return Parsed(key, "")
    words = stripped.split()
    for n in range(len(words) - 1, 0, -1):
        head, rest = _key(" ".join(words[:n])), " ".join(words[n:])
        if head in known and _ARG.fullmatch(fold(rest)):
            return Parsed(head, rest)
    return None
