"""The admin command set and /support as admins and users see them, through the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram import Router
from aiogram.filters import Command
from sqlalchemy import select

from services.admin import support
from services.db.models import AuditLog, PlatformSetting, Subscription, User
from tests.conftest import Database, Telegram
from tests.factories import make_owner

ADMIN = 900_000_001  # in ADMIN_IDS (tests/conftest.py)
UNKNOWN_EN = "I didn't get that. /menu opens the main menu, /help lists what I can do."
UNKNOWN_RU = "Не совсем понял вас. /menu откроет главное меню, /help покажет, что я умею."


def admin_commands(dp: Router) -> list[str]:
    """Every command behind the admin gate of the live dispatcher, read off the registered
    handlers (so a new admin command is covered without editing this test)."""
    [gate] = [r for r in dp.sub_routers if r.name == "admin"]
    found: set[str] = set()

    def walk(router: Router) -> None:
        for handler in router.message.handlers:
            for f in handler.filters or ():
                command = getattr(f.callback, "__wrapped_filter__", f.callback)
                if isinstance(command, Command):
                    found.update(str(c) for c in command.commands)
        for sub in router.sub_routers:
            walk(sub)

    walk(gate)
    return sorted(found)


async def test_a_non_admin_gets_the_ordinary_unknown_command_reply(tg: Telegram,
                                                                     db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7201)
        await make_owner(s, 7202, language="ru")
    en, ru = tg.user(7201), tg.user(7202)
    commands = admin_commands(tg.app.extras["owner_dispatcher"])
    assert {"admin", "users", "businesses", "tickets", "audit", "coupons", "coupon_new",
            "coupon_off", "broadcast", "plans", "invoices", "platform"} <= set(commands)
    for text in [f"/{command}" for command in commands] + ["/users 7202", "/audit 7202"]:
        assert [m.text for m in await en.send(text)] == [UNKNOWN_EN], text
    assert [m.text for m in await ru.send("/admin")] == [UNKNOWN_RU]
    assert [m.text for m in await ru.send("/platform")] == [UNKNOWN_RU]
    # forged admin buttons of every admin callback family are just stale buttons
    await en.send("/menu")
    for data in ("adm1:ban:7202:", "apl1:on:1:", "ainv1:rs:1::0", "apf1:mt:1", "bca1:go:1"):
        await en.press_data(data)
        assert en.callback_answers[-1].text == "This button is out of date. Open /menu again."
    async with db.sessionmaker() as s:
        user = await s.get(User, 7202)
        assert user is not None and user.status == "active"
        assert await s.scalar(select(AuditLog).where(AuditLog.action.startswith("admin."))) \
            is None
        assert await s.scalar(select(PlatformSetting)) is None


async def test_admin_sees_the_dashboard_image_and_numbers(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7211, name="Paid Biz")
        await make_owner(s, 7212, name="Trial Biz")
        sub = await s.scalar(select(Subscription).where(Subscription.user_id == 7211))
        assert sub is not None
        sub.status = "active"
        sub.current_period_end = datetime.now(UTC) + timedelta(days=20)
        await s.commit()
    admin = tg.user(ADMIN)
    out = await admin.send("/admin")
    photo = next(m for m in out if m.photo is not None)
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    text = out[-1].text
    assert "Platform dashboard" in text
    assert "Users: 3" in text  # two owners and the admin
    assert "Active subscriptions: 1 · trials: 1" in text
    assert "MRR: 399,000 so'm · ARR: 4,788,000 so'm" in text
    assert "ARPU: 399,000 so'm" in text
    assert "LTV: — (no churn yet)" in text
    assert "Recent signups" in text and "Owner7212" in text


async def test_suspend_notice_unban_and_expiry(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7221, language="ru")
    admin, user = tg.user(ADMIN), tg.user(7221, language_code="ru")
    card = (await admin.send("/users 7221"))[-1]
    assert "Owner7221" in card.text and "Status: active" in card.text
    assert "⏸ 7 d" not in card.button_texts()
    await admin.press("⏸ Suspend")
    await admin.press("7 d")
    done = await admin.send("Spam in the sales bot")
    assert done[0].text == "⏸ Suspended."
    assert "Status: suspended" in done[-1].text
    assert "Reason: Spam in the sales bot" in done[-1].text
    notice = await user.send("/menu")
    assert len(notice) == 1
    assert "Ваш аккаунт приостановлен до" in notice[0].text
    assert "Причина: Spam in the sales bot" in notice[0].text
    assert len(await user.send("/profile")) == 1  # nothing else, whatever they send
    unbanned = await admin.press("✅ Unban", message=done[-1])
    assert admin.callback_answers[-1].text == "✅ Access restored."
    assert "Status: active" in unbanned[-1].text
    assert "приостановлен" not in (await user.send("/menu"))[-1].text
    # a suspension whose time is up ends by itself (written through the app's sessions, so
    # its user cache sees the change as an admin's write would)
    async with tg.app.sessionmaker() as s:
        row = await s.get(User, 7221)
        assert row is not None
        row.status, row.suspended_until = "suspended", datetime.now(UTC) - timedelta(minutes=1)
        await s.commit()
    back = await user.send("/help")
    assert "приостановлен" not in back[-1].text
    async with db.sessionmaker() as s:
        row = await s.get(User, 7221)
        assert row is not None and row.status == "active" and row.suspended_until is None
    audit = (await admin.send("/audit 7221"))[-1].text
    assert "admin.user.suspend" in audit and "admin.user.unban" in audit


async def test_a_banned_user_reaches_no_handler(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7231)
    admin, user = tg.user(ADMIN), tg.user(7231)
    await admin.send("/users 7231")
    await admin.press("⛔ Ban")
    assert (await admin.send("Fraud"))[0].text == "⛔ Banned."
    for text in ("/start", "/menu", "hello"):
        replies = await user.send(text)
        assert [m.text for m in replies] == [
            "⛔ Your account is blocked. BiznesPilot is not available to you."]


async def test_change_plan_and_extend_trial(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7241, name="Choyxona Navruz")
        sub = await s.scalar(select(Subscription).where(Subscription.user_id == 7241))
        assert sub is not None and sub.trial_ends_at is not None
        trial_end = sub.trial_ends_at
    admin = tg.user(ADMIN)
    card = (await admin.send("/businesses navruz"))[-1]
    assert f"Choyxona Navruz · {business.id}" in card.text
    assert "Plan: Starter (trial)" in card.text
    await admin.press("💳 Change plan")
    changed = await admin.press("Growth")
    assert changed[0].text == "💳 Plan changed to Growth."
    assert "Plan: Growth (trial)" in changed[-1].text
    extended = await admin.press("⏳ Trial +7 d", message=changed[-1])
    assert extended[0].text.startswith("⏳ Trial extended until")
    async with db.sessionmaker() as s:
        sub = await s.scalar(select(Subscription).where(Subscription.user_id == 7241))
        assert sub is not None and sub.plan.code == "growth"
        assert sub.trial_ends_at == trial_end + timedelta(days=7)
        actions = set(await s.scalars(select(AuditLog.action).where(
            AuditLog.business_id == business.id)))
        assert {"admin.business.plan", "admin.business.trial"} <= actions


async def test_role_change_and_flag_through_the_bot(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7261, name="Bozor Market")
    admin, helper = tg.user(ADMIN), tg.user(7261)
    assert [m.text for m in await helper.send("/admin")] == [UNKNOWN_EN]
    await admin.send("/users 7261")
    promoted = await admin.press("🛡 Make an admin")
    assert "👤 Make a regular user" in promoted[-1].button_texts()
    assert "Platform dashboard" in (await helper.send("/admin"))[-1].text  # now an admin
    await admin.press("👤 Make a regular user", message=promoted[-1])
    assert [m.text for m in await helper.send("/admin")] == [UNKNOWN_EN]
    await admin.send("/businesses bozor")
    await admin.press("🚩 Flag")
    flagged = await admin.send("Chargebacks from three buyers")
    assert flagged[0].text == "🚩 Flagged."
    assert "Chargebacks from three buyers" in flagged[-1].text
    assert "🏳 Clear the flag" in flagged[-1].button_texts()
    async with db.sessionmaker() as s:
        actions = list(await s.scalars(select(AuditLog.action).where(
            AuditLog.action.startswith("admin.")).order_by(AuditLog.id)))
        assert actions == ["admin.user.role", "admin.user.role", "admin.business.flag"]


async def test_support_ticket_round_trip(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7251, language="ru")
    user, admin = tg.user(7251, language_code="ru"), tg.user(ADMIN)
    await user.send("/support")
    await user.press(1)  # ✉️ new ticket
    await user.send("Оплата не проходит")
    opened = await user.send("Payme выдаёт ошибку <500>")
    assert "#1" in opened[0].text
    queue = (await admin.send("/tickets"))[-1]
    assert "Open tickets" in queue.text
    await admin.press(1)
    assigned = await admin.press("🙋 Assign to me")
    assert "🙋 Assign to me" not in assigned[-1].button_texts()
    urgent = await admin.press("urgent", message=assigned[-1])
    assert "• urgent" in urgent[-1].button_texts()
    await admin.press("✍️ Reply", message=urgent[-1])
    done = await admin.send("Исправили, попробуйте ещё раз")
    assert done[0].text == "✅ Reply sent."
    assert "First response after" in done[-1].text
    assert "Status: in progress" in done[-1].text
    pushed = user.last_message
    assert pushed is not None
    assert "Поддержка ответила" in pushed.text and "Исправили, попробуйте ещё раз" in pushed.text
    resolved = await admin.press("resolved", message=done[-1])
    assert "• resolved" in resolved[-1].button_texts()
    async with db.sessionmaker() as s:
        ticket = await support.ticket(s, ticket_id=1)
        assert ticket.response_time is not None and ticket.assignee_id == ADMIN
        assert (ticket.priority, ticket.status) == ("urgent", "resolved")
        actions = set(await s.scalars(select(AuditLog.action).where(
            AuditLog.action.startswith("admin.ticket."))))
        assert actions == {"admin.ticket.assign", "admin.ticket.priority",
                           "admin.ticket.reply", "admin.ticket.status"}
    desk = (await user.send("/support"))[-1]
    assert desk.button_texts()[-1] == "🏠 Главное меню"  # a way back from the desk
    view = await user.press(2)  # the ticket
    assert "Payme выдаёт ошибку <500>" in view[-1].text
    assert "&lt;500&gt;" in view[-1].html
    closed = await user.press(1, message=view[-1])
    assert "#1" in closed[-1].text
    async with db.sessionmaker() as s:
        assert (await support.ticket(s, ticket_id=1)).status == "closed"


async def test_admin_rate_limit(tg: Telegram, db: Database) -> None:
    # in-process on SQLite (one process owns it), the shared database counters on PostgreSQL
    limiter = tg.app.extras["admin_limiter"]
    assert type(limiter).__name__ == ("MemoryRateLimiter" if db.backend == "sqlite"
                                      else "SqlRateLimiter")
    limiter.clock = lambda: 60.0 * 29_000_000 + 1  # one window, whatever the wall clock
    admin = tg.user(ADMIN)
    for _ in range(30):
        assert "No open tickets" in (await admin.send("/tickets"))[-1].text
    assert "at most 30 admin actions a minute" in (await admin.send("/tickets"))[-1].text
