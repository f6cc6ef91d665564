"""Report templates: what each unit kind reports, as data (YAML) loaded into `report_templates`.

A template is a list of indicators (JSON dicts, checked by `parse_templates`):
``{key, label_vi, label_en, type, required, movement}`` plus ``min``/``max`` for integers,
``max`` for text and ``choices`` (``[{key, label_vi, label_en}]``) for choices. Loading a template
adds a new version for its unit kind and retires the older ones; reports keep their
``template_id``, so a report filed under an old version stays readable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import current
from storage.models import UNIT_KINDS, Json, ReportTemplate

DATA = Path(__file__).parent / "data"
DEFAULT_TEMPLATES = DATA / "templates.yaml"
TYPES = ("integer", "yes_no", "choice", "text", "photo")
TEXT_MAX = 500
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class TemplateError(ValueError):
    """A template file that cannot be loaded; the message says where and why."""


@dataclass(frozen=True)
class TemplateSpec:
    unit_kind: str
    name: str
    indicators: list[Json]


def label(item: Json) -> str:
    """The item's label (indicator or choice) in the current locale, Vietnamese as fallback."""
    return str(item.get(f"label_{current()}") or item.get("label_vi") or item.get("key", ""))


def _text(raw: Any, where: str, field: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise TemplateError(f"{where}: '{field}' must be a non-empty text")
    return raw.strip()


def _int(raw: Any, where: str, field: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise TemplateError(f"{where}: '{field}' must be a whole number")
    return raw


def _indicator(raw: Any, where: str) -> Json:
    if not isinstance(raw, dict):
        raise TemplateError(f"{where}: an indicator must be a mapping")
    key = _text(raw.get("key"), where, "key")
    if not KEY.match(key):
        raise TemplateError(f"{where}: key {key!r} must be lower-case letters, digits, _")
    kind = raw.get("type")
    if kind not in TYPES:
        raise TemplateError(f"{where} ({key}): type must be one of {', '.join(TYPES)}")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise TemplateError(f"{where} ({key}): 'required' must be true or false")
    out: Json = {
        "key": key,
        "label_vi": _text(raw.get("label_vi"), where, "label_vi"),
        "label_en": _text(raw.get("label_en") or raw.get("label_vi"), where, "label_en"),
        "type": kind,
        "required": required,
        "movement": str(raw.get("movement") or "").strip(),
    }
    if kind == "integer":
        low, high = _int(raw.get("min", 0), where, "min"), _int(raw.get("max", 10**6), where, "max")
        if low > high:
            raise TemplateError(f"{where} ({key}): min is above max")
        out |= {"min": low, "max": high}
    elif kind == "text":
        limit = _int(raw.get("max", TEXT_MAX), where, "max")
        if not 1 <= limit <= TEXT_MAX:
            raise TemplateError(f"{where} ({key}): text max must be 1..{TEXT_MAX}")
        out["max"] = limit
    elif kind == "choice":
        choices = raw.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            raise TemplateError(f"{where} ({key}): a choice needs at least two choices")
        parsed = []
        for n, choice in enumerate(choices, 1):
            cwhere = f"{where} ({key}) choice {n}"
            if not isinstance(choice, dict):
                raise TemplateError(f"{cwhere}: must be a mapping")
            ckey = _text(choice.get("key"), cwhere, "key")
            if not KEY.match(ckey):
                raise TemplateError(f"{cwhere}: key {ckey!r} must be lower-case letters, digits, _")
            vi = _text(choice.get("label_vi"), cwhere, "label_vi")
            en = _text(choice.get("label_en") or vi, cwhere, "label_en")
            parsed.append({"key": ckey, "label_vi": vi, "label_en": en})
        if len({c["key"] for c in parsed}) != len(parsed):
            raise TemplateError(f"{where} ({key}): choice keys repeat")
        out["choices"] = parsed
    return out


def parse_templates(text: str) -> list[TemplateSpec]:
    """Reads a templates YAML: ``templates: [{unit_kind, name, indicators: [...]}]`` (a bare list
    or a single template mapping also work). Raises TemplateError naming the faulty place."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise TemplateError(f"not valid YAML: {error}") from error
    if isinstance(doc, dict) and "templates" in doc:
        doc = doc["templates"]
    elif isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list) or not doc:
        raise TemplateError("expected a list of templates")
    specs: list[TemplateSpec] = []
    for n, raw in enumerate(doc, 1):
        where = f"template {n}"
        if not isinstance(raw, dict):
            raise TemplateError(f"{where}: must be a mapping")
        kind = raw.get("unit_kind")
        if kind not in UNIT_KINDS:
            raise TemplateError(f"{where}: unit_kind must be one of {', '.join(UNIT_KINDS)}")
        items = raw.get("indicators")
        if not isinstance(items, list) or not items:
            raise TemplateError(f"{where} ({kind}): needs a list of indicators")
        indicators = [_indicator(item, f"{where} ({kind}) #{i}") for i, item in enumerate(items, 1)]
        keys = [ind["key"] for ind in indicators]
        if len(set(keys)) != len(keys):
            raise TemplateError(f"{where} ({kind}): indicator keys repeat")
        name = str(raw.get("name") or kind).strip()
        specs.append(TemplateSpec(kind, name, indicators))
    if len({s.unit_kind for s in specs}) != len(specs):
        raise TemplateError("one template per unit kind in a file")
    return specs


async def active_template(session: AsyncSession, unit_kind: str) -> ReportTemplate | None:
    """The newest active template of this unit kind, or None."""
    found: ReportTemplate | None = await session.scalar(
        select(ReportTemplate)
        .where(ReportTemplate.unit_kind == unit_kind, ReportTemplate.active.is_(True))
        .order_by(ReportTemplate.version.desc())
        .limit(1)
    )
    return found


async def load_templates(
    session: AsyncSession, specs: Sequence[TemplateSpec], now: datetime
) -> list[tuple[ReportTemplate, bool]]:
    """Adds each spec as the new version of its unit kind and retires older versions.

    A spec equal to the active template adds nothing. Returns (template, added) pairs.
    """
    result = []
    for spec in specs:
        current_one = await active_template(session, spec.unit_kind)
        if (
            current_one is not None
            and current_one.indicators == spec.indicators
            and current_one.name == spec.name
        ):
            result.append((current_one, False))
            continue
        top = await session.scalar(
            select(func.max(ReportTemplate.version)).where(
                ReportTemplate.unit_kind == spec.unit_kind
            )
        )
        for old in await session.scalars(
            select(ReportTemplate).where(
                ReportTemplate.unit_kind == spec.unit_kind, ReportTemplate.active.is_(True)
            )
        ):
            old.active = False
        template = ReportTemplate(
            unit_kind=spec.unit_kind,
            version=int(top or 0) + 1,
            name=spec.name,
            indicators=spec.indicators,
            active=True,
            created_at=now,
        )
        session.add(template)
        await session.flush()
        result.append((template, True))
    return result


async def load_default_templates(session: AsyncSession, now: datetime) -> None:
    """Loads the shipped village and school templates (no-op when they are loaded already)."""
    await load_templates(session, parse_templates(DEFAULT_TEMPLATES.read_text("utf-8")), now)


async def movements(session: AsyncSession, first_kind: str | None = None) -> list[str]:
    """The distinct movement names of the active templates, those of `first_kind` first."""
    seen: dict[str, None] = {}
    rows = await session.scalars(
        select(ReportTemplate)
        .where(ReportTemplate.active.is_(True))
        .order_by(ReportTemplate.unit_kind, ReportTemplate.id)
    )
    for template in sorted(rows, key=lambda t: t.unit_kind != first_kind):
        for indicator in template.indicators:
            if indicator.get("movement"):
                seen.setdefault(str(indicator["movement"]), None)
    return list(seen)
