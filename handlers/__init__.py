"""What the bot says and does. `FLOWS` lists the flows the engine runs, in menu order."""

from __future__ import annotations

from handlers import core
from handlers.flow import Flow

FLOWS: list[Flow] = [
    core.LANG,
    core.LINK,
]
