"""The business profile card and its editor: pick a field, type (or choose) the new value.

The field being edited lives in FSM data (persisted), so an edit started before a restart
still lands in the right field.
"""

from __future__ import annotations

import logging
import re
from html import unescape
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day, money, number, progress_bar
from bot.middlewares.permissions import BUSINESS
from handlers import labels
from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from handlers.owner.profile import keyboards
from handlers.owner.profile.callbacks import ProfileAction, ProfileCB
from handlers.owner.profile.keyboards import LOGO, choice_label
from handlers.owner.profile.states import ProfileSG
from handlers.ui import MenuCB, MenuItem, NavAction, NavCB, done_with, h, nav_keyboard
from services import profile
from services.db.models import Business
from services.errors import InvalidInput
from services.profile import PROFILE_FIELDS
from services.teams import Permission, has_permission

log = logging.getLogger(__name__)
router = Router(name="profile")
DRAFT_KEY = "profile"
ALL_STEPS = StateFilter(*ProfileSG.__all_states__)
NOT_COMMAND = ~F.text.startswith("/")
CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption, in UTF-16 units
CARD_VALUE_LIMIT = 160  # long texts (description, pitch) are shortened on the card
EDIT = Permission.MANAGE_PROFILE


class ProfileDraft(BaseModel):
    """Typed wizard state, stored in FSM data."""

    field: str | None = None


DRAFT = DraftSlot(DRAFT_KEY, ProfileDraft)


def _examples() -> dict[str, str]:
    return {
        "name": _("Chilonzor Coffee"), "legal_name": _("\"Chilonzor Coffee\" LLC"),
        "sub_industry": _("specialty coffee"), "phone": "+998 90 123 45 67",
        "email": "info@example.uz", "website": "example.uz",
        "address": _("Chilonzor 9th block, 14"), "city": _("Tashkent"),
        "region": _("Tashkent region"),
        "description": _("A coffee shop near the metro: take-away and office delivery."),
        "tagline": _("Coffee that wakes up Chilonzor"), "founded_on": "01.03.2023",
        "employees": "12", "annual_revenue": _("1.8 mlrd or 1 800 000 000"),
        "usp": _("The only coffee shop in Chilonzor that delivers to offices in 15 minutes."),
        "elevator_pitch": _("We help office teams in Chilonzor get great coffee without "
                            "leaving their desks."),
    }


def _shorten(text: str, limit: int = CARD_VALUE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shown_value(business: Business, field: str, locale: str,
                limit: int = CARD_VALUE_LIMIT) -> str:
    """A field's value as HTML: localized, formatted, escaped, shortened; "—" when empty."""
    value: Any = getattr(business, field)
    if value is None or value == "":
        return "—"
    if field in keyboards.CHOICE_LABELS:
        return h(choice_label(field, value))
    if field == "founded_on":
        return day(value, locale)
    if field == "employees":
        return number(value, locale)
    if field == "annual_revenue":
        return money(value, locale)
    return h(_shorten(str(value), limit))


def card_text(business: Business, *, locale: str, can_edit: bool) -> str:
    percent = profile.completeness(business)
    lines = [
        _("🏢 <b>{name}</b> — business profile").format(name=h(business.name)),
        _("Profile {percent}% complete").format(percent=percent),
        progress_bar(percent),
        "",
    ]
    for field in PROFILE_FIELDS:
        lines.append(f"<b>{h(labels.profile_field(field))}:</b> "
                     f"{shown_value(business, field, locale)}")
    logo = _("uploaded") if business.logo_file_id else "—"
    lines.append(f"<b>{h(labels.profile_field(LOGO))}:</b> {logo}")
    if can_edit and percent < 100:
        lines += ["", _("Tap ✏️ Edit to fill in the gaps: a complete profile gets better "
                        "advice.")]
    return "\n".join(lines)


def visible_length(html_text: str) -> int:
    """Length of HTML text as Telegram counts it: tags dropped, in UTF-16 code units."""
    plain = unescape(re.sub(r"<[^>]+>", "", html_text))
    return len(plain.encode("utf-16-le")) // 2


async def send_card(message: Message, business: Business, *, role: str | None,
                    locale: str) -> None:
    """The profile card; with the logo as a photo above it (as its caption if short enough)."""
    can_edit = has_permission(role, EDIT)
    text = card_text(business, locale=locale, can_edit=can_edit)
    markup = keyboards.card_keyboard(can_edit=can_edit)
    if business.logo_file_id:
        fits = visible_length(text) <= CAPTION_LIMIT
        try:
            await message.answer_photo(business.logo_file_id, caption=text if fits else None,
                                       reply_markup=markup if fits else None)
            if fits:
                return
        except TelegramBadRequest:  # a file id from another bot token: show the card alone
            log.warning("logo of business %s could not be sent", business.id)
    await message.answer(text, reply_markup=markup)


async def ask(message: Message, state: FSMContext, step: str, *, business: Business,
              locale: str) -> None:
    """Move to ``step`` (field / value / logo) and ask its question."""
    draft = await DRAFT.load(state)
    if step == "value" and draft.field not in PROFILE_FIELDS:
        step = "field"
    await state.set_state(getattr(ProfileSG, step))
    if step == "field":
        await message.answer(_("✏️ Which field do you want to change?"),
                             reply_markup=keyboards.fields_keyboard())
    elif step == "logo":
        await message.answer(_("🖼 Send your logo as a photo.\n\nSend “-” to remove the "
                               "current logo."), reply_markup=nav_keyboard())
    else:
        assert draft.field is not None
        await message.answer(value_question(business, draft.field, locale),
                             reply_markup=keyboards.value_keyboard(draft.field))


def value_question(business: Business, field: str, locale: str) -> str:
    spec = PROFILE_FIELDS[field]
    lines = [f"✏️ <b>{h(labels.profile_field(field))}</b>",
             _("Now: {value}").format(value=shown_value(business, field, locale, limit=2000)),
             ""]
    if spec.kind == "choice":
        lines.append(_("Choose the new value:"))
    else:
        lines.append(_("Type the new value.\n<i>Example: {example}</i>").format(
            example=h(_examples().get(field, ""))))
        if not spec.required:
            lines.append(_("Send “-” to clear it."))
    return "\n".join(lines)


async def _saved(message: Message, state: FSMContext, session: AsyncSession, *,
                 business: Business, field: str, role: str | None, locale: str) -> None:
    await DRAFT.finish(state)
    await session.refresh(business)
    await message.answer(_("✅ {field} saved.").format(field=h(labels.profile_field(field))))
    await send_card(message, business, role=role, locale=locale)


@router.message(Command("profile"), flags={"perm": BUSINESS})
async def cmd_profile(message: Message, state: FSMContext, business: Business, role: str,
                      locale: str) -> None:
    await DRAFT.finish(state)
    await send_card(message, business, role=role, locale=locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.PROFILE), flags={"perm": BUSINESS})
async def on_profile(callback: CallbackQuery, state: FSMContext, business: Business, role: str,
                     locale: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await send_card(callback.message, business, role=role, locale=locale)


@router.callback_query(ProfileCB.filter(F.action == ProfileAction.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, state: FSMContext, business: Business,
                  locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, "field", business=business, locale=locale)


@router.callback_query(ProfileCB.filter(F.action == ProfileAction.FIELD), flags={"perm": EDIT})
async def on_field(callback: CallbackQuery, callback_data: ProfileCB, state: FSMContext,
                   business: Business, locale: str) -> None:
    field = callback_data.field
    if field != LOGO and field not in PROFILE_FIELDS:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await done_with(callback, labels.profile_field(field))
    await DRAFT.save(state, ProfileDraft(field=field))
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, "logo" if field == LOGO else "value", business=business,
              locale=locale)


@router.message(ProfileSG.value, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def value_entered(message: Message, state: FSMContext, session: AsyncSession,
                        business: Business, role: str, locale: str) -> None:
    field = (await DRAFT.load(state)).field
    if field not in PROFILE_FIELDS or PROFILE_FIELDS[field].kind == "choice":
        if field in PROFILE_FIELDS:
            await message.answer(_("Please choose one of the buttons below."))
        await ask(message, state, "value", business=business, locale=locale)
        return
    try:
        await profile.update_field(session, business_id=business.id, field=field,
                                   raw=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await _saved(message, state, session, business=business, field=field, role=role,
                 locale=locale)


@router.callback_query(ProfileCB.filter(F.action == ProfileAction.CHOICE), flags={"perm": EDIT})
async def choice_entered(callback: CallbackQuery, callback_data: ProfileCB, state: FSMContext,
                         session: AsyncSession, business: Business, role: str,
                         locale: str) -> None:
    field, code = callback_data.field, callback_data.value
    spec = PROFILE_FIELDS.get(field)
    if spec is None or code not in spec.choices:  # callback data is never trusted
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await profile.update_field(session, business_id=business.id, field=field, raw=code)
    await done_with(callback, choice_label(field, code))
    assert isinstance(callback.message, Message)
    await _saved(callback.message, state, session, business=business, field=field, role=role,
                 locale=locale)


@router.message(ProfileSG.logo, F.photo, flags={"perm": EDIT})
async def logo_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, role: str, locale: str) -> None:
    largest = max(message.photo or [], key=lambda p: (p.width * p.height, p.file_size or 0))
    await profile.set_logo(session, business_id=business.id, file_id=largest.file_id)
    await _saved(message, state, session, business=business, field=LOGO, role=role,
                 locale=locale)


@router.message(ProfileSG.logo, F.text == "-", flags={"perm": EDIT})
async def logo_removed(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, role: str, locale: str) -> None:
    await profile.set_logo(session, business_id=business.id, file_id=None)
    await DRAFT.finish(state)
    await message.answer(_("🗑 Logo removed."))
    await send_card(message, business, role=role, locale=locale)


@router.message(ProfileSG.logo, NOT_COMMAND, flags={"perm": EDIT})
async def logo_invalid(message: Message) -> None:
    await message.answer(_("Please send the logo as a photo (not as a file), or “-” to remove "
                           "it."))


@router.message(ALL_STEPS, NOT_COMMAND, flags={"perm": BUSINESS})
async def step_invalid(message: Message, state: FSMContext, business: Business, locale: str,
                       raw_state: str | None) -> None:
    step = (raw_state or "").rpartition(":")[2] or "field"
    field = (await DRAFT.load(state)).field
    if step == "field" or (field in PROFILE_FIELDS and PROFILE_FIELDS[field].kind == "choice"):
        await message.answer(_("Please choose one of the buttons below."))
    else:
        await message.answer(_("Please type it as text."))
    await ask(message, state, step, business=business, locale=locale)


@router.callback_query(ALL_STEPS, NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, state: FSMContext,
                 business: Business, role: str, locale: str, raw_state: str | None) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    await message.edit_reply_markup(reply_markup=None)
    step = (raw_state or "").rpartition(":")[2]
    if callback_data.action == NavAction.BACK and step in {"value", "logo"}:
        await ask(message, state, "field", business=business, locale=locale)
        return
    await DRAFT.finish(state)
    if callback_data.action == NavAction.CANCEL:
        await message.answer(_("Cancelled."))
    await send_card(message, business, role=role, locale=locale)
