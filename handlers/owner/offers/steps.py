"""The Offer Builder: offer list and card, the create wizard, value-equation sliders, the value
stack, guarantees, the pricing calculator, the Godfather wording and the PDF one-pager.

Wizard drafts live in FSM data (persisted); the handlers that only apply inside a step sit on
the ``steps`` sub-router behind one state filter, so other updates skip them with one check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day, money, number
from bot.middlewares.permissions import BUSINESS
from handlers import labels
from handlers.drafts import DraftSlot
from handlers.errors import describe, describe_invalid
from handlers.owner.offers import keyboards, texts
from handlers.owner.offers.callbacks import OfferAction, OfferCB
from handlers.owner.offers.states import CREATE_STEPS, PRICING_STEPS, OfferSG
from handlers.ui import MenuCB, MenuItem, NavAction, NavCB, done_with, h, nav_keyboard
from services import offers
from services.ai import AIGateway, AIRequest
from services.charts.offer_stack import render_offer_stack
from services.db.models import Business, User
from services.documents.pdf import render_one_pager
from services.errors import InvalidInput, NotFound
from services.offers import CUSTOM, GuaranteeType, Lever, OfferField, OfferView
from services.offers.equation import LEVERS
from services.offers.stack import BONUS_SHARES
from services.teams import Permission, has_permission

router = Router(name="offers")
steps = Router(name="offers.steps")
steps.message.filter(StateFilter(OfferSG))
steps.callback_query.filter(StateFilter(OfferSG))
NOT_COMMAND = ~F.text.startswith("/")
EDIT = Permission.MANAGE_PROFILE


class OfferDraft(BaseModel):
    """Typed wizard state, stored in FSM data."""

    step: str | None = None
    name: str | None = None
    core_product: str | None = None
    dream_outcome: str | None = None
    offer_id: int | None = None  # the offer a step edits
    field: str | None = None  # the ``OfferField`` that ``edit_value`` changes
    bonus_index: int | None = None  # the bonus that ``edit_bonus_*`` changes (0-based)
    bonus_was: str | None = None  # its name when the edit began, to notice a shifted stack
    bonus_name: str | None = None
    unit_cost: int | None = None
    target_margin: int | None = None


class EquationSlot(BaseModel):
    """The value-equation summary message that slider presses edit in place."""

    offer_id: int | None = None
    message_id: int | None = None


DRAFT = DraftSlot("offer", OfferDraft)
EQUATION = DraftSlot("offer_eq", EquationSlot)


def today_for(user: User) -> date:
    return datetime.now(ZoneInfo(user.timezone or "Asia/Tashkent")).date()


def _msg(callback: CallbackQuery) -> Message:
    assert isinstance(callback.message, Message)
    return callback.message


# --- screens --------------------------------------------------------------------------------

async def send_list(message: Message, session: AsyncSession, *, business: Business,
                    role: str | None, locale: str) -> None:
    items = await offers.list_offers(session, business_id=business.id)
    await message.answer(texts.offers_list(business.name, items, locale),
                         reply_markup=keyboards.offers_keyboard(
                             items, can_edit=has_permission(role, EDIT)))


async def send_card(message: Message, offer: OfferView, *, role: str | None,
                    locale: str) -> None:
    await message.answer(texts.offer_card(offer, locale),
                         reply_markup=keyboards.offer_keyboard(
                             offer.id, can_edit=has_permission(role, EDIT)))


async def send_stack(message: Message, bot: Bot, offer: OfferView, *, role: str | None,
                     locale: str) -> None:
    """Render the stack image in the user's language (in a worker thread) and send it."""
    chart = texts.stack_chart(offer, locale)
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        png = await asyncio.to_thread(render_offer_stack, chart)
    can_edit = has_permission(role, EDIT)
    await message.answer_photo(BufferedInputFile(png, filename="offer-stack.png"),
                               caption=texts.stack_caption(offer, locale, can_edit=can_edit),
                               reply_markup=keyboards.stack_keyboard(offer, can_edit=can_edit))


async def ask(message: Message, state: FSMContext, step: str, *, locale: str, user: User,
              offer: OfferView | None = None) -> None:
    """Move to ``step`` and ask its question (the step is kept in the draft for resuming)."""
    draft = await DRAFT.load(state)
    draft.step = step
    if offer is not None:
        draft.offer_id = offer.id
    await DRAFT.save(state, draft)
    await state.set_state(getattr(OfferSG, step))
    text, markup = _question(step, draft, offer, locale=locale, today=today_for(user))
    await message.answer(text, reply_markup=markup)


def _question(step: str, draft: OfferDraft, offer: OfferView | None, *, locale: str,
              today: date) -> tuple[str, Any]:
    if step == "name":
        return (_("📦 <b>New offer — step 1 of 4.</b> Name the offer.\n\n"
                  "<i>Example: Barista in 30 days</i>"), nav_keyboard(back=False))
    if step == "product":
        return (_("<b>Step 2 of 4.</b> What is the core product or service?\n\n"
                  "<i>Example: a 4-week barista course with practice</i>"), nav_keyboard())
    if step == "outcome":
        return (_("<b>Step 3 of 4.</b> What dream outcome does the buyer get?\n\n"
                  "<i>Example: a job in a top café within a month</i>"), nav_keyboard())
    if step == "price":
        return (_("<b>Step 4 of 4.</b> What is the price, in so'm?\n\n"
                  "<i>Example: 1.2 mln or 1 200 000</i>"), nav_keyboard())
    assert offer is not None
    if step == "edit_value":
        field = OfferField(draft.field or OfferField.NAME)
        return texts.edit_question(field, offer, locale), nav_keyboard()
    if step in ("edit_bonus_name", "edit_bonus_value"):
        index = draft.bonus_index or 0
        bonus = offer.bonuses[index]
        if step == "edit_bonus_name":
            return (texts.edit_bonus_name_question(index + 1, bonus, locale),
                    nav_keyboard(back=False, skip=True))
        return (texts.edit_bonus_value_question(draft.bonus_name or bonus.name, bonus, locale),
                nav_keyboard(skip=True))
    if step == "new_price":
        return (_("✏️ Type the new price, in so'm. Now: {price}.").format(
            price=money(offer.price, locale)), nav_keyboard(back=False))
    if step == "bonus_name":
        return (_("🎁 <b>Bonus {number} of 3.</b> Name the bonus.\n\n"
                  "<i>Example: a checklist of 50 coffee recipes</i>").format(
            number=len(offer.bonuses) + 1), nav_keyboard(back=False))
    if step == "bonus_value":
        slot = min(len(offer.bonuses), offers.MAX_BONUSES - 1)
        amount = offers.suggested_bonus_value(offer.price, slot)
        return (_("What is the stated value of “{name}”, in so'm? Typical for bonus {number}: "
                  "{share}% of the price — {amount}. Type an amount or press the suggestion."
                  ).format(name=h(draft.bonus_name or ""), number=slot + 1,
                           share=int(BONUS_SHARES[slot] * 100), amount=money(amount, locale)),
                keyboards.suggestion_keyboard(offer.id, amount, locale))
    if step == "deadline":
        example = (today + timedelta(days=14)).strftime("%d.%m.%Y")
        return (_("⏰ Until when is the offer valid? Type a date like {example}.").format(
            example=example), keyboards.clearable_keyboard(
            offer.id, has_value=offer.urgency_deadline is not None))
    if step == "scarcity":
        return (_("🔢 How many are available — places, units, slots? Type a number."),
                keyboards.clearable_keyboard(offer.id,
                                             has_value=offer.scarcity_count is not None))
    if step == "guarantee":
        return (_("✍️ Type your guarantee in your own words (up to {max} characters)."
                  ).format(max=offers.service.GUARANTEE_MAX), nav_keyboard(back=False))
    if step == "cost":
        return (_("🧮 <b>Pricing — step 1 of 3.</b> What does one sale cost you (product, "
                  "delivery, work), in so'm?\n\n<i>Example: 400 000 or 400k</i>"),
                nav_keyboard(back=False, skip=True))
    if step == "margin":
        return (_("<b>Step 2 of 3.</b> What margin do you want, in % of the price (0–95)?\n\n"
                  "<i>Example: 40</i>"), nav_keyboard(skip=True))
    return (_("<b>Step 3 of 3.</b> What do competitors charge? Up to 10 prices, separated by "
              "commas or one per line.\n\n<i>Example: 900 000, 1.1 mln, 1 250 000</i>"),
            nav_keyboard(skip=True))


async def open_offers(message: Message, state: FSMContext, session: AsyncSession, *,
                      user: User, business: Business, role: str, locale: str) -> None:
    """The offer list; an unfinished new offer is resumed instead."""
    draft = await DRAFT.load(state)
    if draft.step in CREATE_STEPS and has_permission(role, EDIT):
        await message.answer(_("You have an unfinished offer — let's continue where we "
                               "stopped."))
        await ask(message, state, draft.step or "name", locale=locale, user=user)
        return
    await DRAFT.finish(state)
    await send_list(message, session, business=business, role=role, locale=locale)


@router.message(Command("offer"), flags={"perm": BUSINESS})
async def cmd_offer(message: Message, state: FSMContext, session: AsyncSession, user: User,
                    business: Business, role: str, locale: str) -> None:
    await open_offers(message, state, session, user=user, business=business, role=role,
                      locale=locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.OFFERS), flags={"perm": BUSINESS})
async def on_offers(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                    user: User, business: Business, role: str, locale: str) -> None:
    await callback.answer()
    await open_offers(_msg(callback), state, session, user=user, business=business, role=role,
                      locale=locale)


@router.callback_query(OfferCB.filter(F.action == OfferAction.LIST), flags={"perm": BUSINESS})
async def on_list(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str, locale: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    await send_list(_msg(callback), session, business=business, role=role, locale=locale)


@router.callback_query(OfferCB.filter(F.action == OfferAction.NEW), flags={"perm": EDIT})
async def on_new(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 user: User, business: Business, locale: str) -> None:
    await offers.ensure_room(session, business_id=business.id)
    await callback.answer()
    await DRAFT.finish(state)
    await ask(_msg(callback), state, "name", locale=locale, user=user)


@router.callback_query(OfferCB.filter(F.action == OfferAction.OPEN), flags={"perm": BUSINESS})
async def on_open(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                  session: AsyncSession, business: Business, role: str, locale: str) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    await DRAFT.finish(state)
    await send_card(_msg(callback), offer, role=role, locale=locale)


# --- value equation -------------------------------------------------------------------------

@router.callback_query(OfferCB.filter(F.action == OfferAction.EQUATION),
                       flags={"perm": BUSINESS})
async def on_equation(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                      session: AsyncSession, business: Business, role: str,
                      locale: str) -> None:
    """The summary, then one slider message per lever (editors only)."""
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    message = _msg(callback)
    summary = await message.answer(texts.equation_summary(offer, locale),
                                   reply_markup=keyboards.only_back(offer.id))
    await EQUATION.save(state, EquationSlot(offer_id=offer.id, message_id=summary.message_id))
    if not has_permission(role, EDIT):
        return
    for lever in LEVERS:
        await message.answer(texts.lever_message(offer, lever),
                             reply_markup=keyboards.lever_keyboard(offer.id, lever,
                                                                   offer.lever(lever)))


async def _edit_summary(bot: Bot, message: Message, state: FSMContext, offer: OfferView,
                        locale: str) -> None:
    """Edit the summary in place; send a fresh one when it is gone or belongs elsewhere."""
    slot = await EQUATION.load(state)
    text = texts.equation_summary(offer, locale)
    if slot.offer_id == offer.id and slot.message_id is not None:
        try:
            await bot.edit_message_text(text=text, chat_id=message.chat.id,
                                        message_id=slot.message_id,
                                        reply_markup=keyboards.only_back(offer.id))
            return
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):
                return
    summary = await message.answer(text, reply_markup=keyboards.only_back(offer.id))
    await EQUATION.save(state, EquationSlot(offer_id=offer.id, message_id=summary.message_id))


@router.callback_query(OfferCB.filter(F.action == OfferAction.LEVER), flags={"perm": EDIT})
async def on_lever(callback: CallbackQuery, callback_data: OfferCB, bot: Bot,
                   state: FSMContext, session: AsyncSession, business: Business,
                   locale: str) -> None:
    offer = await offers.set_lever(session, business_id=business.id,
                                   offer_id=callback_data.offer_id, lever=callback_data.lever,
                                   value=callback_data.value)
    await callback.answer()
    message = _msg(callback)
    lever = Lever(callback_data.lever)
    try:
        await message.edit_text(texts.lever_message(offer, lever),
                                reply_markup=keyboards.lever_keyboard(offer.id, lever,
                                                                      offer.lever(lever)))
    except TelegramBadRequest as exc:  # the same value pressed again
        if "not modified" not in str(exc):
            raise
    await _edit_summary(bot, message, state, offer, locale)


# --- value stack ----------------------------------------------------------------------------

@router.callback_query(OfferCB.filter(F.action == OfferAction.STACK), flags={"perm": BUSINESS})
async def on_stack(callback: CallbackQuery, callback_data: OfferCB, bot: Bot,
                   state: FSMContext, session: AsyncSession, business: Business, role: str,
                   locale: str) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    await DRAFT.finish(state)
    await send_stack(_msg(callback), bot, offer, role=role, locale=locale)


async def _start_step(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                      session: AsyncSession, *, business: Business, user: User, locale: str,
                      step: str) -> OfferView:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    await DRAFT.finish(state)
    await ask(_msg(callback), state, step, locale=locale, user=user, offer=offer)
    return offer


@router.callback_query(OfferCB.filter(F.action == OfferAction.ADD_BONUS), flags={"perm": EDIT})
async def on_add_bonus(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                       session: AsyncSession, user: User, business: Business,
                       locale: str) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    if len(offer.bonuses) >= offers.MAX_BONUSES:
        raise InvalidInput(field="bonus", reason="too_many", max=offers.MAX_BONUSES)
    await _start_step(callback, callback_data, state, session, business=business, user=user,
                      locale=locale, step="bonus_name")


@router.callback_query(OfferCB.filter(F.action == OfferAction.DROP_BONUS), flags={"perm": EDIT})
async def on_drop_bonus(callback: CallbackQuery, callback_data: OfferCB, bot: Bot,
                        session: AsyncSession, business: Business, role: str,
                        locale: str) -> None:
    offer = await offers.remove_bonus(session, business_id=business.id,
                                      offer_id=callback_data.offer_id, index=callback_data.value)
    await callback.answer(_("Deleted"))
    await send_stack(_msg(callback), bot, offer, role=role, locale=locale)


@router.callback_query(OfferCB.filter(F.action == OfferAction.DEADLINE), flags={"perm": EDIT})
async def on_deadline(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                      session: AsyncSession, user: User, business: Business,
                      locale: str) -> None:
    await _start_step(callback, callback_data, state, session, business=business, user=user,
                      locale=locale, step="deadline")


@router.callback_query(OfferCB.filter(F.action == OfferAction.SCARCITY), flags={"perm": EDIT})
async def on_scarcity(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                      session: AsyncSession, user: User, business: Business,
                      locale: str) -> None:
    await _start_step(callback, callback_data, state, session, business=business, user=user,
                      locale=locale, step="scarcity")


# --- editing the basics --------------------------------------------------------------------

async def send_edit_picker(message: Message, offer: OfferView) -> None:
    await message.answer(texts.edit_picker(offer),
                         reply_markup=keyboards.edit_keyboard(offer.id))


@router.callback_query(OfferCB.filter(F.action == OfferAction.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                  session: AsyncSession, business: Business) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    await DRAFT.finish(state)
    await send_edit_picker(_msg(callback), offer)


@router.callback_query(OfferCB.filter(F.action.in_({OfferAction.EDIT_FIELD,
                                                    OfferAction.CHANGE_PRICE})),
                       flags={"perm": EDIT})
async def on_edit_field(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                        session: AsyncSession, user: User, business: Business,
                        locale: str) -> None:
    try:
        field = (OfferField.PRICE if callback_data.action == OfferAction.CHANGE_PRICE
                 else OfferField(callback_data.lever))
    except ValueError:  # callback data is never trusted
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, OfferDraft(field=field.value))
    await ask(_msg(callback), state, "edit_value", locale=locale, user=user, offer=offer)


@router.callback_query(OfferCB.filter(F.action == OfferAction.EDIT_BONUS), flags={"perm": EDIT})
async def on_edit_bonus(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                        session: AsyncSession, user: User, business: Business,
                        locale: str) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    if not 0 <= callback_data.value < len(offer.bonuses):
        raise NotFound(entity="bonus", id=callback_data.value)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, OfferDraft(bonus_index=callback_data.value,
                                       bonus_was=offer.bonuses[callback_data.value].name))
    await ask(_msg(callback), state, "edit_bonus_name", locale=locale, user=user, offer=offer)


# --- guarantees -----------------------------------------------------------------------------

@router.callback_query(OfferCB.filter(F.action == OfferAction.GUARANTEE), flags={"perm": EDIT})
async def on_guarantee(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                       session: AsyncSession, business: Business) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    await DRAFT.finish(state)
    await _msg(callback).answer(texts.guarantees_text(offer),
                                reply_markup=keyboards.guarantee_keyboard(offer.id))


@router.callback_query(OfferCB.filter(F.action == OfferAction.PICK_GUARANTEE),
                       flags={"perm": EDIT})
async def on_pick_guarantee(callback: CallbackQuery, callback_data: OfferCB,
                            session: AsyncSession, business: Business, role: str,
                            locale: str) -> None:
    try:
        kind = GuaranteeType(callback_data.lever)
    except ValueError:  # callback data is never trusted
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    offer = await offers.set_guarantee(session, business_id=business.id, offer_id=offer.id,
                                       kind=kind.value,
                                       text=texts.guarantee_template(kind, offer))
    await done_with(callback, labels.guarantee_type(kind.value))
    await _msg(callback).answer(_("✅ Guarantee saved: {type}.").format(
        type=labels.guarantee_type(kind.value)))
    await send_card(_msg(callback), offer, role=role, locale=locale)


@router.callback_query(OfferCB.filter(F.action == OfferAction.OWN_GUARANTEE),
                       flags={"perm": EDIT})
async def on_own_guarantee(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                           session: AsyncSession, user: User, business: Business,
                           locale: str) -> None:
    await _start_step(callback, callback_data, state, session, business=business, user=user,
                      locale=locale, step="guarantee")


# --- pricing --------------------------------------------------------------------------------

@router.callback_query(OfferCB.filter(F.action == OfferAction.PRICING), flags={"perm": EDIT})
async def on_pricing(callback: CallbackQuery, callback_data: OfferCB, state: FSMContext,
                     session: AsyncSession, user: User, business: Business,
                     locale: str) -> None:
    await _start_step(callback, callback_data, state, session, business=business, user=user,
                      locale=locale, step="cost")


async def send_pricing(message: Message, offer: OfferView, locale: str) -> None:
    result = offer.pricing()
    await message.answer(texts.pricing_text(offer, result, locale),
                         reply_markup=keyboards.pricing_keyboard(
                             offer.id, result.value_based_price, locale,
                             differs=result.value_based_price != offer.price))


@router.callback_query(OfferCB.filter(F.action == OfferAction.USE_VALUE_PRICE),
                       flags={"perm": EDIT})
async def on_use_value_price(callback: CallbackQuery, callback_data: OfferCB,
                             session: AsyncSession, business: Business, role: str,
                             locale: str) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    suggestion = offer.pricing().value_based_price  # recomputed: the button carries no price
    offer = await offers.update_basics(session, business_id=business.id, offer_id=offer.id,
                                       field="price", raw=str(suggestion))
    await done_with(callback, money(offer.price, locale))
    await _msg(callback).answer(_("✅ Price set: {price}.").format(
        price=money(offer.price, locale)))
    await send_card(_msg(callback), offer, role=role, locale=locale)


# --- Godfather offer and PDF ----------------------------------------------------------------

@router.callback_query(OfferCB.filter(F.action == OfferAction.GODFATHER),
                       flags={"perm": BUSINESS})
async def on_godfather(callback: CallbackQuery, callback_data: OfferCB, bot: Bot,
                       session: AsyncSession, business: Business, ai: AIGateway,
                       locale: str) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    message = _msg(callback)
    request = AIRequest(business_id=business.id, feature="offer_godfather", locale=locale,
                        instructions=texts.GODFATHER_INSTRUCTIONS,
                        facts=offers.describe_offer(offer), max_tokens=600)
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        reply = await ai.complete(session, request,
                                  fallback=lambda: texts.godfather_fallback(offer, locale))
    await message.answer(texts.godfather_message(offer, reply.text, offline=reply.is_fallback),
                         reply_markup=keyboards.only_back(offer.id))


@router.callback_query(OfferCB.filter(F.action == OfferAction.PDF), flags={"perm": BUSINESS})
async def on_pdf(callback: CallbackQuery, callback_data: OfferCB, bot: Bot,
                 session: AsyncSession, business: Business, locale: str) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    message = _msg(callback)
    chart = texts.stack_chart(offer, locale)
    # Texts are built here, where the user's locale is active; only drawing goes to a thread.
    page = texts.one_pager(offer, business.name, locale, b"")

    def render() -> bytes:
        return render_one_pager(replace(page, image_png=render_offer_stack(chart)))

    async with ChatActionSender.upload_document(bot=bot, chat_id=message.chat.id):
        pdf = await asyncio.to_thread(render)
    await message.answer_document(
        BufferedInputFile(pdf, filename=f"offer-{offer.id}.pdf"),
        caption=_("📄 {name} — one-pager").format(name=h(offer.name)),
        reply_markup=keyboards.only_back(offer.id))


# --- delete ---------------------------------------------------------------------------------

@router.callback_query(OfferCB.filter(F.action == OfferAction.DELETE), flags={"perm": EDIT})
async def on_delete(callback: CallbackQuery, callback_data: OfferCB, session: AsyncSession,
                    business: Business) -> None:
    offer = await offers.get_offer(session, business_id=business.id,
                                   offer_id=callback_data.offer_id)
    await callback.answer()
    await _msg(callback).answer(
        _("Delete the offer <b>{name}</b>? This can't be undone.").format(name=h(offer.name)),
        reply_markup=keyboards.delete_keyboard(offer.id))


@router.callback_query(OfferCB.filter(F.action == OfferAction.CONFIRM_DELETE),
                       flags={"perm": EDIT})
async def on_delete_confirmed(callback: CallbackQuery, callback_data: OfferCB,
                              session: AsyncSession, business: Business, role: str,
                              locale: str) -> None:
    await offers.delete_offer(session, business_id=business.id,
                              offer_id=callback_data.offer_id)
    await done_with(callback, _("Deleted"))
    await send_list(_msg(callback), session, business=business, role=role, locale=locale)


@router.callback_query(OfferCB.filter(F.action == OfferAction.KEEP), flags={"perm": BUSINESS})
async def on_delete_declined(callback: CallbackQuery) -> None:
    await done_with(callback, _("Kept"))


# --- typed steps (only inside the wizard) ---------------------------------------------------

Parse = Callable[[str], Any]


async def _parsed(message: Message, parse: Parse) -> tuple[bool, Any]:
    """``(True, value)``, or ``(False, None)`` after telling the user what is wrong."""
    try:
        return True, parse(message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return False, None


async def _editing(message: Message, state: FSMContext, session: AsyncSession,
                   business: Business) -> OfferView | None:
    """The offer the current step edits; None (wizard left) when it is gone."""
    draft = await DRAFT.load(state)
    try:
        return await offers.get_offer(session, business_id=business.id,
                                      offer_id=draft.offer_id or 0)
    except NotFound as exc:
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return None


async def _draft_step(message: Message, state: FSMContext, *, parse: Parse, attr: str,
                      next_step: str, user: User, locale: str) -> None:
    ok, value = await _parsed(message, parse)
    if not ok:
        return
    draft = await DRAFT.load(state)
    setattr(draft, attr, value)
    await DRAFT.save(state, draft)
    await ask(message, state, next_step, locale=locale, user=user)


@steps.message(OfferSG.name, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def name_entered(message: Message, state: FSMContext, user: User, locale: str) -> None:
    await _draft_step(message, state, parse=offers.parse_name, attr="name",
                      next_step="product", user=user, locale=locale)


@steps.message(OfferSG.product, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def product_entered(message: Message, state: FSMContext, user: User,
                          locale: str) -> None:
    await _draft_step(message, state,
                      parse=lambda raw: offers.parse_text(raw, field="core_product"),
                      attr="core_product", next_step="outcome", user=user, locale=locale)


@steps.message(OfferSG.outcome, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def outcome_entered(message: Message, state: FSMContext, user: User,
                          locale: str) -> None:
    await _draft_step(message, state,
                      parse=lambda raw: offers.parse_text(raw, field="dream_outcome"),
                      attr="dream_outcome", next_step="price", user=user, locale=locale)


@steps.message(OfferSG.price, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def price_entered(message: Message, state: FSMContext, session: AsyncSession,
                        user: User, business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    if None in (draft.name, draft.core_product, draft.dream_outcome):
        await ask(message, state, "name", locale=locale, user=user)
        return
    try:
        offer = await offers.create_offer(
            session, business_id=business.id, name=draft.name or "",
            core_product=draft.core_product or "", dream_outcome=draft.dream_outcome or "",
            price=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Offer created: <b>{name}</b>. Now score it with the value "
                           "equation.").format(name=h(offer.name)))
    await send_card(message, offer, role=role, locale=locale)


async def _edit_step(message: Message, state: FSMContext, session: AsyncSession,
                     business: Business, *, parse: Parse,
                     save: Callable[[OfferView, Any], Awaitable[OfferView]]) -> OfferView | None:
    """Parse the typed value, save it on the offer being edited and leave the wizard."""
    offer = await _editing(message, state, session, business)
    if offer is None:
        return None
    ok, value = await _parsed(message, parse)
    if not ok:
        return None
    try:
        saved = await save(offer, value)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return None
    await DRAFT.finish(state)
    return saved


@steps.message(OfferSG.new_price, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def new_price_entered(message: Message, state: FSMContext, session: AsyncSession,
                            business: Business, role: str, locale: str) -> None:
    offer = await _edit_step(
        message, state, session, business, parse=str,
        save=lambda o, raw: offers.update_basics(session, business_id=business.id,
                                                 offer_id=o.id, field="price", raw=raw))
    if offer is not None:
        await message.answer(_("✅ Price set: {price}.").format(price=money(offer.price, locale)))
        await send_card(message, offer, role=role, locale=locale)


@steps.message(OfferSG.bonus_name, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def bonus_name_entered(message: Message, state: FSMContext, session: AsyncSession,
                             user: User, business: Business, locale: str) -> None:
    offer = await _editing(message, state, session, business)
    if offer is None:
        return
    ok, name = await _parsed(message, offers.parse_name)
    if not ok:
        return
    draft = await DRAFT.load(state)
    draft.bonus_name = name
    await DRAFT.save(state, draft)
    await ask(message, state, "bonus_value", locale=locale, user=user, offer=offer)


async def _add_bonus(message: Message, bot: Bot, state: FSMContext, session: AsyncSession,
                     business: Business, offer: OfferView, value: int, *, role: str,
                     locale: str) -> None:
    draft = await DRAFT.load(state)
    offer = await offers.add_bonus(session, business_id=business.id, offer_id=offer.id,
                                   name=draft.bonus_name or "", value=value)
    await DRAFT.finish(state)
    await message.answer(_("✅ Bonus added: {name} — {value}.").format(
        name=h(offer.bonuses[-1].name), value=money(value, locale)))
    await send_stack(message, bot, offer, role=role, locale=locale)


@steps.message(OfferSG.bonus_value, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def bonus_value_entered(message: Message, bot: Bot, state: FSMContext,
                              session: AsyncSession, business: Business, role: str,
                              locale: str) -> None:
    offer = await _editing(message, state, session, business)
    if offer is None:
        return
    ok, value = await _parsed(message, offers.parse_bonus_value)
    if ok:
        await _add_bonus(message, bot, state, session, business, offer, value, role=role,
                         locale=locale)


@steps.callback_query(OfferSG.bonus_value, OfferCB.filter(F.action == OfferAction.SUGGESTED),
                      flags={"perm": EDIT})
async def on_suggested(callback: CallbackQuery, bot: Bot, state: FSMContext,
                       session: AsyncSession, business: Business, role: str,
                       locale: str) -> None:
    message = _msg(callback)
    offer = await _editing(message, state, session, business)
    if offer is None:
        await callback.answer()
        return
    slot = min(len(offer.bonuses), offers.MAX_BONUSES - 1)
    value = offers.suggested_bonus_value(offer.price, slot)  # recomputed, never from the button
    await done_with(callback, money(value, locale))
    await _add_bonus(message, bot, state, session, business, offer, value, role=role,
                     locale=locale)


@steps.message(OfferSG.deadline, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def deadline_entered(message: Message, bot: Bot, state: FSMContext,
                           session: AsyncSession, user: User, business: Business, role: str,
                           locale: str) -> None:
    offer = await _edit_step(
        message, state, session, business,
        parse=lambda raw: offers.parse_deadline(raw, today=today_for(user)),
        save=lambda o, deadline: offers.set_urgency(session, business_id=business.id,
                                                    offer_id=o.id, deadline=deadline))
    if offer is not None and offer.urgency_deadline is not None:
        await message.answer(_("✅ Deadline saved: {date}.").format(
            date=day(offer.urgency_deadline, locale)))
        await send_stack(message, bot, offer, role=role, locale=locale)


@steps.message(OfferSG.scarcity, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def scarcity_entered(message: Message, bot: Bot, state: FSMContext,
                           session: AsyncSession, business: Business, role: str,
                           locale: str) -> None:
    offer = await _edit_step(
        message, state, session, business, parse=offers.parse_scarcity,
        save=lambda o, count: offers.set_scarcity(session, business_id=business.id,
                                                  offer_id=o.id, count=count))
    if offer is not None and offer.scarcity_count is not None:
        await message.answer(_("✅ Quantity saved: {count}.").format(
            count=number(offer.scarcity_count, locale)))
        await send_stack(message, bot, offer, role=role, locale=locale)


@steps.callback_query(StateFilter(OfferSG.deadline, OfferSG.scarcity),
                      OfferCB.filter(F.action == OfferAction.CLEAR), flags={"perm": EDIT})
async def on_clear(callback: CallbackQuery, bot: Bot, state: FSMContext,
                   session: AsyncSession, business: Business, role: str, locale: str,
                   raw_state: str | None) -> None:
    message = _msg(callback)
    offer = await _editing(message, state, session, business)
    if offer is None:
        await callback.answer()
        return
    if raw_state == OfferSG.deadline.state:
        offer = await offers.set_urgency(session, business_id=business.id, offer_id=offer.id,
                                         deadline=None)
    else:
        offer = await offers.set_scarcity(session, business_id=business.id, offer_id=offer.id,
                                          count=None)
    await DRAFT.finish(state)
    await done_with(callback, _("Removed"))
    await send_stack(message, bot, offer, role=role, locale=locale)


@steps.message(OfferSG.guarantee, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def guarantee_entered(message: Message, state: FSMContext, session: AsyncSession,
                            business: Business, role: str, locale: str) -> None:
    offer = await _edit_step(
        message, state, session, business, parse=str,
        save=lambda o, text: offers.set_guarantee(session, business_id=business.id,
                                                  offer_id=o.id, kind=CUSTOM, text=text))
    if offer is not None:
        await message.answer(_("✅ Guarantee saved: {type}.").format(
            type=labels.guarantee_type(CUSTOM)))
        await send_card(message, offer, role=role, locale=locale)


async def _pricing_step(message: Message, state: FSMContext, session: AsyncSession, *,
                        user: User, business: Business, locale: str, step: str,
                        value: Any) -> None:
    """Keep one pricing input; after the last one save them all and show the result."""
    offer = await _editing(message, state, session, business)
    if offer is None:
        return
    draft = await DRAFT.load(state)
    if step == "cost":
        draft.unit_cost = value
        await DRAFT.save(state, draft)
        await ask(message, state, "margin", locale=locale, user=user, offer=offer)
    elif step == "margin":
        draft.target_margin = value
        await DRAFT.save(state, draft)
        await ask(message, state, "competitors", locale=locale, user=user, offer=offer)
    else:
        offer = await offers.set_pricing_inputs(
            session, business_id=business.id, offer_id=offer.id, unit_cost=draft.unit_cost,
            target_margin=draft.target_margin, competitor_prices=value or [])
        await DRAFT.finish(state)
        await send_pricing(message, offer, locale)


PRICING_PARSERS: dict[str, Parse] = {"cost": offers.parse_cost, "margin": offers.parse_margin,
                                     "competitors": offers.parse_competitor_prices}


@steps.message(StateFilter(OfferSG.cost, OfferSG.margin, OfferSG.competitors), F.text,
               NOT_COMMAND, flags={"perm": EDIT})
async def pricing_entered(message: Message, state: FSMContext, session: AsyncSession,
                          user: User, business: Business, locale: str,
                          raw_state: str | None) -> None:
    step = (raw_state or "").rpartition(":")[2]
    ok, value = await _parsed(message, PRICING_PARSERS[step])
    if ok:
        await _pricing_step(message, state, session, user=user, business=business,
                            locale=locale, step=step, value=value)


@steps.callback_query(StateFilter(OfferSG.cost, OfferSG.margin, OfferSG.competitors),
                      NavCB.filter(F.action == NavAction.SKIP), flags={"perm": EDIT})
async def pricing_skipped(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                          user: User, business: Business, locale: str,
                          raw_state: str | None) -> None:
    await done_with(callback, _("Skipped"))
    step = (raw_state or "").rpartition(":")[2]
    await _pricing_step(_msg(callback), state, session, user=user, business=business,
                        locale=locale, step=step, value=None)


def _draft_field(draft: OfferDraft) -> OfferField | None:
    try:
        return OfferField(draft.field or "")
    except ValueError:
        return None


@steps.message(OfferSG.edit_value, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def edit_value_entered(message: Message, state: FSMContext, session: AsyncSession,
                             business: Business, role: str, locale: str) -> None:
    field = _draft_field(await DRAFT.load(state))
    if field is None:  # a draft from an older version: start again from the card
        await DRAFT.finish(state)
        await send_list(message, session, business=business, role=role, locale=locale)
        return
    # Parsed by the service with the same rules (and errors) as when the offer was created.
    offer = await _edit_step(
        message, state, session, business, parse=str,
        save=lambda o, raw: offers.update_basics(session, business_id=business.id,
                                                 offer_id=o.id, field=field.value, raw=raw))
    if offer is not None:
        await message.answer(texts.edit_saved(field, offer, locale))
        await send_card(message, offer, role=role, locale=locale)


async def _edited_bonus(message: Message, state: FSMContext, session: AsyncSession,
                        business: Business) -> tuple[OfferView, int] | None:
    """The offer and index of the bonus being edited; None (wizard left) when it is gone."""
    offer = await _editing(message, state, session, business)
    if offer is None:
        return None
    draft = await DRAFT.load(state)
    index = draft.bonus_index
    # An index alone could point at another bonus after one before it was removed.
    if index is None or not 0 <= index < len(offer.bonuses) or (
            draft.bonus_was not in (None, offer.bonuses[index].name)):
        await DRAFT.finish(state)
        await message.answer(describe(NotFound(entity="bonus", id=index)))
        return None
    return offer, index


async def _next_bonus_step(message: Message, bot: Bot, state: FSMContext,
                           session: AsyncSession, *,
                           user: User, business: Business, role: str, locale: str,
                           step: str, value: Any) -> None:
    """Keep the new name (None = unchanged) and ask the value; after the value, save both."""
    edited = await _edited_bonus(message, state, session, business)
    if edited is None:
        return
    offer, index = edited
    draft = await DRAFT.load(state)
    if step == "edit_bonus_name":
        draft.bonus_name = value
        await DRAFT.save(state, draft)
        await ask(message, state, "edit_bonus_value", locale=locale, user=user, offer=offer)
        return
    offer = await offers.update_bonus(session, business_id=business.id, offer_id=offer.id,
                                      index=index, name=draft.bonus_name, value=value)
    await DRAFT.finish(state)
    await message.answer(texts.bonus_saved(index + 1, offer.bonuses[index], locale))
    await send_stack(message, bot, offer, role=role, locale=locale)


@steps.message(OfferSG.edit_bonus_name, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def edit_bonus_name_entered(message: Message, bot: Bot, state: FSMContext,
                                  session: AsyncSession, user: User, business: Business,
                                  role: str, locale: str) -> None:
    ok, name = await _parsed(message, offers.parse_name)
    if ok:
        await _next_bonus_step(message, bot, state, session, user=user, business=business,
                               role=role, locale=locale, step="edit_bonus_name", value=name)


@steps.message(OfferSG.edit_bonus_value, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def edit_bonus_value_entered(message: Message, bot: Bot, state: FSMContext,
                                   session: AsyncSession, user: User, business: Business,
                                   role: str, locale: str) -> None:
    ok, value = await _parsed(message, offers.parse_bonus_value)
    if ok:
        await _next_bonus_step(message, bot, state, session, user=user, business=business,
                               role=role, locale=locale, step="edit_bonus_value", value=value)


@steps.callback_query(StateFilter(OfferSG.edit_bonus_name, OfferSG.edit_bonus_value),
                      NavCB.filter(F.action == NavAction.SKIP), flags={"perm": EDIT})
async def edit_bonus_skipped(callback: CallbackQuery, bot: Bot, state: FSMContext,
                             session: AsyncSession, user: User, business: Business, role: str,
                             locale: str, raw_state: str | None) -> None:
    await done_with(callback, _("Kept"))
    step = (raw_state or "").rpartition(":")[2]
    await _next_bonus_step(_msg(callback), bot, state, session, user=user, business=business,
                           role=role, locale=locale, step=step, value=None)


@steps.message(NOT_COMMAND, flags={"perm": BUSINESS})
async def step_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))


BACK_TO = {"product": "name", "outcome": "product", "price": "outcome",
           "bonus_value": "bonus_name", "edit_bonus_value": "edit_bonus_name",
           "margin": "cost", "competitors": "margin"}


@steps.callback_query(NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, state: FSMContext,
                 session: AsyncSession, user: User, business: Business, role: str,
                 locale: str, raw_state: str | None) -> None:
    await callback.answer()
    message = _msg(callback)
    await message.edit_reply_markup(reply_markup=None)
    step = (raw_state or "").rpartition(":")[2]
    draft = await DRAFT.load(state)
    offer = None
    if draft.offer_id is not None:
        try:
            offer = await offers.get_offer(session, business_id=business.id,
                                           offer_id=draft.offer_id)
        except NotFound:
            offer = None
    if offer is not None and not 0 <= (draft.bonus_index or 0) < len(offer.bonuses) and (
            step.startswith("edit_bonus")):
        offer = None  # the bonus went away meanwhile: back to the list
    back = callback_data.action == NavAction.BACK
    if back and step == "edit_value" and offer is not None:
        await DRAFT.finish(state)
        await send_edit_picker(message, offer)
        return
    if back and step in BACK_TO and (offer is not None or step in CREATE_STEPS):
        await ask(message, state, BACK_TO[step], locale=locale, user=user, offer=offer)
        return
    await DRAFT.finish(state)
    await message.answer(_("Cancelled."))
    if offer is not None:
        await send_card(message, offer, role=role, locale=locale)
    else:
        await send_list(message, session, business=business, role=role, locale=locale)


assert set(PRICING_PARSERS) == set(PRICING_STEPS)
router.include_router(steps)
