"""`thidua templates load`, `thidua reports list`, `thidua nominations list`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from bot.cli_common import Now, fail, group, parse_now, with_app

if TYPE_CHECKING:
    from bot.app import App

templates_app = group("Report templates per unit kind.")
reports_app = group("Monthly reports filed.")
nominations_app = group("Nominations for commendation.")


def _dump(rows: list[dict[str, Any]]) -> None:
    typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@templates_app.command("load")
def templates_load(file: Path, now: Now = None) -> None:
    """Loads FILE.yaml: each unit kind gets a new version (old reports keep theirs)."""
    from storage.templates import TemplateError, load_templates, parse_templates

    try:
        specs = parse_templates(file.read_text("utf-8"))
    except OSError as error:
        raise fail(f"cannot read {file}: {error.strerror}") from error
    except TemplateError as error:
        raise fail(f"{file}: {error}") from error

    async def body(application: App) -> None:
        async with application.sessions() as session, session.begin():
            loaded = await load_templates(session, specs, application.clock.now())
            for template, added in loaded:
                state = "added" if added else "unchanged"
                count = len(template.indicators)
                typer.echo(
                    f"{template.unit_kind}\tversion {template.version}\t{count} indicators\t{state}"
                )

    with_app(body, clock=parse_now(now))


@reports_app.command("list")
def reports_list(
    period: Annotated[str, typer.Option(help="YYYY-MM")],
    unit: Annotated[str | None, typer.Option(help="only this unit (code)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """The latest version of every report of the period."""
    from locales.formats import datetime_label
    from storage.access import unit_by_code
    from storage.periods import parse_period
    from storage.reports import list_reports

    if parse_period(period) is None:
        raise fail(f"--period must be YYYY-MM: {period}")

    async def body(application: App) -> None:
        async with application.sessions() as session:
            unit_ids = None
            if unit:
                found = await unit_by_code(session, unit)
                if found is None:
                    raise fail(f"unknown unit: {unit}")
                unit_ids = [found.id]
            rows = await list_reports(session, period, unit_ids)
        if as_json:
            _dump([r.as_json() for r in rows])
            return
        tz = ZoneInfo(application.settings.timezone)
        for r in rows:
            when = datetime_label(r.submitted_at, tz)
            typer.echo(f"{r.unit}\t{r.unit_name}\t{r.period}\t{r.status}\tv{r.version}\t{when}")

    with_app(body)


@nominations_app.command("list")
def nominations_list(
    status: Annotated[str | None, typer.Option(help="pending|approved|rejected|returned")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """Every nomination (of one status when given)."""
    from storage.nominations import STATUSES, list_nominations

    if status is not None and status not in STATUSES:
        raise fail(f"--status must be one of: {', '.join(STATUSES)}")

    async def body(application: App) -> None:
        async with application.sessions() as session:
            rows = await list_nominations(session, status)
        if as_json:
            _dump(rows)
            return
        for r in rows:
            typer.echo(
                f"{r['id']}\t{r['status']}\t{r['unit']}\t{r['nominee']}\t{r['award']}"
                f"\t{r['nominator']}"
            )

    with_app(body)


def register(app: typer.Typer) -> None:
    app.add_typer(templates_app, name="templates")
    app.add_typer(reports_app, name="reports")
    app.add_typer(nominations_app, name="nominations")
