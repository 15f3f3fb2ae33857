"""``biznespilot shell``: the owner bot in the terminal, over the built-in Bot API emulator.

No token, no network: the emulator listens on 127.0.0.1, the real dispatcher polls it, and the
terminal plays the Telegram user.
"""

from __future__ import annotations

import asyncio
import sys

from bot.app import build_app
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from bot.polling import InboxPoller
from bot.runner import start_owner_bot
from bot.shell_ui import run_interactive
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


async def run_shell(settings: Settings, *, demo: bool, language: str = "uz") -> None:
    async with BotAPIEmulator() as emu:
        base_url = emu.base_url
        assert base_url is not None
        state = emu.add_bot(SHELL_TOKEN, username="biznespilot_bot", first_name="BiznesPilot")
        settings = settings.model_copy(update={"telegram_api_url": base_url})
        app = await build_app(settings)
        # Telegram's update ids only grow; a fresh emulator starts at 1, and the de-duplication
        # (kept in the database) would silently drop every update of a second shell session.
        async with app.sessionmaker() as session:
            state.next_update_id = await last_update_id(session, bot_id=state.bot_id) + 1
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


