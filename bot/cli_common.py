"""Helpers every `thidua` command module shares: running a coroutine, failing with a message,
the `--now` option and its clock, and a migrated `App` (imported by `bot.cli` and the
`bot.cli_*` area modules alike, so they need not import each other).

Light to import: what a command needs (the database, the flows, the settings) is imported when
the command runs, so `thidua --help` and each command load only what they use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from handlers.clock import Clock, FixedClock, StartedClock, SystemClock

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

T = TypeVar("T")


def group(help: str, **kwargs: Any) -> typer.Typer:
    """A command group. Help is plain text: formatting it with rich (typer's default when rich
    is installed) would load rich and markdown-it, most of `thidua --help`'s time."""
    return typer.Typer(no_args_is_help=True, help=help, rich_markup_mode=None, **kwargs)


def run(coro: Awaitable[T]) -> T:
    import asyncio

    return asyncio.run(coro)  # type: ignore[arg-type]


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


# Every command that acts in time takes --now (SPEC §4).
Now = Annotated[
    str | None,
    typer.Option("--now", help="act at this ISO time (no zone = Asia/Ho_Chi_Minh); default: now"),
]


def parse_now(now: str | None, running: bool = False) -> Clock:
    """`--now ISO` → a fixed clock (a time without zone is taken as Asia/Ho_Chi_Minh);
    `running` (a command that runs on, like `run`): a clock that starts there and goes on."""
    if not now:
        return SystemClock()
    from zoneinfo import ZoneInfo

    try:
        at = datetime.fromisoformat(now)
    except ValueError as error:
        raise fail(f"--now: not an ISO date-time: {now}") from error
    if at.tzinfo is None:
        from bot.settings import Settings

        at = at.replace(tzinfo=ZoneInfo(Settings().timezone))
    return StartedClock(at) if running else FixedClock(at)


@asynccontextmanager
async def opened(
    settings: Settings | None = None, clock: Clock | None = None
) -> AsyncIterator[App]:
    """The migrated app, closed afterwards."""
    from bot.app import build
    from bot.settings import Settings
    from storage.migrate import upgrade_async

    settings = settings or Settings()
    await upgrade_async(settings.database_url)
    application = build(settings, clock)
    try:
        yield application
    finally:
        await application.close()


def with_app(
    body: Callable[[App], Awaitable[T]],
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> T:
    async def main() -> T:
        async with opened(settings, clock) as application:
            return await body(application)

    return run(main())
