"""`thidua dossier`: the commune's nomination dossier as .docx, ready to sign."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_common import fail, with_app

if TYPE_CHECKING:
    from bot.app import App


def dossier(
    unit: Annotated[str, typer.Option(help="the commune's code")],
    year: Annotated[int, typer.Option(help="YYYY (a school year ending in it counts too)")],
    out: Annotated[Path, typer.Option(help="directory to write the .docx files into")],
) -> None:
    """Writes the tờ trình, biên bản, báo cáo thành tích and draft quyết định of what the
    council passed for the year."""
    from storage.access import unit_by_code
    from storage.dossier import gather, render

    if not 2000 <= year <= 2200:
        raise fail(f"--year must be YYYY: {year}")

    async def body(application: App) -> None:
        async with application.sessions() as session:
            found = await unit_by_code(session, unit)
            if found is None:
                raise fail(f"unknown unit: {unit}")
            data = await gather(session, found, year)
        if not data.rows:
            raise fail(f"no nomination passed by the council for {year} in {unit}")
        for path in render(data, out):
            typer.echo(str(path))

    with_app(body)


def register(app: typer.Typer) -> None:
    app.command("dossier")(dossier)
