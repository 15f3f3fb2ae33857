"""Channels, spend parsing and entry, own Telegram channels: validation, limits, isolation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import aggregates, marketing
from services.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from services.validation import parse_day
from tests.factories import make_owner

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(("word", "kind"), [
    ("insta", "instagram"), ("Инстаграм", "instagram"), ("tg", "telegram"),
    ("телеграм", "telegram"), ("Google Ads", "google_ads"), ("sayt", "website"),
    ("сайт", "website"), ("тикток", "tiktok"), ("oflayn", "offline"), ("boshqa", "other"),
    ("ютуб", "youtube"), ("fb", "facebook"), ("myspace", None),
])
def test_channel_aliases(word: str, kind: str | None) -> None:
    assert marketing.kind_for_alias(word) == kind


@pytest.mark.parametrize(("text", "amount", "day", "impressions", "clicks"), [
    ("instagram 500000", 500_000, TODAY, None, None),
    ("insta 500 000", 500_000, TODAY, None, None),
    ("insta 500k", 500_000, TODAY, None, None),
    ("insta 500 ming kecha", 500_000, TODAY - timedelta(days=1), None, None),
    ("tg 1.2 mln вчера", 1_200_000, TODAY - timedelta(days=1), None, None),
    ("tg 1.2 mln 20.11 imp=12000 clicks:340", 1_200_000, date(2026, 11, 20), 12_000, 340),
    ("fb 300000 2026-11-01", 300_000, date(2026, 11, 1), None, None),
])
def test_parse_spend_args(text: str, amount: int, day: date, impressions: int | None,
                          clicks: int | None) -> None:
    parsed = marketing.parse_spend_args(text, today=TODAY)
    assert (parsed.amount, parsed.day, parsed.impressions, parsed.clicks) == (
        amount, day, impressions, clicks)


@pytest.mark.parametrize(("text", "reason"), [
    ("instagram", "empty"), ("insta lots", "number"), ("insta 0", "range"),
    ("insta 100 25.12", "date_range"), ("insta 100 foo=3", "number"),
])
def test_parse_spend_args_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        marketing.parse_spend_args(text, today=TODAY)
    assert caught.value.reason == reason


def test_parse_day() -> None:
    assert parse_day("bugun", today=TODAY) == TODAY
    assert parse_day("Кеча", today=TODAY) == TODAY - timedelta(days=1)
    assert parse_day("1.11", today=TODAY) == date(2026, 11, 1)
    with pytest.raises(InvalidInput):
        parse_day("31.02", today=TODAY)
    with pytest.raises(InvalidInput):
        parse_day("tomorrow", today=TODAY)


async def test_channel_limit_with_warnings_and_auto_create(session: AsyncSession) -> None:
    business = await make_owner(session, 61_001)
    first = await marketing.resolve_channel(session, business_id=business.id, text="insta")
    assert first.created and first.channel.name == "Instagram"
    again = await marketing.resolve_channel(session, business_id=business.id, text="Instagram")
    assert not again.created and again.channel.id == first.channel.id
    second = await marketing.create_channel(session, business_id=business.id, kind="telegram",
                                            name="Coffee news")
    assert second.limit is not None and second.limit.warning is None  # 2 of 3
    by_name = await marketing.resolve_channel(session, business_id=business.id,
                                              text="coffee news")
    assert by_name.channel.id == second.channel.id
    with pytest.raises(Conflict):
        await marketing.create_channel(session, business_id=business.id, kind="telegram",
                                       name="coffee NEWS")
    third = await marketing.resolve_channel(session, business_id=business.id, text="tiktok")
    assert third.limit is not None and third.limit.warning == 90  # 3 of 3 on Starter
    with pytest.raises(LimitExceeded):
        await marketing.resolve_channel(session, business_id=business.id, text="youtube")
    with pytest.raises(NotFound):
        await marketing.resolve_channel(session, business_id=business.id, text="youtube",
                                        create=False)
    await marketing.set_channel_active(session, business_id=business.id,
                                       channel_id=third.channel.id, active=False)
    assert (await marketing.channel_usage(session, business_id=business.id)).used == 2
    back = await marketing.resolve_channel(session, business_id=business.id, text="тикток")
    assert back.created and back.channel.id == third.channel.id  # reactivated, no twin


async def test_spend_isolation_and_stats(session: AsyncSession) -> None:
    mine = await make_owner(session, 61_002)
    theirs = await make_owner(session, 61_003)
    channel = (await marketing.resolve_channel(session, business_id=mine.id, text="ig")).channel
    other = (await marketing.resolve_channel(session, business_id=theirs.id, text="ig")).channel
    entry = await marketing.add_spend(session, business_id=mine.id, channel_id=channel.id,
                                      amount=500_000, day=TODAY, clicks=10)
    with pytest.raises(NotFound):
        await marketing.add_spend(session, business_id=mine.id, channel_id=other.id,
                                  amount=1, day=TODAY)
    with pytest.raises(NotFound):
        await marketing.update_spend(session, business_id=theirs.id, entry_id=entry.id,
                                     amount=1)
    with pytest.raises(NotFound):
        await marketing.delete_spend(session, business_id=theirs.id, entry_id=entry.id)
    with pytest.raises(NotFound):
        await marketing.update_spend(session, business_id=mine.id, entry_id=entry.id,
                                     channel_id=other.id)
    assert await aggregates.stored(session, business_id=theirs.id) == {}
    stats = await aggregates.stored(session, business_id=mine.id)
    assert stats[(TODAY, channel.id)]["spend"] == 500_000


async def test_telegram_channel_registration(session: AsyncSession) -> None:
    business = await make_owner(session, 61_004)
    added = await marketing.register_telegram_channel(session, business_id=business.id,
                                                      chat_id=-100777, title="News")
    assert added.created and added.channel.external_ref == "-100777"
    again = await marketing.register_telegram_channel(session, business_id=business.id,
                                                      chat_id=-100777, title="News")
    assert not again.created and again.channel.id == added.channel.id
    assert [t.chat_id for t in await marketing.telegram_sync_targets(session)] == [-100777]
    assert await marketing.unregister_telegram_channel(session, chat_id=-100777) == [
        business.id]
    assert await marketing.telegram_sync_targets(session) == []
    back = await marketing.register_telegram_channel(session, business_id=business.id,
                                                     chat_id=-100777, title="News")
    assert back.created and back.channel.is_active
