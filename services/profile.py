"""Business profile (Allan Dib's 1-Page Marketing Plan): businesses, fields, switching."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, plans
from services.db.models import Business, Membership, User
from services.errors import InvalidInput, NotFound
from services.teams import Role
from services.validation import (
    clean_text,
    parse_amount,
    parse_date,
    parse_email,
    parse_int,
    parse_phone,
    parse_url,
)

INDUSTRIES = (
    "retail", "horeca", "services", "education", "beauty", "health", "it", "construction",
    "manufacturing", "real_estate", "auto", "agency", "ecommerce", "other",
)
MODELS = ("b2b", "b2c", "both")
GOALS = ("leads", "sales", "brand", "retention")
TEAM_SIZES = ("1", "2-5", "6-20", "21-50", "50+")
BUSINESS_TYPES = ("startup", "small", "medium", "agency", "freelancer")


def _choice(options: tuple[str, ...]) -> Callable[[str, str], str]:
    def parse(value: str, field: str) -> str:
        text = value.strip().lower()
        if text not in options:
            raise InvalidInput(field=field, reason="choice")
        return text

    return parse


def _text(max_len: int) -> Callable[[str, str], str]:
    return lambda value, field: clean_text(value, field=field, max_len=max_len)


def _founded(value: str, field: str) -> date:
    parsed = parse_date(value, field=field)
    if parsed > date.today() or parsed.year < 1900:
        raise InvalidInput(field=field, reason="date_range")
    return parsed


@dataclass(frozen=True, slots=True)
class FieldSpec:
    parse: Callable[[str, str], Any]
    kind: str  # text / choice / phone / email / url / date / int / money
    required: bool = False
    choices: tuple[str, ...] = ()


PROFILE_FIELDS: dict[str, FieldSpec] = {
    "name": FieldSpec(_text(120), "text", required=True),
    "legal_name": FieldSpec(_text(200), "text"),
    "type": FieldSpec(_choice(BUSINESS_TYPES), "choice", choices=BUSINESS_TYPES),
    "industry": FieldSpec(_choice(INDUSTRIES), "choice", required=True, choices=INDUSTRIES),
    "sub_industry": FieldSpec(_text(120), "text"),
    "model": FieldSpec(_choice(MODELS), "choice", required=True, choices=MODELS),
    "phone": FieldSpec(lambda v, f: parse_phone(v, field=f), "phone"),
    "email": FieldSpec(lambda v, f: parse_email(v, field=f), "email"),
    "website": FieldSpec(lambda v, f: parse_url(v, field=f), "url"),
    "address": FieldSpec(_text(300), "text"),
    "city": FieldSpec(_text(120), "text"),
    "region": FieldSpec(_text(120), "text"),
    "description": FieldSpec(_text(2000), "text"),
    "tagline": FieldSpec(_text(200), "text"),
    "founded_on": FieldSpec(_founded, "date"),
    "employees": FieldSpec(lambda v, f: parse_int(v, field=f, maximum=1_000_000), "int"),
    "annual_revenue": FieldSpec(lambda v, f: parse_amount(v, field=f), "money"),
    "usp": FieldSpec(_text(1000), "text"),
    "elevator_pitch": FieldSpec(_text(1000), "text"),
}


async def count_owned(session: AsyncSession, *, owner_id: int) -> int:
    """Businesses the user owns (the plan's ``businesses`` limit counts these)."""
    return int(
        await session.scalar(
            select(func.count()).select_from(Business).where(Business.owner_id == owner_id)
        )
        or 0
    )


async def create_business(
    session: AsyncSession,
    *,
    owner_id: int,
    name: str,
    industry: str,
    model: str,
    primary_goal: str,
    team_size: str,
) -> tuple[Business, plans.LimitStatus]:
    """Create a business owned by the user, within the plan's limit; starts the trial on the
    account's first business and makes the new business current."""
    values = {
        "name": PROFILE_FIELDS["name"].parse(name, "name"),
        "industry": PROFILE_FIELDS["industry"].parse(industry, "industry"),
        "model": PROFILE_FIELDS["model"].parse(model, "model"),
        "primary_goal": _choice(GOALS)(primary_goal, "primary_goal"),
        "team_size": _choice(TEAM_SIZES)(team_size, "team_size"),
    }
    status = await plans.check_limit(
        session, owner_id=owner_id, resource=plans.Resource.BUSINESSES,
        used=await count_owned(session, owner_id=owner_id),
    )
    await plans.start_trial(session, user_id=owner_id)
    business = Business(owner_id=owner_id, **values)
    session.add(business)
    await session.flush()
    session.add(Membership(business_id=business.id, user_id=owner_id, role=Role.OWNER.value))
    user = await session.get(User, owner_id)
    if user is not None:
        user.current_business_id = business.id
    await session.flush()
    await audit.record(session, action="business.created", user_id=owner_id,
                       business_id=business.id)
    return business, status


async def get_business(session: AsyncSession, *, business_id: int) -> Business:
    """The business by id, or ``NotFound``."""
    business = await session.get(Business, business_id)
    if business is None:
        raise NotFound(entity="business", id=business_id)
    return business


async def update_field(
    session: AsyncSession, *, business_id: int, field: str, raw: str
) -> Business:
    """Validate and store one profile field; an empty value clears an optional field."""
    spec = PROFILE_FIELDS.get(field)
    if spec is None:
        raise InvalidInput(field=field, reason="unknown_field")
    business = await get_business(session, business_id=business_id)
    if raw.strip() in {"", "-"}:
        if spec.required:
            raise InvalidInput(field=field, reason="empty")
        value: Any = None
    else:
        value = spec.parse(raw, field)
    setattr(business, field, value)
    await session.flush()
    return business


async def set_logo(session: AsyncSession, *, business_id: int, file_id: str | None) -> None:
    """Remember the logo (a Telegram file id); ``None`` removes it."""
    if file_id is not None and not 0 < len(file_id) <= 256:
        raise InvalidInput(field="logo", reason="photo")
    business = await get_business(session, business_id=business_id)
    business.logo_file_id = file_id
    await session.flush()


def completeness(business: Business) -> int:
    """Share of profile fields filled, in percent."""
    filled = sum(1 for f in PROFILE_FIELDS if getattr(business, f) not in (None, ""))
    filled += business.logo_file_id is not None
    return round(filled * 100 / (len(PROFILE_FIELDS) + 1))


@dataclass(frozen=True, slots=True)
class BusinessChoice:
    id: int
    name: str
    role: Role
    current: bool


async def my_businesses(session: AsyncSession, *, user_id: int) -> list[BusinessChoice]:
    """Every business the user belongs to, with their role."""
    user = await session.get(User, user_id)
    current = user.current_business_id if user else None
    rows = (
        await session.execute(
            select(Business.id, Business.name, Membership.role)
            .join(Membership, Membership.business_id == Business.id)
            .where(Membership.user_id == user_id)
            .order_by(Business.id)
        )
    ).all()
    return [BusinessChoice(bid, name, Role(role), bid == current) for bid, name, role in rows]


async def switch_business(session: AsyncSession, *, user_id: int, business_id: int) -> Business:
    """Make a business current; membership is re-checked (callback data is never trusted)."""
    membership = await session.scalar(
        select(Membership).where(
            Membership.user_id == user_id, Membership.business_id == business_id
        )
    )
    if membership is None:
        raise NotFound(entity="business", id=business_id)
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(entity="user", id=user_id)
    user.current_business_id = business_id
    return membership.business
