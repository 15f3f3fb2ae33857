"""`biznespilot shell --sales <business>`: a customer's conversation in the terminal."""

from __future__ import annotations

import pytest

from bot import shell
from bot.config import Settings
from tests.conftest import Database
from tests.factories import make_owner


async def test_shell_talks_to_the_business_bot(settings: Settings, db: Database,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    if db.backend != "sqlite":
        pytest.skip("the shell is the embedded (SQLite) mode")
    async with db.sessionmaker() as s:
        await make_owner(s, 8901, name="Chilonzor Coffee")
    lines = iter(["/contact", "/quit"])
    out: list[str] = []

    async def read_line() -> str | None:
        return next(lines, None)

    monkeypatch.setattr(shell, "_read_line", read_line)
    monkeypatch.setattr(shell, "_write", out.append)
    assert await shell.run_sales_shell(settings, business="chilonzor coffee",
                                       language="en") == 0
    text = "\n".join(out)
    assert "you are a customer of Chilonzor Coffee" in text
    assert "This is the bot of Chilonzor Coffee" in text
    assert "We've saved your number" in text
    # a second session on the same database still gets answers (the emulator counts update
    # ids from 1 again; the de-dup remembers the first session's)
    out.clear()
    lines = iter(["/quit"])
    assert await shell.run_sales_shell(settings, business="chilonzor coffee",
                                       language="en") == 0
    assert "This is the bot of Chilonzor Coffee" in "\n".join(out)
    assert await shell.run_sales_shell(settings, business="No such shop") == 2
