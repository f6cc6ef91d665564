"""`thidua directive parse FILE --json` and `thidua directive import FILE [--unit CODE]`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli_common import Now, fail, group, parse_now, with_app
from handlers.clock import Clock

if TYPE_CHECKING:
    from bot.app import App

directive_app = group("Directives: read, import as draft.")


def _read(file: Path, received: date | None = None) -> dict[str, Any]:
    """The parse of FILE (a scan or photo read by OCR); an unreadable file, or a scan when OCR
    is not installed, ends the command with status 2."""
    import directives

    try:
        text = directives.extract_text(file)
    except directives.OcrUnavailable as error:
        raise fail(
            f"cannot read {file}: it is a scan or photo and OCR is not installed "
            "(as root: apt-get install tesseract-ocr tesseract-ocr-vie)"
        ) from error
    except directives.UnreadableDocument as error:
        raise fail(f"cannot read {file}: {error}") from error
    return dict(directives.parse_text(text, received=received))


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise fail(f"not a date (YYYY-MM-DD): {value}") from error


def _received_today(clock: Clock) -> date:
    from zoneinfo import ZoneInfo

    from bot.settings import Settings

    return clock.now().astimezone(ZoneInfo(Settings().timezone)).date()


@directive_app.command("parse")
def directive_parse(
    file: Path,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object (the default)")] = True,
    received: Annotated[
        str | None,
        typer.Option(
            help="day the document was received (YYYY-MM-DD): dates deadlines counted from receipt"
        ),
    ] = None,
) -> None:
    """Prints the parse result of FILE (.txt, .md, .docx, .pdf, or a scan or photo: .pdf
    without text, .jpg, .png…, read by OCR) and writes nothing."""
    typer.echo(json.dumps(_read(file, _day(received)), ensure_ascii=False, indent=2))


@directive_app.command("import")
def directive_import(
    file: Path,
    unit: Annotated[
        str | None, typer.Option(help="issuing unit code (default: found from the issuer)")
    ] = None,
    now: Now = None,
) -> None:
    """Parses FILE (a scan or photo read by OCR) and stores it as a draft for staff to check
    and activate in the bot; deadlines counted from receipt count from today (`--now`)."""
    from zoneinfo import ZoneInfo

    from handlers.intake_summary import summary_lines
    from locales import _
    from storage.access import unit_by_code
    from storage.directives import create_draft, issuer_unit

    clock = parse_now(now)
    parsed = _read(file, _received_today(clock))

    async def body(application: App) -> list[str]:
        async with application.sessions() as session, session.begin():
            if unit:
                issuer = await unit_by_code(session, unit)
                if issuer is None:
                    raise fail(f"unknown unit: {unit}")
            else:
                issuer = await issuer_unit(session, str(parsed.get("issuer") or ""))
                if issuer is None:
                    named = parsed.get("issuer")
                    raise fail(f"no single unit matches the issuer {named!r}: give --unit CODE")
            now = application.clock.now()
            today = now.astimezone(ZoneInfo(application.settings.timezone)).date()
            draft = await create_draft(session, issuer, parsed, now, file.name, None, today)
            lines = [_("directive.cli.draft", id=draft.id)]
            return lines + await summary_lines(session, draft, issuer, today)

    for line in with_app(body, clock=clock):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(directive_app, name="directive")
