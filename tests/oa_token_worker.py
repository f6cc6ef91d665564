"""One process asking for the Zalo OA access token (tests/test_zalo_oa_tokens.py runs two at
once): `python -m tests.oa_token_worker DATABASE_URL FAKE_BASE [REFUSED]` prints "ready", waits
for a line on its standard input, then prints the token it got (or "broken: <reason>")."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from bot.channels.zalo_oa_api import OaApi
from bot.channels.zalo_oa_tokens import OaTokens, TokenBroken
from handlers.clock import SystemClock
from storage.db import create_engine, sessionmaker
from tests.fakes.zalo_oa_server import APP_ID, APP_SECRET, REFRESH_TOKEN


async def main(url: str, base: str, refused: str | None) -> None:
    engine = create_engine(url)
    api = OaApi(base, base, APP_ID, APP_SECRET)
    tokens = OaTokens(
        engine, sessionmaker(engine), SystemClock(), api, REFRESH_TOKEN, timedelta(minutes=5)
    )
    try:
        await tokens.start()
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        try:
            print(await tokens.access(refused=refused), flush=True)
        except TokenBroken as error:
            print(f"broken: {error}", flush=True)
    finally:
        await api.close()
        await engine.dispose()


if __name__ == "__main__":
    refused = sys.argv[3] if len(sys.argv) > 3 else None
    asyncio.run(main(sys.argv[1], sys.argv[2], refused))
