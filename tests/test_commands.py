"""Recognising commands as people type them."""

from __future__ import annotations

import pytest

from handlers.commands import Parsed, parse

pytestmark = pytest.mark.nodb

KNOWN = {"baocao", "tamdung", "start", "trogiup"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/baocao", Parsed("baocao", "")),
        ("/báo_cáo", Parsed("baocao", "")),
        ("/baocao@ThiDuaBot", Parsed("baocao", "")),
        ("Báo cáo", Parsed("baocao", "")),
        ("  bao   cao ", Parsed("baocao", "")),
        ("BAO CAO", Parsed("baocao", "")),
        ("/start ABCD2345", Parsed("start", "ABCD2345")),
        ("/tamdung 3", Parsed("tamdung", "3")),
        ("tạm dừng 3", Parsed("tamdung", "3")),
        ("tam dung 3", Parsed("tamdung", "3")),
        ("trợ giúp", Parsed("trogiup", "")),
        ("/khong", Parsed("?khong", "")),
    ],
)
def test_commands_are_recognised(text: str, expected: Parsed) -> None:
    assert parse(text, KNOWN) == expected


@pytest.mark.parametrize("text", ["", "   ", "bao cao tot", "120", "báo cáo tháng này ổn", "tam"])
def test_ordinary_answers_are_not_commands(text: str) -> None:
    assert parse(text, KNOWN) is None
