"""Recognising commands in what people type: "/baocao", "/báo_cáo", "Báo cáo", "bao cao"."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.text import fold


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
    or those words and a number ("tam dung 3").
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
    words, _, last = stripped.rpartition(" ")
    if words and last.isdigit() and _key(words) in known:
        return Parsed(_key(words), last)
    return None
