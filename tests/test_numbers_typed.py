"""Numbers as Vietnamese people type them, and as they read them back."""

from __future__ import annotations

import pytest

from handlers.commands import parse
from handlers.numbers import parse_number, show_number, whole
from locales import use_locale

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1200", 1200),
        ("1.200", 1200),
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        ("1200 hộ", 1200),
        ("1.200 hộ", 1200),
        ("1.200.000", 1_200_000),
        ("1 200 000 đồng", 1_200_000),
        ("1,200,000", 1_200_000),
        ("1,200", 1200),  # a decimal reading makes no sense for a whole number
        ("12.", 12),
        ("95%", 95),
        ("0", 0),
        ("  7  ", 7),
    ],
)
def test_whole_numbers_in_every_usual_form(typed: str, value: int) -> None:
    assert parse_number(typed) == parse_number(typed, 0)
    assert parse_number(typed).value == value


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("97,5", 97.5),
        ("97.5", 97.5),
        ("97,5 %", 97.5),
        ("1,200", 1.2),  # the Vietnamese decimal comma, where decimals are allowed
        ("1.200", 1200),  # a dot and three digits is still thousands
        ("1.200,5", 1200.5),
        ("1,200.5", 1200.5),
        ("1 200,5", 1200.5),
        ("100", 100),
        ("0,0", 0),
    ],
)
def test_decimals_where_the_indicator_allows_them(typed: str, value: float) -> None:
    assert parse_number(typed, 1).value == value


@pytest.mark.parametrize(
    ("typed", "decimals", "error"),
    [
        ("97,5", 0, "not_whole"),
        ("1.25", 0, "not_whole"),
        ("97,55", 1, "decimals"),
        ("²", 0, "not_number"),
        ("5²", 0, "not_number"),
        ("①", 0, "not_number"),
        ("١٢", 0, "not_number"),
        ("１２", 0, "not_number"),
        ("12 34", 0, "not_number"),
        ("1.20.0", 0, "not_number"),
        ("mười hai", 0, "not_number"),
        ("khoảng 12", 0, "not_number"),
        ("12 người 3 hộ", 0, "not_number"),
        ("", 0, "not_number"),
    ],
)
def test_what_is_not_a_number_says_why(typed: str, decimals: int, error: str) -> None:
    assert parse_number(typed, decimals).value is None
    assert parse_number(typed, decimals).error == error


def test_numbers_are_shown_as_each_language_writes_them() -> None:
    with use_locale("vi"):
        assert (show_number(1200), show_number(97.5), show_number(0)) == ("1.200", "97,5", "0")
        assert show_number(12.0) == "12"
    with use_locale("en"):
        assert (show_number(1200), show_number(97.5)) == ("1,200", "97.5")


def test_only_ascii_digits_pick_an_option_or_give_a_count() -> None:
    assert whole("3") == 3 and whole(" 12 ") == 12
    for typed in ("²", "①", "３", "٣", "-1", "1.5", "", "9" * 12):
        assert whole(typed) is None
    known = {"tamdung", "baocao"}
    assert parse("tam dung 3", known) is not None
    assert parse("tam dung ²", known) is None
    assert parse("bao cao ①", known) is None


@pytest.mark.parametrize(
    "typed",
    [
        "bao cao thang 11",
        "Báo cáo tháng 11/2026",
        "bao cao 11/2026",
        "bao cao 2026-11",
        "báo cáo tháng 11 năm 2026",
        "bao cao t11",
    ],
)
def test_a_bare_command_takes_a_month(typed: str) -> None:
    found = parse(typed, {"baocao"})
    assert found is not None and found.command == "baocao" and found.args


def test_a_sentence_starting_with_command_words_stays_an_answer() -> None:
    assert parse("bao cao thang 11 tot lam", {"baocao"}) is None
    assert parse("bao cao day du", {"baocao"}) is None
