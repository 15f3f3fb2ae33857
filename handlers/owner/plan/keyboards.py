from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.formatting import money
from handlers.owner.plan.callbacks import PlanAction, PlanCB
from handlers.ui import with_home
from services.billing.invoices import Cycle


def plan_keyboard(*, can_buy: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if can_buy:
        builder.button(text=_("⬆️ Choose a plan and pay"),
                       callback_data=PlanCB(action=PlanAction.CHOOSE))
    return with_home(builder)


def cancel_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("✖️ Cancel"),
                                callback_data=PlanCB(action=PlanAction.CANCEL).pack())


def plans_keyboard(options: list[tuple[str, str, int]]) -> InlineKeyboardMarkup:
    """``options``: (label, plan code, add-on packs)."""
    builder = InlineKeyboardBuilder()
    for label, code, addons in options:
        builder.button(text=label, callback_data=PlanCB(action=PlanAction.PLAN, plan=code,
                                                        addons=addons))
    builder.adjust(1)
    builder.row(cancel_button())
    return builder.as_markup()


def cycle_keyboard(*, plan: str, addons: int, monthly: int, yearly: int,
                   locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Monthly — {price}").format(price=money(monthly, locale)),
                   callback_data=PlanCB(action=PlanAction.CYCLE, plan=plan, addons=addons,
                                        cycle=Cycle.MONTHLY))
    builder.button(text=_("Yearly — {price} (−20%)").format(price=money(yearly, locale)),
                   callback_data=PlanCB(action=PlanAction.CYCLE, plan=plan, addons=addons,
                                        cycle=Cycle.YEARLY))
    builder.adjust(1)
    builder.row(cancel_button())
    return builder.as_markup()


def coupon_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("⏭ No coupon"),
                             callback_data=PlanCB(action=PlanAction.NO_COUPON).pack()),
        cancel_button()]])


def pay_keyboard(*, invoice_id: int, telegram: bool, click_url: str | None,
                 payme_url: str | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if telegram:
        builder.row(InlineKeyboardButton(
            text=_("💳 Pay in Telegram"),
            callback_data=PlanCB(action=PlanAction.TELEGRAM, invoice=invoice_id).pack()))
    if click_url:
        builder.row(InlineKeyboardButton(text=_("Pay with Click"), url=click_url))
    if payme_url:
        builder.row(InlineKeyboardButton(text=_("Pay with Payme"), url=payme_url))
    return with_home(builder)

