"""The fault-injection suite: a scripted day (dialogs on Telegram and Zalo, a reminder wave, the
weekly digest) served by two bot processes that are killed with SIGKILL 20 times at random
moments, while the fake Bot API servers fail or slow down 30 % of all sends (429 with
retry_after, 5xx, timeouts after delivery, slow answers). See tests/faultday.py; the longer
version with 1,000 faults is bench/bench_faults.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from tests.faultday import Plan, run_day


@pytest.mark.slow
async def test_a_day_of_faults_and_kills_loses_nothing_and_answers_everyone_once_in_order(
    settings: Settings, tmp_path: Path
) -> None:
    plan = Plan()
    day = await run_day(settings, plan, tmp_path)
    report = (
        f"faults {dict(day.faults)}, kills {day.kills}, repeats {day.duplicated_replies}, "
        f"doubts {day.reply_doubts}/{day.push_doubts}, {day.seconds:.0f} s"
    )
    assert day.kills == plan.kills
    assert sum(day.faults.values()) >= 30, report
    # every message a person sent was answered, exactly as without faults, in order
    assert day.mismatches == [], (day.mismatches, report, day.logs[-3000:])
    # a reply repeats only where a kill caught it in flight, and the bot counted it
    assert day.duplicated_replies <= day.reply_doubts, report
    assert day.duplicated_replies <= day.kills, report
    # every push arrived; a repeat only where the bot recorded a doubt (a kill in flight)
    assert day.pushes_lost == 0, (day.extra, report)
    assert day.pushes_duplicated <= day.push_doubts, report
    assert day.unsettled == 0, report
    # the two processes together kept Telegram's limits, as the server saw the sends arrive
    assert day.busiest_second <= 30, report
    assert day.busiest_chat_3s <= 4, report
