"""/order, /orders, /customers: an order in one line (``/order 250000 instagram Aziza
+998901234567``) or a form (total or items → channel → customer by phone); an order's card
with a new total, cancel, refund and delete; the customers with their totals."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import money
from bot.middlewares.permissions import BUSINESS
from handlers import labels
from handlers.drafts import DraftSlot
from handlers.errors import describe, describe_invalid
from handlers.owner.entry import keyboards
from handlers.owner.entry.callbacks import Area, OrderAction, OrderCB, PickCB
from handlers.owner.entry.common import picked_channel, send_notes
from handlers.owner.entry.states import OrderSG
from handlers.owner.entry.texts import customer_line, order_card, order_line
from handlers.owner.entry.wizard import NOT_COMMAND, confirm_delete, wizard_routers
from handlers.ui import NavAction, NavCB, done_with, h, nav_keyboard, with_home
from services import marketing, sales
from services.db.models import Business
from services.errors import InvalidInput, NotFound
from services.marketing import ResolvedChannel
from services.sales import OrderItem, OrderView
from services.teams import Permission, has_permission
from services.validation import parse_amount

router, steps = wizard_routers("orders", OrderSG, choose_state=OrderSG.channel)
EDIT = Permission.MANAGE_ORDERS


class OrderDraft(BaseModel):
    total: int | None = None
    items: list[dict[str, int | str]] = []
    channel_id: int | None = None
    order_id: int | None = None


DRAFT = DraftSlot("order", OrderDraft)


async def send_orders(message: Message, session: AsyncSession, *, business: Business,
                      role: str | None, locale: str) -> None:
    orders = await sales.list_orders(session, business_id=business.id)
    lines = [_("🧾 <b>Orders</b> — {business}").format(business=h(business.name)), ""]
    if not orders:
        lines.append(_("No orders yet. Add one: <code>/order 250000 instagram Aziza "
                       "+998901234567</code>, or press the button."))
    lines += [order_line(i, o, locale) for i, o in enumerate(orders, 1)]
    await message.answer("\n".join(lines), reply_markup=keyboards.orders_keyboard(
        orders, can_edit=has_permission(role, EDIT)))


async def send_card(message: Message, order: OrderView, *, role: str | None,
                    locale: str) -> None:
    await message.answer(order_card(order, locale), reply_markup=keyboards.order_keyboard(
        order, can_edit=has_permission(role, EDIT)))


async def _saved(message: Message, order: OrderView, *, resolved: ResolvedChannel | None,
                 locale: str) -> None:
    parts = [money(order.total, locale)]
    if order.channel_name:
        parts.append(h(order.channel_name))
    if order.customer_name:
        parts.append(h(order.customer_name))
    await message.answer(_("✅ Order saved: {details}.").format(details=" · ".join(parts)))
    await send_notes(message, resolved, locale)


@router.message(Command("orders"), flags={"perm": BUSINESS})
async def cmd_orders(message: Message, state: FSMContext, session: AsyncSession,
                     business: Business, role: str, locale: str) -> None:
    await DRAFT.finish(state)
    await send_orders(message, session, business=business, role=role, locale=locale)


@router.message(Command("customers"), flags={"perm": BUSINESS})
async def cmd_customers(message: Message, session: AsyncSession, business: Business,
                        locale: str) -> None:
    customers = await sales.list_customers(session, business_id=business.id, limit=20)
    lines = [_("👥 <b>Customers</b> — {business}").format(business=h(business.name)), ""]
    if not customers:
        lines.append(_("No customers yet: they appear with their first order."))
    lines += [customer_line(i, c, locale) for i, c in enumerate(customers, 1)]
    await message.answer("\n".join(lines), reply_markup=with_home(InlineKeyboardBuilder()))


@router.message(Command("order"), flags={"perm": EDIT})
async def cmd_order(message: Message, command: CommandObject, state: FSMContext,
                    session: AsyncSession, business: Business, locale: str) -> None:
    await DRAFT.finish(state)
    if not command.args:
        await _start(message, state)
        return
    try:
        parsed = sales.parse_order_args(command.args)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    resolved = None
    if parsed.channel:
        resolved = await marketing.resolve_channel(session, business_id=business.id,
                                                   text=parsed.channel)
    customer_id = None
    if parsed.phone or parsed.customer_name:
        customer, _created = await sales.find_or_create_customer(
            session, business_id=business.id, phone=parsed.phone, name=parsed.customer_name,
            source_channel_id=resolved.channel.id if resolved else None)
        customer_id = customer.id
    order = await sales.create_order(session, business_id=business.id, total=parsed.total,
                                     channel_id=resolved.channel.id if resolved else None,
                                     customer_id=customer_id)
    await _saved(message, order, resolved=resolved, locale=locale)


async def _start(message: Message, state: FSMContext) -> None:
    await DRAFT.save(state, OrderDraft())
    await state.set_state(OrderSG.amount)
    await message.answer(
        _("🧾 <b>New order — step 1 of 3.</b> The total in so'm, or the items, one per line: "
          "name, quantity × price.\n\n<i>Example: 250 000\nor: Latte 2 x 25 000</i>"),
        reply_markup=nav_keyboard(back=False))


@router.callback_query(OrderCB.filter(F.action == OrderAction.ADD), flags={"perm": EDIT})
async def on_add(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await _start(callback.message, state)


@steps.message(OrderSG.amount, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def amount_entered(message: Message, state: FSMContext, session: AsyncSession,
                         business: Business) -> None:
    text = message.text or ""
    draft = OrderDraft()
    try:
        draft.total = parse_amount(text, field="total", minimum=1, maximum=sales.MAX_AMOUNT)
    except InvalidInput:
        try:
            items = sales.parse_items(text)
        except InvalidInput:
            await message.answer(_("Please type a total like 250 000, or items like "
                                   "“Latte 2 x 25 000”, one per line."))
            return
        draft.items = [{"name": i.name, "qty": i.qty, "price": i.price} for i in items]
    await DRAFT.save(state, draft)
    await _ask_channel(message, state, session, business=business)


async def _ask_channel(message: Message, state: FSMContext, session: AsyncSession, *,
                       business: Business) -> None:
    await state.set_state(OrderSG.channel)
    channels = await marketing.list_channels(session, business_id=business.id)
    await message.answer(_("<b>Step 2 of 3.</b> Which channel brought this sale?"),
                         reply_markup=keyboards.pick_channel_keyboard(Area.ORDER, channels,
                                                                      skip=True))


@steps.callback_query(OrderSG.channel, PickCB.filter(F.area == Area.ORDER),
                      flags={"perm": EDIT})
async def channel_picked(callback: CallbackQuery, callback_data: PickCB, state: FSMContext,
                         session: AsyncSession, business: Business, locale: str) -> None:
    resolved = await picked_channel(session, business_id=business.id, value=callback_data.value)
    await done_with(callback, resolved.channel.name)
    draft = await DRAFT.load(state)
    draft.channel_id = resolved.channel.id
    await DRAFT.save(state, draft)
    assert isinstance(callback.message, Message)
    await send_notes(callback.message, resolved, locale)
    await _ask_customer(callback.message, state)


async def _ask_customer(message: Message, state: FSMContext) -> None:
    await state.set_state(OrderSG.customer)
    await message.answer(_("<b>Step 3 of 3.</b> The customer: phone, or name and phone. A "
                           "known phone finds the customer.\n\n<i>Example: Aziza +998 90 123 "
                           "45 67</i>"), reply_markup=nav_keyboard(skip=True))


async def _create(message: Message, state: FSMContext, session: AsyncSession, *,
                  business: Business, role: str, locale: str,
                  customer_id: int | None) -> None:
    draft = await DRAFT.load(state)
    await DRAFT.finish(state)
    items = [OrderItem(str(i["name"]), int(i["qty"]), int(i["price"])) for i in draft.items]
    if draft.total is None and not items:
        await message.answer(_("Cancelled."))
        return
    order = await sales.create_order(session, business_id=business.id, total=draft.total,
                                     items=items, channel_id=draft.channel_id,
                                     customer_id=customer_id)
    await _saved(message, order, resolved=None, locale=locale)
    await send_card(message, order, role=role, locale=locale)


@steps.message(OrderSG.customer, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def customer_entered(message: Message, state: FSMContext, session: AsyncSession,
                           business: Business, role: str, locale: str) -> None:
    try:
        phone, name = sales.find_phone(message.text or "")
        customer, _created = await sales.find_or_create_customer(
            session, business_id=business.id, phone=phone, name=name or None,
            source_channel_id=(await DRAFT.load(state)).channel_id)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await _create(message, state, session, business=business, role=role, locale=locale,
                  customer_id=customer.id)


@steps.callback_query(NavCB.filter(F.action == NavAction.SKIP), flags={"perm": EDIT})
async def on_skip(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str, locale: str, raw_state: str | None) -> None:
    await done_with(callback, _("Skipped"))
    assert isinstance(callback.message, Message)
    if (raw_state or "").endswith(":channel"):
        await _ask_customer(callback.message, state)
    else:
        await _create(callback.message, state, session, business=business, role=role,
                      locale=locale, customer_id=None)


@steps.callback_query(NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, state: FSMContext,
                 session: AsyncSession, business: Business, role: str, locale: str,
                 raw_state: str | None) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.edit_reply_markup(reply_markup=None)
    step = (raw_state or "").rpartition(":")[2]
    if callback_data.action == NavAction.BACK and step in {"channel", "customer"}:
        if step == "channel":
            await _start(callback.message, state)
        else:
            await _ask_channel(callback.message, state, session, business=business)
        return
    await DRAFT.finish(state)
    await callback.message.answer(_("Cancelled."))
    await send_orders(callback.message, session, business=business, role=role, locale=locale)


# --------------------------------------------------------------------------- one order


@router.callback_query(OrderCB.filter(F.action == OrderAction.LIST), flags={"perm": BUSINESS})
async def on_list(callback: CallbackQuery, session: AsyncSession, business: Business,
                  role: str, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await send_orders(callback.message, session, business=business, role=role, locale=locale)


@router.callback_query(OrderCB.filter(F.action == OrderAction.VIEW), flags={"perm": BUSINESS})
async def on_view(callback: CallbackQuery, callback_data: OrderCB, session: AsyncSession,
                  business: Business, role: str, locale: str) -> None:
    order = await sales.get_order(session, business_id=business.id,
                                  order_id=callback_data.order_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await send_card(callback.message, order, role=role, locale=locale)


@router.callback_query(OrderCB.filter(F.action == OrderAction.STATUS), flags={"perm": EDIT})
async def on_status(callback: CallbackQuery, callback_data: OrderCB, session: AsyncSession,
                    business: Business, role: str, locale: str) -> None:
    order = await sales.set_order_status(session, business_id=business.id,
                                         order_id=callback_data.order_id,
                                         status=callback_data.value)
    await done_with(callback, labels.order_status(order.status))
    assert isinstance(callback.message, Message)
    await send_card(callback.message, order, role=role, locale=locale)


@router.callback_query(OrderCB.filter(F.action == OrderAction.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: OrderCB, state: FSMContext,
                  session: AsyncSession, business: Business, locale: str) -> None:
    order = await sales.get_order(session, business_id=business.id,
                                  order_id=callback_data.order_id)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, OrderDraft(order_id=order.id))
    await state.set_state(OrderSG.edit)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Total now: {amount}. Type the new total.").format(amount=money(order.total, locale)),
        reply_markup=nav_keyboard(back=False))


@steps.message(OrderSG.edit, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def edit_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    try:
        total = parse_amount(message.text or "", field="total", minimum=1,
                             maximum=sales.MAX_AMOUNT)
        order = await sales.update_order(session, business_id=business.id,
                                         order_id=draft.order_id or 0, total=total)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    except NotFound as exc:
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return
    await DRAFT.finish(state)
    await send_card(message, order, role=role, locale=locale)


async def _ask_delete(session: AsyncSession, business: Business, data: OrderCB, locale: str
                      ) -> tuple[str, OrderCB, OrderCB]:
    order = await sales.get_order(session, business_id=business.id, order_id=data.order_id)
    return (_("Delete this order of {amount}? This can't be undone.").format(
                amount=money(order.total, locale)),
            OrderCB(action=OrderAction.CONFIRM, order_id=order.id),
            OrderCB(action=OrderAction.KEEP, order_id=order.id))


async def _remove(session: AsyncSession, business: Business, data: OrderCB) -> None:
    await sales.delete_order(session, business_id=business.id, order_id=data.order_id)


confirm_delete(router, delete=OrderCB.filter(F.action == OrderAction.DELETE),
               confirm=OrderCB.filter(F.action == OrderAction.CONFIRM),
               keep=OrderCB.filter(F.action == OrderAction.KEEP), permission=EDIT,
               ask=_ask_delete, remove=_remove, then=send_orders)
