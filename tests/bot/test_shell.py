"""The terminal shell (``biznespilot shell``) across restarts."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from bot import shell
from bot.config import Settings


async def _session(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                   lines: list[str]) -> list[str]:
    queue: deque[str] = deque(lines)
    out: list[str] = []

    async def read_line() -> str | None:
        return queue.popleft() if queue else None

    monkeypatch.setattr(shell, "_read_line", read_line)
    monkeypatch.setattr(shell, "_write", out.append)
    await shell.run_shell(settings, demo=False, language="en")
    return out


async def test_a_second_shell_session_on_the_same_database_still_gets_replies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The de-duplication window is kept in the database; a new emulator must not reuse the
    # update ids of the last session, or the bot silently drops everything.
    settings = Settings(_env_file=None,  # type: ignore[call-arg]
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'shell.db'}",
                        data_dir=tmp_path, redis_url=None, flood_rate=10_000)
    first = await _session(settings, monkeypatch, ["/help"])
    second = await _session(settings, monkeypatch, ["/help"])
    assert "(no reply)" not in first
    assert "(no reply)" not in second
    assert sum("/profile" in block for block in second) == 1
