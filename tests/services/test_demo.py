"""The demo account the shell's --demo logs into: seeded once, with every module filled."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services import aggregates, dream_buyer, goals, offers
from services.demo import seed_demo


async def test_demo_is_seeded_once_with_every_module(session: AsyncSession) -> None:
    business = await seed_demo(session, language="ru")
    again = await seed_demo(session, language="ru")
    assert again.id == business.id
    avatars = await dream_buyer.list_avatars(session, business_id=business.id)
    assert [a.completeness for a in avatars] == [100]
    (offer,) = await offers.list_offers(session, business_id=business.id)
    assert offer.name == "Morning Pass" and len(offer.bonuses) == 2
    assert len(await goals.list_goals(session, business_id=business.id)) == 2
    stats = await aggregates.stored(session, business_id=business.id)
    assert len({day for day, _channel in stats}) >= 40  # six weeks of history
    assert stats == await aggregates.expected(session, business_id=business.id)
