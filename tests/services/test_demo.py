"""The demo account the shell's --demo logs into: seeded once, with every module filled."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services import aggregates, canvas, competitors, dream_buyer, goals, offers
from services.demo import seed_demo
from services.salesbot import knowledge


async def test_demo_is_seeded_once_with_every_module(session: AsyncSession) -> None:
    business = await seed_demo(session, language="ru")
    again = await seed_demo(session, language="ru")
    assert again.id == business.id
    avatars = await dream_buyer.list_avatars(session, business_id=business.id)
    assert [a.completeness for a in avatars] == [100]
    (offer,) = await offers.list_offers(session, business_id=business.id)
    assert offer.name == "Morning Pass" and len(offer.bonuses) == 2
    titles = [g.title for g in await goals.list_goals(session, business_id=business.id)]
    assert "Выручка 200 млн в месяц" in titles and len(titles) == 2  # in the user's language
    squares = await canvas.get_canvas(session, business_id=business.id)
    assert squares["message"].startswith("Свежеобжаренный кофе")
    stats = await aggregates.stored(session, business_id=business.id)
    assert len({day for day, _channel in stats}) >= 40  # six weeks of history
    assert stats == await aggregates.expected(session, business_id=business.id)
    rivals = await competitors.list_competitors(session, business_id=business.id)
    assert [r.name for r in rivals] == ["Coffee Point", "Black Bean"]
    assert all(r.channel is not None and r.channel.subscribers for r in rivals)
    seen = {a.kind for r in rivals for a in await competitors.recent_activities(
        session, business_id=business.id, competitor_id=r.id, limit=10)}
    assert {"promotion", "price_change", "follower_surge"} <= seen
    products = await knowledge.list_products(session, business_id=business.id)
    assert {p.name: p.price for p in products}["Latte"] == 28_000
