"""When the weekly strategy check-in is due, and who chose to get it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import checkins, teams
from services.errors import NotFound
from tests.factories import add_member, make_owner


def test_due_on_monday_after_nine_local_time() -> None:
    monday_0859_tashkent = datetime(2026, 12, 7, 3, 59, tzinfo=UTC)
    monday_0900_tashkent = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    assert checkins.due_week(monday_0859_tashkent, "Asia/Tashkent") is None
    assert checkins.due_week(monday_0900_tashkent, "Asia/Tashkent") == ("2026-12", "2026-W50")
    assert checkins.due_week(monday_0900_tashkent, "America/New_York") is None  # Sunday night
    tuesday = datetime(2026, 12, 8, 6, tzinfo=UTC)
    assert checkins.due_week(tuesday, "Asia/Tashkent") is None  # no catching up next day
    first_monday = datetime(2026, 6, 1, 5, tzinfo=UTC)
    assert checkins.due_week(first_monday, "Asia/Tashkent") == ("2026-06", "2026-W23")
    assert checkins.due_week(monday_0900_tashkent, "Mars/Olympus") == ("2026-12", "2026-W50")


async def test_owner_gets_it_until_opting_out_members_after_opting_in(
        session: AsyncSession) -> None:
    business = await make_owner(session, 9191)
    await add_member(session, business.id, 9192, teams.Role.MEMBER)
    assert await checkins.is_opted_in(session, business_id=business.id, user_id=9191)
    assert not await checkins.is_opted_in(session, business_id=business.id, user_id=9192)
    await checkins.set_opt_in(session, business_id=business.id, user_id=9191, enabled=False)
    await checkins.set_opt_in(session, business_id=business.id, user_id=9192, enabled=True)
    assert [r.user_id for r in await checkins.recipients(session, business_id=business.id)] \
        == [9192]
    other = await make_owner(session, 9193, name="Other")
    with pytest.raises(NotFound):  # not a member of that business
        await checkins.set_opt_in(session, business_id=other.id, user_id=9192, enabled=True)
