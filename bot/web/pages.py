"""The staff pages: Completeness, a report, Nominations (the queue and the council's path),
a nomination, Directives, Downloads. Each is limited to the signed-in member's subtree."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from bot import exports
from bot.app import App
from bot.settings import worker_environment
from bot.web import council_forms
from bot.web.render import render
from bot.web.session import Db, Staff, application, check_csrf, writing
from handlers.flow import Context
from handlers.nominate import describe, fields_of
from handlers.report import show_value
from handlers.types import Incoming
from locales import current
from storage.access import audit, is_within, subtree_ids, unit_by_code
from storage.awards import award_label, catalogue
from storage.completeness import grid, months_until
from storage.digest import focus_period
from storage.directives import UNDATED, document_label
from storage.dossier import FILES as DOSSIER_FILES
from storage.dossier import gather
from storage.files import files_by_ids, is_image
from storage.models import Member, Nomination, Report, ReportTemplate, Unit
from storage.nominations import STATUSES, count_by_status, province_of, status_label, to_verify
from storage.periods import parse_period, shift
from storage.progress import active_directives, progress
from storage.queue import Filters, awards_in, history, queue, units_in
from storage.reports import versions
from storage.templates import label
from storage.webauth import Signed

router = APIRouter()
log = logging.getLogger(__name__)
PAGE_SIZE = 100
DIRECTIVES_PER_PAGE = 10
SAID = frozenset({"checked", "returned", "rejected", "council", "decided", "forwarded", "skipped"})


def _today(request: Request) -> date:
    app = application(request)
    return app.clock.now().astimezone(ZoneInfo(app.settings.timezone)).date()


async def scoped(session: Db, signed: Signed, code: str | None) -> Unit:
    """The unit `code` names when it lies in the member's subtree (the member's own unit when
    no code is given); 404 otherwise, exactly as if it did not exist."""
    if not code:
        return signed.unit
    unit = await unit_by_code(session, code)
    if unit is None or not await is_within(session, unit.id, signed.unit.id):
        raise HTTPException(404)
    return unit


async def _trail(session: Db, signed: Signed, unit: Unit) -> list[Unit]:
    """The units from the member's own down to `unit` (for the breadcrumb)."""
    trail = [unit]
    while trail[-1].id != signed.unit.id and trail[-1].parent_id is not None:
        parent = await session.get(Unit, trail[-1].parent_id)
        if parent is None:
            break
        trail.append(parent)
    return trail[::-1]


@router.get("/")
async def home(signed: Staff) -> Response:
    return RedirectResponse("/completeness", status_code=303)


# Completeness ---------------------------------------------------------------------------------


@router.get("/completeness", response_class=HTMLResponse)
async def completeness(
    request: Request, signed: Staff, session: Db, unit: str | None = None, until: str = ""
) -> HTMLResponse:
    """Units × months: on time, late, missing; the head and the last reminder."""
    app = application(request)
    root = await scoped(session, signed, unit)
    now = app.clock.now()
    last = until if parse_period(until) else await focus_period(session, app.settings, now)
    found = await grid(session, app.settings, root.id, months_until(last), now)
    return render(
        request,
        "completeness.html",
        {
            "page": "completeness",
            "grid": found,
            "root": root,
            "trail": await _trail(session, signed, root),
            "earlier": shift(last, -12),
            "later": shift(last, 12),
        },
    )


@router.get("/reports/{report_id}", response_class=HTMLResponse)
async def report_page(request: Request, report_id: int, signed: Staff, session: Db) -> HTMLResponse:
    """One report: its latest answers and every version filed."""
    report, unit = await _report(session, signed, report_id)
    filed = list(await versions(session, report.id))
    templates = {t.id: t for t in await _templates(session, {v.template_id for v in filed})}
    people = {m.id: m.name for m in await _members(session, {v.submitted_by for v in filed})}
    shown = []
    for version in reversed(filed):
        template = templates[version.template_id]
        answers = [
            {
                "label": label(item),
                "value": show_value(item, version.answers.get(item["key"])),
                "file": version.answers.get(item["key"]) if item["type"] == "photo" else None,
            }
            for item in template.indicators
        ]
        shown.append(
            {"version": version, "answers": answers, "by": people.get(version.submitted_by or 0)}
        )
    return render(
        request,
        "report.html",
        {"page": "completeness", "report": report, "unit": unit, "versions": shown},
    )


async def _report(session: Db, signed: Signed, report_id: int) -> tuple[Report, Unit]:
    report = await session.get(Report, report_id)
    if report is None or not await is_within(session, report.unit_id, signed.unit.id):
        raise HTTPException(404)
    return report, await session.get_one(Unit, report.unit_id)


async def _templates(session: Db, ids: set[int]) -> list[ReportTemplate]:
    return list(
        (await session.scalars(select(ReportTemplate).where(ReportTemplate.id.in_(ids)))).all()
    )


async def _members(session: Db, ids: set[int | None]) -> list[Member]:
    wanted = [i for i in ids if i is not None]
    return list((await session.scalars(select(Member).where(Member.id.in_(wanted)))).all())


@router.get("/reports/{report_id}/files/{file_id}")
async def report_file(report_id: int, file_id: int, signed: Staff, session: Db) -> Response:
    """A photo given as an answer in one of the report's versions."""
    report, _unit = await _report(session, signed, report_id)
    given = {v for version in await versions(session, report.id) for v in version.answers.values()}
    if file_id not in given:
        raise HTTPException(404)
    return await _file(session, file_id)


async def _file(session: Db, file_id: int) -> Response:
    stored = await files_by_ids(session, [file_id])
    if not stored or not await asyncio.to_thread(Path(stored[0].path).is_file):
        raise HTTPException(404)
    inline = is_image(stored[0].mime) or stored[0].mime == "application/pdf"
    return FileResponse(
        stored[0].path,
        media_type=stored[0].mime,
        filename=stored[0].filename,
        content_disposition_type="inline" if inline else "attachment",
    )


# Nominations ----------------------------------------------------------------------------------


@router.get("/nominations", response_class=HTMLResponse)
async def nominations(
    request: Request,
    signed: Staff,
    session: Db,
    status: str = "pending",
    award: str = "",
    unit: str = "",
    q: str = "",
    page: int = 1,
    said: str = "",
    n: int = 0,
    error: str = "",
) -> HTMLResponse:
    """The queue of one status, filtered by award, unit and name, with the step's actions."""
    if status not in STATUSES:
        raise HTTPException(404)
    root = signed.unit
    within = await scoped(session, signed, unit) if unit else None
    filters = Filters(status, award, within.id if within else None, q.strip()[:100])
    page = max(1, page)
    rows, total = await queue(session, root.id, filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    province = await province_of(session, root.id)
    cat = catalogue(province)
    upward = {row.nomination.id: cat.upward(row.nomination.award) for row in rows}
    return render(
        request,
        "nominations.html",
        {
            "page": "nominations",
            "rows": rows,
            "total": total,
            "page_no": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "filters": filters,
            "unit_code": unit,
            "counts": await count_by_status(session, await subtree_ids(session, root.id)),
            "statuses": STATUSES,
            "status_label": status_label,
            "awards": await awards_in(session, root.id),
            "units": await units_in(session, root.id),
            "award_label": lambda key: award_label(key, province),
            "upward": upward,
            "said": said if said in SAID else "",
            "said_n": n,
            "error": error if error in council_forms.ERRORS else "",
            "today": _today(request),
        },
    )


class _Refused(Exception):
    """Leaves the action's transaction without keeping anything."""

    def __init__(self, outcome: council_forms.Outcome) -> None:
        super().__init__(outcome.error)
        self.outcome = outcome


@router.post("/nominations/act")
async def act(request: Request, signed: Staff) -> Response:
    """Takes the chosen nominations one step along the council's path (the chat's functions:
    the nominator is told through the outbox), then goes back to the queue."""
    form: FormData = await request.form()
    check_csrf(signed, str(form.get("csrf", "")))
    back = str(form.get("back") or "/nominations")
    if not back.startswith("/nominations"):
        back = "/nominations"
    app = application(request)
    try:
        async with writing(request) as session:
            member = await session.get_one(Member, signed.member.id)
            unit = await session.get_one(Unit, signed.unit.id)
            now, settings = app.clock.now(), app.settings
            outcome = await council_forms.apply(session, member, unit, form, now, settings)
            if outcome.error:
                raise _Refused(outcome)
    except _Refused as refused:
        outcome = refused.outcome
    sep = "&" if "?" in back else "?"
    if outcome.error:
        return RedirectResponse(f"{back}{sep}error={outcome.error}", status_code=303)
    return RedirectResponse(f"{back}{sep}said={outcome.said}&n={outcome.count}", status_code=303)


@router.get("/nominations/{nomination_id}", response_class=HTMLResponse)
async def nomination_page(
    request: Request,
    nomination_id: int,
    signed: Staff,
    session: Db,
    said: str = "",
    n: int = 0,
    error: str = "",
) -> HTMLResponse:
    """Every field, what staff must verify by hand, the evidence and the history; the step's
    actions for this one nomination."""
    nomination = await _nomination(session, signed, nomination_id)
    unit = await session.get_one(Unit, nomination.unit_id)
    nominator = await session.get_one(Member, nomination.nominator_id)
    app = application(request)
    ctx = Context(
        Incoming("web", f"web-{signed.member.id}"),
        session,
        app.settings,
        app.clock.now(),
        signed.member,
        signed.unit,
    )
    lines = await describe(ctx, fields_of(nomination), len(nomination.file_ids))
    award = catalogue(await province_of(session, unit.id)).award(nomination.award)
    files = await files_by_ids(session, list(nomination.file_ids))
    return render(
        request,
        "nomination.html",
        {
            "page": "nominations",
            "n": nomination,
            "unit": unit,
            "nominator": nominator,
            "lines": lines,
            "verify": to_verify(award) if award is not None else [],
            "files": files,
            "is_image": is_image,
            "history": await history(session, "nomination", nomination.id),
            "status_label": status_label,
            "said": said if said in SAID else "",
            "said_n": n,
            "error": error if error in council_forms.ERRORS else "",
        },
    )


async def _nomination(session: Db, signed: Signed, nomination_id: int) -> Nomination:
    nomination = await session.get(Nomination, nomination_id)
    if nomination is None or not await is_within(session, nomination.unit_id, signed.unit.id):
        raise HTTPException(404)
    return nomination


@router.get("/nominations/{nomination_id}/files/{file_id}")
async def nomination_file(nomination_id: int, file_id: int, signed: Staff, session: Db) -> Response:
    """One evidence file of the nomination."""
    nomination = await _nomination(session, signed, nomination_id)
    if file_id not in nomination.file_ids:
        raise HTTPException(404)
    return await _file(session, file_id)


# Directives -----------------------------------------------------------------------------------


@router.get("/directives", response_class=HTMLResponse)
async def directives_page(
    request: Request, signed: Staff, session: Db, page: int = 1
) -> HTMLResponse:
    """Active documents, newest first, a page at a time: their tasks, assignees and deadlines,
    and who has done what."""
    app = application(request)
    found = await active_directives(session, signed.unit.id)
    pages = max(1, -(-len(found) // DIRECTIVES_PER_PAGE))
    page = min(max(1, page), pages)
    chosen = found[(page - 1) * DIRECTIVES_PER_PAGE : page * DIRECTIVES_PER_PAGE]
    tz = ZoneInfo(app.settings.timezone)
    shown = await progress(session, chosen, signed.unit.id, _today(request), tz)
    return render(
        request,
        "directives.html",
        {
            "page": "directives",
            "items": shown,
            "label": document_label,
            "undated": UNDATED,
            "page_no": page,
            "pages": pages,
            "total": len(found),
        },
    )


# Downloads ------------------------------------------------------------------------------------


@router.get("/downloads", response_class=HTMLResponse)
async def downloads(
    request: Request, signed: Staff, session: Db, period: str = "", year: int = 0
) -> HTMLResponse:
    """The digest workbook and chart of a period, the dossier of a year."""
    app = application(request)
    now = app.clock.now()
    chosen = period if parse_period(period) else await focus_period(session, app.settings, now)
    this_year = _today(request).year
    year = year if 2000 <= year <= this_year + 1 else this_year
    dossier = await gather(session, signed.unit, year)
    return render(
        request,
        "downloads.html",
        {
            "page": "downloads",
            "period": chosen,
            "periods": [shift(chosen, -i) for i in range(-1, 12)],
            "year": year,
            "years": list(range(this_year + 1, this_year - 5, -1)),
            "dossier_rows": len(dossier.rows),
            "dossier_files": DOSSIER_FILES,
        },
    )




async def _downloaded(request: Request, signed: Signed, detail: dict[str, Any]) -> None:
    """Audits a download in a short transaction of its own (the file was made from reads)."""
    async with writing(request) as session:
        now = application(request).clock.now()
        await audit(session, now, signed.member.id, "web.download", "unit", signed.unit.id, detail)


@router.get("/downloads/digest/{period}/{name}")
async def digest_file(request: Request, period: str, name: str, signed: Staff) -> Response:
    """The digest's workbook (.xlsx) or chart (.png) of the member's unit for `period`, built
    by a heavy worker within the export limits (as `/tonghop`), so the page and the bot go on
    answering meanwhile."""
    if parse_period(period) is None or name not in ("tonghop.xlsx", "tonghop.png"):
        raise HTTPException(404)
    app = application(request)
    now = app.clock.now()
    stamp = f"{now.astimezone(ZoneInfo(app.settings.timezone)):%Y%m%d-%H%M%S}-web"
    async with writing(request) as session:
        # the period's templates are stored on first use here: the worker only reads
        await focus_period(session, app.settings, now)
    args = (signed.unit.id, now.isoformat(), current(), stamp, None, period)
    built = await _heavy(app, exports.DIGEST, *args)
    files = [Path(built.png), Path(built.xlsx)]
    await _downloaded(request, signed, {"file": name, "period": period})
    made = BackgroundTask(_remove, files)
    if name.endswith(".png"):
        return FileResponse(files[0], media_type=exports.PNG_MIME, filename=files[0].name,
                            content_disposition_type="inline", background=made)  # fmt: skip
    return FileResponse(files[1], media_type=exports.XLSX_MIME, filename=files[1].name,
                        background=made)  # fmt: skip


async def _heavy(app: App, function: str, *args: Any) -> Any:
    """`function` run by a heavy worker within the export limits; a page saying the file could
    not be made (503) when the worker fails or runs out of time or memory."""
    import heavy

    limits = heavy.Limits(app.settings.export_seconds, app.settings.export_memory_mb)
    try:
        return await heavy.run(function, *args, limits=limits, env=worker_environment(app.settings))
    except Exception as error:
        log.warning("web download failed: %s", type(error).__name__)
        raise HTTPException(503) from None


def _remove(paths: list[Path]) -> None:
    """Deletes the files made for one download once it is sent (nothing piles up on disk)."""
    folders = set()
    for path in paths:
        path.unlink(missing_ok=True)
        folders.add(path.parent)
    for folder in folders:
        if folder.name != "exports":
            with contextlib.suppress(OSError):
                folder.rmdir()


@router.get("/downloads/dossier/{year}/{name}")
async def dossier_file(request: Request, year: int, name: str, signed: Staff) -> Response:
    """One of the four documents of the dossier of `year` (what the council passed), written
    by a heavy worker."""
    if name not in DOSSIER_FILES:
        raise HTTPException(404)
    app = application(request)
    stamp = f"{app.clock.now().astimezone(ZoneInfo(app.settings.timezone)):%Y%m%d-%H%M%S}"
    folder = app.settings.files_dir / "dossiers" / f"{signed.unit.code}-{year}-{stamp}-web"
    count, written = await _heavy(app, exports.DOSSIER, signed.unit.id, year, str(folder))
    if not count:
        raise HTTPException(404)
    paths = [Path(p) for p in written]
    await _downloaded(request, signed, {"file": name, "year": year})
    path = next(p for p in paths if p.name == name)
    made = BackgroundTask(_remove, paths)
    return FileResponse(path, media_type=exports.DOCX_MIME, filename=path.name, background=made)
