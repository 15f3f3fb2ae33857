"""/chatbot screens and the operators' hand-off buttons.

Bot ids in buttons go back through ``services.salesbot.bots``, which re-checks them against
the current business; a hand-off button's conversation id is re-checked against the
presser's membership of that conversation's business (an operator may have another business
selected right now).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.formatting import number
from bot.middlewares.permissions import BUSINESS, PUBLIC
from bot.sales_notices import HandoffAction, HandoffCB, handoff_keyboard
from bot.sales_runtime import business_bot, runtime_of, token_checker
from handlers.owner.chatbot.callbacks import ChatbotAction, ChatbotCB
from handlers.owner.chatbot.states import ChatbotSG, OperatorSG
from handlers.owner.chatstats.callbacks import ChatStatsAction, ChatStatsCB
from handlers.owner.knowledge.callbacks import KbAction, KbCB
from handlers.owner.nurture.callbacks import NurtureAction, NurtureCB
from handlers.ui import MenuCB, MenuItem, home_button
from services import plans
from services.db.models import Business, SalesConversation, User
from services.errors import Conflict, InvalidInput, NotFound
from services.plans import Resource
from services.salesbot import bots, conversations, nurture
from services.salesbot.bots import BotStatus, InvalidBotToken, SalesBotView
from services.salesbot.export import ExportFormat
from services.teams import Permission

log = logging.getLogger(__name__)
router = Router(name="chatbot")
MANAGE = {"perm": Permission.MANAGE_CHATBOT}


def status_label(status: BotStatus) -> str:
    return {
        BotStatus.ACTIVE: _("🟢 answering customers"),
        BotStatus.PAUSED: _("⏸ paused"),
        BotStatus.REVOKED: _("🔌 stopped: Telegram no longer accepts its token"),
        BotStatus.DISCONNECTED: _("disconnected"),
    }[status]


async def card(session: AsyncSession, business: Business,
               locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The status card: each bot, conversations, hand-offs, this month's messages."""
    items = await bots.list_bots(session, business_id=business.id)
    used = await plans.usage(session, business_id=business.id,
                             resource=Resource.CHATBOT_MESSAGES_PER_MONTH)
    room = await plans.limit_status(session, business_id=business.id,
                                    resource=Resource.CHATBOTS, used=len(items))
    lines = [_("🤖 <b>Sales chatbot — {business}</b>").format(business=escape(business.name)),
             ""]
    builder = InlineKeyboardBuilder()
    if not items:
        lines.append(_("No bot connected yet. Your customers can chat with your own "
                       "Telegram bot: it answers questions, shows prices, takes orders and "
                       "calls a person when needed."))
    for item in items:
        lines.append(f"@{escape(item.username)} — {status_label(item.status)}")
        if item.status == BotStatus.ACTIVE:
            builder.button(text=_("⏸ Pause @{name}").format(name=item.username),
                           callback_data=ChatbotCB(action=ChatbotAction.PAUSE, id=item.id))
        elif item.status == BotStatus.PAUSED:
            builder.button(text=_("▶️ Resume @{name}").format(name=item.username),
                           callback_data=ChatbotCB(action=ChatbotAction.RESUME, id=item.id))
        builder.button(text=_("🔑 Replace token"),
                       callback_data=ChatbotCB(action=ChatbotAction.REPLACE, id=item.id))
        builder.button(text=_("🗑 Disconnect"),
                       callback_data=ChatbotCB(action=ChatbotAction.DISCONNECT, id=item.id))
    if items:
        total = await conversations.count_conversations(session, business_id=business.id)
        waiting = await conversations.open_handoffs(session, business_id=business.id)
        lines += ["", _("💬 Conversations: {count} · 🙋 with a person now: {waiting}").format(
            count=number(total, locale), waiting=number(waiting, locale))]
    limit = (_("unlimited") if used.unlimited else number(used.limit, locale))
    lines.append(_("✉️ Messages this month: {used} of {limit}").format(
        used=number(used.used, locale), limit=limit))
    if room.unlimited or room.used < room.limit:
        builder.button(text=_("➕ Connect a bot"),
                       callback_data=ChatbotCB(action=ChatbotAction.CONNECT))
    else:
        lines.append(_("Your plan allows {limit} bot(s); upgrade in /plan for more.").format(
            limit=room.limit))
    builder.adjust(*([3] * len(items)), 1)
    builder.row(InlineKeyboardButton(text=_("📚 Knowledge base"),
                                     callback_data=KbCB(action=KbAction.OPEN).pack()),
                InlineKeyboardButton(text=_("💌 Follow-ups"),
                                     callback_data=NurtureCB(action=NurtureAction.SHOW).pack()))
    if items:
        stats = ChatStatsCB(action=ChatStatsAction.SHOW, fmt=ExportFormat.CSV, days=30)
        builder.row(InlineKeyboardButton(text=_("📈 Stats and exports"),
                                         callback_data=stats.pack()))
    builder.row(home_button())
    return "\n".join(lines), builder.as_markup()


async def _show(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup,
                note: str | None = None) -> None:
    await callback.answer(note)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(text, reply_markup=markup)


@router.message(Command("chatbot"), flags={"perm": BUSINESS})
async def cmd_chatbot(message: Message, session: AsyncSession, business: Business,
                      locale: str, state: FSMContext) -> None:
    await state.clear()
    text, markup = await card(session, business, locale)
    await message.answer(text, reply_markup=markup)


@router.callback_query(ChatbotCB.filter(F.action == ChatbotAction.CARD),
                       flags={"perm": BUSINESS})
async def on_card(callback: CallbackQuery, session: AsyncSession, business: Business,
                  locale: str, state: FSMContext) -> None:
    await state.clear()
    await _show(callback, *await card(session, business, locale))


def _cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✖️ Cancel"), callback_data=ChatbotCB(action=ChatbotAction.CARD))
    return builder.as_markup()


def token_help() -> str:
    return _("🔑 <b>Connect your bot</b>\n\n1. Open @BotFather and send /newbot (or /token "
             "for an existing bot).\n2. Copy the token it gives you — it looks like "
             "<code>123456789:AAH…</code>.\n3. Paste it here.\n\nThe token is stored "
             "encrypted, and I delete your message with it.")


@router.callback_query(ChatbotCB.filter(F.action == ChatbotAction.CONNECT), flags=MANAGE)
async def on_connect(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(ChatbotSG.token)
    await _show(callback, token_help(), _cancel_keyboard())


@router.callback_query(ChatbotCB.filter(F.action == ChatbotAction.REPLACE), flags=MANAGE)
async def on_replace(callback: CallbackQuery, callback_data: ChatbotCB, session: AsyncSession,
                     business: Business, state: FSMContext) -> None:
    item = await bots.get_bot(session, business_id=business.id, bot_id=callback_data.id)
    await state.set_state(ChatbotSG.replace)
    await state.update_data(bot_id=item.id)
    await _show(callback, _("🔑 Send the new token of @{name} from @BotFather (/revoke, "
                            "then /token).").format(name=escape(item.username)),
                _cancel_keyboard())


def token_error(exc: InvalidBotToken | InvalidInput | Conflict) -> str:
    if isinstance(exc, Conflict):
        if exc.params.get("reason") == "this_business":
            return _("This bot is already connected to this business.")
        return _("This bot is already connected to another business. Disconnect it there "
                 "first.")
    if isinstance(exc, InvalidInput):
        return _("That token belongs to a different bot. Send the new token of the same "
                 "bot, or disconnect it and connect the other one.")
    return {
        "format": _("That doesn't look like a bot token. It looks like "
                    "<code>123456789:AAH…</code> — copy it from @BotFather."),
        "rejected": _("Telegram did not accept this token. Check it in @BotFather and send "
                      "it again."),
    }.get(str(exc.params.get("reason")),
          _("I couldn't reach Telegram to check the token. Please try again in a minute."))


async def _token_message(message: Message) -> str:
    raw = message.text or ""
    with suppress(TelegramAPIError):  # a token must not stay in the chat history
        await message.delete()
    return bots.extract_token(raw) or raw.strip()


async def _started(app: App, session: AsyncSession, view: SalesBotView) -> None:
    """Serve the bot from this process at once (others pick it up on their next sync)."""
    runtime = runtime_of(app)
    if runtime is None:
        return
    info = await bots.runnable(session, bot_id=view.id, box=app.box)
    if info is not None:
        await runtime.start_bot(info)


@router.message(ChatbotSG.token, flags=MANAGE)
async def token_entered(message: Message, session: AsyncSession, app: App, user: User,
                        business: Business, state: FSMContext, locale: str) -> None:
    token = await _token_message(message)
    try:
        view = await bots.connect(session, business_id=business.id, token=token,
                                  user_id=user.id, checker=token_checker(app),
                                  box=app.box)
    except (InvalidBotToken, Conflict) as exc:
        await message.answer(token_error(exc), reply_markup=_cancel_keyboard())
        return
    await state.clear()
    await _started(app, session, view)
    text, markup = await card(session, business, locale)
    await message.answer(_("✅ @{name} is connected and answers your customers now. Share "
                           "it: https://t.me/{name}").format(name=escape(view.username)))
    await message.answer(text, reply_markup=markup)


@router.message(ChatbotSG.replace, flags=MANAGE)
async def replace_entered(message: Message, session: AsyncSession, app: App,
                          business: Business, state: FSMContext, locale: str) -> None:
    token = await _token_message(message)
    bot_id = int((await state.get_data()).get("bot_id") or 0)
    try:
        view = await bots.replace_token(session, business_id=business.id, bot_id=bot_id,
                                        token=token, checker=token_checker(app),
                                        box=app.box)
    except (InvalidBotToken, InvalidInput, Conflict) as exc:
        await message.answer(token_error(exc), reply_markup=_cancel_keyboard())
        return
    await state.clear()
    await _started(app, session, view)
    text, markup = await card(session, business, locale)
    await message.answer(_("✅ The new token of @{name} works; the bot answers again.").format(
        name=escape(view.username)))
    await message.answer(text, reply_markup=markup)


@router.callback_query(ChatbotCB.filter(F.action.in_({ChatbotAction.PAUSE,
                                                      ChatbotAction.RESUME})), flags=MANAGE)
async def on_pause(callback: CallbackQuery, callback_data: ChatbotCB, session: AsyncSession,
                   app: App, business: Business, locale: str) -> None:
    paused = callback_data.action == ChatbotAction.PAUSE
    view = await bots.set_paused(session, business_id=business.id, bot_id=callback_data.id,
                                 paused=paused)
    runtime = runtime_of(app)
    if runtime is not None:
        if paused:
            await runtime.stop_bot(view.id)
        else:
            await _started(app, session, view)
    note = _("Paused: the bot no longer answers.") if paused else _("The bot answers again.")
    await _show(callback, *await card(session, business, locale), note=note)


@router.callback_query(ChatbotCB.filter(F.action == ChatbotAction.DISCONNECT), flags=MANAGE)
async def on_disconnect(callback: CallbackQuery, callback_data: ChatbotCB,
                        session: AsyncSession, business: Business) -> None:
    item = await bots.get_bot(session, business_id=business.id, bot_id=callback_data.id)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🗑 Yes, disconnect"),
                   callback_data=ChatbotCB(action=ChatbotAction.DISCONNECT_OK, id=item.id))
    builder.button(text=_("✖️ Cancel"), callback_data=ChatbotCB(action=ChatbotAction.CARD))
    builder.adjust(2)
    await _show(callback, _("Disconnect @{name}? It stops answering customers and its token "
                            "is erased. Conversations and leads stay.").format(
                                name=escape(item.username)), builder.as_markup())


@router.callback_query(ChatbotCB.filter(F.action == ChatbotAction.DISCONNECT_OK),
                       flags=MANAGE)
async def on_disconnect_ok(callback: CallbackQuery, callback_data: ChatbotCB,
                           session: AsyncSession, app: App, business: Business,
                           locale: str) -> None:
    await bots.disconnect(session, business_id=business.id, bot_id=callback_data.id)
    runtime = runtime_of(app)
    if runtime is not None:
        await runtime.stop_bot(callback_data.id)
    await _show(callback, *await card(session, business, locale), note=_("Disconnected."))


# ------------------------------------------------------------------ operators' hand-off


async def _conversation(session: AsyncSession, conversation_id: int,
                        user: User) -> SalesConversation:
    return await conversations.require_operator(session, conversation_id=conversation_id,
                                                user_id=user.id)


def _closed_note() -> str:
    return _("This conversation was closed; the customer is back with the bot. It comes "
             "back to you if they ask for a person again.")


@router.callback_query(HandoffCB.filter(F.action == HandoffAction.REPLY),
                       flags={"perm": PUBLIC})
async def on_reply(callback: CallbackQuery, callback_data: HandoffCB, session: AsyncSession,
                   user: User, state: FSMContext) -> None:
    try:
        conversation = await _conversation(session, callback_data.conversation, user)
    except NotFound:
        await callback.answer(_("This conversation is not yours to answer."), show_alert=True)
        return
    if conversations.was_closed(conversation):  # an old card: not a silent re-open
        await callback.answer(_closed_note(), show_alert=True)
        return
    await state.set_state(OperatorSG.replying)
    await state.update_data(conversation=conversation.id)
    await callback.answer()
    if isinstance(callback.message, Message):
        text = _("✍️ Write your reply to {customer}; it goes to them through the business's "
                 "bot. /cancel to stop.").format(
            customer=escape(conversation.customer_name or str(conversation.customer_chat_id)))
        other = conversation.handoff_operator_id
        if conversation.handoff == conversations.Handoff.ACTIVE.value and other not in (
                None, user.id):
            # a second operator on the same card: they may take over, but should know
            colleague = await session.get(User, other)
            text = _("⚠️ {name} is already answering this customer; your reply takes the "
                     "conversation over.").format(
                name=escape((colleague.first_name if colleague else None) or "—")) + \
                "\n\n" + text
        await callback.message.answer(text)


@router.message(OperatorSG.replying, F.text, flags={"perm": PUBLIC})
async def reply_entered(message: Message, session: AsyncSession, app: App, user: User,
                        state: FSMContext) -> None:
    """Relay the operator's message to the customer; the conversation is theirs now."""
    conversation_id = int((await state.get_data()).get("conversation") or 0)
    await state.clear()
    try:
        conversation = await _conversation(session, conversation_id, user)
    except NotFound:
        await message.answer(_("This conversation is not yours to answer."))
        return
    if conversations.was_closed(conversation):  # closed while the reply was being written
        await message.answer(_closed_note())
        return
    text = message.text or ""
    try:
        await _send_to_customer(app, conversation, escape(text))
    except TelegramForbiddenError:
        await message.answer(_("The customer has blocked the bot; the message was not "
                               "delivered."))
        return
    except (TelegramAPIError, LookupError):
        log.exception("relay to conversation %s failed", conversation.id)
        await message.answer(_("The business's bot could not deliver the message. Check "
                               "/chatbot."))
        return
    conversations.take_handoff(conversation, operator_id=user.id)
    await conversations.record(session, conversation, author="operator", text=text,
                               source="operator", operator_id=user.id)
    await nurture.stop(session, conversation, "handoff")
    await message.answer(_("✅ Sent to {customer}.").format(
        customer=escape(conversation.customer_name or str(conversation.customer_chat_id))),
        reply_markup=InlineKeyboardMarkup.model_validate(handoff_keyboard(conversation.id)))


@router.message(OperatorSG.replying, flags={"perm": PUBLIC})
async def reply_invalid(message: Message) -> None:
    await message.answer(_("Only text can be relayed for now. Write your reply, or /cancel."))


async def _send_to_customer(app: App, conversation: SalesConversation, html: str,
                            markup: InlineKeyboardMarkup | None = None) -> None:
    bot, temporary = await business_bot(app, bot_id=conversation.bot_id,
                                        business_id=conversation.business_id)
    try:
        await bot.send_message(conversation.customer_chat_id, html, reply_markup=markup)
    finally:
        if temporary:
            await bot.session.close()


@router.callback_query(HandoffCB.filter(F.action == HandoffAction.CLOSE),
                       flags={"perm": PUBLIC})
async def on_close(callback: CallbackQuery, callback_data: HandoffCB, session: AsyncSession,
                   app: App, user: User, i18n: I18n, bot: Bot) -> None:
    try:
        conversation = await _conversation(session, callback_data.conversation, user)
    except NotFound:
        await callback.answer(_("This conversation is not yours to answer."), show_alert=True)
        return
    if not conversations.close_handoff(conversation):
        await callback.answer(_("Already closed."))
        return
    from handlers.sales.keyboards import menu_keyboard

    with i18n.use_locale(conversation.language or i18n.default_locale):
        text = _("🤖 Thank you for waiting! You're back with our bot — ask anything or "
                 "choose below.")
        markup = menu_keyboard()
    await conversations.record(session, conversation, author="bot", text=text,
                               source="template")
    with suppress(TelegramAPIError, LookupError):
        await _send_to_customer(app, conversation, text, markup)
    await callback.answer(_("Closed: the customer is back with the bot."))
    if isinstance(callback.message, Message):
        closed = _("✅ Closed by {name}.").format(name=escape(user.first_name or ""))
        with suppress(TelegramAPIError):
            await callback.message.edit_text(f"{callback.message.html_text}\n\n{closed}")


@router.callback_query(MenuCB.filter(F.item == MenuItem.CHATBOT), flags={"perm": BUSINESS})
async def on_menu(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, locale: str) -> None:
    await state.clear()
    text, markup = await card(session, business, locale)
    await _show(callback, text, markup)
