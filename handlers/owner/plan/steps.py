"""/plan: what the account pays for, how much of it is used, and what the other plans give."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import BUSINESS
from handlers.owner.plan import keyboards, texts
from handlers.ui import MenuCB, MenuItem
from services import plans, profile, teams
from services.db.base import utcnow
from services.db.models import Business, User

router = Router(name="plan")


async def plan_screen(session: AsyncSession, *, user: User, business: Business,
                      locale: str) -> str:
    sub = await plans.business_subscription(session, business_id=business.id)
    # Usage is shown where it is counted today; the plan belongs to the business's owner.
    used: dict[str, int] = {
        plans.Resource.BUSINESSES: await profile.count_owned(session,
                                                             owner_id=business.owner_id),
        plans.Resource.TEAM_MEMBERS: await teams.seats_used(session, business_id=business.id),
    }
    rows = plans.limit_matrix(sub.limits, plan=sub.plan_code, used=used)
    return texts.plan_text(sub=sub, rows=rows, catalogue=await plans.list_plans(session),
                           now=utcnow(), locale=locale, timezone=user.timezone)


@router.message(Command("plan"), flags={"perm": BUSINESS})
async def cmd_plan(message: Message, session: AsyncSession, user: User, business: Business,
                   locale: str) -> None:
    text = await plan_screen(session, user=user, business=business, locale=locale)
    await message.answer(text, reply_markup=keyboards.plan_keyboard())


@router.callback_query(MenuCB.filter(F.item == MenuItem.PLAN), flags={"perm": BUSINESS})
async def on_plan(callback: CallbackQuery, session: AsyncSession, user: User,
                  business: Business, locale: str) -> None:
    await callback.answer()
    text = await plan_screen(session, user=user, business=business, locale=locale)
    if isinstance(callback.message, Message):
        await callback.message.answer(text, reply_markup=keyboards.plan_keyboard())
