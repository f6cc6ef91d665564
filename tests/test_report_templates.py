"""Templates as data: reporting periods, aggregation and decimals per indicator, and the shipped
default used for a unit kind nobody loaded a template for."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.app import App
from storage.models import ReportTemplate
from storage.periods import Schedule
from storage.templates import (
    TemplateError,
    active_template,
    aggregate_of,
    decimals_of,
    default_specs,
    load_templates,
    parse_templates,
    schedule_of,
)
from tests.conftest import START
from tests.factories import World, dialog

ONE = """
unit_kind: village
name: Thử
{period}
indicators:
  - {{key: so_ho, label_vi: Số hộ, type: integer{extra}}}
"""


def template(period: str = "", extra: str = "") -> str:
    return ONE.format(period=period, extra=extra)


@pytest.mark.nodb
def test_a_period_block_sets_opening_and_due_days() -> None:
    [spec] = parse_templates(template("period: {opens_day: 1, due_day: 5, due_month: next}"))
    schedule = spec.schedule
    assert schedule.opens("2026-11") == date(2026, 11, 1)
    assert schedule.due("2026-11") == date(2026, 12, 5)
    assert schedule.due("2026-12") == date(2027, 1, 5)
    [plain] = parse_templates(template())
    assert plain.schedule == Schedule()
    assert (Schedule().opens("2026-11"), Schedule().due("2026-11")) == (
        date(2026, 11, 15),
        date(2026, 11, 25),
    )


@pytest.mark.nodb
def test_a_day_past_the_months_end_is_its_last_day() -> None:
    schedule = Schedule(opens_day=31, due_day=31, due_next_month=True)
    assert schedule.opens("2026-02") == date(2026, 2, 28)
    assert schedule.due("2026-01") == date(2026, 2, 28)
    assert schedule.due("2028-01") == date(2028, 2, 29)


@pytest.mark.nodb
def test_the_school_year_has_no_report_in_july_and_august() -> None:
    [spec] = parse_templates(template("period: {calendar: school_year}"))
    reported = [m for m in range(1, 13) if spec.schedule.reported(f"2026-{m:02d}")]
    assert reported == [1, 2, 3, 4, 5, 6, 9, 10, 11, 12]
    [listed] = parse_templates(template("period: {months: [9, 10, 11, 12, 1, 2, 3, 4, 5]}"))
    assert not listed.schedule.reported("2026-06") and listed.schedule.reported("2026-05")
    assert default_specs()["school"].schedule.calendar == "school_year"
    assert not default_specs()["school"].schedule.reported("2026-07")
    assert default_specs()["village"].schedule.reported("2026-07")


@pytest.mark.nodb
def test_the_latest_open_and_the_next_opening_period() -> None:
    schedule = Schedule()
    assert schedule.latest_open(date(2026, 12, 3)) == "2026-11"
    assert schedule.latest_open(date(2026, 12, 15)) == "2026-12"
    assert schedule.next_opening(date(2026, 12, 3)) == "2026-12"
    school = Schedule(calendar="school_year", months=(1, 2, 3, 4, 5, 6, 9, 10, 11, 12))
    assert school.latest_open(date(2026, 8, 20)) == "2026-06"
    assert school.next_opening(date(2026, 8, 20)) == "2026-09"
    after = Schedule(opens_day=1, opens_next_month=True, due_day=5, due_next_month=True)
    assert after.latest_open(date(2026, 12, 3)) == "2026-11"
    assert after.next_opening(date(2026, 12, 3)) == "2026-12"


@pytest.mark.nodb
@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("period: {opens_day: 26, due_day: 25}", "open before"),
        ("period: {due_day: 0}", "due_day"),
        ("period: {opens_day: 32}", "opens_day"),
        ("period: {due_month: later}", "due_month"),
        ("period: {calendar: lunar}", "calendar"),
        ("period: {months: [13]}", "months"),
        ("period: {months: []}", "months"),
        ("period: {due: 25}", "unknown period field"),
        ("period: 25", "mapping"),
    ],
)
def test_a_wrong_period_block_is_refused_with_where_and_why(period: str, message: str) -> None:
    with pytest.raises(TemplateError) as refused:
        parse_templates(template(period))
    assert message in str(refused.value) and "template 1" in str(refused.value)


@pytest.mark.nodb
def test_aggregation_defaults_by_type_and_can_be_declared() -> None:
    [spec] = parse_templates(
        """
unit_kind: school
indicators:
  - {key: a, label_vi: A, type: integer}
  - {key: b, label_vi: B, type: percentage}
  - {key: c, label_vi: C, type: yes_no}
  - {key: d, label_vi: D, type: text}
  - {key: e, label_vi: E, type: integer, aggregate: mean}
  - {key: f, label_vi: F, type: integer, aggregate: none}
  - {key: g, label_vi: G, type: choice, choices: [{key: x, label_vi: X}, {key: y, label_vi: Y}]}
"""
    )
    assert [aggregate_of(i) for i in spec.indicators] == [
        "sum",
        "mean",
        "yes_count",
        "none",
        "mean",
        "none",
        "none",
    ]
    # templates stored before `aggregate` existed get the type's default
    assert aggregate_of({"type": "integer"}) == "sum"
    assert aggregate_of({"type": "percentage"}) == "mean"
    assert aggregate_of({"type": "text", "aggregate": "sum"}) == "none"


@pytest.mark.nodb
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (", aggregate: total", "aggregate must be one of"),
        (", aggregate: yes_count", "cannot be aggregated"),
        (", decimals: 4", "decimals"),
        (", decimals: 1, min: 0.5, max: 0.1", "min is above max"),
    ],
)
def test_a_wrong_indicator_is_refused(extra: str, message: str) -> None:
    with pytest.raises(TemplateError) as refused:
        parse_templates(template(extra=extra))
    assert message in str(refused.value)


@pytest.mark.nodb
def test_decimals_per_indicator() -> None:
    [spec] = parse_templates(template(extra=", decimals: 2, max: 99.5"))
    assert decimals_of(spec.indicators[0]) == 2 and spec.indicators[0]["max"] == 99.5
    assert decimals_of({"type": "integer"}) == 0 and decimals_of({"type": "percentage"}) == 1
    with pytest.raises(TemplateError):
        parse_templates(template(extra=", max: 99.5"))  # a whole-number indicator


async def test_a_fresh_deployment_reports_with_the_shipped_default(app: App, world: World) -> None:
    async with app.sessions() as session:
        assert (await session.scalars(select(ReportTemplate))).all() == []
    await dialog(app.engine, "head1", [("bao cao", ["Thôn Đông", "Câu 1/11"])])
    async with app.sessions() as session, session.begin():
        stored = (await session.scalars(select(ReportTemplate))).all()
        assert [(t.unit_kind, t.version, t.origin) for t in stored] == [("village", 1, "default")]
        assert schedule_of(stored[0]) == default_specs()["village"].schedule
        again = await active_template(session, "village", START)
        assert again is not None and again.id == stored[0].id


async def test_loading_a_template_replaces_the_default_for_its_kind(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        await active_template(session, "village", START)
        await load_templates(session, parse_templates(template()), START)
        chosen = await active_template(session, "village", START)
        assert chosen is not None and (chosen.version, chosen.origin) == (2, None)
        school = await active_template(session, "school", START)
        assert school is not None and school.origin == "default"
    await dialog(app.engine, "head1", [("bao cao", "Câu 1/1: Số hộ")])


async def test_a_stored_default_follows_the_shipped_file(app: App, world: World) -> None:
    async with app.sessions() as session, session.begin():
        old = await active_template(session, "village", START)
        assert old is not None
        old.indicators = old.indicators[:2]  # as an earlier release shipped it
    async with app.sessions() as session, session.begin():
        new = await active_template(session, "village", START)
        assert new is not None and new.version == 2 and new.origin == "default"
        assert new.indicators == default_specs()["village"].indicators
        assert len((await session.scalars(select(ReportTemplate))).all()) == 2
