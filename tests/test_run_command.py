"""`biznespilot run` as a process: it serves the owner bot, and a `kill -9` mid-wizard loses
nothing — the next process carries on at the same step."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import BotAPIEmulator
from tests.conftest import OWNER_TOKEN

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _start(base_url: str, tmp: Path, *, command: str = "run", port: int | None = None,
                 extra: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    env = {**os.environ, "BOT_TOKEN": OWNER_TOKEN, "TELEGRAM_API_URL": base_url,
           "WEB_PORT": str(port or _free_port()),
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'run.db'}", "DATA_DIR": str(tmp),
           "REDIS_URL": "", "ANTHROPIC_API_KEY": "", **(extra or {})}
    env.pop("REDIS_URL")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c",
        f"from bot.cli import main; raise SystemExit(main([{command!r}]))",
        env=env, cwd=Path(__file__).parents[1], stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)


async def _replies(user: Any, before: int, wait: float = 30) -> list[Any]:
    """Messages the bot sent after the first ``before`` (the reply comes after delivery)."""
    for _ in range(int(wait / 0.05)):
        if len(user.history) > before:
            await asyncio.sleep(0.2)  # let a multi-message reply finish
            return user.history[before:]
        await asyncio.sleep(0.05)
    raise AssertionError("no reply from the bot process")


async def _act(user: Any, action: str, value: str) -> list[Any]:
    before = len(user.history)
    await (user.send(value) if action == "send" else user.press(value))
    return await _replies(user, before)


async def test_run_serves_the_bot_and_survives_kill_9(tmp_path: Path) -> None:
    async with BotAPIEmulator() as emu:
        emu.add_bot(OWNER_TOKEN, username="biznespilot_test_bot", first_name="BiznesPilot")
        assert emu.base_url is not None
        process = await _start(emu.base_url, tmp_path)
        try:
            user = emu.user(OWNER_TOKEN, user_id=5101, language_code="en", timeout=60)
            await user.send("/start")
            first = await _replies(user, 0, wait=60)  # start-up: migrations, imports
            assert "🇬🇧 English" in first[-1].button_texts()
            await _act(user, "press", "🇬🇧 English")
            industry = await _act(user, "send", "Samarkand Bakery")
            assert "Cafés and restaurants" in industry[-1].button_texts()
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert process.returncode == -signal.SIGKILL

        process = await _start(emu.base_url, tmp_path)
        try:
            model = await _act(user, "press", "Cafés and restaurants")
            assert "B2C — we sell to people" in model[-1].button_texts()
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
        assert process.returncode == 0


async def test_webhook_serves_the_owner_bot_as_a_process(tmp_path: Path) -> None:
    """`biznespilot webhook`: Telegram (the emulator) posts updates to /tg/<bot id> with the
    bot's secret; the process answers through the Bot API and stops cleanly on SIGTERM."""
    async with BotAPIEmulator() as emu:
        emu.add_bot(OWNER_TOKEN, username="biznespilot_test_bot", first_name="BiznesPilot")
        assert emu.base_url is not None
        port = _free_port()
        process = await _start(emu.base_url, tmp_path, command="webhook", port=port,
                               extra={"WEB_HOST": "127.0.0.1",
                                      "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}"})
        try:
            user = emu.user(OWNER_TOKEN, user_id=5201, language_code="en", timeout=60)
            for _ in range(600):  # start-up: migrations, imports, then setWebhook
                if emu.bot_state(OWNER_TOKEN).webhook is not None:
                    break
                await asyncio.sleep(0.1)
            await user.send("/start")
            first = await _replies(user, 0, wait=60)
            assert "🇬🇧 English" in first[-1].button_texts()
            named = await _act(user, "press", "🇬🇧 English")
            assert named and named[-1].text
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
        assert process.returncode == 0
