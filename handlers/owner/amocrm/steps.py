"""/amocrm: the connect wizard (address, integration id, secret → the authorisation link;
the OAuth redirect on the web app finishes it, or the owner pastes the code / the redirect
address here when the web app is not reachable from the internet), status, mapping editors,
sync now, the log and disconnect. Every callback re-reads this business's account: callback
data is only a hint."""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.amocrm_jobs import runtime_of
from handlers.owner.amocrm import keyboards, texts
from handlers.owner.amocrm.callbacks import AmoAction, AmoCB
from handlers.owner.amocrm.states import AmoSG
from services.amocrm import accounts, sync
from services.amocrm.accounts import parse_auth_reply, parse_client_value, parse_subdomain
from services.amocrm.client import AmoError
from services.db.base import utcnow
from services.db.models import Business, User
from services.errors import DomainError, InvalidInput, NotFound
from services.teams import Permission

router = Router(name="amocrm")
steps = Router(name="amocrm.steps")
steps.message.filter(StateFilter(AmoSG))
router.include_router(steps)
NOT_COMMAND = ~F.text.startswith("/")
PERM = {"perm": Permission.MANAGE_INTEGRATIONS}


async def _screen(session: AsyncSession, app: Any, business: Business, user: User,
                  locale: str) -> tuple[str, InlineKeyboardMarkup]:
    runtime = runtime_of(app)
    if not await accounts.plan_allows(session, business_id=business.id):
        return texts.plan_needed_text(), keyboards.connect_keyboard()
    status = await accounts.account_status(session, business_id=business.id)
    if status is None:
        return texts.intro_text(runtime.config.redirect_uri), keyboards.connect_keyboard()
    text = texts.status_text(status, locale=locale, timezone=user.timezone,
                             reconcile_minutes=app.settings.amocrm.reconcile_minutes)
    if status.status == "connected":
        return text, keyboards.status_keyboard()
    return text, keyboards.pending_keyboard()


async def _edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None,
                note: str | None = None) -> None:
    await callback.answer(note)
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # "message is not modified"
            await callback.message.edit_text(text, reply_markup=markup)


@router.message(Command("amocrm"), flags=PERM)
async def cmd_amocrm(message: Message, command: CommandObject, state: FSMContext,
                     session: AsyncSession, app: Any, business: Business, user: User,
                     locale: str) -> None:
    await state.clear()
    args = (command.args or "").strip()
    if args.lower().startswith("note"):
        await _note(message, session, business, args[4:].strip())
        return
    if args.lower() == "log":
        entries = await accounts.sync_log(session, business_id=business.id)
        await message.answer(texts.log_text(entries, locale=locale, timezone=user.timezone),
                             reply_markup=keyboards.back_keyboard())
        return
    text, markup = await _screen(session, app, business, user, locale)
    await message.answer(text, reply_markup=markup)


async def _note(message: Message, session: AsyncSession, business: Business,
                rest: str) -> None:
    """``/amocrm note <lead number> <text>``: an owner note on the lead's AmoCRM deal."""
    number, _, text = rest.partition(" ")
    if not number.lstrip("#").isdigit() or not text.strip():
        await message.answer(texts.note_usage_text())
        return
    lead_id = int(number.lstrip("#"))
    if not await sync.add_note(session, business_id=business.id, lead_id=lead_id,
                               text=text.strip()):
        await message.answer(texts.not_connected_text())
        return
    await message.answer(texts.note_queued_text(lead_id))


@router.callback_query(AmoCB.filter(F.action == AmoAction.HOME), flags=PERM)
async def on_home(callback: CallbackQuery, state: FSMContext, session: AsyncSession, app: Any,
                  business: Business, user: User, locale: str) -> None:
    await state.clear()
    await _edit(callback, *await _screen(session, app, business, user, locale))


@router.callback_query(AmoCB.filter(F.action == AmoAction.CONNECT), flags=PERM)
async def on_connect(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                     app: Any, business: Business) -> None:
    if not await accounts.plan_allows(session, business_id=business.id):
        await callback.answer(texts.plan_needed_text(), show_alert=True)
        return
    await state.set_state(AmoSG.subdomain)
    await state.set_data({})
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(texts.subdomain_prompt())


@steps.message(AmoSG.subdomain, F.text, NOT_COMMAND, flags=PERM)
async def subdomain_entered(message: Message, state: FSMContext) -> None:
    try:
        subdomain = parse_subdomain(message.text or "")
    except InvalidInput:
        await message.answer(texts.bad_subdomain_text())
        return
    await state.update_data(subdomain=subdomain)
    await state.set_state(AmoSG.client_id)
    await message.answer(texts.client_id_prompt())


@steps.message(AmoSG.client_id, F.text, NOT_COMMAND, flags=PERM)
async def client_id_entered(message: Message, state: FSMContext) -> None:
    try:
        client_id = parse_client_value(message.text or "", field="client_id")
    except InvalidInput:
        await message.answer(texts.bad_value_text())
        return
    await state.update_data(client_id=client_id)
    await state.set_state(AmoSG.client_secret)
    await message.answer(texts.client_secret_prompt())


@steps.message(AmoSG.client_secret, F.text, NOT_COMMAND, flags=PERM)
async def client_secret_entered(message: Message, state: FSMContext, session: AsyncSession,
                                app: Any, business: Business, user: User) -> None:
    secret = (message.text or "").strip()
    with contextlib.suppress(TelegramBadRequest):  # the secret should not stay in the chat
        await message.delete()
    try:
        parse_client_value(secret, field="client_secret")
    except InvalidInput:
        await message.answer(texts.bad_value_text())
        return
    data = await state.get_data()
    runtime = runtime_of(app)
    link = await accounts.start_connect(
        session, runtime, business_id=business.id, user_id=user.id,
        subdomain=str(data.get("subdomain", "")), client_id=str(data.get("client_id", "")),
        client_secret=secret)
    await state.set_state(AmoSG.code)  # the redirect may finish it, or a pasted code
    await message.answer(texts.auth_text(), reply_markup=keyboards.auth_keyboard(link))


@steps.message(AmoSG.code, F.text, NOT_COMMAND, flags=PERM)
async def code_entered(message: Message, state: FSMContext, session: AsyncSession, app: Any,
                       business: Business, user: User, locale: str) -> None:
    """The authorisation code AmoCRM showed, or the address the browser landed on: it is
    exchanged exactly like the redirect does (a pasted state must be this business's)."""
    try:
        reply = parse_auth_reply(message.text or "")
    except InvalidInput:
        await message.answer(texts.bad_code_text())
        return
    with contextlib.suppress(TelegramBadRequest):  # a live credential: not kept in the chat
        await message.delete()
    account = await accounts.get_account(session, business_id=business.id)
    if account is None or account.oauth_state_hash is None:  # the redirect finished it
        await state.clear()
        text, markup = await _screen(session, app, business, user, locale)
        await message.answer(text, reply_markup=markup)
        return
    await session.commit()  # hold no database lock while AmoCRM answers
    progress = await message.answer(texts.code_checking_text())
    try:
        done = await accounts.finish_connect(
            app.sessionmaker, runtime_of(app), code=reply.code, state=reply.state,
            referer=reply.referer, business_id=business.id)
    except AmoError:  # a wrong or expired code: the connection still waits for a good one
        await progress.edit_text(texts.code_refused_text())
        return
    except DomainError:  # another business's link, or already finished
        await state.clear()
        await progress.edit_text(texts.code_stale_text())
        return
    await state.clear()
    session.expire(account)  # finish_connect wrote it in its own transactions
    worker = app.extras.get("amocrm_worker")
    if worker is not None:
        worker.wake()
    await progress.edit_text(texts.code_connected_text(done.queued))
    text, markup = await _screen(session, app, business, user, locale)
    await message.answer(text, reply_markup=markup)


async def _stages_screen(session: AsyncSession,
                         business: Business) -> tuple[str, InlineKeyboardMarkup]:
    rows = await accounts.status_rows(session, business_id=business.id)
    pipeline = next((p.name for p in await accounts.pipeline_rows(
        session, business_id=business.id) if p.current), "")
    return texts.stages_text(), keyboards.stages_keyboard(rows, pipeline)


@router.callback_query(AmoCB.filter(F.action == AmoAction.STAGES), flags=PERM)
async def on_stages(callback: CallbackQuery, session: AsyncSession,
                    business: Business) -> None:
    await _edit(callback, *await _stages_screen(session, business))


@router.callback_query(AmoCB.filter(F.action == AmoAction.PIPELINES), flags=PERM)
async def on_pipelines(callback: CallbackQuery, session: AsyncSession,
                       business: Business) -> None:
    rows = await accounts.pipeline_rows(session, business_id=business.id)
    await _edit(callback, texts.pipelines_text(), keyboards.pipelines_keyboard(rows))


@router.callback_query(AmoCB.filter(F.action == AmoAction.SET_PIPELINE), flags=PERM)
async def on_set_pipeline(callback: CallbackQuery, callback_data: AmoCB,
                          session: AsyncSession, business: Business) -> None:
    if not callback_data.value.isdigit():
        raise InvalidInput(field="pipeline", reason="choice")
    await accounts.set_pipeline(session, business_id=business.id,
                                pipeline_id=int(callback_data.value))
    await _edit(callback, *await _stages_screen(session, business))


@router.callback_query(AmoCB.filter(F.action == AmoAction.STAGE), flags=PERM)
async def on_stage(callback: CallbackQuery, callback_data: AmoCB, session: AsyncSession,
                   business: Business) -> None:
    rows = await accounts.status_rows(session, business_id=business.id)
    row = next((r for r in rows if str(r.id) == callback_data.value), None)
    if row is None:
        raise NotFound(entity="amocrm_status")
    await _edit(callback, texts.stage_choice_text(row.name),
                keyboards.stage_choice_keyboard(row.id, row.target))


@router.callback_query(AmoCB.filter(F.action == AmoAction.SET_STAGE), flags=PERM)
async def on_set_stage(callback: CallbackQuery, callback_data: AmoCB, session: AsyncSession,
                       business: Business) -> None:
    status_id, _, target = callback_data.value.partition(".")
    if not status_id.isdigit():
        raise InvalidInput(field="target", reason="choice")
    await accounts.set_status_target(session, business_id=business.id,
                                     status_id=int(status_id), target=target)
    await _edit(callback, *await _stages_screen(session, business))


@router.callback_query(AmoCB.filter(F.action == AmoAction.FIELDS), flags=PERM)
async def on_fields(callback: CallbackQuery, session: AsyncSession,
                    business: Business) -> None:
    current, choices = await accounts.lead_field_choices(session, business_id=business.id)
    await _edit(callback, texts.fields_text(), keyboards.fields_keyboard(current, choices))


@router.callback_query(AmoCB.filter(F.action == AmoAction.FIELD), flags=PERM)
async def on_field(callback: CallbackQuery, callback_data: AmoCB, session: AsyncSession,
                   business: Business) -> None:
    current, choices = await accounts.lead_field_choices(session, business_id=business.id)
    if callback_data.value not in current:
        raise InvalidInput(field="field", reason="choice")
    await _edit(callback, texts.field_choice_text(callback_data.value),
                keyboards.field_choice_keyboard(callback_data.value,
                                                current[callback_data.value], choices))


@router.callback_query(AmoCB.filter(F.action == AmoAction.SET_FIELD), flags=PERM)
async def on_set_field(callback: CallbackQuery, callback_data: AmoCB, session: AsyncSession,
                       business: Business) -> None:
    name, _, raw = callback_data.value.partition(".")
    if not raw.isdigit():
        raise InvalidInput(field="field", reason="choice")
    await accounts.set_lead_field(session, business_id=business.id, name=name,
                                  field_id=int(raw) or None)
    current, choices = await accounts.lead_field_choices(session, business_id=business.id)
    await _edit(callback, texts.fields_text(), keyboards.fields_keyboard(current, choices))


@router.callback_query(AmoCB.filter(F.action == AmoAction.SYNC), flags=PERM)
async def on_sync(callback: CallbackQuery, session: AsyncSession, app: Any,
                  business: Business) -> None:
    queued = await sync.sync_now(session, business_id=business.id, now=utcnow())
    worker = app.extras.get("amocrm_worker")
    if worker is not None:
        worker.wake()
    await callback.answer(texts.sync_queued_text(queued)[:200], show_alert=True)


@router.callback_query(AmoCB.filter(F.action == AmoAction.LOG), flags=PERM)
async def on_log(callback: CallbackQuery, session: AsyncSession, business: Business,
                 user: User, locale: str) -> None:
    entries = await accounts.sync_log(session, business_id=business.id)
    await _edit(callback, texts.log_text(entries, locale=locale, timezone=user.timezone),
                keyboards.back_keyboard())


@router.callback_query(AmoCB.filter(F.action == AmoAction.DISCONNECT), flags=PERM)
async def on_disconnect(callback: CallbackQuery, session: AsyncSession,
                        business: Business) -> None:
    if await accounts.get_account(session, business_id=business.id) is None:
        raise NotFound(entity="amocrm_account")
    await _edit(callback, texts.disconnect_prompt(), keyboards.disconnect_keyboard())


@router.callback_query(AmoCB.filter(F.action == AmoAction.DISCONNECT_YES), flags=PERM)
async def on_disconnect_yes(callback: CallbackQuery, session: AsyncSession,
                            business: Business) -> None:
    await accounts.disconnect(session, business_id=business.id)
    await _edit(callback, texts.disconnected_text(), keyboards.connect_keyboard())
