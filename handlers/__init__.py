"""What the bot says and does. `FLOWS` lists the flows the engine runs, in menu order.

The list is built on first use (`from handlers import FLOWS`), not when any module of the
package is imported: `handlers.types` or `handlers.clock` alone stay light to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handlers.flow import Flow

    FLOWS: list[Flow]


def _flows() -> list[Flow]:
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

    return [
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


def __getattr__(name: str) -> Any:
    if name == "FLOWS":
        flows = _flows()
        globals()["FLOWS"] = flows
        return flows
    raise AttributeError(f"module 'handlers' has no attribute {name!r}")
