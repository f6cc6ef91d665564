"""Report templates: what each unit kind reports, as data (YAML) loaded into `report_templates`.

A template is a list of indicators (JSON dicts, checked by `parse_templates`):
``{key, label_vi, label_en, type, required, movement, aggregate}`` plus ``min``/``max`` and
``decimals`` for numbers (``integer``, ``percentage``), ``max`` for text and ``choices``
(``[{key, label_vi, label_en}]``) for choices. Type ``tasks`` asks, one by one, how each of the
unit's open tasks from active directives stands (done, in progress, not started, with a note);
its answer is ``[{task, due, text, status, note}]`` and a task answered done is marked done
(`storage.directives.mark_done`). ``when: {key: value}`` asks an indicator only when every
named earlier yes/no or choice indicator was answered so (`applicable`); otherwise it has no
answer at all, is not counted in the numbering, and the digest leaves it out. ``aggregate``
says how the digest combines the answers of several units: ``sum``, ``mean``, ``yes_count``
or ``none`` (defaults: integer `sum`, percentage `mean`, yes/no `yes_count`, anything else
`none`). The template's ``period:`` block says when each month's report opens and falls due
(`storage.periods.Schedule`).

Loading a template adds a new version for its unit kind and retires the older ones; reports keep
their ``template_id``, so a report filed under an old version stays readable. A unit kind that
no file was loaded for uses the shipped default (`storage/data/templates.yaml`): it is stored as
a version marked ``origin = "default"`` the first time it is needed, and follows the shipped file
when that changes, until a template is loaded for the kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locales import current
from storage.kinds import UNIT_KINDS
from storage.models import Json, ReportTemplate
from storage.periods import Schedule, ScheduleError

DATA = Path(__file__).parent / "data"
DEFAULT_TEMPLATES = DATA / "templates.yaml"
TYPES = ("integer", "percentage", "yes_no", "choice", "text", "photo", "tasks")
TASK_STATUSES = ("done", "doing", "todo")
NUMERIC = ("integer", "percentage")
AGGREGATES = ("sum", "mean", "yes_count", "none")
DEFAULT_AGGREGATE = {"integer": "sum", "percentage": "mean", "yes_no": "yes_count"}
ALLOWED_AGGREGATES = {
    "integer": ("sum", "mean", "none"),
    "percentage": ("mean", "none"),
    "yes_no": ("yes_count", "none"),
}
DEFAULT_DECIMALS = {"integer": 0, "percentage": 1}
MAX_DECIMALS = 3
TEXT_MAX = 500
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ORIGIN_DEFAULT = "default"


class TemplateError(ValueError):
    """A template file that cannot be loaded; the message says where and why."""


@dataclass(frozen=True)
class TemplateSpec:
    unit_kind: str
    name: str
    indicators: list[Json]
    schedule: Schedule = field(default_factory=Schedule)


def aggregate_of(indicator: Json) -> str:
    """How the indicator's answers combine over units (its `aggregate`, else the type's
    default); `none` for a value the indicator's type cannot combine that way."""
    kind = str(indicator.get("type"))
    chosen = indicator.get("aggregate") or DEFAULT_AGGREGATE.get(kind, "none")
    return str(chosen) if chosen in ALLOWED_AGGREGATES.get(kind, ()) else "none"


def decimals_of(indicator: Json) -> int:
    """How many decimal places a numeric answer may have (0: whole numbers only)."""
    value = indicator.get("decimals", DEFAULT_DECIMALS.get(str(indicator.get("type")), 0))
    return value if isinstance(value, int) and 0 <= value <= MAX_DECIMALS else 0


def schedule_of(template: ReportTemplate) -> Schedule:
    """The template's reporting schedule (the defaults for a template stored without one)."""
    try:
        return Schedule.from_json(template.schedule)
    except ScheduleError:
        return Schedule()


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


def _bound(raw: Any, where: str, field: str, decimals: int) -> int | float:
    if decimals == 0 or isinstance(raw, bool) or not isinstance(raw, float):
        return _int(raw, where, field)
    return raw


def _numeric(raw: Json, kind: str, where: str) -> Json:
    decimals = _int(raw.get("decimals", DEFAULT_DECIMALS[kind]), where, "decimals")
    if not 0 <= decimals <= MAX_DECIMALS:
        raise TemplateError(f"{where}: 'decimals' must be 0..{MAX_DECIMALS}")
    top = 100 if kind == "percentage" else 10**6
    low = _bound(raw.get("min", 0), where, "min", decimals)
    high = _bound(raw.get("max", top), where, "max", decimals)
    if low > high:
        raise TemplateError(f"{where}: min is above max")
    return {"min": low, "max": high, "decimals": decimals}


def applicable(indicator: Json, answers: dict[str, Any]) -> bool:
    """Whether the indicator is asked given the answers so far: every `when` condition holds
    (an unanswered condition does not)."""
    when = indicator.get("when") or {}
    return all(key in answers and answers[key] == value for key, value in when.items())


def _when(raw: Any, where: str, earlier: dict[str, Json]) -> Json:
    """A `when:` mapping checked against the indicators before this one."""
    if not isinstance(raw, dict) or not raw:
        raise TemplateError(f"{where}: 'when' must map earlier keys to answers")
    out: Json = {}
    for key, value in raw.items():
        before = earlier.get(str(key))
        if before is None:
            raise TemplateError(f"{where}: 'when' names {key!r}, not an earlier indicator")
        fits = (before["type"] == "yes_no" and isinstance(value, bool)) or (
            before["type"] == "choice" and value in [c["key"] for c in before["choices"]]
        )
        if not fits:
            raise TemplateError(
                f"{where}: 'when' needs a yes/no (true/false) or one of the choices of {key!r}"
            )
        out[str(key)] = value
    return out


def _indicator(raw: Any, where: str, earlier: dict[str, Json] | None = None) -> Json:
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
    aggregate = raw.get("aggregate", DEFAULT_AGGREGATE.get(kind, "none"))
    if aggregate not in AGGREGATES:
        raise TemplateError(f"{where} ({key}): aggregate must be one of {', '.join(AGGREGATES)}")
    if aggregate != "none" and aggregate not in ALLOWED_AGGREGATES.get(kind, ()):
        raise TemplateError(f"{where} ({key}): a {kind} cannot be aggregated by {aggregate}")
    if "decimals" in raw and kind not in NUMERIC:
        raise TemplateError(f"{where} ({key}): only numbers have decimals")
    out: Json = {
        "key": key,
        "label_vi": _text(raw.get("label_vi"), where, "label_vi"),
        "label_en": _text(raw.get("label_en") or raw.get("label_vi"), where, "label_en"),
        "type": kind,
        "required": required,
        "movement": str(raw.get("movement") or "").strip(),
        "aggregate": aggregate,
    }
    if kind in NUMERIC:
        out |= _numeric(raw, kind, f"{where} ({key})")
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
    if "when" in raw:
        out["when"] = _when(raw["when"], f"{where} ({key})", earlier or {})
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
        indicators: list[Json] = []
        for i, item in enumerate(items, 1):
            before = {ind["key"]: ind for ind in indicators}
            indicator = _indicator(item, f"{where} ({kind}) #{i}", before)
            if indicator["key"] in before:
                raise TemplateError(f"{where} ({kind}): indicator keys repeat")
            indicators.append(indicator)
        if sum(1 for ind in indicators if ind["type"] == "tasks") > 1:
            raise TemplateError(f"{where} ({kind}): one 'tasks' indicator at most")
        name = str(raw.get("name") or kind).strip()
        try:
            schedule = Schedule.from_json(raw.get("period"))
        except ScheduleError as error:
            raise TemplateError(f"{where} ({kind}): {error}") from error
        specs.append(TemplateSpec(kind, name, indicators, schedule))
    if len({s.unit_kind for s in specs}) != len(specs):
        raise TemplateError("one template per unit kind in a file")
    return specs


async def loaded_template(session: AsyncSession, unit_kind: str) -> ReportTemplate | None:
    """The newest active template stored for this unit kind, or None."""
    found: ReportTemplate | None = await session.scalar(
        select(ReportTemplate)
        .where(ReportTemplate.unit_kind == unit_kind, ReportTemplate.active.is_(True))
        .order_by(ReportTemplate.version.desc())
        .limit(1)
    )
    return found


@cache
def default_specs() -> dict[str, TemplateSpec]:
    """The shipped default templates, by unit kind."""
    specs = parse_templates(DEFAULT_TEMPLATES.read_text("utf-8"))
    return {spec.unit_kind: spec for spec in specs}


def default_kinds() -> tuple[str, ...]:
    """Unit kinds the shipped defaults cover (they report even when no file was loaded)."""
    return tuple(sorted(default_specs()))


def _same(template: ReportTemplate, spec: TemplateSpec) -> bool:
    return (
        template.indicators == spec.indicators
        and template.name == spec.name
        and schedule_of(template) == spec.schedule
    )


async def active_template(
    session: AsyncSession, unit_kind: str, now: datetime
) -> ReportTemplate | None:
    """The template units of this kind report with: the newest loaded one; else the shipped
    default (stored on first use, and again as a new version when the shipped file changed);
    None when the kind has neither."""
    template = await loaded_template(session, unit_kind)
    shipped = default_specs().get(unit_kind)
    if shipped is None or (
        template is not None and (template.origin != ORIGIN_DEFAULT or _same(template, shipped))
    ):
        return template
    try:
        async with session.begin_nested():
            added = await _add_version(session, shipped, ORIGIN_DEFAULT, now)
    except IntegrityError:
        # another process stored it at the same moment: use theirs
        return await loaded_template(session, unit_kind)
    return added


async def _add_version(
    session: AsyncSession, spec: TemplateSpec, origin: str | None, now: datetime
) -> ReportTemplate:
    top = await session.scalar(
        select(func.max(ReportTemplate.version)).where(ReportTemplate.unit_kind == spec.unit_kind)
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
        schedule=spec.schedule.as_json(),
        origin=origin,
        active=True,
        created_at=now,
    )
    session.add(template)
    await session.flush()
    return template


async def load_templates(
    session: AsyncSession, specs: Sequence[TemplateSpec], now: datetime
) -> list[tuple[ReportTemplate, bool]]:
    """Adds each spec as the new version of its unit kind and retires older versions (the
    shipped default among them: a loaded template replaces it for good).

    A spec equal to the active loaded template adds nothing. Returns (template, added) pairs.
    """
    result = []
    for spec in specs:
        current_one = await loaded_template(session, spec.unit_kind)
        if (
            current_one is not None
            and current_one.origin != ORIGIN_DEFAULT
            and _same(current_one, spec)
        ):
            result.append((current_one, False))
            continue
        result.append((await _add_version(session, spec, None, now), True))
    return result


async def load_default_templates(session: AsyncSession, now: datetime) -> None:
    """Loads the shipped village and school templates as if from a file (no-op when they are
    loaded already)."""
    await load_templates(session, parse_templates(DEFAULT_TEMPLATES.read_text("utf-8")), now)


async def templates_in_use(session: AsyncSession, now: datetime) -> list[ReportTemplate]:
    """The active template of every unit kind that reports (loaded or shipped default), by
    unit kind."""
    stored = await session.scalars(
        select(ReportTemplate.unit_kind).where(ReportTemplate.active.is_(True)).distinct()
    )
    kinds = sorted(set(stored.all()) | set(default_kinds()))
    found = [await active_template(session, kind, now) for kind in kinds]
    return [t for t in found if t is not None]


async def movements(
    session: AsyncSession, now: datetime, first_kind: str | None = None
) -> list[str]:
    """The distinct movement names of the templates in use, those of `first_kind` first."""
    seen: dict[str, None] = {}
    templates = await templates_in_use(session, now)
    for template in sorted(templates, key=lambda t: t.unit_kind != first_kind):
        for indicator in template.indicators:
            if indicator.get("movement"):
                seen.setdefault(str(indicator["movement"]), None)
    return list(seen)
