"""/channels: the business's marketing channels — list, add (kind + name), rename,
deactivate and bring back, within the plan's channel limit."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import number
from bot.middlewares.permissions import BUSINESS
from handlers import labels
from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from handlers.owner.entry import keyboards
from handlers.owner.entry.callbacks import ChannelAction, ChannelCB
from handlers.owner.entry.states import ChannelSG
from handlers.owner.entry.texts import channel_title, limit_note
from handlers.ui import NavAction, NavCB, done_with, h, nav_keyboard
from services import marketing
from services.db.models import Business
from services.errors import Conflict, InvalidInput
from services.teams import Permission, has_permission

router = Router(name="entry.channels")
steps = Router(name="entry.channels.steps")
steps.message.filter(StateFilter(ChannelSG))
steps.callback_query.filter(StateFilter(ChannelSG))
router.include_router(steps)
EDIT = Permission.MANAGE_INTEGRATIONS
NOT_COMMAND = ~F.text.startswith("/")


class ChannelDraft(BaseModel):
    kind: str | None = None
    channel_id: int | None = None


DRAFT = DraftSlot("channel", ChannelDraft)


async def send_channels(message: Message, session: AsyncSession, *, business: Business,
                        role: str | None, locale: str) -> None:
    items = await marketing.list_channels(session, business_id=business.id,
                                          include_inactive=True)
    usage = await marketing.channel_usage(session, business_id=business.id)
    lines = [_("📡 <b>Marketing channels</b> — {business}").format(business=h(business.name)),
             ""]
    if not items:
        lines.append(_("No channels yet. Add the places you advertise — or just log spend, "
                       "leads and orders: /spend instagram 500000 adds Instagram by itself."))
    for index, channel in enumerate(items, 1):
        state = "" if channel.is_active else " · " + _("paused")
        lines.append(f"{index}. {channel_title(channel.kind, channel.name)}{state}")
    limit = (_("unlimited") if usage.unlimited else number(usage.limit, locale))
    lines += ["", _("Active: {used} of {limit} on your plan.").format(
        used=number(usage.used, locale), limit=limit)]
    await message.answer("\n".join(lines), reply_markup=keyboards.channels_keyboard(
        items, can_edit=has_permission(role, EDIT)))


@router.message(Command("channels"), flags={"perm": BUSINESS})
async def cmd_channels(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, role: str, locale: str) -> None:
    await DRAFT.finish(state)
    await send_channels(message, session, business=business, role=role, locale=locale)


@router.callback_query(ChannelCB.filter(F.action == ChannelAction.ADD), flags={"perm": EDIT})
async def on_add(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await callback.message.answer(_("📡 <b>New channel.</b> What kind is it?"),
                                  reply_markup=keyboards.kinds_keyboard())


@router.callback_query(ChannelCB.filter(F.action == ChannelAction.KIND), flags={"perm": EDIT})
async def on_kind(callback: CallbackQuery, callback_data: ChannelCB, state: FSMContext) -> None:
    if callback_data.value not in marketing.KINDS:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await done_with(callback, labels.channel_kind(callback_data.value))
    await DRAFT.save(state, ChannelDraft(kind=callback_data.value))
    await state.set_state(ChannelSG.name)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Name the channel, e.g. the account or page name. Press Skip to call it "
          "“{name}”.").format(name=marketing.DEFAULT_NAMES[callback_data.value]),
        reply_markup=nav_keyboard(back=False, skip=True))


async def _create(message: Message, state: FSMContext, session: AsyncSession, *,
                  business: Business, role: str, locale: str, name: str | None) -> None:
    draft = await DRAFT.load(state)
    try:
        added = await marketing.create_channel(session, business_id=business.id,
                                               kind=draft.kind or "other", name=name)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    except Conflict:
        await message.answer(_("You already have a channel with that name. Type another "
                               "name."))
        return
    await DRAFT.finish(state)
    notes = [_("✅ Channel added: {channel}.").format(
        channel=channel_title(added.channel.kind, added.channel.name))]
    warning = limit_note(added.limit, locale)
    if warning:
        notes.append(warning)
    await message.answer("\n".join(notes))
    await send_channels(message, session, business=business, role=role, locale=locale)


@steps.message(ChannelSG.name, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def name_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, role: str, locale: str) -> None:
    await _create(message, state, session, business=business, role=role, locale=locale,
                  name=message.text or "")


@steps.callback_query(ChannelSG.name, NavCB.filter(F.action == NavAction.SKIP),
                      flags={"perm": EDIT})
async def name_skipped(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                       business: Business, role: str, locale: str) -> None:
    await done_with(callback, _("Default name"))
    assert isinstance(callback.message, Message)
    await _create(callback.message, state, session, business=business, role=role,
                  locale=locale, name=None)


@router.callback_query(ChannelCB.filter(F.action == ChannelAction.RENAME), flags={"perm": EDIT})
async def on_rename(callback: CallbackQuery, callback_data: ChannelCB, state: FSMContext,
                    session: AsyncSession, business: Business) -> None:
    channel = await marketing.get_channel(session, business_id=business.id,
                                          channel_id=callback_data.channel_id)
    await callback.answer()
    await DRAFT.save(state, ChannelDraft(channel_id=channel.id))
    await state.set_state(ChannelSG.rename)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Type the new name for {channel}.").format(
            channel=channel_title(channel.kind, channel.name)),
        reply_markup=nav_keyboard(back=False))


@steps.message(ChannelSG.rename, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def rename_entered(message: Message, state: FSMContext, session: AsyncSession,
                         business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    try:
        channel = await marketing.rename_channel(session, business_id=business.id,
                                                 channel_id=draft.channel_id or 0,
                                                 name=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    except Conflict:
        await message.answer(_("You already have a channel with that name. Type another "
                               "name."))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Renamed: {channel}.").format(
        channel=channel_title(channel.kind, channel.name)))
    await send_channels(message, session, business=business, role=role, locale=locale)


@router.callback_query(ChannelCB.filter(F.action.in_({ChannelAction.OFF, ChannelAction.ON})),
                       flags={"perm": EDIT})
async def on_toggle(callback: CallbackQuery, callback_data: ChannelCB, session: AsyncSession,
                    business: Business, role: str, locale: str) -> None:
    active = callback_data.action == ChannelAction.ON
    channel = await marketing.set_channel_active(session, business_id=business.id,
                                                 channel_id=callback_data.channel_id,
                                                 active=active)
    note = _("▶️ Active again: {channel}.") if active else _(
        "⏸ Paused: {channel}. Its history stays; new entries can't use it.")
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(note.format(channel=channel_title(channel.kind,
                                                                    channel.name)))
    await send_channels(callback.message, session, business=business, role=role,
                        locale=locale)


@steps.callback_query(NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 business: Business, role: str, locale: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await callback.message.edit_reply_markup(reply_markup=None)
    await callback.message.answer(_("Cancelled."))
    await send_channels(callback.message, session, business=business, role=role,
                        locale=locale)


@steps.message(NOT_COMMAND, flags={"perm": BUSINESS})
async def step_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))
