"""Numbers as Vietnamese people type them, and as they read them back.

Typed: "1200", "1.200" and "1 200" (dot or space between thousands), "1.200.000", "97,5"
(decimal comma), "97.5" (a dot followed by other than exactly three digits), "1.200,5", English
"1,200,000" and "1,200.5", a unit word or a percent sign after the number ("1200 hộ", "95%").
Only the digits 0–9 count: "²", "①", "١٢" or "１２" are not numbers here. Shown: with the
locale's separators ("1.200" and "97,5" in Vietnamese; "1,200" and "97.5" in English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from handlers.text import clean
from locales.formats import number_label

_SPACES = " \u00a0\u202f\u2009"
_BODY = re.compile(rf"([-\u2212]?)\s*([0-9](?:[0-9]|[.,{_SPACES}](?=[0-9]))*)(.*)", re.S)
_WHOLE = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Parsed:
    """A typed number: `value` (int when whole, else float), or why it is not accepted:
    `error` is "not_number", "not_whole" (decimals where none are allowed) or "decimals" (more
    decimal places than allowed)."""

    value: int | float | None
    error: str | None = None


def whole(text: str) -> int | None:
    """A plain non-negative whole number of ASCII digits ("12"), else None (never raises)."""
    text = text.strip()
    return int(text) if _WHOLE.fullmatch(text) else None


def _is_unit(rest: str) -> bool:
    """What may follow a number: nothing, a percent sign, or words ("hộ", "người")."""
    rest = rest.strip().rstrip(".!")
    if rest in ("", "%"):
        return True
    return rest[0].isalpha() and all(c.isalpha() or c in " .%" for c in rest)


def _groups_of_three(groups: list[str]) -> bool:
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _decimal(body: str, decimals_allowed: bool) -> Decimal | None:
    """The number written in `body` (digits and separators only), or None when the separators
    do not make one reading."""
    seps = [c for c in body if not c.isdigit()]
    groups = re.split(rf"[.,{_SPACES}]", body)
    if not seps:
        return Decimal(body)
    spaces = [c for c in seps if c in _SPACES]
    marks = [c for c in seps if c not in _SPACES]
    if spaces and len(set(marks)) <= 1 and (not marks or seps[-1] in _SPACES):
        # "1 200" or "1 200 000": thousands; a dot or comma can't sit between them
        if marks:
            return None
        return Decimal("".join(groups)) if _groups_of_three(groups) else None
    if len(set(marks)) == 2:
        # "1.200,5" (Vietnamese) or "1,200.5" (English): the last mark is the decimal one
        point = seps[-1]
        if seps.count(point) != 1:
            return None
        head, tail = groups[:-1], groups[-1]
        if not _groups_of_three(head):
            return None
        return Decimal("".join(head) + "." + tail)
    if spaces:
        # "1 200,5": thousands by spaces, then a decimal mark
        head, tail = groups[:-1], groups[-1]
        if seps[-1] in _SPACES or not _groups_of_three(head):
            return None
        return Decimal("".join(head) + "." + tail)
    mark = marks[0]
    if len(marks) > 1:
        return Decimal("".join(groups)) if _groups_of_three(groups) else None
    first, last = groups
    thousands = len(last) == 3 and len(first) <= 3 and (mark == "." or not decimals_allowed)
    return Decimal(first + last) if thousands else Decimal(f"{first}.{last}")


def parse_number(text: str, decimals: int = 0) -> Parsed:
    """Reads a typed number allowing `decimals` decimal places (0: whole numbers only).

    "1,200" is 1.2 where decimals are allowed (the Vietnamese decimal comma) and 1200 where
    they are not (the only reading that makes sense there)."""
    match = _BODY.fullmatch(clean(text))
    if match is None or not _is_unit(match.group(3)):
        return Parsed(None, "not_number")
    try:
        number = _decimal(match.group(2), decimals > 0)
    except InvalidOperation:
        number = None
    if number is None:
        return Parsed(None, "not_number")
    if match.group(1):
        number = -number
    number = number.normalize() if number != 0 else Decimal(0)
    places = max(0, -int(number.as_tuple().exponent))
    if places > decimals:
        return Parsed(None, "not_whole" if decimals == 0 else "decimals")
    if places == 0:
        return Parsed(int(number))
    return Parsed(float(number))


def show_number(value: int | float, decimals: int = 3) -> str:
    """A number as the current locale writes it ("1.200", "97,5" in Vietnamese)."""
    return number_label(value, decimals)
