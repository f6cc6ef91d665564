"""What the channel adapters share: splitting, numbered options, per-chat order; and the small
translation pieces of each adapter (callback data, command menu, Zalo updates, file links)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.common import either, numbered, split_text, units
from bot.channels.file_links import FileLinks
from bot.channels.telegram import callback_data, command_menu, keyboard
from bot.channels.zalo import describe, unwrap
from handlers import FLOWS
from handlers.clock import FixedClock
from handlers.types import Attachment, Option, Reply
from locales import use_locale

lines = st.lists(st.text(alphabet="aăâbcdđ ệếỗ😀\t.,", max_size=120), min_size=1, max_size=60)


@given(lines, st.integers(min_value=20, max_value=300))
def test_split_keeps_every_line_whole_when_lines_fit(parts: list[str], limit: int) -> None:
    text = "\n".join(part[: limit // 2] for part in parts)
    chunks = split_text(text, limit)
    assert all(units(chunk) <= limit for chunk in chunks)
    kept = [line for chunk in chunks for line in chunk.split("\n")]
    assert [line for line in kept if line.strip()] == [
        line for line in text.split("\n") if line.strip()
    ]


def test_split_cuts_a_too_long_line_at_a_space() -> None:
    text = "đầu\n" + " ".join(["thôn"] * 30) + "\ncuối"
    chunks = split_text(text, 40)
    assert all(len(chunk) <= 40 for chunk in chunks)
    assert chunks[0] == "đầu"
    assert chunks[-1].endswith("cuối")
    assert all(not chunk.startswith(" ") for chunk in chunks)


def test_split_counts_emoji_as_two() -> None:
    assert units("😀") == 2
    assert split_text("😀😀\n😀😀", 4) == ["😀😀", "😀😀"]
    assert split_text("ngắn", 4096) == ["ngắn"]


def test_numbered_options_and_the_hint_in_each_language() -> None:
    options = (Option("a", "Có"), Option("b", "Không"), Option("c", "Bỏ qua"))
    assert either(["1"]) == "1"
    with use_locale("vi"):
        assert numbered("Chọn:", options, True) == (
            "Chọn:\n\n1. Có\n2. Không\n3. Bỏ qua\n\nTrả lời 1, 2 hoặc 3."
        )
        assert numbered("Chọn:", options[:1], False).startswith("Chọn:\n\n• Có\n\nGõ")
        assert numbered("Chọn:", (), True) == "Chọn:"
    with use_locale("en"):
        assert numbered("Pick:", options[:2], True).endswith("Reply 1 or 2.")


def test_callback_data_fits_64_bytes() -> None:
    assert callback_data("cmd:baocao", 0) == "cmd:baocao"
    assert callback_data("x" * 65, 2) == "#3"
    assert callback_data("#weird", 0) == "#1"
    markup = keyboard(Reply("?", (Option("yes", "Có"), Option("no", "Không"))))
    assert markup is not None
    assert [row[0].callback_data for row in markup.inline_keyboard] == ["yes", "no"]
    assert keyboard(Reply("no options")) is None


def test_command_menu_has_valid_names_and_localized_descriptions() -> None:
    with use_locale("vi"):
        vi = command_menu(FLOWS)
    with use_locale("en"):
        en = command_menu(FLOWS)
    assert len(vi) == len(en) and len({c.command for c in vi}) == len(vi)
    assert all(c.command.isascii() and c.command.islower() for c in vi + en)
    assert ("report", "Monthly report") in [(c.command, c.description) for c in en]
    assert ("baocao", "Báo cáo tháng") in [(c.command, c.description) for c in vi]
    assert all(c.description for c in en)


def test_zalo_updates_bare_wrapped_and_odd() -> None:
    update: dict[str, Any] = {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": "u1", "display_name": "Bình"},
            "chat": {"id": "c1"},
            "message_id": "m1",
            "text": "/start ABC",
        },
    }
    assert unwrap(update) == update
    assert unwrap({"ok": True, "result": update}) == update
    assert unwrap({"ok": True, "result": [update]}) == update
    assert unwrap({"ok": False, "error_code": 408}) is None
    assert unwrap(None) is None
    incoming, photo = describe(update)
    assert (incoming.chat_id, incoming.text, incoming.update_id, photo) == (
        "c1",
        "/start ABC",
        "m1",
        None,
    )
    assert incoming.extras["display_name"] == "Bình"
    image = update | {"event_name": "message.image.received"}
    image["message"] = dict(update["message"], photo_url="https://cdn/x.jpg")
    assert describe(image)[1] == "https://cdn/x.jpg"
    sticker = update | {"event_name": "message.sticker.received"}
    assert describe(sticker)[0].kind == "sticker"
    other = update | {"event_name": "message.location.received"}
    assert describe(other)[0].kind == "unsupported"


def test_file_links_are_signed_and_expire(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    file = tmp_path / "bảng tổng hợp.xlsx"
    file.write_bytes(b"PK")
    links = FileLinks("https://bot.example.vn/", b"k" * 32, clock, hours=1)
    url = links.url(Attachment("document", file, file.name, "application/x"))
    assert url.startswith("https://bot.example.vn/files/")
    token = url.split("/files/")[1].split("/")[0]
    assert links.resolve(token) == (file.resolve(), "application/x")
    other = FileLinks("https://bot.example.vn", b"j" * 32, clock, hours=1)
    assert other.resolve(token) is None
    assert links.resolve(token.split(".")[0] + ".") is None
    assert links.resolve("garbage") is None
    clock.set(clock.now() + timedelta(hours=1, seconds=1))
    assert links.resolve(token) is None


@pytest.mark.parametrize(
    "payload",
    [
        '["/etc/hosts", "text/plain", "abc"]',
        '["/etc/hosts", "text/plain", null]',
        '["/etc/hosts", "text/plain", [1, 2]]',
        '["/etc/hosts", "text/plain", 1e400]',
        '["/etc/hosts", "text/plain"]',
        '{"path": "/etc/hosts"}',
        '["/tmp/a\\u0000b", "text/plain", 99999999999]',
        "not json",
    ],
)
def test_a_signed_file_link_with_a_junk_payload_is_not_found(payload: str) -> None:
    """Even a payload signed with our key (the key leaked, or a bug) resolves to nothing
    rather than an error: the file server answers 404, never 500."""
    import base64

    from bot.channels.file_links import _b64

    clock = FixedClock(datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    links = FileLinks("https://bot.example.vn", b"k" * 32, clock, hours=1)
    signed = _b64(payload.encode())
    assert base64.urlsafe_b64decode(signed + "=" * (-len(signed) % 4)) == payload.encode()
    assert links.resolve(f"{signed}.{links._sign(signed)}") is None
