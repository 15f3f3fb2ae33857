"""/settings: language (the bot answers in the new one at once) and time zone."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import set_user_commands
from bot.middlewares.permissions import PUBLIC
from handlers.errors import describe_invalid
from handlers.owner.settings import keyboards, texts
from handlers.owner.settings.callbacks import SettingsAction, SettingsCB
from handlers.owner.settings.states import SettingsSG
from handlers.ui import MenuCB, MenuItem
from services import users
from services.db.base import utcnow
from services.db.models import Business, User
from services.errors import InvalidInput

router = Router(name="settings")
OPEN = {"perm": PUBLIC}  # settings work before onboarding, without a business


def _overview(user: User, business: Business | None, locale: str
              ) -> tuple[str, InlineKeyboardMarkup]:
    text = texts.settings_text(language=locale, timezone=user.timezone, now=utcnow())
    return text, keyboards.settings_keyboard(has_business=business is not None)


async def _leave_timezone_input(state: FSMContext) -> None:
    if await state.get_state() == SettingsSG.timezone.state:
        await state.clear()


async def _edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup,
                note: str | None = None) -> None:
    await callback.answer(note)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(text, reply_markup=markup)


@router.message(Command("settings"), flags=OPEN)
async def cmd_settings(message: Message, state: FSMContext, user: User,
                       business: Business | None, locale: str) -> None:
    await _leave_timezone_input(state)
    text, markup = _overview(user, business, locale)
    await message.answer(text, reply_markup=markup)


@router.callback_query(MenuCB.filter(F.item == MenuItem.SETTINGS), flags=OPEN)
async def on_settings(callback: CallbackQuery, state: FSMContext, user: User,
                      business: Business | None, locale: str) -> None:
    await _leave_timezone_input(state)
    await callback.answer()
    text, markup = _overview(user, business, locale)
    if isinstance(callback.message, Message):
        await callback.message.answer(text, reply_markup=markup)


@router.callback_query(SettingsCB.filter(F.action == SettingsAction.HOME), flags=OPEN)
async def on_back(callback: CallbackQuery, state: FSMContext, user: User,
                  business: Business | None, locale: str) -> None:
    await _leave_timezone_input(state)
    await _edit(callback, *_overview(user, business, locale))


@router.callback_query(SettingsCB.filter(F.action == SettingsAction.LANGUAGE), flags=OPEN)
async def on_language(callback: CallbackQuery, locale: str) -> None:
    await _edit(callback, texts.language_prompt(), keyboards.language_keyboard(locale))


@router.callback_query(SettingsCB.filter(F.action == SettingsAction.SET_LANGUAGE), flags=OPEN)
async def on_set_language(callback: CallbackQuery, callback_data: SettingsCB, bot: Bot,
                          i18n: I18n, session: AsyncSession, user: User,
                          business: Business | None) -> None:
    code = callback_data.value
    await users.set_language(session, user_id=user.id, language=code)
    with i18n.use_locale(code):
        await _edit(callback, *_overview(user, business, code), _("Language changed."))
    chat_id = callback.message.chat.id if callback.message else user.id
    await set_user_commands(bot, i18n, chat_id=chat_id, locale=code)


@router.callback_query(SettingsCB.filter(F.action == SettingsAction.TIMEZONE), flags=OPEN)
async def on_timezone(callback: CallbackQuery, state: FSMContext, user: User) -> None:
    await state.set_state(SettingsSG.timezone)
    now = utcnow()
    await _edit(callback, texts.timezone_prompt(timezone=user.timezone, now=now),
                keyboards.timezone_keyboard(user.timezone, now))


@router.callback_query(SettingsCB.filter(F.action == SettingsAction.SET_TIMEZONE), flags=OPEN)
async def on_set_timezone(callback: CallbackQuery, callback_data: SettingsCB,
                          state: FSMContext, session: AsyncSession, user: User,
                          business: Business | None, locale: str) -> None:
    zone = await users.set_timezone(session, user_id=user.id, value=callback_data.value)
    await _leave_timezone_input(state)
    await _edit(callback, *_overview(user, business, locale),
                texts.timezone_saved(timezone=zone, now=utcnow()))


@router.message(SettingsSG.timezone, flags=OPEN)
async def timezone_entered(message: Message, state: FSMContext, session: AsyncSession,
                           user: User, business: Business | None, locale: str) -> None:
    try:
        zone = await users.set_timezone(session, user_id=user.id, value=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc) + "\n" + _("/cancel stops this."))
        return
    await state.clear()
    await message.answer(texts.timezone_saved(timezone=zone, now=utcnow()))
    text, markup = _overview(user, business, locale)
    await message.answer(text, reply_markup=markup)
