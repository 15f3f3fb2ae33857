"""Free-text entries: text nobody else took is read by ``services.entry_parser`` (rules,
then the AI when configured and the rules are unsure); a proposal is shown with ✅ Save /
✏️ Edit / ✖️ Cancel and nothing is saved before ✅. The proposal waits in FSM data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot import formatting
from bot.formatting import money
from bot.middlewares.permissions import BUSINESS
from handlers.drafts import DraftSlot
from handlers.owner.entry import keyboards as entry_keyboards
from handlers.owner.entry import leads as lead_form
from handlers.owner.entry import orders as order_form
from handlers.owner.entry import spend as spend_form
from handlers.owner.entry.callbacks import Area
from handlers.owner.entry.common import require_write, send_notes
from handlers.owner.entry.states import SpendSG
from handlers.owner.imports import keyboards, texts
from handlers.owner.imports.callbacks import EntryAction, EntryCB
from handlers.ui import done_with, h
from services import aggregates, entry_parser, marketing, sales
from services.ai import AIGateway
from services.db.models import Business, User
from services.entry_parser import EntryKind, Proposal
from services.errors import NotFound
from services.marketing import ResolvedChannel
from services.teams import Permission

router = Router(name="imports.text")
PERMISSIONS = {EntryKind.SPEND: Permission.MANAGE_ORDERS,
               EntryKind.LEAD: Permission.MANAGE_LEADS,
               EntryKind.ORDER: Permission.MANAGE_ORDERS}


class EntryDraft(BaseModel):
    kind: str
    day: str  # ISO date: drafts are stored as plain JSON
    amount: int | None = None
    channel: str | None = None
    name: str | None = None
    phone: str | None = None
    source: str = "rules"

    def proposal(self) -> Proposal:
        return Proposal(EntryKind(self.kind), date.fromisoformat(self.day), self.amount,
                        self.channel, self.name, self.phone, self.source)


DRAFT = DraftSlot("text_entry", EntryDraft)


async def read_entry(text: str, session: AsyncSession, ai: AIGateway | None, *,
                     business: Business, locale: str) -> Proposal | None:
    """Rules first; the model only when the rules are unsure and a key is configured."""
    # Whether it is an entry at all does not depend on the calendar: decide that first, so
    # ordinary chatter costs no database read (the business's "today" needs one).
    maybe = entry_parser.parse(text, today=datetime.now(UTC).date())
    use_ai = ai is not None and ai.enabled and entry_parser.needs_ai(text)
    if maybe is None and not use_ai:
        return None
    today = await sales.business_today(session, business_id=business.id)
    proposal = entry_parser.parse(text, today=today)
    if proposal is not None or not use_ai or ai is None:
        return proposal
    request = entry_parser.ai_request(text, business_id=business.id, locale=locale,
                                      today=today)
    reply = await ai.complete(session, request, fallback=lambda: "")
    if reply.is_fallback:
        return None
    return entry_parser.parse_ai_reply(reply.text, today=today)


async def propose(message: Message, state: FSMContext, session: AsyncSession,
                  ai: AIGateway | None, *, business: Business, locale: str) -> bool:
    """Show a proposed entry for ``message`` and return True, or False when it is none."""
    proposal = await read_entry(message.text or "", session, ai, business=business,
                                locale=locale)
    if proposal is None:
        return False
    channel_name = None
    if proposal.channel:
        try:
            resolved = await marketing.resolve_channel(session, business_id=business.id,
                                                       text=proposal.channel, create=False)
            channel_name = formatting.channel_name(resolved.channel.name)
        except NotFound:
            channel_name = None
    await DRAFT.save(state, EntryDraft(kind=proposal.kind.value, day=proposal.day.isoformat(),
                                       amount=proposal.amount, channel=proposal.channel,
                                       name=proposal.name, phone=proposal.phone,
                                       source=proposal.source))
    offline = ai is None or not ai.enabled
    await message.answer(texts.proposal_text(proposal, locale, channel_name=channel_name,
                                             offline=offline),
                         reply_markup=keyboards.proposal_keyboard())
    return True


async def _moment(session: AsyncSession, business_id: int, on_day: date) -> datetime | None:
    today = await sales.business_today(session, business_id=business_id)
    if on_day == today:
        return None
    timezone = await aggregates.business_timezone(session, business_id=business_id)
    return datetime.combine(on_day, time(12), tzinfo=ZoneInfo(timezone))


async def _save(message: Message, session: AsyncSession, p: Proposal, *, user: User,
                business: Business, locale: str) -> None:
    resolved: ResolvedChannel | None = None
    if p.channel:
        resolved = await marketing.resolve_channel(session, business_id=business.id,
                                                   text=p.channel)
    channel_id = resolved.channel.id if resolved else None
    if p.kind is EntryKind.SPEND:
        assert channel_id is not None and p.amount is not None
        entry = await marketing.add_spend(session, business_id=business.id,
                                          channel_id=channel_id, amount=p.amount, day=p.day,
                                          created_by=user.id)
        await message.answer(spend_form.saved_text(entry, locale))
    elif p.kind is EntryKind.LEAD:
        lead = await sales.create_lead(
            session, business_id=business.id, name=p.name or p.phone or "", phone=p.phone,
            channel_id=channel_id, owner_user_id=user.id,
            arrived_at=await _moment(session, business.id, p.day))
        details = (f" · {lead.phone}" if lead.phone else "") + (
            f" · {h(lead.channel_name)}" if lead.channel_name else "")
        await message.answer(_("✅ Lead added: <b>{name}</b>{details}.").format(
            name=h(lead.name), details=details))
    else:
        assert p.amount is not None
        customer_id = None
        if p.phone or p.name:
            customer, _created = await sales.find_or_create_customer(
                session, business_id=business.id, phone=p.phone, name=p.name,
                source_channel_id=channel_id)
            customer_id = customer.id
        order = await sales.create_order(session, business_id=business.id, total=p.amount,
                                         channel_id=channel_id, customer_id=customer_id,
                                         day=p.day)
        parts = [money(order.total, locale)] + [h(x) for x in (order.channel_name,
                                                               order.customer_name) if x]
        await message.answer(_("✅ Order saved: {details}.").format(details=" · ".join(parts)))
    await send_notes(message, resolved, locale)


@router.callback_query(EntryCB.filter(F.action == EntryAction.SAVE), flags={"perm": BUSINESS})
async def on_save(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  user: User, business: Business, role: str, locale: str) -> None:
    data = await state.get_data()
    if "text_entry" not in data:
        await callback.answer(_("This button is out of date. Open /menu again."),
                              show_alert=True)
        return
    proposal = (await DRAFT.load(state)).proposal()
    await require_write(session, role=role, business_id=business.id,
                        permission=PERMISSIONS[proposal.kind])
    await done_with(callback, _("Saved"))
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await _save(callback.message, session, proposal, user=user, business=business,
                locale=locale)


@router.callback_query(EntryCB.filter(F.action == EntryAction.EDIT), flags={"perm": BUSINESS})
async def on_edit(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str) -> None:
    """Open the matching guided form (the same steps as /spend, /lead, /order)."""
    data = await state.get_data()
    if "text_entry" not in data:
        await callback.answer(_("This button is out of date. Open /menu again."),
                              show_alert=True)
        return
    proposal = (await DRAFT.load(state)).proposal()
    await require_write(session, role=role, business_id=business.id,
                        permission=PERMISSIONS[proposal.kind])
    await done_with(callback, _("✏️ Edit"))
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    if proposal.kind is EntryKind.LEAD:
        await lead_form._start(callback.message, state)
    elif proposal.kind is EntryKind.ORDER:
        await order_form._start(callback.message, state)
    else:
        await spend_form.DRAFT.save(state, spend_form.SpendDraft(amount=proposal.amount))
        await state.set_state(SpendSG.channel)
        channels = await marketing.list_channels(session, business_id=business.id)
        await callback.message.answer(
            _("💸 <b>New spend — step 1 of 3.</b> Which channel?"),
            reply_markup=entry_keyboards.pick_channel_keyboard(Area.SPEND, channels,
                                                               skip=False))


@router.callback_query(EntryCB.filter(F.action == EntryAction.CANCEL),
                       flags={"perm": BUSINESS})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await done_with(callback, _("Cancelled"))
    await DRAFT.finish(state)
