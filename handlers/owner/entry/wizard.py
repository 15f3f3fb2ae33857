"""What the spend, lead and order features share: the guided form's ``steps`` sub-router with
its fallback replies, and the 🗑 delete → confirm / keep exchange."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import BUSINESS
from handlers.owner.entry.keyboards import confirm_keyboard
from handlers.ui import done_with
from services.db.models import Business

NOT_COMMAND = ~F.text.startswith("/")


def wizard_routers(name: str, states: type[StatesGroup], *, choose_state: State
                   ) -> tuple[Router, Router]:
    """The feature's router and its ``steps`` sub-router, which only sees updates while one
    of ``states`` is set (the routing index needs that router-level filter). The steps'
    fallbacks — "choose a button" in ``choose_state``, "type it as text" elsewhere — sit on
    a router inside ``steps``, so they answer only what no step handler took, whatever the
    order the feature registers its handlers in."""
    router = Router(name=f"entry.{name}")
    steps = Router(name=f"entry.{name}.steps")
    steps.message.filter(StateFilter(states))
    steps.callback_query.filter(StateFilter(states))
    fallback = Router(name=f"entry.{name}.steps.fallback")

    @fallback.message(choose_state, NOT_COMMAND, flags={"perm": BUSINESS})
    async def channel_invalid(message: Message) -> None:
        await message.answer(_("Please choose one of the buttons."))

    @fallback.message(NOT_COMMAND, flags={"perm": BUSINESS})
    async def step_invalid(message: Message) -> None:
        await message.answer(_("Please type it as text."))

    steps.include_router(fallback)
    router.include_router(steps)
    return router, steps


# (session, business, the 🗑 button's data, locale) → the question and the ✅ / ↩️ data
AskDelete = Callable[[AsyncSession, Business, Any, str],
                     Awaitable[tuple[str, CallbackData, CallbackData]]]
# (session, business, the ✅ button's data) → deletes the record (re-checking the business)
Remove = Callable[[AsyncSession, Business, Any], Awaitable[None]]
# (message, session, business=, role=, locale=) → the list shown after the delete
ShowList = Callable[..., Awaitable[None]]


def confirm_delete(router: Router, *, delete: Filter, confirm: Filter, keep: Filter,
                   permission: str, ask: AskDelete, remove: Remove, then: ShowList) -> None:
    """Register 🗑 (ask), ✅ Yes, delete (``remove``, then the list) and ↩️ No, keep it."""

    async def on_delete(callback: CallbackQuery, callback_data: CallbackData,
                        session: AsyncSession, business: Business, locale: str) -> None:
        prompt, yes, no = await ask(session, business, callback_data, locale)
        await callback.answer()
        assert isinstance(callback.message, Message)
        await callback.message.answer(prompt,
                                      reply_markup=confirm_keyboard(yes.pack(), no.pack()))

    async def on_delete_confirmed(callback: CallbackQuery, callback_data: CallbackData,
                                  session: AsyncSession, business: Business, role: str,
                                  locale: str) -> None:
        await remove(session, business, callback_data)
        await done_with(callback, _("Deleted"))
        assert isinstance(callback.message, Message)
        await then(callback.message, session, business=business, role=role, locale=locale)

    async def on_delete_declined(callback: CallbackQuery) -> None:
        await done_with(callback, _("Kept"))

    router.callback_query.register(on_delete, delete, flags={"perm": permission})
    router.callback_query.register(on_delete_confirmed, confirm, flags={"perm": permission})
    router.callback_query.register(on_delete_declined, keep, flags={"perm": BUSINESS})
