"""/plan: what the account pays for, how much of it is used, the other plans — and buying:
plan → monthly/yearly → coupon → an invoice paid by Telegram, Click or Payme."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing_notices import cycle_label, owner_bot_id, queue_receipt, receipt_text
from bot.config import Settings
from bot.middlewares.permissions import BUSINESS, PUBLIC
from bot.routing import SuccessfulPayment
from handlers.drafts import DraftSlot
from handlers.owner.plan import keyboards, texts
from handlers.owner.plan.callbacks import PlanAction, PlanCB
from handlers.owner.plan.states import PlanSG
from handlers.ui import MenuCB, MenuItem
from services import plans, teams
from services.billing import click, invoices, payme, telegram, usage
from services.billing.invoices import InvoiceView
from services.db.base import utcnow
from services.db.models import Business, User
from services.errors import InvalidInput
from services.teams import Permission

router = Router(name="plan")
steps = Router(name="plan.steps")
steps.message.filter(StateFilter(PlanSG))
router.include_router(steps)
BILLING = Permission.BILLING


class PlanDraft(BaseModel):
    plan: str = ""
    cycle: str = ""
    addons: int = 0


DRAFT = DraftSlot("plan", PlanDraft)


async def plan_screen(session: AsyncSession, *, user: User, business: Business,
                      locale: str) -> str:
    sub = await plans.business_subscription(session, business_id=business.id)
    # Usage against every counted limit; the plan belongs to the business's owner.
    used = await usage.business_usage(session, business_id=business.id,
                                      owner_id=business.owner_id)
    rows = plans.limit_matrix(sub.limits, plan=sub.plan_code, used=used)
    return texts.plan_text(sub=sub, rows=rows, catalogue=await plans.list_plans(session),
                           now=utcnow(), locale=locale, timezone=user.timezone)


def _can_buy(role: str | None) -> bool:
    return teams.has_permission(role, BILLING)


@router.message(Command("plan"), flags={"perm": BUSINESS})
async def cmd_plan(message: Message, session: AsyncSession, user: User, business: Business,
                   locale: str, role: str | None = None) -> None:
    text = await plan_screen(session, user=user, business=business, locale=locale)
    await message.answer(text, reply_markup=keyboards.plan_keyboard(can_buy=_can_buy(role)))


@router.callback_query(MenuCB.filter(F.item == MenuItem.PLAN), flags={"perm": BUSINESS})
async def on_plan(callback: CallbackQuery, session: AsyncSession, user: User,
                  business: Business, locale: str, role: str | None = None) -> None:
    await callback.answer()
    text = await plan_screen(session, user=user, business=business, locale=locale)
    if isinstance(callback.message, Message):
        await callback.message.answer(
            text, reply_markup=keyboards.plan_keyboard(can_buy=_can_buy(role)))


def _title(plan_name: str, addons: int) -> str:
    if addons:
        return _("{plan} + {count} × 5 businesses").format(plan=plan_name, count=addons)
    return plan_name


@router.callback_query(PlanCB.filter(F.action == PlanAction.CHOOSE), flags={"perm": BILLING})
async def on_choose(callback: CallbackQuery, session: AsyncSession) -> None:
    await callback.answer()
    options = []
    for plan in await plans.list_plans(session):
        if plan.price_monthly is None:
            continue
        options.append((plan.name, plan.code, 0))
        if invoices.supports_addons(plan):
            options.append((_title(plan.name, 1), plan.code, 1))
    if isinstance(callback.message, Message):
        await callback.message.answer(texts.choose_text(),
                                      reply_markup=keyboards.plans_keyboard(options))


@router.callback_query(PlanCB.filter(F.action == PlanAction.PLAN), flags={"perm": BILLING})
async def on_plan_chosen(callback: CallbackQuery, callback_data: PlanCB, session: AsyncSession,
                         user: User, locale: str) -> None:
    await callback.answer()
    monthly = await invoices.quote(session, user_id=user.id, plan_code=callback_data.plan,
                                   cycle=invoices.Cycle.MONTHLY, addons=callback_data.addons)
    yearly = await invoices.quote(session, user_id=user.id, plan_code=callback_data.plan,
                                  cycle=invoices.Cycle.YEARLY, addons=callback_data.addons)
    if isinstance(callback.message, Message):
        await callback.message.answer(
            texts.cycle_text(_title(monthly.plan_name, monthly.addons)),
            reply_markup=keyboards.cycle_keyboard(
                plan=monthly.plan_code, addons=monthly.addons, monthly=monthly.total,
                yearly=yearly.total, locale=locale))


@router.callback_query(PlanCB.filter(F.action == PlanAction.CYCLE), flags={"perm": BILLING})
async def on_cycle(callback: CallbackQuery, callback_data: PlanCB, session: AsyncSession,
                   user: User, state: FSMContext) -> None:
    await callback.answer()
    await invoices.quote(session, user_id=user.id, plan_code=callback_data.plan,
                         cycle=callback_data.cycle, addons=callback_data.addons)  # validates
    await DRAFT.save(state, PlanDraft(plan=callback_data.plan, cycle=callback_data.cycle,
                                      addons=callback_data.addons))
    await state.set_state(PlanSG.coupon)
    if isinstance(callback.message, Message):
        await callback.message.answer(texts.coupon_text(),
                                      reply_markup=keyboards.coupon_keyboard())


@router.callback_query(PlanCB.filter(F.action == PlanAction.CANCEL), flags={"perm": BUSINESS})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    if isinstance(callback.message, Message):
        await callback.message.answer(_("Cancelled. Your plan is unchanged."),
                                      reply_markup=keyboards.plan_keyboard(can_buy=False))


async def _issue(message: Message, *, session: AsyncSession, user: User, business: Business,
                 state: FSMContext, settings: Settings, app: Any, locale: str,
                 coupon: str | None) -> None:
    draft = await DRAFT.load(state)
    invoice = await invoices.create_invoice(
        session, user_id=business.owner_id, business_id=business.id, plan_code=draft.plan,
        cycle=draft.cycle, addons=draft.addons, coupon_code=coupon)
    await DRAFT.finish(state)
    telegram = settings.telegram_provider_token is not None
    click_url = click_link(settings, app, invoice)
    payme_url = payme_link(settings, app, invoice, locale)
    text = texts.summary_text(invoice, plan_title=_title(invoice.plan_name, invoice.addons),
                              cycle=cycle_label(invoice.cycle), locale=locale)
    if not (telegram or click_url or payme_url):  # no button to pay with: say what to do
        text += "\n\n" + texts.no_payment_method_text()
    await message.answer(text, reply_markup=keyboards.pay_keyboard(
        invoice_id=invoice.id, telegram=telegram, click_url=click_url, payme_url=payme_url))


def _return_url(app: Any) -> str | None:
    username = app.extras.get("owner_username") if app is not None else None
    return f"https://t.me/{username}" if username else None


def payme_link(settings: Settings, app: Any, invoice: InvoiceView, locale: str) -> str | None:
    if not settings.payme_merchant_id:
        return None
    return payme.checkout_url(base_url=settings.payme_checkout_url,
                              merchant_id=settings.payme_merchant_id, invoice_id=invoice.id,
                              tiyin=invoice.tiyin, return_url=_return_url(app),
                              language=locale if locale in {"ru", "uz", "en"} else None)


def click_link(settings: Settings, app: Any, invoice: InvoiceView) -> str | None:
    if not (settings.click_service_id and settings.click_merchant_id):
        return None
    return click.pay_url(service_id=settings.click_service_id,
                         merchant_id=settings.click_merchant_id, invoice_id=invoice.id,
                         amount=invoice.total, return_url=_return_url(app),
                         base_url=settings.click_checkout_url)


@router.callback_query(PlanCB.filter(F.action == PlanAction.NO_COUPON),
                       StateFilter(PlanSG.coupon), flags={"perm": BILLING})
async def on_no_coupon(callback: CallbackQuery, session: AsyncSession, user: User,
                       business: Business, state: FSMContext, settings: Settings,
                       locale: str, app: Any = None) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await _issue(callback.message, session=session, user=user, business=business,
                     state=state, settings=settings, app=app, locale=locale, coupon=None)


@steps.message(PlanSG.coupon, F.text, ~F.text.startswith("/"), flags={"perm": BILLING})
async def coupon_entered(message: Message, session: AsyncSession, user: User,
                         business: Business, state: FSMContext, settings: Settings,
                         locale: str, app: Any = None) -> None:
    try:
        await _issue(message, session=session, user=user, business=business, state=state,
                     settings=settings, app=app, locale=locale, coupon=message.text or "")
    except InvalidInput as exc:
        if exc.field != "coupon":
            raise
        await message.answer(texts.coupon_error(exc.reason),
                             reply_markup=keyboards.coupon_keyboard())


@router.callback_query(PlanCB.filter(F.action == PlanAction.TELEGRAM), flags={"perm": BILLING})
async def on_pay_telegram(callback: CallbackQuery, callback_data: PlanCB, bot: Bot,
                          session: AsyncSession, business: Business,
                          settings: Settings) -> None:
    invoice = await invoices.get_invoice(session, invoice_id=callback_data.invoice,
                                         user_id=business.owner_id)
    if invoice.status != invoices.InvoiceStatus.PENDING or \
            settings.telegram_provider_token is None or callback.message is None:
        await callback.answer(_("This invoice is already paid."), show_alert=True)
        return
    await callback.answer()
    title = _("BiznesPilot {plan}").format(plan=invoice.plan_name)[:32]
    await bot.send_invoice(
        chat_id=callback.message.chat.id, title=title,
        description=_("{plan}, {cycle}. Invoice {number}.").format(
            plan=_title(invoice.plan_name, invoice.addons), cycle=cycle_label(invoice.cycle),
            number=invoice.number)[:255],
        payload=telegram.payload_for(invoice), currency=telegram.CURRENCY,
        provider_token=settings.telegram_provider_token.get_secret_value(),
        prices=[LabeledPrice(label=title, amount=telegram.amount_units(invoice))])


@router.pre_checkout_query(flags={"perm": PUBLIC})
async def on_pre_checkout(query: PreCheckoutQuery, session: AsyncSession) -> None:
    check = await telegram.pre_checkout(
        session, payload=query.invoice_payload, currency=query.currency,
        total_amount=query.total_amount, user_id=query.from_user.id)
    if check.ok:
        await query.answer(ok=True)
        return
    await query.answer(ok=False, error_message={
        telegram.Decline.PAID: _("This invoice is already paid."),
        telegram.Decline.AMOUNT: _("The amount no longer matches the invoice. Please open "
                                   "/plan and create a new one."),
    }.get(check.decline or telegram.Decline.UNKNOWN,
          _("This invoice is no longer valid. Please open /plan and create a new one.")))


@router.message(SuccessfulPayment(), flags={"perm": PUBLIC})
async def on_successful_payment(message: Message, session: AsyncSession, user: User,
                                locale: str, app: Any = None) -> None:
    paid = message.successful_payment
    assert paid is not None
    outcome = await telegram.successful_payment(
        session, payload=paid.invoice_payload, currency=paid.currency,
        total_amount=paid.total_amount, user_id=user.id,
        charge_id=paid.telegram_payment_charge_id,
        provider_charge_id=paid.provider_payment_charge_id)
    if outcome.invoice is None:
        await message.answer(_("We received a payment we can't match to an invoice. Our team "
                               "will sort it out and contact you."))
        return
    if not outcome.applied:
        return  # a repeat delivery of the same payment: already confirmed
    await message.answer(receipt_text(outcome.invoice, locale=locale, timezone=user.timezone))
    if app is not None:  # the PDF invoice goes through the outbox with the other pushes
        await queue_receipt(session, i18n=app.i18n, bot_id=owner_bot_id(app),
                            invoice=outcome.invoice, include_text=False)



