"""Users: identity from Telegram, the current business, language and time zone."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import profile, users
from services.db.models import AuditLog, User
from services.errors import InvalidInput, NotFound
from tests.factories import make_owner


def test_guess_language() -> None:
    assert users.guess_language("ru-RU") == "ru"
    assert users.guess_language("en") == "en"
    assert users.guess_language("uz") == "uz"
    assert users.guess_language("de") == "uz"
    assert users.guess_language(None) == "uz"


async def test_touch_user_creates_then_refreshes(session: AsyncSession) -> None:
    user, created = await users.touch_user(session, user_id=5001, first_name="Aziz",
                                           username="aziz", admin_ids=frozenset({5001}))
    assert created and user.platform_role == "super_admin" and user.timezone == "Asia/Tashkent"
    await session.commit()
    again, created = await users.touch_user(session, user_id=5001, first_name="Aziz",
                                            last_name="Karimov", username="aziz_k")
    assert not created and again is user
    assert (user.last_name, user.username) == ("Karimov", "aziz_k")
    assert await session.get(AuditLog, 1) is not None


async def test_context_falls_back_to_another_business(session: AsyncSession) -> None:
    first = (await make_owner(session, 5002, name="First")).id
    await profile.create_business(session, owner_id=5002, name="Second", industry="retail",
                                  model="b2b", primary_goal="leads", team_size="1")
    user = await session.get(User, 5002)
    assert user is not None
    ctx = await users.load_context(session, user=user)
    assert ctx.business is not None and ctx.business.name == "Second" and ctx.role == "owner"
    user.current_business_id = None
    ctx = await users.load_context(session, user=user)
    assert ctx.business is not None and ctx.business.id == first
    assert user.current_business_id == first


async def test_set_language(session: AsyncSession) -> None:
    await users.touch_user(session, user_id=5003, first_name="L")
    for code in users.LANGUAGES:
        await users.set_language(session, user_id=5003, language=code)
        assert (await session.get(User, 5003)).language == code  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as info:
        await users.set_language(session, user_id=5003, language="de")
    assert (info.value.field, info.value.reason) == ("language", "choice")
    with pytest.raises(NotFound):
        await users.set_language(session, user_id=5999, language="en")


@pytest.mark.parametrize(("typed", "stored"), [
    ("Asia/Tashkent", "Asia/Tashkent"),
    ("europe/moscow", "Europe/Moscow"),
    ("America/New York", "America/New_York"),
    ("+5", "Etc/GMT-5"),
    ("UTC+3", "Etc/GMT-3"),
    ("gmt-4", "Etc/GMT+4"),
    ("+0", "UTC"),
    ("UTC", "UTC"),
])
async def test_set_timezone_accepts_names_and_offsets(session: AsyncSession, typed: str,
                                                      stored: str) -> None:
    await users.touch_user(session, user_id=5004, first_name="T")
    assert await users.set_timezone(session, user_id=5004, value=typed) == stored
    assert (await session.get(User, 5004)).timezone == stored  # type: ignore[union-attr]


@pytest.mark.parametrize("typed", ["", "Mars/Olympus", "+15", "+5:30", "Tashkent"])
async def test_set_timezone_rejects_the_rest(session: AsyncSession, typed: str) -> None:
    await users.touch_user(session, user_id=5005, first_name="T")
    with pytest.raises(InvalidInput) as info:
        await users.set_timezone(session, user_id=5005, value=typed)
    assert info.value.reason == "timezone"
    assert (await session.get(User, 5005)).timezone == "Asia/Tashkent"  # type: ignore[union-attr]
