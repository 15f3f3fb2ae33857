"""/competitors end to end, as an owner sees it: three competitors and the own channel added in
the owner bot; the fake t.me changes (subscriber surge, a promotion, a price change, a viral
post); the next sync queues the right alerts once; the alert buttons answer; the weekly report
shows the trend. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select, update

from bot.competitor_jobs import queue_weekly_reports, sync_business, sync_tick
from bot.competitor_texts import CompetitorAction, CompetitorCB
from bot.config import CompetitorSettings, Settings
from bot.outbox import send_payload
from services import competitors as competitors_service
from services import marketing
from services.db.base import utcnow
from services.db.models import CompetitorSyncRun, OutboxMessage
from tests.conftest import OWNER_TOKEN, Database, Telegram
from tests.factories import make_owner
from tests.fakes.anthropic import Fail, FakeAnthropic, Reply
from tests.fakes.telegram_preview import FakeChannel, FakeTme

pytestmark = pytest.mark.slow


@pytest_asyncio.fixture
async def tme() -> AsyncIterator[FakeTme]:
    async with FakeTme() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, tme: FakeTme) -> Settings:
    return settings.model_copy(update={"competitors": CompetitorSettings(
        base_url=tme.base_url, retries=1, backoff_seconds=0)})


def _history(channel: FakeChannel, views: int, at: datetime, *extra: str) -> None:
    for text in extra:
        channel.post(text, views, at=at)
    for i in range(6):
        channel.post(f"Kundalik post {i}", views + i * 10, at=at + timedelta(minutes=i))


async def _add(user, name: str, channel: str | None, website: str | None = None):  # type: ignore[no-untyped-def]
    await user.press("➕ Add a competitor")
    await user.send(name)
    if channel:
        await user.send(channel)
    else:
        await user.press("⏭ Skip")
    await user.press("⏭ Skip")  # Instagram
    return await (user.send(website) if website else user.press("⏭ Skip"))


async def _alerts(db: Database) -> list[OutboxMessage]:
    async with db.sessionmaker() as s:
        return list(await s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "alert").order_by(OutboxMessage.id)))


async def test_three_competitors_and_own_channel_alert_once_and_report(
        tg: Telegram, db: Database, tme: FakeTme) -> None:
    now = utcnow()
    start = now - timedelta(days=7, minutes=5)
    lavash = tme.channel("lavash_house", "Lavash House", 1000)
    _history(lavash, 1000, start - timedelta(days=1), "Lavash katta — 32 000 so'm")
    moda = tme.channel("moda_tashkent", "Moda Tashkent", 3000)
    _history(moda, 3000, start - timedelta(days=1), "Куртка зимняя — 850 000 сум")
    texno = tme.channel("texno_uz", "Texno UZ", 8000)
    _history(texno, 8000, start - timedelta(days=1))
    mine = tme.channel("my_shop", "My Shop", 500)
    _history(mine, 300, start - timedelta(days=1))

    async with db.sessionmaker() as s:
        business = await make_owner(s, 9301)
    user = tg.user(9301)
    assert "No competitors yet" in (await user.send("/competitors"))[-1].text
    added = await _add(user, "Lavash House", "@lavash_house")
    assert "✅ Added <b>Lavash House</b>" in added[0].html or "Added Lavash House" in added[0].text
    await user.press("➕ Add a competitor")
    await user.send("Moda Tashkent")
    wrong = (await user.send("t.me/+joinchat"))[-1]
    assert "not a public channel name" in wrong.text
    await user.send("https://t.me/s/moda_tashkent")
    await user.press("⏭ Skip")
    await user.send("moda.uz")
    listed = (await _add(user, "Texno UZ", "texno_uz"))[-1]
    assert "Plan: 3 of 3 competitors" in listed.text
    assert "The first reading comes within the hour" in listed.text
    await user.press("📡 My channel", message=listed)
    listed = (await user.send("@my_shop"))[-1]
    assert "Your channel: @my_shop" in listed.text

    # the first reading is the baseline: numbers stored, nothing about the past alerted
    first = await sync_tick(tg.app, now=start, every_business=True)
    assert (first["channels"], first["failed"], first["activities"], first["queued"]) == (
        4, 0, 0, 0)
    listed = (await user.send("/competitors"))[-1]
    assert "@lavash_house · 1,000 subscribers" in listed.text
    assert "@texno_uz · 8,000 subscribers" in listed.text

    # a week later: a surge, a promotion, a price change and a viral post
    lavash.subscribers = 1200
    lavash.post("🔥 AKSIYA! Juma kuni barcha lavashlarga -20% chegirma", 1100,
                at=now - timedelta(hours=2))
    moda.post("Куртка зимняя теперь 990 000 сум", 3100, at=now - timedelta(hours=3))
    texno.post("iPhone 16 video sharh — Toshkentda birinchi!", 31000,
               at=now - timedelta(hours=5))
    mine.post("Bizda ham yangi menyu", 420, at=now - timedelta(hours=1))
    second = await sync_tick(tg.app, now=now, every_business=True)
    assert (second["activities"], second["queued"]) == (4, 4)
    again = await sync_tick(tg.app, now=now + timedelta(hours=1), every_business=True)
    assert (again["activities"], again["queued"]) == (0, 0)  # the next sync: nothing new
    alerts = await _alerts(db)
    texts = [a.payload["text"] for a in alerts]
    assert len(texts) == 4 and {a.chat_id for a in alerts} == {9301}
    assert any("Lavash House</b> — Follower surge" in t and "+20%" in t for t in texts)
    assert any("Lavash House</b> — Promotion" in t and "-20% chegirma" in t for t in texts)
    assert any("Moda Tashkent</b> — Price change" in t and "850,000 so'm → 990,000 so'm" in t
               for t in texts)
    assert any("Texno UZ</b> — Viral post" in t and "31,000 views" in t for t in texts)
    async with db.sessionmaker() as s:
        runs = list(await s.scalars(select(CompetitorSyncRun).order_by(CompetitorSyncRun.id)))
    assert [r.status for r in runs] == ["ok", "ok", "ok"] and runs[1].activities == 4

    # the alert's buttons: ask the AI (rules without a key), then add a note
    price = next(a for a in alerts if "Price change" in a.payload["text"])
    delivered = await send_payload(tg.app.extras["owner_bot"], 9301, price.payload)
    answer = (await user.press("🤖 How to answer?", message=delivered.message_id))[-1]
    assert "How to answer Moda Tashkent" in answer.text and "margin" not in answer.text
    assert "raised the price" in answer.text
    await user.press("📝 Add a note", message=delivered.message_id)
    saved = (await user.send("Narxni ushlab turamiz, postda aytamiz"))[-1]
    assert "Note saved on Moda Tashkent" in saved.text

    # the weekly report: on demand, and once on Monday 09:00 through the outbox
    listed = (await user.send("/competitors"))[-1]
    assert "@lavash_house · 1,200 subscribers" in listed.text
    shown = (await user.press("📊 Weekly report", message=listed))[-1]
    assert shown.photo is not None and shown.photo.startswith(b"\x89PNG")
    assert "Lavash House: 1,200 subscribers (+20%)" in shown.text
    assert "31,000 views · Texno UZ" in shown.text
    assert "Your channel: 500 subscribers" in shown.text
    monday = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 09:00 in Tashkent
    ids = [business.id]
    assert await queue_weekly_reports(tg.app, now=monday, business_ids=ids) == 1
    assert await queue_weekly_reports(tg.app, now=monday + timedelta(minutes=10),
                                      business_ids=ids) == 0
    async with db.sessionmaker() as s:
        report = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "report"))
    assert report is not None and base64.b64decode(report.payload["photo_b64"])[:4] == (
        b"\x89PNG")


async def test_card_edit_swot_remove_and_foreign_ids(tg: Telegram, db: Database,
                                                    tme: FakeTme) -> None:
    tme.channel("lavash_house", "Lavash House", 1000)
    async with db.sessionmaker() as s:
        business = await make_owner(s, 9302)
        other = await make_owner(s, 9303)
    user = tg.user(9302)
    await user.send("/competitors")
    await _add(user, "Lavash House", None)
    # the bot admins the owner's public channel: its page is read with no setup
    tme.channel("coffee_news", "Coffee news", 700)
    tg.emulator.add_chat(OWNER_TOKEN, -1007777, chat_type="channel", title="Coffee news",
                         username="coffee_news")
    async with db.sessionmaker.begin() as s:
        await marketing.register_telegram_channel(s, business_id=business.id,
                                                  chat_id=-1007777, title="Coffee news")
    result = await sync_business(tg.app, business.id, now=utcnow())
    assert (result["failed"], result["channels"]) == (0, 1)
    assert "Your channel: @coffee_news · 700 subscribers" in (
        await user.send("/competitors"))[-1].text
    tme.script(502, 502)  # t.me is down for the next sync
    listed = (await user.send("/competitors"))[-1]
    card = (await user.press("🔎 Lavash House", message=listed))[-1]
    assert "Telegram: —" in card.text and "Nothing noticed yet" in card.text
    await user.press("✏️ Edit", message=card)
    await user.press("Telegram channel")
    assert "not a public channel name" in (await user.send("no"))[-1].text
    card = (await user.send("@lavash_house"))[-1]
    assert "@lavash_house" in card.text
    async with db.sessionmaker.begin() as s:  # the last run was long enough ago
        await s.execute(update(CompetitorSyncRun).values(
            started_at=utcnow() - timedelta(minutes=10)))
    listed = (await user.send("/competitors"))[-1]
    refreshed = await user.press("🔄 Refresh now", message=listed)
    # the status message is edited when t.me has answered (502 twice: recorded, not raised)
    assert "Channels read: 2, not answering: 1, new activity: 0" in refreshed[0].text
    listed = refreshed[-1]
    assert "Try again in 5 minutes" in (await user.press("🔄 Refresh now", message=listed)
                                        )[-1].text
    listed = (await user.send("/competitors"))[-1]
    # the first channel read (the own one) met the outage; the last good numbers stay
    assert "@coffee_news · 700 subscribers\n⚠️ Not synced since" in listed.text
    assert "@lavash_house · 1,000 subscribers" in listed.text
    async with db.sessionmaker() as s:
        run = await s.scalar(select(CompetitorSyncRun).order_by(CompetitorSyncRun.id.desc()))
    assert run is not None and run.status == "partial"
    assert run.error == "@coffee_news: unavailable"

    card = (await user.press("🔎 Lavash House", message=listed))[-1]
    assert "Posting: 0 posts a week" in card.text
    swot = (await user.press("🧭 SWOT", message=card))[-1]
    assert "SWOT — Lavash House" in swot.text and "Drafted by the rules" in swot.text
    await user.press("✏️ Threats", message=swot)
    edited = (await user.send("Yangi filial ochmoqda\nNarxlarni tushiradi"))[-1]
    assert "• Yangi filial ochmoqda" in edited.text and "Edited by you" in edited.text

    listed = (await user.send("/competitors"))[-1]
    overall = (await user.press("🧭 Overall SWOT", message=listed))[-1]
    assert "SWOT — you against the market" in overall.text and "Lavash House: " in overall.text
    await user.press("✏️ Strengths", message=overall)
    await user.send("Mahalla ichida yagona qahvaxona")
    listed = (await user.send("/competitors"))[-1]
    overall = (await user.press("🧭 Overall SWOT", message=listed))[-1]
    assert "• Mahalla ichida yagona qahvaxona" in overall.text  # stored, as edited
    assert "Edited by you" in overall.text

    async with db.sessionmaker() as s:
        theirs = await make_other_competitor(s, other.id)
    for action in (CompetitorAction.OPEN, CompetitorAction.REMOVE_YES, CompetitorAction.SWOT):
        replies = await user.press_data(CompetitorCB(action=action,
                                                     competitor_id=theirs).pack())
        assert replies == [] or "Not found" in replies[-1].text
    assert "Not found" in user.callback_answers[-1].text

    listed = (await user.send("/competitors"))[-1]
    card = (await user.press("🔎 Lavash House", message=listed))[-1]
    confirm = (await user.press("🗑 Remove", message=card))[-1]
    assert "can't be undone" in confirm.text
    gone = await user.press("🗑 Yes, remove", message=confirm)
    assert "Lavash House removed" in gone[0].text and "No competitors yet" in gone[-1].text


async def make_other_competitor(session, business_id: int) -> int:  # type: ignore[no-untyped-def]
    from services import competitors

    created = await competitors.create_competitor(session, business_id=business_id,
                                                  name="Secret rival")
    await session.commit()
    return created.competitor.id


def test_alert_texts_in_uzbek_and_russian() -> None:
    from bot.competitor_texts import alert_text
    from bot.i18n import make_i18n
    from services.competitors import ActivityKind
    from services.competitors.sync import Alert

    i18n = make_i18n()
    alert = Alert(1, 2, "Moda", ActivityKind.PRICE_CHANGE, "high",
                  {"item": "Kurtka", "old": 850000, "new": 990000, "pct": 16.5,
                   "post_id": 7, "username": "moda_tashkent", "excerpt": "..."})
    texts = {}
    for locale in ("uz", "uz_Cyrl", "ru"):
        with i18n.context(), i18n.use_locale(locale):
            texts[locale] = alert_text(alert, locale)
    assert "Moda</b> — Narx oʻzgarishi" in texts["uz"]
    assert "Moda</b> — Нарх ўзгариши" in texts["uz_Cyrl"]
    assert "Moda</b> — Изменение цены" in texts["ru"] and "850\xa0000 сум" in texts["ru"]
    assert "https://t.me/moda_tashkent/7" in texts["ru"]
    from bot.competitor_texts import sync_state
    from services.competitors import ChannelState

    state = ChannelState("moda_tashkent", "Moda", 1201, datetime(2026, 11, 30, tzinfo=UTC),
                         datetime(2026, 12, 1, tzinfo=UTC), "rate_limited")
    with i18n.context(), i18n.use_locale("ru"):
        shown = sync_state(state, "ru", "Asia/Tashkent")
    assert shown.startswith("@moda_tashkent · 1\xa0201 подписчик\n⚠️ Не обновлялось с ")


async def test_swot_drafted_by_the_model_and_rules_when_it_fails(
        ai_tg: Telegram, db: Database, fake: FakeAnthropic) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 9306)
        await competitors_service.create_competitor(s, business_id=business.id,
                                                    name="Lavash House", website="lavash.uz")
        await s.commit()
    drafted = {"strengths": ["Loyal lunch crowd"], "weaknesses": ["Slow delivery"],
               "opportunities": ["Office catering"], "threats": ["Price war at lunch"]}
    fake.default = Reply(chunks=[json.dumps(drafted)])
    user = ai_tg.user(9306)
    listed = (await user.send("/competitors"))[-1]
    card = (await user.press("🔎 Lavash House", message=listed))[-1]
    swot = (await user.press("🧭 SWOT", message=card))[-1]
    assert "• Loyal lunch crowd" in swot.text and "Drafted by the AI" in swot.text
    assert "Competitor: Lavash House" in json.dumps(fake.requests[-1].body)
    fake.default = Fail(500)
    again = (await user.press("🤖 Draft again", message=swot))[-1]
    assert "Drafted by the rules" in again.text and "No prices in their posts" in again.text


def test_weekly_caption_fits_a_photo_without_cutting_a_tag() -> None:
    from datetime import date

    from bot.competitor_texts import weekly_caption
    from bot.i18n import make_i18n
    from services.competitors.report import ChannelSeries, TopPost, WeeklyData

    days = [date(2026, 11, 4) + timedelta(days=i) for i in range(28)]
    channels = [ChannelSeries(f"Rival <{n}> " + "x" * 60, f"rival_{n}", False, days,
                              [1000 + n] * 28, [3, 4, 5, 6], [0, 1, 0, 1]) for n in range(30)]
    top = [TopPost("Rival", "rival_1", 5, 9000, "<b>not a tag</b>", False)]
    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("en"):
        caption = weekly_caption(WeeklyData(days[-7], days[-1], channels, top), "en", "Biz",
                                 "Your channel")
    assert len(caption) <= 1024 and caption.count("<b>") == caption.count("</b>")
    assert "Rival &lt;0&gt;" in caption
