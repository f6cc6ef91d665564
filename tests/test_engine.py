"""The engine's promises: no traceback on any input, ordering, resume after a killed process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App
from handlers.types import Incoming
from storage.models import ConversationState
from tests.factories import World, make_incoming, texts

ROOT = Path(__file__).resolve().parents[1]

messages = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from("🙂👍🏽🇻🇳àáạảãâầấăđêôơưĐ /0123456789abc\n\t"), max_size=200),
    st.integers(min_value=3990, max_value=4200).map(lambda n: "á" * n),
    st.sampled_from(["/", "//", "/start", "/start ", "@", "/baocao@bot", "1", "-1", "0", "99"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=messages, chat=st.sampled_from(["head1", "staff", "stranger"]))
async def test_any_text_gets_an_answer_and_never_a_traceback(
    app: App, world: World, text: str, chat: str
) -> None:
    outcome = await app.engine.handle(make_incoming(text, chat))
    said = texts(outcome)
    assert outcome.replies
    assert "Traceback" not in said and "Error" not in said


async def test_stickers_and_voice_get_a_polite_answer_and_keep_the_question(
    app: App, world: World
) -> None:
    await app.engine.handle(make_incoming("/ngonngu", "head1"))
    for kind in ("sticker", "voice", "unsupported"):
        outcome = await app.engine.handle(make_incoming("", "head1", kind=kind))
        assert "chưa đọc được" in texts(outcome)
        assert outcome.awaiting == "choice"
        assert [o.label for o in outcome.replies[-1].options] == ["Tiếng Việt", "English"]


async def test_a_step_that_fails_rolls_back_and_apologises(app: App, world: World) -> None:
    from handlers.flow import Context, Flow, Turn

    async def broken(ctx: Context) -> Turn:
        assert ctx.member is not None
        ctx.member.locale = "en"
        raise RuntimeError("boom")

    app.engine.by_command["hong"] = Flow("hong", ("hong",), frozenset(), broken, {})
    app.engine.known.add("hong")
    outcome = await app.engine.handle(make_incoming("/hong", "head1"))
    assert "sự cố" in texts(outcome)
    again = await app.engine.handle(make_incoming("/trogiup", "head1"))
    assert "Các lệnh" in texts(again)  # still Vietnamese: the failed step changed nothing


async def test_messages_of_one_chat_are_handled_in_order(app: App, world: World) -> None:
    import asyncio

    sent = [make_incoming(t, "head1") for t in ("/ngonngu", "2", "/ngonngu", "1")]
    outcomes = await asyncio.gather(*(app.engine.handle(m) for m in sent))
    assert [o.awaiting for o in outcomes] == ["choice", None, "choice", None]
    assert "English" in texts(outcomes[1]) and "tiếng Việt" in texts(outcomes[3])


def _shell(db_url: str) -> subprocess.Popen[str]:
    env = dict(os.environ, DATABASE_URL=db_url)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "shell", "--jsonl", "--chat", "head1"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _say(process: subprocess.Popen[str], line: str) -> dict[str, object]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()
    answer: dict[str, object] = json.loads(process.stdout.readline())
    return answer


@pytest.mark.slow
async def test_conversation_resumes_at_the_same_step_after_the_process_is_killed(
    app: App, world: World, database_url: str
) -> None:
    first = _shell(database_url)
    try:
        asked = _say(first, "/ngonngu")
        assert asked["awaiting"] == "choice"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    async with app.sessions() as session:
        state = await session.scalar(
            select(ConversationState).where(ConversationState.chat_id == "head1")
        )
        assert state is not None and state.state == "lang:choose"
    second = _shell(database_url)
    try:
        answered = _say(second, "2")
        assert answered["awaiting"] is None
        assert "English" in json.dumps(answered["replies"])
    finally:
        second.stdin.close()  # type: ignore[union-attr]
        second.wait(timeout=30)


def test_incoming_is_neutral() -> None:
    fields = set(Incoming.__dataclass_fields__)
    assert {"channel", "chat_id", "user_id", "text", "command", "args", "choice"} <= fields
    assert {"attachments", "update_id", "extras"} <= fields
