"""`/api/v1/`: the read-only JSON API for the province (upward integration).

Bearer tokens from `thidua api-token create --unit CODE --name TEXT`; each sees only its unit's
subtree. Lists are paginated (``page`` from 1, ``per_page`` up to 500; the answer says
``total`` and gives the ``next`` page's URL). Each token may make `api_rate_per_minute`
requests a minute, counted in the database so that every process shares the count (429 with
``Retry-After`` beyond it). The OpenAPI description is `/api/v1/openapi.json`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.web.reads import Reads
from storage.access import audit
from storage.completeness import STATES, statuses
from storage.digest import tree_ids
from storage.directives import document_label
from storage.models import ApiToken, Unit
from storage.nominations import STATUSES, list_nominations
from storage.periods import parse_period
from storage.progress import active_directives, progress
from storage.reports import list_reports
from storage.webauth import count_request, token_unit

T = TypeVar("T")
PER_PAGE = 100
MAX_PER_PAGE = 500
Period = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
    next: str | None = Field(description="URL of the next page, null on the last one")


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    parent: str | None


class ReportOut(BaseModel):
    """As `thidua reports list --json` prints it."""

    unit: str
    period: str
    status: str
    submitted_at: datetime
    answers: dict[str, Any]


class UnitCompleteness(BaseModel):
    unit: str
    name: str
    kind: str
    state: str = Field(description=" | ".join(STATES))
    due: date


class Completeness(BaseModel):
    period: str
    expected: int
    submitted: int
    on_time: int
    late: int
    missing: int
    open: int
    upcoming: int
    units: Page[UnitCompleteness]


class NominationOut(BaseModel):
    """As `thidua nominations list --json` prints it."""

    id: int
    nominee: str
    kind: str
    award: str
    award_key: str
    status: str
    nominator: str
    unit: str
    nominee_kind: str
    gender: str | None
    position: str
    birth_year: int | None
    period: str
    achievement_type: str
    prior_title: str | None
    initiative: str | None
    votes_for: int | None
    votes_against: int | None
    decision_number: str | None
    decision_date: str | None
    movement: str
    achievement: str
    created_at: str
    updated_at: str
    review_reason: str | None


class TargetOut(BaseModel):
    unit: str
    role: str
    state: str = Field(
        description="done | open | overdue | no_date (owed, no deadline) | not_owed (every "
        "deadline fell before the directive was activated)"
    )
    next_due: date | None
    done: list[date]


class TaskOut(BaseModel):
    ref: str
    text: str
    assignees: list[str]
    deadlines: list[dict[str, Any]]
    targets: list[TargetOut]


class DirectiveOut(BaseModel):
    id: int
    label: str
    kind: str
    number: str | None
    issuer: str | None
    issued_on: date | None
    subject: str | None
    unit: str
    activated_at: datetime | None
    tasks: list[TaskOut]


class Problem(BaseModel):
    error: str


def _app(request: Request) -> App:
    found: App = request.app.state.app
    return found


async def _db(request: Request) -> AsyncIterator[AsyncSession]:
    reads: Reads = request.app.state.reads
    async with reads.session() as session:
        yield session


Db = Annotated[AsyncSession, Depends(_db)]


class Refused(Exception):
    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.headers = status, error, headers or {}


async def _token(request: Request) -> tuple[ApiToken, Unit]:
    """The caller's token and unit, counted against the rate limit, the request audited (which
    token read what); 401 or 429 otherwise."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    challenge = {"WWW-Authenticate": "Bearer"}
    if scheme.lower() != "bearer" or not given.strip():
        raise Refused(401, "unauthorized", challenge)
    app = _app(request)
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        found = await token_unit(session, given.strip())
        if found is None:
            raise Refused(401, "unauthorized", challenge)
        token, unit = found
        used = await count_request(session, f"api:{token.id}", now)
        token.last_used_at = now
        if used <= app.settings.api_rate_per_minute:
            asked = {"path": request.url.path, "query": request.url.query[:500]}
            await audit(session, now, None, "api.read", "api_token", token.id, asked)
    if used > app.settings.api_rate_per_minute:
        wait = 60 - int(now.timestamp()) % 60
        raise Refused(429, "rate_limited", {"Retry-After": str(wait)})
    return token, unit


Caller = Annotated[tuple[ApiToken, Unit], Depends(_token)]


def _paging(
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE,
) -> tuple[int, int]:
    return page, per_page


Paging = Annotated[tuple[int, int], Depends(_paging)]


def _page(request: Request, items: Sequence[T], paging: tuple[int, int], total: int) -> Page[T]:
    page, per_page = paging
    more = page * per_page < total
    following = str(request.url.include_query_params(page=page + 1)) if more else None
    return Page[T](items=list(items), page=page, per_page=per_page, total=total, next=following)


def _slice(items: Sequence[T], paging: tuple[int, int]) -> list[T]:
    page, per_page = paging
    return list(items[(page - 1) * per_page : page * per_page])


def create_api(application: App, reads: Reads) -> FastAPI:
    """The API as its own application, mounted at /api/v1 (its OpenAPI at /openapi.json)."""
    api = FastAPI(
        title="Thi Đua Bot API",
        version="1",
        description=__doc__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        responses={
            401: {"model": Problem, "description": "missing, unknown or revoked token"},
            429: {"model": Problem, "description": "over the rate limit; see Retry-After"},
        },
    )
    api.state.app = application
    api.state.reads = reads

    @api.exception_handler(Refused)
    async def refused(request: Request, error: Refused) -> JSONResponse:
        return JSONResponse({"error": error.error}, error.status, headers=error.headers)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(error.detail)}, error.status_code)

    @api.get("/units", response_model=Page[UnitOut])
    async def units(request: Request, caller: Caller, session: Db, paging: Paging) -> Any:
        """The token's unit and every unit under it, by code."""
        _token_row, root = caller
        where = Unit.id.in_(tree_ids(root.id))
        total = int(await session.scalar(select(func.count(Unit.id)).where(where)) or 0)
        page, per_page = paging
        rows = await session.scalars(
            select(Unit)
            .where(where)
            .order_by(Unit.code)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        found = list(rows.all())
        parents = {
            u.id: u.code
            for u in await session.scalars(
                select(Unit).where(Unit.id.in_({u.parent_id for u in found if u.parent_id}))
            )
        }
        items = [
            UnitOut(code=u.code, name=u.name, kind=u.kind, parent=parents.get(u.parent_id or 0))
            for u in found
        ]
        return _page(request, items, paging, total)

    @api.get("/reports", response_model=Page[ReportOut])
    async def reports(
        request: Request, caller: Caller, session: Db, period: Period, paging: Paging
    ) -> Any:
        """The latest version of every report of the period in the subtree."""
        if parse_period(period) is None:
            raise HTTPException(422, "period")
        _token_row, root = caller
        ids = list((await session.scalars(tree_ids(root.id))).all())
        rows = [r.as_json() for r in await list_reports(session, period, ids)]
        return _page(request, [ReportOut(**r) for r in _slice(rows, paging)], paging, len(rows))

    @api.get("/completeness", response_model=Completeness)
    async def completeness(
        request: Request, caller: Caller, session: Db, period: Period, paging: Paging
    ) -> Any:
        """What each reporting unit of the subtree did for the period (the rules of the chat:
        what it owes, when it is due, late) and the counts."""
        if parse_period(period) is None:
            raise HTTPException(422, "period")
        _token_row, root = caller
        app = _app(request)
        found = await statuses(session, app.settings, root.id, [period], app.clock.now())
        lines = sorted(
            (
                (found.units[unit_id], cells[0])
                for unit_id, cells in found.cells.items()
                if cells[0].state != "none"
            ),
            key=lambda pair: pair[0].code,
        )
        counts = {state: 0 for state in STATES}
        for _unit, cell in lines:
            counts[cell.state] += 1
        items = [
            UnitCompleteness(
                unit=u.code,
                name=u.name,
                kind=u.kind,
                state=c.state,
                due=found.schedules[u.kind].due(period),
            )
            for u, c in _slice(lines, paging)
        ]
        return Completeness(
            period=period,
            expected=len(lines),
            submitted=counts["on_time"] + counts["late"],
            on_time=counts["on_time"],
            late=counts["late"],
            missing=counts["missing"],
            open=counts["open"],
            upcoming=counts["upcoming"],
            units=_page(request, items, paging, len(lines)),
        )

    @api.get("/nominations", response_model=Page[NominationOut])
    async def nominations(
        request: Request,
        caller: Caller,
        session: Db,
        paging: Paging,
        status: Annotated[str | None, Query(description=" | ".join(STATUSES))] = None,
    ) -> Any:
        """Nominations of the subtree (of one status when given), oldest first."""
        if status is not None and status not in STATUSES:
            raise HTTPException(422, "status")
        _token_row, root = caller
        rows = await list_nominations(session, status, within=root.id)
        return _page(request, [NominationOut(**r) for r in _slice(rows, paging)], paging, len(rows))

    @api.get("/directives", response_model=Page[DirectiveOut])
    async def directives(request: Request, caller: Caller, session: Db, paging: Paging) -> Any:
        """Active directives issued in the subtree or giving it tasks, with each task's targets
        in the subtree and what they did."""
        _token_row, root = caller
        app = _app(request)
        tz = ZoneInfo(app.settings.timezone)
        found = await active_directives(session, root.id)
        chosen = _slice(found, paging)
        today = app.clock.now().astimezone(tz).date()
        shown = await progress(session, chosen, root.id, today, tz)
        issuers = {
            u.id: u.code
            for u in await session.scalars(
                select(Unit).where(Unit.id.in_({d.unit_id for d in chosen}))
            )
        }
        items = [
            DirectiveOut(
                id=p.directive.id,
                label=document_label(p.directive),
                kind=p.directive.kind,
                number=p.directive.number,
                issuer=p.directive.issuer,
                issued_on=p.directive.issued_on,
                subject=p.directive.subject,
                unit=issuers.get(p.directive.unit_id, ""),
                activated_at=p.directive.activated_at,
                tasks=[
                    TaskOut(
                        ref=t.task.ref,
                        text=t.task.text,
                        assignees=t.assignees,
                        deadlines=list(t.task.deadlines or []),
                        targets=[
                            TargetOut(
                                unit=s.unit.code,
                                role=s.role,
                                state=s.state,
                                next_due=s.due if s.state in ("open", "overdue") else None,
                                done=[d for d, _at, _who in s.done],
                            )
                            for s in t.targets
                        ],
                    )
                    for t in p.tasks
                ],
            )
            for p in shown
        ]
        return _page(request, items, paging, len(found))

    return api
