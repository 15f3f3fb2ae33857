"""Business profile use cases: fields, completeness, logo, the business list and switching."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import profile, teams
from services.db.models import User
from services.errors import InvalidInput, LimitExceeded, NotFound
from tests.factories import add_member, make_owner


async def test_every_field_kind_is_parsed(session: AsyncSession) -> None:
    business = await make_owner(session, 3001)
    values = {
        "legal_name": ("  \"Test\"  LLC ", "\"Test\" LLC"),
        "type": ("Startup", "startup"),
        "industry": ("beauty", "beauty"),
        "model": ("B2B", "b2b"),
        "phone": ("90 123 45 67", "+998901234567"),
        "email": ("info@Example.uz", "info@example.uz"),
        "website": ("example.uz", "https://example.uz"),
        "founded_on": ("01.03.2023", date(2023, 3, 1)),
        "employees": ("1 200", 1200),
        "annual_revenue": ("1.8 mlrd", 1_800_000_000),
    }
    for field, (raw, _expected) in values.items():
        await profile.update_field(session, business_id=business.id, field=field, raw=raw)
    for field, (_raw, expected) in values.items():
        assert getattr(business, field) == expected, field


@pytest.mark.parametrize(("field", "raw", "reason"), [
    ("type", "corporation", "choice"),
    ("phone", "12345", "phone"),
    ("email", "not-an-email", "email"),
    ("website", "not a site", "url"),
    ("founded_on", "01.01.2999", "date_range"),
    ("founded_on", "01.01.1800", "date_range"),
    ("founded_on", "yesterday", "date"),
    ("employees", "lots", "count"),
    ("tagline", "x" * 201, "too_long"),
    ("owner_id", "1", "unknown_field"),
])
async def test_invalid_values_are_refused(session: AsyncSession, field: str, raw: str,
                                          reason: str) -> None:
    business = await make_owner(session, 3002)
    with pytest.raises(InvalidInput) as info:
        await profile.update_field(session, business_id=business.id, field=field, raw=raw)
    assert (info.value.field, info.value.reason) == (field, reason)


async def test_dash_clears_optional_fields_but_not_required_ones(session: AsyncSession) -> None:
    business = await make_owner(session, 3003)
    await profile.update_field(session, business_id=business.id, field="city", raw="Tashkent")
    await profile.update_field(session, business_id=business.id, field="city", raw="-")
    assert business.city is None
    for field in ("name", "industry", "model"):
        with pytest.raises(InvalidInput) as info:
            await profile.update_field(session, business_id=business.id, field=field, raw="-")
        assert info.value.reason == "empty"
    assert (business.name, business.industry, business.model) == ("Test Biz", "retail", "b2c")


async def test_completeness_counts_fields_and_logo(session: AsyncSession) -> None:
    business = await make_owner(session, 3004)
    assert profile.completeness(business) == 15  # name, industry, model: 3 of 20
    await profile.set_logo(session, business_id=business.id, file_id="AgAC-logo")
    assert business.logo_file_id == "AgAC-logo"
    assert profile.completeness(business) == 20
    await profile.set_logo(session, business_id=business.id, file_id=None)
    assert business.logo_file_id is None
    for field in profile.PROFILE_FIELDS:
        if getattr(business, field) is None:
            raw = {"type": "small", "phone": "901234567", "email": "a@b.uz",
                   "website": "b.uz", "founded_on": "01.01.2020", "employees": "3",
                   "annual_revenue": "5 mln"}.get(field, "text")
            await profile.update_field(session, business_id=business.id, field=field, raw=raw)
    assert profile.completeness(business) == 95
    await profile.set_logo(session, business_id=business.id, file_id="AgAC-logo")
    assert profile.completeness(business) == 100


async def test_unknown_business_is_not_found(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await profile.update_field(session, business_id=999_999, field="city", raw="x")
    with pytest.raises(NotFound):
        await profile.set_logo(session, business_id=999_999, file_id="x")


async def test_my_businesses_lists_roles_and_the_current_one(session: AsyncSession) -> None:
    own = await make_owner(session, 3005, name="Own Shop")
    other = await make_owner(session, 3006, name="Friend's Cafe")
    await add_member(session, other.id, 3005, teams.Role.MANAGER)  # also makes it current
    choices = await profile.my_businesses(session, user_id=3005)
    assert [(c.id, c.name, c.role, c.current) for c in choices] == [
        (own.id, "Own Shop", teams.Role.OWNER, False),
        (other.id, "Friend's Cafe", teams.Role.MANAGER, True),
    ]
    assert await profile.my_businesses(session, user_id=424242) == []


async def test_switch_business_rechecks_membership(session: AsyncSession) -> None:
    own = await make_owner(session, 3007)
    foreign = await make_owner(session, 3008)
    second, _ = await profile.create_business(
        session, owner_id=3007, name="Second", industry="it", model="b2b",
        primary_goal="leads", team_size="1")
    user = await session.get(User, 3007)
    assert user is not None and user.current_business_id == second.id
    switched = await profile.switch_business(session, user_id=3007, business_id=own.id)
    assert switched.id == own.id and user.current_business_id == own.id
    with pytest.raises(NotFound):
        await profile.switch_business(session, user_id=3007, business_id=foreign.id)
    assert user.current_business_id == own.id


async def test_the_starter_plan_allows_two_businesses(session: AsyncSession) -> None:
    await make_owner(session, 3009)
    _, status = await profile.create_business(
        session, owner_id=3009, name="Second", industry="it", model="b2b",
        primary_goal="leads", team_size="1")
    assert (status.used, status.limit) == (2, 2)
    with pytest.raises(LimitExceeded) as info:
        await profile.create_business(
            session, owner_id=3009, name="Third", industry="it", model="b2b",
            primary_goal="leads", team_size="1")
    assert info.value.params["resource"] == "businesses"
    assert await profile.count_owned(session, owner_id=3009) == 2
