"""The award catalogue as data: nominee kinds, titles and forms, who grants them, their cycle,
conditions and legal basis (`storage/data/awards/default.yaml`).

A province may differ in a file `storage/data/awards/<province code>.yaml` holding only what
differs: `awards: {<key>: {field: value, ...}}` replaces those fields of an award, `remove: [key]`
takes awards out, `add: [...]` brings new ones, `ratio_caps: [{award, of, max_percent}]` caps
a title against another one of the same unit and round.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from locales import current

AWARDS_DIR = Path(__file__).parent / "data" / "awards"
SCOPES = ("individual", "household", "collective")
CYCLES = ("yearly", "school_year", "ad_hoc", "thematic")
CHECKS = ("staff", "prior", "initiative", "ratio")
ACHIEVEMENT_TYPES = ("thuong_xuyen", "dot_xuat", "chuyen_de")


class CatalogueError(ValueError):
    """A catalogue file that cannot be read; the message says where and why."""


def _label(item: dict[str, Any], field: str = "label") -> str:
    return str(item.get(f"{field}_{current()}") or item.get(f"{field}_vi") or "")


@dataclass(frozen=True)
class NomineeKind:
    key: str
    scope: str
    nominated_by: tuple[str, ...]
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        """The label in the current locale."""
        return _label(self.raw)


@dataclass(frozen=True)
class Condition:
    key: str
    check: str
    award: str | None
    times: int
    raw: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.raw.get(current()) or self.raw.get("vi") or "")


@dataclass(frozen=True)
class Award:
    key: str
    kind: str
    recipients: tuple[str, ...]
    granted_by: str
    cycle: str
    school_year: bool
    list_only: bool
    achievement_types: tuple[str, ...]
    conditions: tuple[Condition, ...]
    legal_basis: tuple[dict[str, str], ...]
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        """The label in the current locale."""
        return _label(self.raw)

    @property
    def label_vi(self) -> str:
        return str(self.raw["label_vi"])

    @property
    def refused_note(self) -> str:
        """Why the award is not for a nominee kind outside its recipients (current locale)."""
        return _label(self.raw, "refused_note")

    def condition(self, check: str) -> Condition | None:
        return next((c for c in self.conditions if c.check == check), None)


@dataclass(frozen=True)
class RatioCap:
    award: str
    of: str
    max_percent: int


@dataclass(frozen=True)
class Catalogue:
    kinds: tuple[NomineeKind, ...]
    granters: dict[str, dict[str, Any]]
    awards: tuple[Award, ...]
    ratio_caps: tuple[RatioCap, ...]

    def award(self, key: str) -> Award | None:
        return next((a for a in self.awards if a.key == key), None)

    def kind(self, key: str) -> NomineeKind | None:
        return next((k for k in self.kinds if k.key == key), None)

    def kinds_for_unit(self, unit_kind: str | None) -> list[NomineeKind]:
        """The nominee kinds a head of this kind of unit proposes (every kind for none)."""
        return [k for k in self.kinds if unit_kind is None or unit_kind in k.nominated_by]

    def offered(self, nominee_kind: str) -> list[Award]:
        """The awards one may propose for this nominee kind in a single nomination."""
        return [a for a in self.awards if nominee_kind in a.recipients and not a.list_only]

    def refused(self, nominee_kind: str) -> list[Award]:
        """The awards this nominee kind may not receive (or not through a single nomination)."""
        return [a for a in self.awards if a not in self.offered(nominee_kind)]

    def granter_label(self, key: str) -> str:
        return _label(self.granters.get(key, {})) or key

    def upward(self, award_key: str) -> bool:
        """True when the commune only proposes this award to the province."""
        award = self.award(award_key)
        return bool(award and self.granters.get(award.granted_by, {}).get("upward"))

    def cap(self, award_key: str) -> RatioCap | None:
        return next((c for c in self.ratio_caps if c.award == award_key), None)


def _need(raw: dict[str, Any], field: str, where: str) -> Any:
    if raw.get(field) in (None, "", []):
        raise CatalogueError(f"{where}: '{field}' is missing")
    return raw[field]


def _award(raw: dict[str, Any], kinds: set[str], granters: set[str]) -> Award:
    where = f"award {raw.get('key', '?')}"
    key = str(_need(raw, "key", where))
    _need(raw, "label_vi", where)
    recipients = tuple(str(k) for k in _need(raw, "recipients", where))
    if unknown := [k for k in recipients if k not in kinds]:
        raise CatalogueError(f"{where}: unknown nominee kinds {unknown}")
    if (granted_by := str(_need(raw, "granted_by", where))) not in granters:
        raise CatalogueError(f"{where}: unknown granted_by {granted_by!r}")
    if (cycle := str(_need(raw, "cycle", where))) not in CYCLES:
        raise CatalogueError(f"{where}: cycle must be one of {', '.join(CYCLES)}")
    types = tuple(str(t) for t in raw.get("achievement_types") or ("thuong_xuyen",))
    if bad := [t for t in types if t not in ACHIEVEMENT_TYPES]:
        raise CatalogueError(f"{where}: unknown achievement types {bad}")
    conditions = []
    for c in raw.get("conditions") or []:
        if c.get("check") not in CHECKS:
            raise CatalogueError(f"{where}: condition check must be one of {', '.join(CHECKS)}")
        conditions.append(
            Condition(str(c["key"]), str(c["check"]), c.get("award"), int(c.get("times", 1)), c)
        )
    basis = tuple({str(k): str(v) for k, v in b.items()} for b in _need(raw, "legal_basis", where))
    return Award(
        key=key,
        kind=str(raw.get("kind") or "title"),
        recipients=recipients,
        granted_by=granted_by,
        cycle=cycle,
        school_year=bool(raw.get("school_year")),
        list_only=bool(raw.get("list_only")),
        achievement_types=types,
        conditions=tuple(conditions),
        legal_basis=basis,
        raw=raw,
    )


def _merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """The default document with a province's differences applied."""
    awards = {a["key"]: dict(a) for a in base.get("awards", [])}
    for key, fields in (own.get("awards") or {}).items():
        if key not in awards:
            raise CatalogueError(f"province file: no award {key!r} to change")
        awards[key].update(fields)
    for key in own.get("remove") or []:
        awards.pop(key, None)
    for added in own.get("add") or []:
        awards[str(added.get("key"))] = added
    return base | {"awards": list(awards.values()), "ratio_caps": own.get("ratio_caps") or []}


def parse(doc: dict[str, Any]) -> Catalogue:
    """The catalogue of a (merged) document; raises CatalogueError on a wrong entry."""
    kinds = []
    for raw in _need(doc, "nominee_kinds", "catalogue"):
        if raw.get("scope") not in SCOPES:
            raise CatalogueError(f"nominee kind {raw.get('key')}: scope must be one of {SCOPES}")
        kinds.append(
            NomineeKind(str(raw["key"]), str(raw["scope"]), tuple(raw.get("nominated_by", [])), raw)
        )
    granters = dict(_need(doc, "granted_by", "catalogue"))
    keys = {k.key for k in kinds}
    awards = tuple(_award(raw, keys, set(granters)) for raw in _need(doc, "awards", "catalogue"))
    caps = tuple(
        RatioCap(str(c["award"]), str(c["of"]), int(c["max_percent"]))
        for c in doc.get("ratio_caps") or []
    )
    return Catalogue(tuple(kinds), granters, awards, caps)


@cache
def _load(directory: Path, province_code: str | None) -> Catalogue:
    base = yaml.safe_load((directory / "default.yaml").read_text("utf-8")) or {}
    own_file = directory / f"{province_code}.yaml" if province_code else None
    if own_file is not None and own_file.is_file():
        base = _merge(base, yaml.safe_load(own_file.read_text("utf-8")) or {})
    return parse(base)


def catalogue(province_code: str | None = None, directory: Path | None = None) -> Catalogue:
    """The catalogue of the province (its differences applied when it has a file)."""
    return _load(directory or AWARDS_DIR, province_code)


def award_label(key: str, province_code: str | None = None) -> str:
    """The award's label in the current locale; the key itself when it left the catalogue."""
    for code in (province_code, None):
        found = catalogue(code).award(key)
        if found is not None:
            return found.label
    return key


def as_json(cat: Catalogue) -> list[dict[str, Any]]:
    """The catalogue as `awards list --json` prints it (SPEC section 4)."""
    return [
        {
            "key": a.key,
            "label": a.label,
            "kind": a.kind,
            "recipients": list(a.recipients),
            "granted_by": a.granted_by,
            "granted_by_label": cat.granter_label(a.granted_by),
            "upward": cat.upward(a.key),
            "cycle": a.cycle,
            "school_year": a.school_year,
            "achievement_types": list(a.achievement_types),
            "conditions": [
                {"key": c.key, "check": c.check, "text": c.text}
                | ({"award": c.award} if c.award else {})
                | (
                    {"max_percent": cap.max_percent, "of": cap.of}
                    if c.check == "ratio" and (cap := cat.cap(a.key))
                    else {}
                )
                for c in a.conditions
            ],
            "legal_basis": [dict(b) for b in a.legal_basis],
        }
        for a in cat.awards
    ]
