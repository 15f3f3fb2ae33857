"""Quick ways to put users and businesses in the database for tests."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services import profile, teams, users
from services.db.models import Business, Membership


async def make_owner(session: AsyncSession, user_id: int, *, name: str = "Test Biz",
                     language: str = "en") -> Business:
    """A user (language chosen) owning a fresh business on the Starter trial; committed."""
    user, _ = await users.touch_user(session, user_id=user_id, first_name=f"Owner{user_id}")
    user.language = language
    business, _ = await profile.create_business(
        session, owner_id=user_id, name=name, industry="retail", model="b2c",
        primary_goal="sales", team_size="2-5")
    await session.commit()
    return business


async def add_member(session: AsyncSession, business_id: int, user_id: int, role: teams.Role,
                     *, language: str = "en") -> None:
    """A user with ``role`` in the business (current business set); committed."""
    user, _ = await users.touch_user(session, user_id=user_id, first_name=f"Member{user_id}")
    user.language = language
    user.current_business_id = business_id
    await session.flush()
    session.add(Membership(business_id=business_id, user_id=user_id, role=role.value))
    await session.commit()
