"""/platform: platform settings (SPEC §6) — maintenance mode, registration, the default trial
length and the platform AI key. Every change is audited (``admin.settings.*``).

The owner bot's ``/settings`` is the user's own settings, hence the admin name ``/platform``.
A typed AI key is deleted from the chat as soon as it is stored.
"""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import PUBLIC
from handlers.admin.callbacks import PlatformAction, PlatformCB
from handlers.admin.states import PlatformSG
from handlers.ui import NavAction, NavCB, nav_buttons
from services import platform_settings as ps
from services.ai import AIGateway
from services.db.models import User
from services.errors import InvalidInput

router = Router(name="admin.platform")
steps = Router(name="admin.platform.steps")
steps.message.filter(StateFilter(PlatformSG))
steps.callback_query.filter(StateFilter(PlatformSG))
router.include_router(steps)


def _button(text: str, action: PlatformAction, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text,
                                callback_data=PlatformCB(action=action, value=value).pack())


def settings_text(current: ps.PlatformSettings, env_key: bool) -> str:
    if current.trial_days is None:
        trial = _("each plan's own")
    else:
        trial = ngettext("{n} day", "{n} days", current.trial_days).format(
            n=current.trial_days)
    if current.ai_key_broken:
        ai = _("⚠️ stored, but it cannot be decrypted with the configured ENCRYPTION_KEY")
    elif current.ai_key is not None:
        ai = _("platform key …{tail}").format(tail=current.ai_key[-4:])
    elif env_key:
        ai = _("the server's ANTHROPIC_API_KEY")
    else:
        ai = _("none (rule-based answers)")
    return "\n".join([
        _("⚙️ <b>Platform settings</b>"), "",
        _("🛠 Maintenance mode: {state}").format(
            state=_("ON — only admins can use the bot") if current.maintenance else _("off")),
        _("🚪 Registration: {state}").format(
            state=_("open") if current.registration_open else _("closed to new users")),
        _("⏳ Trial length: {trial}").format(trial=trial),
        _("🤖 AI key: {ai}").format(ai=ai),
    ])


def settings_keyboard(current: ps.PlatformSettings) -> InlineKeyboardMarkup:
    rows = [
        [_button(_("🛠 Turn maintenance off") if current.maintenance
                 else _("🛠 Turn maintenance on"), PlatformAction.MAINTENANCE,
                 "0" if current.maintenance else "1")],
        [_button(_("🚪 Close registration") if current.registration_open
                 else _("🚪 Open registration"), PlatformAction.REGISTRATION,
                 "0" if current.registration_open else "1")],
        [_button(_("⏳ Trial length"), PlatformAction.TRIAL)],
        [_button(_("🤖 Set the AI key"), PlatformAction.AI_KEY)],
    ]
    if current.ai_key is not None or current.ai_key_broken:
        rows.append([_button(_("🗑 Remove the AI key"), PlatformAction.AI_KEY_CLEAR)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _show(message: Message, session: AsyncSession, platform: ps.SettingsCache,
                env_key: bool, *, edit: bool = False) -> None:
    current = await platform.get(session)
    text, markup = settings_text(current, env_key), settings_keyboard(current)
    if edit:
        with suppress(TelegramBadRequest):  # "message is not modified"
            await message.edit_text(text, reply_markup=markup)
            return
    await message.answer(text, reply_markup=markup)


def _message(callback: CallbackQuery) -> Message:
    assert isinstance(callback.message, Message)
    return callback.message


@router.message(Command("platform"), flags={"perm": PUBLIC})
async def cmd_platform(message: Message, session: AsyncSession, platform: ps.SettingsCache,
                       ai: AIGateway) -> None:
    await _show(message, session, platform, ai.has_server_key)


@router.callback_query(PlatformCB.filter(F.action.in_({PlatformAction.MAINTENANCE,
                                                        PlatformAction.REGISTRATION})),
                       flags={"perm": PUBLIC})
async def on_toggle(callback: CallbackQuery, callback_data: PlatformCB, session: AsyncSession,
                    user: User, platform: ps.SettingsCache, ai: AIGateway) -> None:
    on = callback_data.value == "1"
    if callback_data.action == PlatformAction.MAINTENANCE:
        await ps.set_maintenance(session, actor_id=user.id, on=on)
        note = _("Maintenance mode is on.") if on else _("Maintenance mode is off.")
    else:
        await ps.set_registration(session, actor_id=user.id, open_=on)
        note = _("Registration is open.") if on else _("Registration is closed.")
    await callback.answer(note)
    await _show(_message(callback), session, platform, ai.has_server_key, edit=True)


@router.callback_query(PlatformCB.filter(F.action == PlatformAction.TRIAL),
                       flags={"perm": PUBLIC})
async def on_trial(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await state.set_state(PlatformSG.trial_days)
    await _message(callback).answer(
        _("⏳ How many days should new trials last (1–90)? Send 0 to use each plan's own "
          "length."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[nav_buttons(back=False)]))


@router.callback_query(PlatformCB.filter(F.action == PlatformAction.AI_KEY),
                       flags={"perm": PUBLIC})
async def on_ai_key(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await state.set_state(PlatformSG.ai_key)
    await _message(callback).answer(
        _("🤖 Send the Anthropic API key. It is stored encrypted and your message is deleted "
          "right away. Every AI feature uses it instead of the server's key."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[nav_buttons(back=False)]))


@router.callback_query(PlatformCB.filter(F.action == PlatformAction.AI_KEY_CLEAR),
                       flags={"perm": PUBLIC})
async def on_ai_key_clear(callback: CallbackQuery, session: AsyncSession, user: User,
                          platform: ps.SettingsCache, ai: AIGateway) -> None:
    box = platform.box
    assert box is not None
    await ps.set_ai_key(session, actor_id=user.id, key=None, box=box)
    await callback.answer(_("The platform AI key is removed."))
    await _show(_message(callback), session, platform, ai.has_server_key, edit=True)


@steps.message(PlatformSG.trial_days, F.text, ~F.text.startswith("/"), flags={"perm": PUBLIC})
async def trial_days_entered(message: Message, state: FSMContext, session: AsyncSession,
                             user: User, platform: ps.SettingsCache, ai: AIGateway) -> None:
    try:
        days = ps.parse_trial_days(message.text or "")
    except InvalidInput:
        await message.answer(_("Please send a whole number of days from 1 to 90, or 0."))
        return
    await ps.set_trial_days(session, actor_id=user.id, days=days)
    await state.clear()
    await message.answer(_("✅ Saved. New trials use it from now on."))
    await _show(message, session, platform, ai.has_server_key)


@steps.message(PlatformSG.ai_key, F.text, ~F.text.startswith("/"), flags={"perm": PUBLIC})
async def ai_key_entered(message: Message, state: FSMContext, session: AsyncSession,
                         user: User, platform: ps.SettingsCache, ai: AIGateway) -> None:
    with suppress(TelegramBadRequest):
        await message.delete()  # the key must not stay in the chat history
    box = platform.box
    assert box is not None
    try:
        await ps.set_ai_key(session, actor_id=user.id, key=message.text or "", box=box)
    except InvalidInput:
        await message.answer(_("That does not look like an API key (one word, 20–300 "
                               "characters). Please send it again."))
        return
    await state.clear()
    await message.answer(_("✅ The AI key is saved (encrypted)."))
    await _show(message, session, platform, ai.has_server_key)


@steps.callback_query(NavCB.filter(F.action == NavAction.CANCEL), flags={"perm": PUBLIC})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await state.clear()
    await _message(callback).answer(_("Cancelled."))
