"""Where a task may go, found by what staff type: part of a unit's name or of a role, with or
without diacritics ("tan lap" finds "Thôn Tân Lập", "Trưởng thôn các thôn" every village
head, "hieu truong" the schools), among the units under the issuing unit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from handlers import core
from handlers.intake_words import short, targets_words
from handlers.text import fold
from locales import _
from storage.directives import GROUP_KIND, Resolver, Target, role_for

# groups offered by name, with the message id of their label
GROUPS = (
    ("village_head", "directive.opt.all_villages"),
    ("group_leader", "directive.opt.all_groups"),
    ("principal", "directive.opt.all_schools"),
    ("staff", "directive.opt.all_communes"),
)
_WORD = re.compile(r"\w+")
_PIECES = re.compile(r"[,;]|\s+(?:va|và)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """One place a task may go: its option id ("u:<unit id>", "g:<role>", "self"), its label,
    the picks it stands for ({"unit", "role"}, "unit" None for a whole group) and the folded
    words it is found by."""

    id: str
    label: str
    picks: tuple[dict[str, Any], ...]
    words: tuple[str, ...]


def _place(key: str, label: str, picks: list[dict[str, Any]], *found_by: str) -> Place:
    words = tuple(_WORD.findall(fold(" ".join((label, *found_by)))))
    return Place(key, short(label), tuple(picks), words)


def places(resolver: Resolver) -> list[Place]:
    """Every place under the issuer: the groups of two units or more, the issuer's own staff,
    then each unit (by kind and name)."""
    found: list[Place] = []
    for role, key in GROUPS:
        n = len(resolver.of_kind(GROUP_KIND[role]))
        if n > 1:
            label = _(key, n=n)
            found.append(_place(f"g:{role}", label, [{"unit": None, "role": role}]))
    issuer = resolver.issuer
    own = _("directive.opt.self", unit=issuer.name)
    found.append(_place("self", own, [{"unit": issuer.id, "role": "staff"}], issuer.name))
    for unit in sorted(resolver.units, key=lambda u: (u.kind, fold(u.name))):
        role = role_for(unit)
        label = _("directive.target.one", role=core.role_name(role), unit=unit.name)
        found.append(_place(f"u:{unit.id}", label, [{"unit": unit.id, "role": role}]))
    return found


def by_id(resolver: Resolver, key: str) -> Place | None:
    """The place an option id names, when it is under the issuer."""
    return next((p for p in places(resolver) if p.id == key), None)


def _matches(place: Place, tokens: list[str]) -> bool:
    return all(any(word.startswith(token) for word in place.words) for token in tokens)


def _search_one(resolver: Resolver, all_places: list[Place], typed: str) -> list[Place]:
    key = " ".join(_WORD.findall(fold(typed)))
    if len(key) < 2:
        return []
    exact = [
        p for p in all_places if p.id.startswith("u:") and fold(_unit_name(resolver, p)) == key
    ]
    if exact:
        return exact
    found = [p for p in all_places if _matches(p, key.split())]
    if found:
        return found
    # what documents write ("Chủ tịch UBND các xã, phường", "Công chức Văn hóa - Xã hội")
    resolved = resolver.resolve(typed)
    if resolved.targets and not resolved.manual:
        return [_of_targets(resolver, resolved.targets, all_places)]
    return []


def _unit_name(resolver: Resolver, place: Place) -> str:
    unit = resolver.unit(int(place.id[2:]))
    return unit.name if unit is not None else ""


def _of_targets(resolver: Resolver, targets: tuple[Target, ...], all_places: list[Place]) -> Place:
    wanted = set(targets)
    for place in all_places:
        if set(resolver.picks(place.picks)) == wanted:
            return place
    picks = tuple({"unit": t.unit_id, "role": t.role} for t in targets)
    return Place("", targets_words(targets, resolver), picks, ())


def search(resolver: Resolver, typed: str) -> list[Place]:
    """The places `typed` names: one unit whose whole name it is; else every place whose
    words all start with the typed words; else what the document phrase it is resolves to.
    Several places separated by commas or "và" give one place holding them all, when each
    names exactly one."""
    all_places = places(resolver)
    pieces = [p for p in _PIECES.split(typed) if p.strip()]
    if len(pieces) > 1:
        each = [_search_one(resolver, all_places, piece) for piece in pieces]
        if all(len(found) == 1 for found in each):
            picks = [pick for found in each for pick in found[0].picks]
            unique = tuple({(p["unit"], p["role"]): p for p in picks}.values())
            labels = ", ".join(found[0].label for found in each)
            return [Place("", labels, unique, ())]
    return _search_one(resolver, all_places, typed)
