"""``biznespilot shell``: the owner bot in the terminal, over the built-in Bot API emulator.

No token, no network: the emulator listens on 127.0.0.1, the real dispatcher polls it, and the
terminal plays the Telegram user.
"""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, build_app
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from bot.polling import InboxPoller
from bot.runner import start_owner_bot
from bot.shell_ui import run_interactive
from services.db.models import Business
from services.demo import DEMO_USER_ID, seed_demo
from services.maintenance import last_update_id

SHELL_TOKEN = "7000000001:SHELL-owner-bot"
SHELL_USER_ID = 700_000_002


async def _read_line() -> str | None:
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    return None if line == "" else line.rstrip("\n")


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def resume_update_ids(app: App, emu: BotAPIEmulator, tokens: list[str]) -> None:
    """Start each bot's update ids after the last one handled in an earlier session: the
    emulator counts from 1 every time, and the de-dup (preloaded from the database) would
    silently drop every message of a second ``shell`` run."""
    async with app.sessionmaker() as session:
        for token in tokens:
            state = emu.bot_state(token)
            last = await last_update_id(session, bot_id=state.bot_id)
            state.next_update_id = max(state.next_update_id, last + 1)


async def run_shell(settings: Settings, *, demo: bool, language: str = "uz") -> None:
    async with BotAPIEmulator() as emu:
        base_url = emu.base_url
        assert base_url is not None
        emu.add_bot(SHELL_TOKEN, username="biznespilot_bot", first_name="BiznesPilot")
        settings = settings.model_copy(update={"telegram_api_url": base_url})
        app = await build_app(settings)
        await resume_update_ids(app, emu, [SHELL_TOKEN])
        user_id = DEMO_USER_ID if demo else SHELL_USER_ID
        if demo:
            _write("Preparing the demo business (first start only)…")
            async with app.sessionmaker.begin() as session:
                await seed_demo(session, language=language)
        bot, dp = await start_owner_bot(app, SHELL_TOKEN)
        poller = InboxPoller(bot, dp, app.sessionmaker, concurrent=False)
        polling = asyncio.create_task(poller.run())
        user = emu.user(SHELL_TOKEN, user_id=user_id, first_name="Demo" if demo else "You",
                        language_code=language[:2])
        _write("BiznesPilot shell — you are chatting with the owner bot. A number "
               "presses a button; /quit leaves.")
        try:
            await run_interactive(user, media_dir=settings.data_dir / "shell-media",
                                  read_line=_read_line, write=_write, opening="/start")
        finally:
            poller.stop()
            await polling
            await bot.session.close()
            await app.close()




SALES_SHELL_CUSTOMER = 700_000_003


async def _find_business(session: AsyncSession, key: str) -> Business | None:
    if key.isdigit():
        found = await session.get(Business, int(key))
        if found is not None:
            return found
    return await session.scalar(select(Business).where(
        func.lower(Business.name) == key.lower()).order_by(Business.id).limit(1))


async def run_sales_shell(settings: Settings, *, business: str, language: str = "uz") -> int:
    """``biznespilot shell --sales <business>``: you are a customer of that business's bot.

    The business's connected bot is registered in the emulator under its own token; a
    business without one gets a local shell bot connected for it (as /chatbot would)."""
    from bot.sales_runtime import SalesRuntime, make_token_checker
    from services.salesbot import bots

    async with BotAPIEmulator() as emu:
        base_url = emu.base_url
        assert base_url is not None
        emu.add_bot(SHELL_TOKEN, username="biznespilot_bot", first_name="BiznesPilot")
        settings = settings.model_copy(update={"telegram_api_url": base_url})
        app = await build_app(settings)
        async with app.sessionmaker.begin() as session:
            found = await _find_business(session, business)
            if found is None:
                _write(f"No business {business!r}: give its id or exact name.")
                await app.close()
                return 2
            info = next((b for b in await bots.active_bots(session, box=app.box)
                         if b.business_id == found.id), None)
            if info is None:
                token = f"{7_100_000_000 + found.id}:SHELL-sales-bot-{found.id:08d}"
                emu.add_bot(token, username=f"shell_sales_{found.id}_bot",
                            first_name=found.name[:60])
                await bots.connect(session, business_id=found.id, token=token,
                                   user_id=found.owner_id,
                                   checker=make_token_checker(settings),
                                   box=app.box)
                info = await bots.runnable(session, bot_id=int(token.split(":")[0]),
                                           box=app.box)
            else:
                emu.add_bot(info.token, username=info.username, first_name=found.name[:60])
            name = found.name
        assert info is not None
        await resume_update_ids(app, emu, [SHELL_TOKEN, info.token])
        owner_bot, owner_dp = await start_owner_bot(app, SHELL_TOKEN)
        runtime = SalesRuntime(app, mode="polling", owner_bot=owner_bot,
                               owner_dispatcher=owner_dp, concurrent=False, poll_timeout=1,
                               sync_interval=0)
        await runtime.start()
        await runtime.start_bot(info)
        user = emu.user(info.token, user_id=SALES_SHELL_CUSTOMER, first_name="Customer",
                        language_code=language[:2])
        _write(f"BiznesPilot shell — you are a customer of {name} (@{info.username}). "
               "A number presses a button; /quit leaves.")
        try:
            await run_interactive(user, media_dir=settings.data_dir / "shell-media",
                                  read_line=_read_line, write=_write, opening="/start")
        finally:
            await runtime.close()
            await owner_bot.session.close()
            await app.close()
    return 0
