"""/help, /cancel and the fallback for input nobody expected."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import PUBLIC
from handlers.owner.imports import text_entry
from handlers.ui import MenuCB, MenuItem, home_button
from services import entry_parser
from services.ai import AIGateway
from services.db.models import Business

router = Router(name="common")
fallback_router = Router(name="fallback")


def help_text() -> str:
    return "\n".join([
        _("❓ <b>BiznesPilot help</b>"),
        "",
        _("BiznesPilot is your marketing co-pilot: your business profile and 1-page "
          "marketing plan, your ideal customer, offers and lead magnets, your numbers and "
          "reports, and an AI advisor that knows them all."),
        "",
        _("/menu — main menu"),
        _("/profile — business profile"),
        _("/canvas — 1-page marketing canvas"),
        _("/goals — goals and progress"),
        _("/dashboard — dashboard, /kpi cac — one KPI, /assumptions — CLV inputs"),
        _("/insights — alerts, /strategy — monthly plan, /diagnostics — score and action plan"),
        _("/competitors — competitors' channels, promotions, prices and SWOT; weekly report"),
        _("/report weekly — a report with 📄 PDF and 📊 Excel; /report settings — scheduled "
          "reports and the Monday strategy check-in"),
        _("/dreambuyer — Dream Buyer avatars"),
        _("/offer — offers: value equation, stack, guarantee, price"),
        _("/hvco — lead magnets: drafts, files and links"),
        _("/nurture — the sales chatbot's follow-ups for leads; /chatstats 30 — chatbot stats "
          "with CSV and Excel exports; /conversation 12 — one conversation"),
        _("/chatbot — your business's own sales bot: connect, pause, operators"),
        _("/ask — ask the AI advisor (/new starts over), /usp — USP ideas"),
        _("/spend, /lead, /order — log spend, leads and sales; /leads, /orders, /customers, "
          "/channels — see and edit them"),
        _("/integrations — connect Instagram, Facebook, Google Ads and GA4; hourly sync and "
          "its status"),
        _("/import — load spend, leads, orders or customers from a CSV or Excel file; or "
          "just write “kecha instagramga 500 ming sarfladim”"),
        _("/kb — the sales bot's knowledge base: questions and answers, products with "
          "prices, delivery and payment; import from a file"),
        _("/amocrm — AmoCRM two-way sync; /amocrm log — what was synced; /amocrm note 12 "
          "text — a note on lead 12's deal"),
        _("/team — team and roles"),
        _("/plan — plan, limits and payment (Click, Payme, Telegram)"),
        _("/business — switch business or add one"),
        _("/settings — language and time zone"),
        _("/support — write to the BiznesPilot team"),
        _("/cancel — stop what you are doing"),
        "",
        _("Buttons under messages do the same. Anything half-done is kept, even if you come "
          "back tomorrow."),
    ])


@router.message(Command("help"), flags={"perm": PUBLIC})
async def cmd_help(message: Message) -> None:
    await message.answer(help_text())


@router.callback_query(MenuCB.filter(F.item == MenuItem.HELP), flags={"perm": PUBLIC})
async def on_help(callback: CallbackQuery) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        from aiogram.types import InlineKeyboardMarkup

        await callback.message.answer(
            help_text(), reply_markup=InlineKeyboardMarkup(inline_keyboard=[[home_button()]]))


@router.message(Command("cancel"), flags={"perm": PUBLIC})
async def cmd_cancel(message: Message, state: FSMContext, business: Business | None) -> None:
    current = await state.get_state()
    await state.clear()
    if current is None:
        await message.answer(_("Nothing to cancel. /menu opens the main menu."))
    elif business is None:
        await message.answer(_("Cancelled. Send /start whenever you are ready."))
    else:
        await message.answer(_("Cancelled. /menu opens the main menu."))


@fallback_router.message(StateFilter(None), flags={"perm": PUBLIC})
async def on_unexpected(message: Message, state: FSMContext, session: AsyncSession,
                        business: Business | None, locale: str,
                        ai: AIGateway | None = None) -> None:
    if business is None:
        await message.answer(_("Send /start to set up your business."))
    elif message.text and await text_entry.propose(message, state, session, ai,
                                                   business=business, locale=locale):
        return  # "bugun instagramga 500 ming sarfladim": a proposed entry to confirm
    elif message.text and entry_parser.needs_ai(message.text):
        # money or an entry word, but not a whole entry: show how to write one
        await message.answer(_(
            "It looks like numbers for your business, but I could not read all of it. Write "
            "it like this:\n• <i>yesterday spent 500k on instagram</i>\n• <i>new lead Aziza "
            "+998 90 123 45 67</i>\n• <i>order 450 000 from Alisher</i>\nor use /spend, "
            "/lead, /order."))
    else:
        await message.answer(_("I didn't get that. /menu opens the main menu, /help lists "
                               "what I can do."))


@fallback_router.message(flags={"perm": PUBLIC})
async def on_unexpected_in_step(message: Message) -> None:
    await message.answer(_("You are in the middle of a step: answer it, or send /cancel to "
                           "stop."))


@fallback_router.callback_query(flags={"perm": PUBLIC})
async def on_stale_button(callback: CallbackQuery) -> None:
    await callback.answer(_("This button is out of date. Open /menu again."), show_alert=True)
