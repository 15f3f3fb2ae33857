"""/insights: open insights by priority (👀 opening marks them seen), ✅ Done, 🙈 Dismiss."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.insight_texts import insight_block
from handlers.owner.insights import keyboards
from handlers.owner.insights.callbacks import InsightAction, InsightCB
from handlers.ui import MenuCB, MenuItem, h
from services import insights
from services.db.models import Business
from services.insights import InsightStatus, InsightView
from services.teams import Permission

router = Router(name="insights")
VIEW = Permission.VIEW_ANALYTICS  # acknowledging an alert stays possible when read-only
LIST_LIMIT = 10


def insights_text(business: Business, items: list[InsightView], locale: str) -> str:
    lines = [_("💡 <b>Insights</b> — {business}").format(business=h(business.name)), ""]
    if not items:
        lines.append(_("No open insights. The rules check your numbers every hour and write "
                       "here when something needs you."))
    for index, item in enumerate(items, 1):
        lines += [insight_block(item, locale, index=index, with_status=True), ""]
    return "\n".join(lines).rstrip()


async def _items(session: AsyncSession, business: Business, history: bool
                 ) -> list[InsightView]:
    return await insights.list_insights(session, business_id=business.id,
                                        include_closed=history, limit=LIST_LIMIT)


async def _mark_seen(session: AsyncSession, business: Business, items: list[InsightView]
                     ) -> None:
    await insights.mark_seen(session, business_id=business.id,
                             insight_ids=[i.id for i in items if i.status is InsightStatus.NEW])


async def send_insights(message: Message, session: AsyncSession, business: Business,
                        locale: str) -> None:
    items = await _items(session, business, history=False)
    await message.answer(insights_text(business, items, locale),
                         reply_markup=keyboards.insights_keyboard(items, history=False))
    await _mark_seen(session, business, items)


@router.message(Command("insights"), flags={"perm": VIEW})
async def cmd_insights(message: Message, session: AsyncSession, business: Business,
                       locale: str) -> None:
    await send_insights(message, session, business, locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.INSIGHTS), flags={"perm": VIEW})
async def on_menu_insights(callback: CallbackQuery, session: AsyncSession, business: Business,
                           locale: str) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await send_insights(callback.message, session, business, locale)


@router.callback_query(InsightCB.filter(F.action == InsightAction.HISTORY), flags={"perm": VIEW})
async def on_history(callback: CallbackQuery, session: AsyncSession, business: Business,
                     locale: str) -> None:
    await callback.answer()
    items = await _items(session, business, history=True)
    assert isinstance(callback.message, Message)
    await callback.message.edit_text(insights_text(business, items, locale),
                                     reply_markup=keyboards.insights_keyboard(items,
                                                                              history=True))
    await _mark_seen(session, business, items)


@router.callback_query(InsightCB.filter(F.action.in_({InsightAction.DONE,
                                                      InsightAction.DISMISS})),
                       flags={"perm": VIEW})
async def on_status(callback: CallbackQuery, callback_data: InsightCB, session: AsyncSession,
                    business: Business, locale: str) -> None:
    status = (InsightStatus.DONE if callback_data.action == InsightAction.DONE
              else InsightStatus.DISMISSED)
    await insights.set_status(session, business_id=business.id,
                              insight_id=callback_data.insight_id, status=status)
    await callback.answer(_("Marked done.") if status is InsightStatus.DONE
                          else _("Dismissed."))
    items = await _items(session, business, history=False)
    assert isinstance(callback.message, Message)
    await callback.message.edit_text(insights_text(business, items, locale),
                                     reply_markup=keyboards.insights_keyboard(items,
                                                                              history=False))
