"""/plans: the plan catalogue — prices, the limit matrix, activation and new plans."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import money, number
from bot.middlewares.permissions import PUBLIC
from handlers import labels
from handlers.admin.callbacks import PlanAdminAction, PlanAdminCB
from handlers.admin.states import PlansSG
from handlers.drafts import DraftSlot
from handlers.errors import describe
from handlers.owner.plan.texts import limit_line
from handlers.ui import NavAction, NavCB, h, nav_buttons
from services import plans
from services.admin import catalog
from services.db.models import User
from services.errors import DomainError, InvalidInput

router = Router(name="admin.plans")
steps = Router(name="admin.plans.steps")
steps.message.filter(StateFilter(PlansSG))
steps.callback_query.filter(StateFilter(PlansSG))
router.include_router(steps)


class PlanDraft(BaseModel):
    plan_id: int = 0
    field: str = ""


DRAFT = DraftSlot("admin_plans", PlanDraft)


def _button(text: str, action: PlanAdminAction, id_: int = 0, value: str = ""
            ) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=PlanAdminCB(
        action=action, id=id_, value=value).pack())


def _price(amount: int | None, locale: str) -> str:
    return _("custom") if amount is None else money(amount, locale)


def field_label(field: str) -> str:
    if field == catalog.PriceField.MONTHLY:
        return _("Monthly price")
    if field == catalog.PriceField.YEARLY:
        return _("Yearly price")
    return labels.resource(field)


def _state(plan: catalog.PlanSummary) -> str:
    return _("active") if plan.is_active else _("switched off")


def list_text(rows: list[catalog.PlanSummary], locale: str) -> str:
    lines = [_("💳 <b>Plans</b>"), ""]
    for p in rows:
        lines.append(_("• <code>{code}</code> {name}: {monthly}/month · {yearly}/year · {state} "
                       "· subscribers: {count}").format(
            code=h(p.code), name=h(p.name), monthly=_price(p.price_monthly, locale),
            yearly=_price(p.price_yearly, locale), state=_state(p),
            count=number(p.subscribers, locale)))
    lines += ["", _("Open a plan to edit its prices and limits.")]
    return "\n".join(lines)


def list_keyboard(rows: list[catalog.PlanSummary]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for p in rows:
        b.add(_button(("" if p.is_active else "⏸ ") + p.name, PlanAdminAction.OPEN, p.id))
    b.adjust(2)
    return b.as_markup()


def plan_text(p: catalog.PlanSummary, locale: str) -> str:
    lines = [
        _("💳 <b>{name}</b> · <code>{code}</code>").format(name=h(p.name), code=h(p.code)),
        _("Monthly price: {price}").format(price=_price(p.price_monthly, locale)),
        _("Yearly price: {price}").format(price=_price(p.price_yearly, locale)),
        _("Status: {state} · subscribers: {count}").format(
            state=_state(p), count=number(p.subscribers, locale)),
        "", _("<b>Limits</b>"),
    ]
    lines += [limit_line(row, locale) for row in plans.limit_matrix(p.limits, plan=p.code)]
    return "\n".join(lines)


def plan_keyboard(p: catalog.PlanSummary) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for field in catalog.PriceField:
        b.add(_button("✏️ " + field_label(field), PlanAdminAction.EDIT, p.id, field))
    for key in plans.LIMIT_ORDER:
        b.add(_button("✏️ " + labels.resource(key), PlanAdminAction.EDIT, p.id, key))
    b.adjust(2)
    if p.is_active:
        b.row(_button(_("⏸ Stop offering"), PlanAdminAction.OFF, p.id))
    else:
        b.row(_button(_("▶️ Offer again"), PlanAdminAction.ON, p.id))
    b.row(_button(_("➕ New plan from this one"), PlanAdminAction.NEW, p.id))
    b.row(_button(_("⬅️ All plans"), PlanAdminAction.LIST))
    return b.as_markup()


def _message(callback: CallbackQuery) -> Message:
    assert isinstance(callback.message, Message)
    return callback.message


async def _show(message: Message, session: AsyncSession, plan_id: int, locale: str) -> None:
    p = await catalog.get(session, plan_id=plan_id)
    await message.answer(plan_text(p, locale), reply_markup=plan_keyboard(p))


@router.message(Command("plans"), flags={"perm": PUBLIC})
async def cmd_plans(message: Message, session: AsyncSession, locale: str) -> None:
    rows = await catalog.list_all(session)
    await message.answer(list_text(rows, locale), reply_markup=list_keyboard(rows))


@router.callback_query(PlanAdminCB.filter(F.action == PlanAdminAction.LIST),
                       flags={"perm": PUBLIC})
async def on_list(callback: CallbackQuery, session: AsyncSession, locale: str) -> None:
    await callback.answer()
    rows = await catalog.list_all(session)
    await _message(callback).answer(list_text(rows, locale), reply_markup=list_keyboard(rows))


@router.callback_query(PlanAdminCB.filter(F.action == PlanAdminAction.OPEN),
                       flags={"perm": PUBLIC})
async def on_open(callback: CallbackQuery, callback_data: PlanAdminCB, session: AsyncSession,
                  locale: str) -> None:
    await callback.answer()
    await _show(_message(callback), session, callback_data.id, locale)


@router.callback_query(PlanAdminCB.filter(F.action.in_({PlanAdminAction.ON,
                                                         PlanAdminAction.OFF})),
                       flags={"perm": PUBLIC})
async def on_toggle(callback: CallbackQuery, callback_data: PlanAdminCB, session: AsyncSession,
                    user: User, locale: str) -> None:
    active = callback_data.action == PlanAdminAction.ON
    await catalog.set_active(session, admin_id=user.id, plan_id=callback_data.id,
                             active=active)
    await callback.answer(_("The plan is offered again.") if active else _(
        "The plan is no longer offered; its subscribers keep it."))
    await _show(_message(callback), session, callback_data.id, locale)


@router.callback_query(PlanAdminCB.filter(F.action == PlanAdminAction.EDIT),
                       flags={"perm": PUBLIC})
async def on_edit(callback: CallbackQuery, callback_data: PlanAdminCB, session: AsyncSession,
                  state: FSMContext) -> None:
    await callback.answer()
    p = await catalog.get(session, plan_id=callback_data.id)
    await DRAFT.save(state, PlanDraft(plan_id=p.id, field=callback_data.value))
    await state.set_state(PlansSG.value)
    hint = (_("Type the amount in so'm, a whole number.")
            if callback_data.value in set(catalog.PriceField)
            else _("Type a whole number (0 or more), or -1 or ∞ for unlimited."))
    await _message(callback).answer(
        _("✏️ {field} for {plan}.").format(field=field_label(callback_data.value),
                                          plan=h(p.name)) + "\n" + hint,
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[nav_buttons(back=False)]))


@router.callback_query(PlanAdminCB.filter(F.action == PlanAdminAction.NEW),
                       flags={"perm": PUBLIC})
async def on_new(callback: CallbackQuery, callback_data: PlanAdminCB, session: AsyncSession,
                 state: FSMContext) -> None:
    await callback.answer()
    p = await catalog.get(session, plan_id=callback_data.id)
    await DRAFT.save(state, PlanDraft(plan_id=p.id))
    await state.set_state(PlansSG.new_plan)
    await _message(callback).answer(
        _("➕ A new plan with the limits of {plan}. Send four lines: code (latin letters, "
          "digits, _), name, monthly price, yearly price.\nExample:\npro\nPro\n1500000\n"
          "14400000").format(plan=h(p.name)),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[nav_buttons(back=False)]))


def _error(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput):
        if exc.reason == "limit_value":
            return _("Please type a whole number (0 or more), or -1 or ∞ for unlimited.")
        if exc.reason == "plan_code":
            return _("The code must be 2–32 latin letters, digits or _, starting with a "
                     "letter.")
    if exc.params.get("reason") == "plan_exists":
        return _("A plan with this code already exists.")
    return describe(exc)


@steps.message(PlansSG.value, F.text, ~F.text.startswith("/"), flags={"perm": PUBLIC})
async def value_entered(message: Message, state: FSMContext, session: AsyncSession,
                        user: User, locale: str) -> None:
    draft = await DRAFT.load(state)
    text = message.text or ""
    try:
        if draft.field in set(catalog.PriceField):
            await catalog.set_price(session, admin_id=user.id, plan_id=draft.plan_id,
                                    field=catalog.PriceField(draft.field), text=text)
        else:
            await catalog.set_limit(session, admin_id=user.id, plan_id=draft.plan_id,
                                    resource=draft.field, text=text)
    except DomainError as exc:
        await message.answer(_error(exc))  # stay in the step: the admin types it again
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Saved: {field}.").format(field=field_label(draft.field)))
    await _show(message, session, draft.plan_id, locale)


@steps.message(PlansSG.new_plan, F.text, ~F.text.startswith("/"), flags={"perm": PUBLIC})
async def new_plan_entered(message: Message, state: FSMContext, session: AsyncSession,
                           user: User, locale: str) -> None:
    draft = await DRAFT.load(state)
    parts = [line.strip() for line in (message.text or "").splitlines() if line.strip()]
    if len(parts) != 4:
        await message.answer(_("Please send exactly four lines: code, name, monthly price, "
                               "yearly price."))
        return
    try:
        created = await catalog.create_plan(
            session, admin_id=user.id, code=parts[0], name=parts[1], price_monthly=parts[2],
            price_yearly=parts[3], copy_from=draft.plan_id)
    except DomainError as exc:
        await message.answer(_error(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Plan created: {name}.").format(name=h(created.name)))
    await _show(message, session, created.id, locale)


@steps.callback_query(NavCB.filter(F.action == NavAction.CANCEL), flags={"perm": PUBLIC})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    await _message(callback).answer(_("Cancelled."))
