"""What the bot says and does. `FLOWS` lists the flows the engine runs, in menu order."""

from __future__ import annotations

from handlers import (
    core,
    digest,
    directive_intake,
    dossier,
    drafts,
    households,
    nominate,
    pause,
    report,
    review,
    status,
    tasks,
    weblink,
)
from handlers.flow import Flow

FLOWS: list[Flow] = [
    report.FLOW,
    nominate.FLOW,
    households.FLOW,
    households.OBJECTION,
    review.FLOW,
    status.FLOW,
    tasks.FLOW,
    directive_intake.INTAKE,
    directive_intake.DIRECTIVES,
    digest.DIGEST,
    dossier.FLOW,
    weblink.FLOW,
    pause.PAUSE,
    drafts.DRAFTS,
    core.LANG,
    core.LINK,
]
