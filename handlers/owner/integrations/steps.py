"""/integrations: the status list ("last synced", "not synced since …"), the step-by-step
connect flow (validated by a test call), sync now and disconnect with a confirmation.

Secrets typed in the flow are kept encrypted in the FSM draft and the messages carrying them
are deleted; callback data is re-checked (the kind, and the role's permission) on every press.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_day, moment, number
from bot.integrations import runtime
from bot.middlewares.permissions import BUSINESS
from handlers.drafts import DraftSlot
from handlers.errors import describe
from handlers.owner.integrations import keyboards, texts
from handlers.owner.integrations.callbacks import IntegrationAction, IntegrationCB
from handlers.owner.integrations.notice import traffic_text
from handlers.owner.integrations.states import IntegrationSG
from handlers.owner.integrations.texts import GOOGLE, NAMES
from handlers.ui import MenuCB, MenuItem, NavAction, NavCB, done_with, h, nav_keyboard
from services import integrations, kpi
from services.aggregates import local_date
from services.db.base import utcnow
from services.db.models import Business, User
from services.errors import DomainError, InvalidInput
from services.integrations import (
    ConnectionView,
    IntegrationError,
    Kind,
    RunView,
    Traffic,
    currency,
)
from services.teams import Permission, has_permission

log = logging.getLogger(__name__)
router = Router(name="integrations")
steps = Router(name="integrations_steps")
steps.message.filter(StateFilter(*IntegrationSG.__all_states__))
MANAGE = Permission.MANAGE_INTEGRATIONS
NOT_COMMAND = ~F.text.startswith("/")
TRAFFIC_DAYS = timedelta(days=6)  # GA4 on the card: the last 7 days, today included


class ConnectDraft(BaseModel):
    kind: str
    account_ref: str | None = None
    client_id: str | None = None
    client_secret: str | None = None  # encrypted with the secret box


DRAFT = DraftSlot("integration", ConnectDraft)


def _tz(user: User) -> str:
    return user.timezone or "Asia/Tashkent"


def rate_text(milli: int, locale: str) -> str:
    return number(float(currency.rate_value(milli)), locale)


def money_line(view: ConnectionView, *, locale: str, tz: str) -> str | None:
    """The ad account's currency and the rate its spend is counted with (or that it is not
    counted yet)."""
    if not view.foreign:
        return None
    if view.fx_rate_milli is None:
        return _("    ⚠️ Spend is in {currency} and is not counted until you set the so'm "
                 "rate (💱 below).").format(currency=view.currency)
    when = local_day(view.fx_rate_set_at, locale, tz) if view.fx_rate_set_at else ""
    return _("    💱 1 {currency} = {rate} so'm (set {day})").format(
        currency=view.currency, rate=rate_text(view.fx_rate_milli, locale), day=when)


def traffic_line(traffic: Traffic | None, *, locale: str) -> str | None:
    """GA4's numbers of the last days, under its status."""
    return None if traffic is None else "    " + traffic_text(traffic, locale=locale)


def status_line(view: ConnectionView, *, locale: str, tz: str) -> str:
    extra = money_line(view, locale=locale, tz=tz)
    line = _status(view, locale=locale, tz=tz)
    return line if extra is None else line + "\n" + extra


def _status(view: ConnectionView, *, locale: str, tz: str) -> str:
    name = NAMES[view.kind]
    account = f" — {h(view.account_name)}" if view.account_name else ""
    now = utcnow()
    if view.stale(now):
        if view.last_success_at is None:
            line = _("⚠️ <b>{name}</b>{account}: not synced yet").format(name=name,
                                                                        account=account)
        else:
            line = _("⚠️ <b>{name}</b>{account}: not synced since {moment}").format(
                name=name, account=account, moment=moment(view.last_success_at, locale, tz))
        if view.last_error:
            line += f" ({texts.error_text(view.last_error)})"
        return line
    if view.last_success_at is None:
        return _("⏳ <b>{name}</b>{account}: connected, the first sync is coming").format(
            name=name, account=account)
    return _("✅ <b>{name}</b>{account}: last synced {moment}").format(
        name=name, account=account, moment=moment(view.last_success_at, locale, tz))


def list_text(business: Business, connections: list[ConnectionView], *, locale: str,
              tz: str, traffic: Traffic | None = None) -> str:
    lines = [_("🔌 <b>Integrations</b> — {business}").format(business=h(business.name)), ""]
    connected = {c.kind for c in connections}
    for view in connections:
        lines.append(status_line(view, locale=locale, tz=tz))
        if view.kind is Kind.GA4 and (seen := traffic_line(traffic, locale=locale)):
            lines.append(seen)
    missing = [NAMES[k] for k in Kind if k not in connected]
    if missing:
        if connections:
            lines.append("")
        lines.append(_("Not connected: {names}.").format(names=", ".join(missing)))
    lines += ["", _("Connected services sync every hour into your dashboard and reports.")]
    return "\n".join(lines)


async def send_list(message: Message, session: AsyncSession, *, business: Business,
                    user: User, role: str | None, locale: str) -> None:
    now = utcnow()
    views = await integrations.list_connections(session, business_id=business.id, now=now)
    traffic = None
    if any(v.kind is Kind.GA4 for v in views):
        today = local_date(now, await kpi.business_timezone(session, business_id=business.id))
        traffic = await integrations.website_traffic(
            session, business_id=business.id, start=today - TRAFFIC_DAYS, end=today)
    await message.answer(list_text(business, views, locale=locale, tz=_tz(user),
                                   traffic=traffic),
                         reply_markup=keyboards.list_keyboard(
                             views, can_manage=has_permission(role, MANAGE)))


def _kind(raw: str) -> Kind | None:
    try:
        return integrations.parse_kind(raw)
    except InvalidInput:
        return None


@router.message(Command("integrations"), flags={"perm": BUSINESS})
async def cmd_integrations(message: Message, state: FSMContext, session: AsyncSession,
                           user: User, business: Business, role: str, locale: str) -> None:
    await DRAFT.finish(state)
    await send_list(message, session, business=business, user=user, role=role, locale=locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.INTEGRATIONS), flags={"perm": BUSINESS})
@router.callback_query(IntegrationCB.filter(F.action == IntegrationAction.LIST),
                       flags={"perm": BUSINESS})
async def on_list(callback: CallbackQuery, session: AsyncSession, user: User,
                  business: Business, role: str, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await send_list(callback.message, session, business=business, user=user, role=role,
                    locale=locale)


def run_line(run: RunView, *, locale: str, tz: str) -> str:
    kind = _kind(run.kind)
    name = NAMES[kind] if kind is not None else h(run.kind)
    when = moment(run.started_at, locale, tz)
    if run.status == "ok":
        outcome = _("✅ {count} records").format(count=run.items)
    elif run.status == "running":
        outcome = _("⏳ running")
    else:
        outcome = "⚠️ " + texts.error_text(run.error)
    manual = " 👆" if run.trigger == "manual" else ""
    return f"{h(when)} · {name}{manual} · {outcome}"


@router.callback_query(IntegrationCB.filter(F.action == IntegrationAction.LOG),
                       flags={"perm": BUSINESS})
async def on_log(callback: CallbackQuery, session: AsyncSession, user: User,
                 business: Business, locale: str) -> None:
    runs = await integrations.recent_runs(session, business_id=business.id, limit=15)
    await callback.answer()
    lines = [_("📜 <b>Sync log</b> — {business}").format(business=h(business.name)), ""]
    lines += [run_line(r, locale=locale, tz=_tz(user)) for r in runs] or [
        _("No syncs yet.")]
    assert isinstance(callback.message, Message)
    await callback.message.answer("\n".join(lines),
                                  reply_markup=keyboards.after_sync_keyboard())


@router.callback_query(IntegrationCB.filter(F.action == IntegrationAction.CONNECT),
                       flags={"perm": MANAGE})
async def on_connect(callback: CallbackQuery, callback_data: IntegrationCB,
                     state: FSMContext) -> None:
    kind = _kind(callback_data.kind)
    if kind is None:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, ConnectDraft(kind=kind.value))
    await state.set_state(IntegrationSG.account)
    assert isinstance(callback.message, Message)
    await callback.message.answer(texts.account_step(kind),
                                  reply_markup=nav_keyboard(back=False))


async def _forget(message: Message, bot: Bot) -> None:
    """Delete a message that carried a secret (best effort: it may be too old already)."""
    try:
        await bot.delete_message(message.chat.id, message.message_id)
    except TelegramAPIError:
        log.info("could not delete a message with a secret in chat %s", message.chat.id)


@steps.message(IntegrationSG.account, F.text, NOT_COMMAND, flags={"perm": MANAGE})
async def account_entered(message: Message, state: FSMContext) -> None:
    draft = await DRAFT.load(state)
    kind = Kind(draft.kind)
    try:
        draft.account_ref = integrations.parse_account_ref(kind, message.text or "")
    except InvalidInput:
        await message.answer(_("That id doesn't look right: it should be digits only (for "
                               "Google Ads: 123-456-7890). Please send it again."))
        return
    await DRAFT.save(state, draft)
    if kind in GOOGLE:
        await state.set_state(IntegrationSG.client_id)
        await message.answer(texts.client_id_step(kind), reply_markup=nav_keyboard(back=False))
    else:
        await state.set_state(IntegrationSG.token)
        await message.answer(texts.token_step(kind), reply_markup=nav_keyboard(back=False))


@steps.message(IntegrationSG.client_id, F.text, NOT_COMMAND, flags={"perm": MANAGE})
async def client_id_entered(message: Message, state: FSMContext) -> None:
    try:
        client_id = integrations.parse_client_id(message.text or "")
    except InvalidInput:
        await message.answer(_("That doesn't look like an OAuth client ID: it ends with "
                               ".apps.googleusercontent.com. Please send it again."))
        return
    draft = await DRAFT.load(state)
    draft.client_id = client_id
    await DRAFT.save(state, draft)
    await state.set_state(IntegrationSG.client_secret)
    await message.answer(texts.client_secret_step(), reply_markup=nav_keyboard(back=False))


def _bad_secret() -> str:
    return _("That doesn't look like a token: one word of 20 to 2048 characters, no spaces. "
             "Please send it again.")


@steps.message(IntegrationSG.client_secret, F.text, NOT_COMMAND, flags={"perm": MANAGE})
async def client_secret_entered(message: Message, state: FSMContext, bot: Bot,
                                app: Any) -> None:
    await _forget(message, bot)
    try:
        secret = integrations.parse_secret(message.text or "", field="client_secret")
    except InvalidInput:
        await message.answer(_bad_secret())
        return
    draft = await DRAFT.load(state)
    draft.client_secret = runtime(app).box.encrypt(secret)
    await DRAFT.save(state, draft)
    await state.set_state(IntegrationSG.refresh_token)
    await message.answer(texts.refresh_token_step(Kind(draft.kind)),
                         reply_markup=nav_keyboard(back=False))


@steps.message(IntegrationSG.token, F.text, NOT_COMMAND, flags={"perm": MANAGE})
@steps.message(IntegrationSG.refresh_token, F.text, NOT_COMMAND, flags={"perm": MANAGE})
async def secret_entered(message: Message, state: FSMContext, session: AsyncSession, bot: Bot,
                         app: Any, user: User, business: Business, role: str,
                         locale: str) -> None:
    await _forget(message, bot)
    try:
        secret = integrations.parse_secret(message.text or "")
    except InvalidInput:
        await message.answer(_bad_secret())
        return
    draft = await DRAFT.load(state)
    kind = Kind(draft.kind)
    live = runtime(app)
    if kind in GOOGLE:
        if draft.client_id is None or draft.client_secret is None:
            await DRAFT.finish(state)
            await message.answer(_("Something is missing — please start again."))
            return
        credentials: dict[str, Any] = {"client_id": draft.client_id,
                                       "client_secret": live.box.decrypt(draft.client_secret),
                                       "refresh_token": secret}
    else:
        credentials = {"token": secret}
    if draft.account_ref is None:
        await DRAFT.finish(state)
        await message.answer(_("Something is missing — please start again."))
        return
    await bot.send_chat_action(message.chat.id, "typing")  # the test call takes a moment
    try:
        account = await live.clients.by_kind[kind].check(account_ref=draft.account_ref,
                                                         credentials=credentials)
    except IntegrationError as exc:
        await message.answer(texts.check_failed(exc.code))
        return
    try:
        view = await integrations.connect(
            session, box=live.box, business_id=business.id, kind=kind,
            account_ref=draft.account_ref, account_name=account.name,
            credentials=account.credentials or credentials, user_id=user.id, now=utcnow(),
            currency_code=account.currency)
    except DomainError as exc:  # e.g. the plan's channel limit
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ {name} connected: <b>{account}</b>. The first sync runs within "
                           "a few minutes, then every hour.").format(
        name=NAMES[kind], account=h(account.name)))
    if view.needs_rate and view.currency is not None:  # never book dollars as so'm
        await _ask_rate(message, state, kind, view.currency, current=None)
        return
    await send_list(message, session, business=business, user=user, role=role, locale=locale)


async def _ask_rate(message: Message, state: FSMContext, kind: Kind, code: str, *,
                    current: str | None) -> None:
    await DRAFT.save(state, ConnectDraft(kind=kind.value))
    await state.set_state(IntegrationSG.rate)
    await message.answer(texts.rate_step(kind, code, current=current),
                         reply_markup=nav_keyboard(back=False))


@router.callback_query(IntegrationCB.filter(F.action == IntegrationAction.RATE),
                       flags={"perm": MANAGE})
async def on_rate(callback: CallbackQuery, callback_data: IntegrationCB, state: FSMContext,
                  session: AsyncSession, business: Business, locale: str) -> None:
    kind = _kind(callback_data.kind)
    view = None if kind is None else await integrations.get_connection(
        session, business_id=business.id, kind=kind, now=utcnow())  # this business's only
    if kind is None or view is None or not view.foreign or view.currency is None:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    current = rate_text(view.fx_rate_milli, locale) if view.fx_rate_milli else None
    await _ask_rate(callback.message, state, kind, view.currency, current=current)


@steps.message(IntegrationSG.rate, F.text, NOT_COMMAND, flags={"perm": MANAGE})
async def rate_entered(message: Message, state: FSMContext, session: AsyncSession, user: User,
                       business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    kind = Kind(draft.kind)
    try:
        view = await integrations.get_connection(session, business_id=business.id, kind=kind,
                                                 now=utcnow())
    except DomainError:
        await DRAFT.finish(state)
        await message.answer(_("Something is missing — please start again."))
        return
    code = view.currency or currency.HOME
    try:
        milli = currency.parse_rate(message.text or "", code)
        view = await integrations.set_rate(session, business_id=business.id, kind=kind,
                                           rate_milli=milli, user_id=user.id, now=utcnow())
    except InvalidInput as exc:
        low, high = (number(float(exc.params.get(k) or 0), locale) for k in ("low", "high"))
        await message.answer(texts.bad_rate(str(exc.params.get("reason")), code, low, high))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Saved: 1 {currency} = {rate} so'm. {name} spend is counted in "
                           "so'm with this rate, the days already synced too.").format(
        currency=code, rate=rate_text(milli, locale), name=NAMES[kind]))
    await send_list(message, session, business=business, user=user, role=role, locale=locale)


@steps.message(NOT_COMMAND, flags={"perm": BUSINESS})
async def step_invalid(message: Message) -> None:
    await message.answer(_("Please send it as text."))


@router.callback_query(StateFilter(*IntegrationSG.__all_states__),
                       NavCB.filter(F.action == NavAction.CANCEL), flags={"perm": BUSINESS})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await DRAFT.finish(state)
    await done_with(callback, _("Cancelled"))


@router.callback_query(IntegrationCB.filter(F.action == IntegrationAction.SYNC),
                       flags={"perm": MANAGE})
async def on_sync(callback: CallbackQuery, callback_data: IntegrationCB, session: AsyncSession,
                  app: Any, user: User, business: Business, locale: str) -> None:
    kind = _kind(callback_data.kind)
    if kind is None:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    view = await integrations.get_connection(session, business_id=business.id, kind=kind,
                                             now=utcnow())  # this business's, or NotFound
    await callback.answer()
    assert isinstance(callback.message, Message)
    status = await callback.message.answer(_("⏳ Syncing {name}…").format(name=NAMES[kind]))
    result = await runtime(app).engine.run(view.id, trigger="manual")
    if result.status == "ok":
        text = _("✅ {name} synced: {count} records updated.").format(name=NAMES[kind],
                                                                     count=result.items)
    elif result.status == "busy":
        text = _("⏳ {name} is syncing right now — look again in a minute.").format(
            name=NAMES[kind])
    elif result.status == "inactive":
        text = _("⚠️ {name} needs to be connected again.").format(name=NAMES[kind])
    else:
        text = _("⚠️ {name} was not synced: {reason}.").format(
            name=NAMES[kind], reason=texts.error_text(result.error))
    await status.edit_text(text, reply_markup=keyboards.after_sync_keyboard())


@router.callback_query(IntegrationCB.filter(F.action == IntegrationAction.DISCONNECT),
                       flags={"perm": MANAGE})
async def on_disconnect(callback: CallbackQuery, callback_data: IntegrationCB,
                        session: AsyncSession, business: Business) -> None:
    kind = _kind(callback_data.kind)
    if kind is None:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    view = await integrations.get_connection(session, business_id=business.id, kind=kind,
                                             now=utcnow())
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Disconnect {name} ({account})? Syncing stops and the token is deleted; the numbers "
          "already synced stay.").format(name=NAMES[kind], account=h(view.account_name or "")),
        reply_markup=keyboards.disconnect_keyboard(kind))


@router.callback_query(IntegrationCB.filter(F.action == IntegrationAction.CONFIRM),
                       flags={"perm": MANAGE})
async def on_disconnect_confirmed(callback: CallbackQuery, callback_data: IntegrationCB,
                                  session: AsyncSession, user: User, business: Business,
                                  role: str, locale: str) -> None:
    kind = _kind(callback_data.kind)
    if kind is None:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await integrations.disconnect(session, business_id=business.id, kind=kind,
                                  user_id=user.id, now=utcnow())
    await done_with(callback, _("Disconnected"))
    assert isinstance(callback.message, Message)
    await send_list(callback.message, session, business=business, user=user, role=role,
                    locale=locale)


@router.callback_query(IntegrationCB.filter(F.action == IntegrationAction.KEEP),
                       flags={"perm": BUSINESS})
async def on_keep(callback: CallbackQuery) -> None:
    await done_with(callback, _("Kept"))


router.include_router(steps)
