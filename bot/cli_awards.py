"""`thidua awards list`: the award catalogue as the law and the province's differences make it."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli_common import fail, group
from handlers.text import fold

awards_app = group("The award catalogue (titles and forms).")


def province_code_of(name: str) -> str | None:
    """The official code of the province named (diacritics and "Tỉnh" aside), or of the code."""
    from vietnam_provinces import Province

    wanted = fold(name).removeprefix("tinh ").removeprefix("thanh pho ")
    for p in Province.iter_all():
        names = (fold(p.name).removeprefix("thanh pho "), p.codename.replace("_", " "))
        if wanted in names or wanted == str(int(p.code)):
            return str(int(p.code))
    return None


@awards_app.command("list")
def awards_list(
    province: Annotated[str | None, typer.Option(help="province name or code")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """Every title and form: recipients, who grants it, cycle, conditions, legal basis."""
    from storage.awards import as_json as catalogue_json
    from storage.awards import catalogue

    code = None
    if province:
        code = province_code_of(province)
        if code is None:
            raise fail(f"unknown province: {province}")
    rows = catalogue_json(catalogue(code))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        kinds = ", ".join(row["recipients"])
        typer.echo(f"{row['key']}\t{row['label']}\t{row['granted_by']}\t{row['cycle']}\t{kinds}")


def register(app: typer.Typer) -> None:
    app.add_typer(awards_app, name="awards")
