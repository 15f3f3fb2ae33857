"""/platform as admins and users see it: maintenance mode, closed registration, the trial
length and the platform AI key (encrypted, used by the AI gateway instead of the env key)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import make_ai
from bot.config import Settings
from services import platform_settings as ps
from services import teams
from services.ai import AIRequest, Turn
from services.crypto import SecretBox
from services.db.models import AuditLog, PlatformSetting, User
from services.db.session import make_sessionmaker
from tests.conftest import Database, Telegram, running_owner_bot
from tests.factories import make_owner
from tests.fakes.anthropic import FakeAnthropic

ADMIN = 900_000_001
MAINTENANCE = "🛠 BiznesPilot is under maintenance. We will be back shortly — thank you for " \
              "your patience."
CLOSED = "🔒 Registration is closed for now. Please try again later — we will be glad to see " \
         "you."
PLATFORM_KEY = "sk-ant-platform-key-0123456789"


@pytest_asyncio.fixture
async def pay_tg(settings: Settings) -> AsyncIterator[Telegram]:
    configured = settings.model_copy(update={
        "telegram_provider_token": SecretStr("398062629:TEST:provider")})
    async with running_owner_bot(configured) as telegram:
        yield telegram


async def test_maintenance_lets_admins_and_payments_through(pay_tg: Telegram,
                                                            db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7301)
    owner, admin = pay_tg.user(7301), pay_tg.user(ADMIN)
    await owner.send("/plan")
    await owner.press("⬆️ Choose a plan and pay")
    await owner.press("Starter")
    await owner.press("Monthly — 399,000 so'm")
    await owner.press("⏭ No coupon")
    invoice = (await owner.press("💳 Pay in Telegram"))[-1]
    assert invoice.invoice is not None

    shown = (await admin.send("/platform"))[-1]
    assert "Maintenance mode: off" in shown.text and "Registration: open" in shown.text
    await admin.press("🛠 Turn maintenance on", message=shown)
    assert admin.callback_answers[-1].text == "Maintenance mode is on."
    assert "Maintenance mode: ON" in admin.last_message.text
    for text in ("/menu", "/plan", "hello"):
        assert [m.text for m in await owner.send(text)] == [MAINTENANCE]
    paid = await owner.pay(invoice)  # a payment in flight is still applied
    assert "Payment received — thank you!" in paid[-1].text
    assert "Platform dashboard" in (await admin.send("/admin"))[-1].text
    await admin.press("🛠 Turn maintenance off", message=shown)
    assert "Your plan: Starter" in (await owner.send("/plan"))[-1].text
    async with db.sessionmaker() as s:
        details = list(await s.scalars(select(AuditLog.details).where(
            AuditLog.action == "admin.settings.maintenance").order_by(AuditLog.id)))
        assert details == [{"on": True}, {"on": False}]
    log = (await admin.send("/audit admin.settings"))[-1].text
    assert log.count("admin.settings.maintenance") == 2
    assert "on=True" in log and "on=False" in log


async def test_closed_registration_turns_newcomers_away(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7311)
        invite, _ = await teams.create_invite(s, business_id=business.id, inviter_id=7311,
                                              role=teams.Role.MEMBER)
        await s.commit()
    admin = tg.user(ADMIN)
    await admin.send("/platform")
    await admin.press("🚪 Close registration")
    assert admin.callback_answers[-1].text == "Registration is closed."
    newcomer = tg.user(7312, language_code="ru")
    replies = await newcomer.send("/start")
    assert [m.text for m in replies] == [
        "🔒 Регистрация пока закрыта. Пожалуйста, попробуйте позже — мы будем рады вам."]
    async with db.sessionmaker() as s:
        assert await s.get(User, 7312) is None  # nothing kept of a refused newcomer
    assert "I didn't get that" not in (await tg.user(7311).send("/menu"))[-1].text
    forged = await tg.user(7314).send("/start inv_made-up-token")
    assert [m.text for m in forged] == [CLOSED]
    invited = tg.user(7313)
    joined = await invited.send(f"/start inv_{invite.token}")
    assert CLOSED not in [m.text for m in joined]
    async with db.sessionmaker() as s:
        assert await s.get(User, 7313) is not None
        assert await s.get(User, 7314) is None
    await admin.press("🚪 Open registration", message=admin.last_message)
    assert CLOSED not in [m.text for m in await newcomer.send("/start")]
    async with db.sessionmaker() as s:
        assert await s.get(User, 7312) is not None


async def test_trial_length_and_ai_key_through_the_bot(tg: Telegram, db: Database) -> None:
    admin = tg.user(ADMIN)
    await admin.send("/platform")
    await admin.press("⏳ Trial length")
    assert "from 1 to 90" in (await admin.send("abc"))[-1].text
    saved = await admin.send("5")
    assert saved[0].text == "✅ Saved. New trials use it from now on."
    assert "Trial length: 5 days" in saved[-1].text
    assert "AI key: none (rule-based answers)" in saved[-1].text
    await admin.press("🤖 Set the AI key", message=saved[-1])
    assert "does not look like an API key" in (await admin.send("too short"))[-1].text
    done = await admin.send(PLATFORM_KEY)
    assert done[0].text == "✅ The AI key is saved (encrypted)."
    assert f"AI key: platform key …{PLATFORM_KEY[-4:]}" in done[-1].text
    typed = [m for m in admin.chat.messages.values() if m.text == PLATFORM_KEY]
    assert typed and all(m.deleted for m in typed)  # the key does not stay in the chat
    assert tg.app.ai.enabled  # the running gateway picked the key up
    async with db.sessionmaker() as s:
        stored = await s.scalar(select(PlatformSetting.value)
                                .where(PlatformSetting.key == ps.AI_KEY))
        assert isinstance(stored, str) and PLATFORM_KEY not in stored
        logged = " ".join(str(d) for d in await s.scalars(select(AuditLog.details)))
        assert PLATFORM_KEY not in logged
    removed = await admin.press("🗑 Remove the AI key", message=done[-1])
    assert admin.callback_answers[-1].text == "The platform AI key is removed."
    assert removed is not None and not tg.app.ai.enabled


def _key(fake: FakeAnthropic) -> str | None:
    headers = {k.lower(): v for k, v in fake.requests[-1].headers.items()}
    return headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")


async def test_the_gateway_answers_with_the_platform_key(settings: Settings,
                                                        db: Database) -> None:
    async with FakeAnthropic(PLATFORM_KEY) as fake:
        configured = settings.model_copy(update={
            "anthropic_api_key": SecretStr("sk-ant-env-key-rejected-by-the-fake"),
            "anthropic_base_url": fake.base_url, "ai_max_retries": 0})
        box = SecretBox([SecretBox.generate_key()])
        cache = ps.SettingsCache(box=box)
        ai = make_ai(configured, cache)
        sessions = make_sessionmaker(db.engine, on_change=[cache.on_change])
        async with sessions() as s:
            business = await make_owner(s, 7321)
            request = AIRequest(business_id=business.id, feature="ask", locale="en",
                                instructions="Be brief.", turns=[Turn("user", "Hi")])
            before = await ai.complete(s, request, fallback=lambda: "rules")
            assert (before.source, before.reason) == ("fallback", "error")  # env key refused
            await ps.set_ai_key(s, actor_id=ADMIN, key=PLATFORM_KEY, box=box)
            after = await ai.complete(s, request, fallback=lambda: "rules")
            assert (after.text, after.source) == ("Hello from Claude.", "ai")
            assert _key(fake) == PLATFORM_KEY
            await ps.set_ai_key(s, actor_id=ADMIN, key=None, box=box)
            again = await ai.complete(s, request, fallback=lambda: "rules")
            assert again.source == "fallback"
            assert _key(fake) != PLATFORM_KEY
            await s.commit()
        await ai.close()
