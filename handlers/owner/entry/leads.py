"""/lead and /leads: add a lead in one line (``/lead Aziza +998901234567 instagram``) or with
a form (name → phone → channel → UTM); the list, a lead's card, stage, status, score, delete."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import BUSINESS
from handlers import labels
from handlers.drafts import DraftSlot
from handlers.errors import describe, describe_invalid
from handlers.owner.entry import keyboards
from handlers.owner.entry.callbacks import Area, LeadAction, LeadCB, PickCB
from handlers.owner.entry.common import picked_channel, send_notes
from handlers.owner.entry.states import LeadSG
from handlers.owner.entry.texts import lead_card, lead_line, limit_note
from handlers.owner.entry.wizard import NOT_COMMAND, confirm_delete, wizard_routers
from handlers.ui import NavAction, NavCB, done_with, h, nav_keyboard
from services import marketing, plans, sales
from services.db.models import Business, User
from services.errors import InvalidInput, NotFound
from services.marketing import ResolvedChannel
from services.plans import Resource
from services.sales import LeadView
from services.teams import Permission, has_permission
from services.validation import parse_phone

router, steps = wizard_routers("leads", LeadSG, choose_state=LeadSG.channel)
EDIT = Permission.MANAGE_LEADS


class LeadDraft(BaseModel):
    name: str | None = None
    phone: str | None = None
    channel_id: int | None = None
    lead_id: int | None = None


DRAFT = DraftSlot("lead", LeadDraft)


async def send_leads(message: Message, session: AsyncSession, *, business: Business,
                     role: str | None, locale: str) -> None:
    leads = await sales.list_leads(session, business_id=business.id)
    total = await sales.count_leads(session, business_id=business.id)
    lines = [_("🧲 <b>Leads</b> — {business}").format(business=h(business.name)), ""]
    if not leads:
        lines.append(_("No leads yet. Add one: <code>/lead Aziza +998901234567 "
                       "instagram</code>, or press the button."))
    lines += [lead_line(i, lead, locale) for i, lead in enumerate(leads, 1)]
    if total > len(leads):
        lines += ["", _("The latest {shown} of {total}.").format(shown=len(leads), total=total)]
    await message.answer("\n".join(lines), reply_markup=keyboards.leads_keyboard(
        leads, can_edit=has_permission(role, EDIT)))


async def send_card(message: Message, lead: LeadView, *, role: str | None,
                    locale: str) -> None:
    await message.answer(lead_card(lead, locale), reply_markup=keyboards.lead_keyboard(
        lead, can_edit=has_permission(role, EDIT)))


async def _added(message: Message, session: AsyncSession, lead: LeadView, *,
                 business: Business, resolved: ResolvedChannel | None, locale: str) -> None:
    channel = f" · {h(lead.channel_name)}" if lead.channel_name else ""
    phone = f" · {lead.phone}" if lead.phone else ""
    await message.answer(_("✅ Lead added: <b>{name}</b>{details}.").format(
        name=h(lead.name), details=phone + channel))
    await send_notes(message, resolved, locale)
    usage = await plans.usage(session, business_id=business.id,
                              resource=Resource.LEADS_PER_MONTH)
    warning = limit_note(usage, locale)
    if warning:
        await message.answer(warning)


@router.message(Command("leads"), flags={"perm": BUSINESS})
async def cmd_leads(message: Message, state: FSMContext, session: AsyncSession,
                    business: Business, role: str, locale: str) -> None:
    await DRAFT.finish(state)
    await send_leads(message, session, business=business, role=role, locale=locale)


@router.message(Command("lead"), flags={"perm": EDIT})
async def cmd_lead(message: Message, command: CommandObject, state: FSMContext,
                   session: AsyncSession, user: User, business: Business,
                   locale: str) -> None:
    await DRAFT.finish(state)
    if not command.args:
        await _start(message, state)
        return
    try:
        parsed = sales.parse_lead_args(command.args)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    resolved = None
    if parsed.channel:
        resolved = await marketing.resolve_channel(session, business_id=business.id,
                                                   text=parsed.channel)
    lead = await sales.create_lead(
        session, business_id=business.id, name=parsed.name, phone=parsed.phone,
        channel_id=resolved.channel.id if resolved else None, owner_user_id=user.id)
    await _added(message, session, lead, business=business, resolved=resolved, locale=locale)


async def _start(message: Message, state: FSMContext) -> None:
    await DRAFT.save(state, LeadDraft())
    await state.set_state(LeadSG.name)
    await message.answer(_("🧲 <b>New lead — step 1 of 4.</b> What is their name?"),
                         reply_markup=nav_keyboard(back=False))


@router.callback_query(LeadCB.filter(F.action == LeadAction.ADD), flags={"perm": EDIT})
async def on_add(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await _start(callback.message, state)


@steps.message(LeadSG.name, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def name_entered(message: Message, state: FSMContext) -> None:
    try:
        name = sales.parse_name(message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await DRAFT.save(state, LeadDraft(name=name))
    await _ask_phone(message, state)


async def _ask_phone(message: Message, state: FSMContext) -> None:
    await state.set_state(LeadSG.phone)
    await message.answer(_("<b>Step 2 of 4.</b> Phone number?\n\n<i>Example: +998 90 123 45 "
                           "67</i>"), reply_markup=nav_keyboard(skip=True))


@steps.message(LeadSG.phone, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def phone_entered(message: Message, state: FSMContext, session: AsyncSession,
                        business: Business) -> None:
    try:
        phone = parse_phone(message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    draft = await DRAFT.load(state)
    draft.phone = phone
    await DRAFT.save(state, draft)
    await _ask_channel(message, state, session, business=business)


async def _ask_channel(message: Message, state: FSMContext, session: AsyncSession, *,
                       business: Business) -> None:
    await state.set_state(LeadSG.channel)
    channels = await marketing.list_channels(session, business_id=business.id)
    await message.answer(_("<b>Step 3 of 4.</b> Where did the lead come from?"),
                         reply_markup=keyboards.pick_channel_keyboard(Area.LEAD, channels,
                                                                      skip=True))


@steps.callback_query(LeadSG.channel, PickCB.filter(F.area == Area.LEAD), flags={"perm": EDIT})
async def channel_picked(callback: CallbackQuery, callback_data: PickCB, state: FSMContext,
                         session: AsyncSession, business: Business, locale: str) -> None:
    resolved = await picked_channel(session, business_id=business.id, value=callback_data.value)
    await done_with(callback, resolved.channel.name)
    draft = await DRAFT.load(state)
    draft.channel_id = resolved.channel.id
    await DRAFT.save(state, draft)
    assert isinstance(callback.message, Message)
    await send_notes(callback.message, resolved, locale)
    await _ask_utm(callback.message, state)


async def _ask_utm(message: Message, state: FSMContext) -> None:
    await state.set_state(LeadSG.utm)
    await message.answer(_("<b>Step 4 of 4.</b> UTM tags, if the link had them: source / "
                           "medium / campaign.\n\n<i>Example: instagram / stories / "
                           "black_friday</i>"), reply_markup=nav_keyboard(skip=True))


async def _create(message: Message, state: FSMContext, session: AsyncSession, *, user: User,
                  business: Business, locale: str,
                  utm: tuple[str | None, str | None, str | None] = (None, None, None)) -> None:
    draft = await DRAFT.load(state)
    await DRAFT.finish(state)
    if draft.name is None:
        await message.answer(_("Cancelled."))
        return
    lead = await sales.create_lead(
        session, business_id=business.id, name=draft.name, phone=draft.phone,
        channel_id=draft.channel_id, utm_source=utm[0], utm_medium=utm[1],
        utm_campaign=utm[2], owner_user_id=user.id)
    await _added(message, session, lead, business=business, resolved=None, locale=locale)


@steps.message(LeadSG.utm, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def utm_entered(message: Message, state: FSMContext, session: AsyncSession, user: User,
                      business: Business, locale: str) -> None:
    try:
        utm = sales.parse_utm(message.text or "")
    except InvalidInput:
        await message.answer(_("Please type up to three words: source / medium / campaign."))
        return
    await _create(message, state, session, user=user, business=business, locale=locale,
                  utm=utm)


@steps.callback_query(NavCB.filter(F.action == NavAction.SKIP), flags={"perm": EDIT})
async def on_skip(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  user: User, business: Business, locale: str, raw_state: str | None) -> None:
    await done_with(callback, _("Skipped"))
    assert isinstance(callback.message, Message)
    step = (raw_state or "").rpartition(":")[2]
    if step == "phone":
        await _ask_channel(callback.message, state, session, business=business)
    elif step == "channel":
        await _ask_utm(callback.message, state)
    else:
        await _create(callback.message, state, session, user=user, business=business,
                      locale=locale)


@steps.callback_query(NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, state: FSMContext,
                 session: AsyncSession, business: Business, role: str, locale: str,
                 raw_state: str | None) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.edit_reply_markup(reply_markup=None)
    step = (raw_state or "").rpartition(":")[2]
    if callback_data.action == NavAction.BACK and step in {"phone", "channel", "utm"}:
        if step == "phone":
            await _start(callback.message, state)
        elif step == "channel":
            await _ask_phone(callback.message, state)
        else:
            await _ask_channel(callback.message, state, session, business=business)
        return
    await DRAFT.finish(state)
    await callback.message.answer(_("Cancelled."))
    await send_leads(callback.message, session, business=business, role=role, locale=locale)


# --------------------------------------------------------------------------- one lead


@router.callback_query(LeadCB.filter(F.action == LeadAction.LIST), flags={"perm": BUSINESS})
async def on_list(callback: CallbackQuery, session: AsyncSession, business: Business,
                  role: str, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await send_leads(callback.message, session, business=business, role=role, locale=locale)


@router.callback_query(LeadCB.filter(F.action == LeadAction.VIEW), flags={"perm": BUSINESS})
async def on_view(callback: CallbackQuery, callback_data: LeadCB, session: AsyncSession,
                  business: Business, role: str, locale: str) -> None:
    lead = await sales.get_lead(session, business_id=business.id, lead_id=callback_data.lead_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await send_card(callback.message, lead, role=role, locale=locale)


@router.callback_query(LeadCB.filter(F.action.in_({LeadAction.STAGES, LeadAction.STATUSES})),
                       flags={"perm": EDIT})
async def on_choices(callback: CallbackQuery, callback_data: LeadCB, session: AsyncSession,
                     business: Business) -> None:
    lead = await sales.get_lead(session, business_id=business.id, lead_id=callback_data.lead_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    if callback_data.action == LeadAction.STAGES:
        await callback.message.answer(_("Funnel stage of {name}:").format(name=h(lead.name)),
                                      reply_markup=keyboards.stages_keyboard(lead))
    else:
        await callback.message.answer(_("Status of {name}:").format(name=h(lead.name)),
                                      reply_markup=keyboards.statuses_keyboard(lead))


@router.callback_query(LeadCB.filter(F.action.in_({LeadAction.STAGE, LeadAction.STATUS})),
                       flags={"perm": EDIT})
async def on_set(callback: CallbackQuery, callback_data: LeadCB, session: AsyncSession,
                 business: Business, role: str, locale: str) -> None:
    if callback_data.action == LeadAction.STAGE:
        lead = await sales.update_lead(session, business_id=business.id,
                                       lead_id=callback_data.lead_id, stage=callback_data.value)
        note = labels.lead_stage(lead.stage)
    else:
        lead = await sales.update_lead(session, business_id=business.id,
                                       lead_id=callback_data.lead_id,
                                       status=callback_data.value)
        note = labels.lead_status(lead.status)
    await done_with(callback, note)
    assert isinstance(callback.message, Message)
    await send_card(callback.message, lead, role=role, locale=locale)


@router.callback_query(LeadCB.filter(F.action == LeadAction.SCORE), flags={"perm": EDIT})
async def on_score(callback: CallbackQuery, callback_data: LeadCB, state: FSMContext,
                   session: AsyncSession, business: Business) -> None:
    lead = await sales.get_lead(session, business_id=business.id, lead_id=callback_data.lead_id)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, LeadDraft(lead_id=lead.id))
    await state.set_state(LeadSG.score)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Score of {name} now: {score}. Type a number from 0 to 100.").format(
            name=h(lead.name), score=lead.score), reply_markup=nav_keyboard(back=False))


@steps.message(LeadSG.score, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def score_entered(message: Message, state: FSMContext, session: AsyncSession,
                        business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    try:
        lead = await sales.update_lead(session, business_id=business.id,
                                       lead_id=draft.lead_id or 0,
                                       score=sales.parse_score(message.text or ""))
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    except NotFound as exc:
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return
    await DRAFT.finish(state)
    await send_card(message, lead, role=role, locale=locale)


async def _ask_delete(session: AsyncSession, business: Business, data: LeadCB, locale: str
                      ) -> tuple[str, LeadCB, LeadCB]:
    lead = await sales.get_lead(session, business_id=business.id, lead_id=data.lead_id)
    return (_("Delete the lead <b>{name}</b>? This can't be undone.").format(name=h(lead.name)),
            LeadCB(action=LeadAction.CONFIRM, lead_id=lead.id),
            LeadCB(action=LeadAction.KEEP, lead_id=lead.id))


async def _remove(session: AsyncSession, business: Business, data: LeadCB) -> None:
    await sales.delete_lead(session, business_id=business.id, lead_id=data.lead_id)


confirm_delete(router, delete=LeadCB.filter(F.action == LeadAction.DELETE),
               confirm=LeadCB.filter(F.action == LeadAction.CONFIRM),
               keep=LeadCB.filter(F.action == LeadAction.KEEP), permission=EDIT,
               ask=_ask_delete, remove=_remove, then=send_leads)
