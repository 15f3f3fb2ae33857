"""/spend: money spent per channel and day — one line (``/spend instagram 500k yesterday``)
or a form (channel → amount → day); the recent entries with edit and delete."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day, money
from bot.middlewares.permissions import BUSINESS
from handlers.drafts import DraftSlot
from handlers.errors import describe, describe_invalid
from handlers.owner.entry import keyboards
from handlers.owner.entry.callbacks import Area, PickCB, SpendAction, SpendCB
from handlers.owner.entry.common import picked_channel, require_write, send_notes
from handlers.owner.entry.states import SpendSG
from handlers.owner.entry.texts import channel_title, spend_line
from handlers.owner.entry.wizard import NOT_COMMAND, confirm_delete, wizard_routers
from handlers.ui import NavCB, done_with, h, nav_keyboard
from services import marketing, sales
from services.db.models import Business, User
from services.errors import InvalidInput, NotFound
from services.marketing import SpendView
from services.teams import Permission, has_permission
from services.validation import parse_amount, parse_day

router, steps = wizard_routers("spend", SpendSG, choose_state=SpendSG.channel)
EDIT = Permission.MANAGE_ORDERS


class SpendDraft(BaseModel):
    channel_id: int | None = None
    amount: int | None = None
    entry_id: int | None = None


DRAFT = DraftSlot("spend", SpendDraft)


def usage_text() -> str:
    return _("Type it in one line: <code>/spend instagram 500000</code> — also “500 000”, "
             "“500k”, “1.2 mln”, a day (“yesterday”, 24.11) and reach "
             "(<code>imp=12000 clicks=340</code>).")


async def send_spend(message: Message, session: AsyncSession, *, business: Business,
                     role: str | None, locale: str) -> None:
    entries = await marketing.list_spend(session, business_id=business.id)
    lines = [_("💸 <b>Marketing spend</b> — {business}").format(business=h(business.name)), ""]
    if not entries:
        lines.append(_("No spend logged yet."))
    lines += [spend_line(i, e, locale) for i, e in enumerate(entries, 1)]
    lines += ["", usage_text()]
    await message.answer("\n".join(lines), reply_markup=keyboards.spend_keyboard(
        entries, can_edit=has_permission(role, EDIT)))


def saved_text(entry: SpendView, locale: str) -> str:
    return _("✅ Spend saved: {amount} on {channel}, {date}.").format(
        amount=money(entry.amount, locale),
        channel=channel_title(entry.channel_kind, entry.channel_name),
        date=day(entry.day, locale))


@router.message(Command("spend"), flags={"perm": BUSINESS})
async def cmd_spend(message: Message, command: CommandObject, state: FSMContext,
                    session: AsyncSession, user: User, business: Business, role: str,
                    locale: str) -> None:
    await DRAFT.finish(state)
    if not command.args:
        await send_spend(message, session, business=business, role=role, locale=locale)
        return
    await require_write(session, role=role, business_id=business.id, permission=EDIT)
    today = await sales.business_today(session, business_id=business.id)
    try:
        parsed = marketing.parse_spend_args(command.args, today=today)
    except InvalidInput as exc:
        await message.answer("\n\n".join([describe_invalid(exc), usage_text()]))
        return
    try:
        resolved = await marketing.resolve_channel(session, business_id=business.id,
                                                   text=parsed.channel)
    except NotFound:
        await message.answer(_("I don't know the channel “{word}”. Use a kind like "
                               "instagram, telegram, facebook, google, website, tiktok, "
                               "youtube, offline — or a name from /channels.").format(
            word=h(parsed.channel)))
        return
    entry = await marketing.add_spend(
        session, business_id=business.id, channel_id=resolved.channel.id,
        amount=parsed.amount, day=parsed.day, impressions=parsed.impressions,
        clicks=parsed.clicks, created_by=user.id)
    await message.answer(saved_text(entry, locale))
    await send_notes(message, resolved, locale)


@router.callback_query(SpendCB.filter(F.action == SpendAction.ADD), flags={"perm": EDIT})
async def on_add(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 business: Business) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, SpendDraft())
    await state.set_state(SpendSG.channel)
    assert isinstance(callback.message, Message)
    channels = await marketing.list_channels(session, business_id=business.id)
    await callback.message.answer(
        _("💸 <b>New spend — step 1 of 3.</b> Which channel?"),
        reply_markup=keyboards.pick_channel_keyboard(Area.SPEND, channels, skip=False))


@steps.callback_query(SpendSG.channel, PickCB.filter(F.area == Area.SPEND),
                      flags={"perm": EDIT})
async def channel_picked(callback: CallbackQuery, callback_data: PickCB, state: FSMContext,
                         session: AsyncSession, business: Business, locale: str) -> None:
    resolved = await picked_channel(session, business_id=business.id, value=callback_data.value)
    await done_with(callback, resolved.channel.name)
    draft = await DRAFT.load(state)
    draft.channel_id = resolved.channel.id
    await DRAFT.save(state, draft)
    await state.set_state(SpendSG.amount)
    assert isinstance(callback.message, Message)
    await send_notes(callback.message, resolved, locale)
    await callback.message.answer(
        _("<b>Step 2 of 3.</b> How much did you spend, in so'm?\n\n<i>Example: 500 000, 500k "
          "or 1.2 mln</i>"), reply_markup=nav_keyboard(back=False))


@steps.message(SpendSG.amount, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def amount_entered(message: Message, state: FSMContext) -> None:
    try:
        amount = parse_amount(message.text or "", field="amount", minimum=1)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    draft = await DRAFT.load(state)
    draft.amount = amount
    await DRAFT.save(state, draft)
    await state.set_state(SpendSG.day)
    await message.answer(_("<b>Step 3 of 3.</b> Which day? Press a button or type a date "
                           "like 24.11."), reply_markup=keyboards.day_keyboard())


async def _save(message: Message, state: FSMContext, session: AsyncSession, *, user: User,
                business: Business, role: str, locale: str, on_day: date) -> None:
    draft = await DRAFT.load(state)
    if draft.channel_id is None or draft.amount is None:
        await DRAFT.finish(state)
        await message.answer(_("Cancelled."))
        return
    try:
        entry = await marketing.add_spend(session, business_id=business.id,
                                          channel_id=draft.channel_id, amount=draft.amount,
                                          day=on_day, created_by=user.id)
    except NotFound as exc:
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return
    await DRAFT.finish(state)
    await message.answer(saved_text(entry, locale))
    await send_spend(message, session, business=business, role=role, locale=locale)


@steps.callback_query(SpendSG.day, PickCB.filter(F.area == Area.DAY), flags={"perm": EDIT})
async def day_picked(callback: CallbackQuery, callback_data: PickCB, state: FSMContext,
                     session: AsyncSession, user: User, business: Business, role: str,
                     locale: str) -> None:
    today = await sales.business_today(session, business_id=business.id)
    offset = 1 if callback_data.value == "1" else 0
    on_day = today - timedelta(days=offset)
    await done_with(callback, day(on_day, locale))
    assert isinstance(callback.message, Message)
    await _save(callback.message, state, session, user=user, business=business, role=role,
                locale=locale, on_day=on_day)


@steps.message(SpendSG.day, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def day_entered(message: Message, state: FSMContext, session: AsyncSession, user: User,
                      business: Business, role: str, locale: str) -> None:
    today = await sales.business_today(session, business_id=business.id)
    try:
        on_day = parse_day(message.text or "", today=today)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await _save(message, state, session, user=user, business=business, role=role,
                locale=locale, on_day=on_day)


@router.callback_query(SpendCB.filter(F.action == SpendAction.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: SpendCB, state: FSMContext,
                  session: AsyncSession, business: Business, locale: str) -> None:
    entry = await marketing.get_spend(session, business_id=business.id,
                                      entry_id=callback_data.entry_id)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, SpendDraft(entry_id=entry.id))
    await state.set_state(SpendSG.edit)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("{entry}\n\nType the new amount.").format(entry=spend_line(1, entry, locale)[3:]),
        reply_markup=nav_keyboard(back=False))


@steps.message(SpendSG.edit, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def edit_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    try:
        amount = parse_amount(message.text or "", field="amount", minimum=1)
        entry = await marketing.update_spend(session, business_id=business.id,
                                             entry_id=draft.entry_id or 0, amount=amount)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    except NotFound as exc:
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return
    await DRAFT.finish(state)
    await message.answer(saved_text(entry, locale))
    await send_spend(message, session, business=business, role=role, locale=locale)


async def _ask_delete(session: AsyncSession, business: Business, data: SpendCB, locale: str
                      ) -> tuple[str, SpendCB, SpendCB]:
    entry = await marketing.get_spend(session, business_id=business.id, entry_id=data.entry_id)
    return (_("Delete this entry?\n{entry}").format(entry=spend_line(1, entry, locale)[3:]),
            SpendCB(action=SpendAction.CONFIRM, entry_id=entry.id),
            SpendCB(action=SpendAction.KEEP, entry_id=entry.id))


async def _remove(session: AsyncSession, business: Business, data: SpendCB) -> None:
    await marketing.delete_spend(session, business_id=business.id, entry_id=data.entry_id)


confirm_delete(router, delete=SpendCB.filter(F.action == SpendAction.DELETE),
               confirm=SpendCB.filter(F.action == SpendAction.CONFIRM),
               keep=SpendCB.filter(F.action == SpendAction.KEEP), permission=EDIT,
               ask=_ask_delete, remove=_remove, then=send_spend)


@steps.callback_query(NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, state: FSMContext,
                 session: AsyncSession, business: Business, role: str, locale: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await callback.message.edit_reply_markup(reply_markup=None)
    await callback.message.answer(_("Cancelled."))
    await send_spend(callback.message, session, business=business, role=role, locale=locale)
