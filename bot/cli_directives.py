"""`thidua directive parse FILE --json` and `thidua directive import FILE [--unit CODE]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.app import App
from bot.cli_common import Now, fail, parse_now, with_app

directive_app = typer.Typer(no_args_is_help=True, help="Directives: read, import as draft.")


def _read(file: Path) -> dict[str, Any]:
    """The parse of FILE; an unreadable file ends the command with status 2."""
    import directives

    try:
        text = directives.extract_text(file)
    except directives.UnreadableDocument as error:
        raise fail(f"cannot read {file}: {error}") from error
    return dict(directives.parse_text(text))


@directive_app.command("parse")
def directive_parse(
    file: Path,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object (the default)")] = True,
) -> None:
    """Prints the parse result of FILE (.txt, .md, .docx, .pdf) and writes nothing."""
    typer.echo(json.dumps(_read(file), ensure_ascii=False, indent=2))


@directive_app.command("import")
def directive_import(
    file: Path,
    unit: Annotated[
        str | None, typer.Option(help="issuing unit code (default: found from the issuer)")
    ] = None,
    now: Now = None,
) -> None:
    """Parses FILE and stores it as a draft for staff to check and activate in the bot."""
    from zoneinfo import ZoneInfo

    from handlers.intake_summary import summary_lines
    from locales import _
    from storage.access import unit_by_code
    from storage.directives import create_draft, issuer_unit

    parsed = _read(file)

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

    for line in with_app(body, clock=parse_now(now)):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(directive_app, name="directive")
