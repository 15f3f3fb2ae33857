"""/business: the user's businesses with their role; switch between them or add another."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import BUSINESS, PUBLIC
from handlers import labels
from handlers.owner.businesses import keyboards
from handlers.owner.businesses.callbacks import BusinessAction, BusinessCB
from handlers.owner.menu import send_main_menu
from handlers.owner.onboarding.steps import start_onboarding
from handlers.ui import MenuCB, MenuItem, done_with, h
from services import plans, profile, users
from services.db.models import Business, User
from services.errors import NoBusiness
from services.profile import BusinessChoice

router = Router(name="businesses")


def businesses_text(choices: list[BusinessChoice]) -> str:
    lines = [_("🔀 <b>Your businesses</b>"), ""]
    for choice in choices:
        role = labels.role(choice.role.value)
        if choice.current:
            lines.append(_("✓ <b>{name}</b> — {role} (current)").format(name=h(choice.name),
                                                                        role=role))
        else:
            lines.append(f"• {h(choice.name)} — {role}")
    lines += ["", _("Tap a business to switch to it.")]
    return "\n".join(lines)


async def send_businesses(message: Message, session: AsyncSession, *, user: User) -> None:
    choices = await profile.my_businesses(session, user_id=user.id)
    if not choices:
        raise NoBusiness()  # the error router answers "send /start"
    await message.answer(businesses_text(choices),
                         reply_markup=keyboards.businesses_keyboard(choices))


@router.message(Command("business"), flags={"perm": PUBLIC})
async def cmd_business(message: Message, session: AsyncSession, user: User) -> None:
    await send_businesses(message, session, user=user)


@router.callback_query(MenuCB.filter(F.item == MenuItem.BUSINESSES), flags={"perm": PUBLIC})
async def on_businesses(callback: CallbackQuery, session: AsyncSession, user: User) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await send_businesses(callback.message, session, user=user)


@router.callback_query(BusinessCB.filter(F.action == BusinessAction.SWITCH),
                       flags={"perm": BUSINESS})
async def on_switch(callback: CallbackQuery, callback_data: BusinessCB, state: FSMContext,
                    session: AsyncSession, user: User, business: Business, locale: str) -> None:
    # switch_business re-checks membership: a forged id raises NotFound (a refusal).
    chosen = await profile.switch_business(session, user_id=user.id,
                                           business_id=callback_data.business_id)
    if chosen.id != business.id:
        await state.clear()  # half-done edits belong to the previous business
    ctx = await users.load_context(session, user=user)
    assert ctx.business is not None and isinstance(callback.message, Message)
    await done_with(callback, chosen.name)
    await callback.message.answer(_("✅ You are now working on <b>{name}</b>.").format(
        name=h(chosen.name)))
    await send_main_menu(callback.message, session, user=user, business=ctx.business,
                         role=ctx.role, locale=locale)


@router.callback_query(BusinessCB.filter(F.action == BusinessAction.ADD), flags={"perm": PUBLIC})
async def on_add(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 user: User) -> None:
    # Same check as /newbusiness; LimitExceeded propagates to the error router.
    await plans.check_limit(session, owner_id=user.id, resource=plans.Resource.BUSINESSES,
                            used=await profile.count_owned(session, owner_id=user.id))
    await callback.answer()
    assert isinstance(callback.message, Message)
    await start_onboarding(callback.message, state, user=user, additional=True)
