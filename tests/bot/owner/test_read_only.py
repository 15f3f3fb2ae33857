"""Read-only means every write entry point: an admin pauses a paid subscription, every write
command of the owner bot refuses with the localized pointer to /plan, and resuming gives the
paid days back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram import Router
from aiogram.filters import Command
from sqlalchemy import select, update

from bot.middlewares.permissions import BUSINESS, PUBLIC
from services.db.models import Subscription
from services.teams import Permission
from tests.bot.owner.test_team import seed
from tests.conftest import Database, Telegram

OWNER = 7401
ADMIN = 900_000_001
READ_ONLY = ("🔒 Your trial or subscription has ended, so the business is read-only. Renew it "
             "in /plan to make changes.")
# Commands open to any member that write when given arguments (they check writability
# themselves); bare, they only show data.
WRITING_BUSINESS_COMMANDS = {"spend": "instagram 500000"}


def write_commands(dp: Router) -> list[str]:
    """Commands whose handler needs a write permission, read off the live owner dispatcher
    (the admin gate left out: its handlers are for platform admins)."""
    found: set[str] = set()

    def walk(router: Router) -> None:
        if router.name == "admin":
            return
        for handler in router.message.handlers:
            perm = (handler.flags or {}).get("perm")
            if perm in {PUBLIC, BUSINESS, Permission.VIEW_ANALYTICS, Permission.BILLING}:
                continue
            for f in handler.filters or ():
                command = getattr(f.callback, "__wrapped_filter__", f.callback)
                if isinstance(command, Command):
                    found.update(str(c) for c in command.commands)
        for sub in router.sub_routers:
            walk(sub)

    walk(dp)
    return sorted(found | set(WRITING_BUSINESS_COMMANDS))


async def test_paused_subscription_refuses_every_write_command(tg: Telegram,
                                                                db: Database) -> None:
    await seed(db, OWNER, name="Lavash Center")
    end = datetime.now(UTC) + timedelta(days=10)
    async with db.sessionmaker() as s:
        await s.execute(update(Subscription).where(Subscription.user_id == OWNER).values(
            status="active", trial_ends_at=None, current_period_end=end))
        await s.commit()
    admin, owner = tg.user(ADMIN), tg.user(OWNER)
    await admin.send("/businesses lavash")
    card = await admin.press("⏸ Pause the subscription")
    assert admin.callback_answers[-1].text == ("⏸ Subscription paused: read-only until it is "
                                               "resumed.")
    assert "▶️ Resume the subscription" in card[-1].button_texts()
    commands = write_commands(tg.app.extras["owner_dispatcher"])
    assert {"lead", "order", "import", "usp", "spend"} <= set(commands)
    for command in commands:
        text = f"/{command} {WRITING_BUSINESS_COMMANDS.get(command, '')}".strip()
        replies = await owner.send(text)
        assert [m.text for m in replies] == [READ_ONLY], text
    assert "Paused" in (await owner.send("/plan"))[-1].text
    await admin.press("▶️ Resume the subscription", message=card[-1])
    assert admin.callback_answers[-1].text == "▶️ Subscription resumed."
    assert READ_ONLY not in [m.text for m in await owner.send("/lead")]
    async with db.sessionmaker() as s:
        sub = await s.scalar(select(Subscription).where(Subscription.user_id == OWNER))
        assert sub is not None and sub.status == "active" and sub.paused_at is None
        assert sub.current_period_end is not None and sub.current_period_end >= end
