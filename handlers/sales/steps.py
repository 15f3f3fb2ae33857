"""A customer's messages to a business bot: parse → the conversation engine → reply.

Order of decisions for a message: count it against the monthly limit; record it; a reply
stops any nurture sequence; while a person has the conversation the bot stays silent and
relays it to the operators; past the limit a polite fixed reply and a hand-off; otherwise the
intent decides (greeting → welcome, human/complaint → hand-off, order → order flow, anything
else → the answer sources, then "let me connect you").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    ErrorEvent,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.billing_notices import owner_bot_id
from bot.formatting import money
from bot.sales_dispatcher import SalesContext
from bot.sales_notices import (
    queue_customer_message,
    queue_handoff_card,
    queue_limit_warning,
    queue_order_notice,
    reason_label,
)
from handlers.sales import keyboards
from handlers.sales.callbacks import SalesAction, SalesCB
from handlers.sales.states import OrderSG
from services import hvco
from services.ai import AIGateway
from services.amocrm import sync as amocrm_sync
from services.db.base import utcnow
from services.db.models import SalesBotFile, SalesConversation
from services.errors import DomainError, LimitExceeded
from services.salesbot import answers, conversations, knowledge, nurture, quantity
from services.salesbot.answers import SalesAnswer
from services.salesbot.intents import Intent, detect_intent
from services.validation import parse_phone

log = logging.getLogger(__name__)
router = Router(name="sales")

Compose = Callable[..., Awaitable[SalesAnswer]]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
MAX_PRODUCTS = answers.LIST_LIMIT
HANDOFF_TASK_DUE = timedelta(minutes=15)  # the AmoCRM task matches the reminder (SPEC §3.9)


def _compose(app: App) -> Compose:
    """The answer composer (``services.salesbot.answers``; tests may inject a fake)."""
    return app.extras.get("sales_compose") or answers.compose_answer


async def _say(message: Message, session: AsyncSession, conversation: SalesConversation,
               text: str, *, source: str, markup: Markup | None = None,
               intent: str | None = None) -> None:
    """Reply in the chat and keep the transcript."""
    await message.answer(text, reply_markup=markup)
    await conversations.record(session, conversation, author="bot", text=text, source=source,
                               intent=intent)


def welcome_text(business_name: str) -> str:
    return _("👋 Assalomu alaykum! This is the bot of <b>{business}</b>.\n\nI can show you "
             "products and prices, answer questions, take your order or connect you with a "
             "person. Choose below or just write your question.").format(
                 business=escape(business_name))


async def _welcome(message: Message, session: AsyncSession, sales: SalesContext) -> None:
    await _say(message, session, sales.conversation, welcome_text(sales.business.name),
               source="template", markup=keyboards.menu_keyboard(), intent="greeting")


async def _hand_off(message: Message, session: AsyncSession, app: App, sales: SalesContext,
                    *, reason: str, reply: str) -> None:
    """Flag the conversation for a person, tell the operators, stop nurture, tell the
    customer."""
    conversation = sales.conversation
    if conversations.request_handoff(conversation, reason=reason):
        await session.flush()
        await nurture.stop(session, conversation, "handoff")
        await conversations.record(session, conversation, author="bot", text=reply,
                                   source="fallback" if reason != "limit" else "limit")
        await queue_handoff_card(session, app.i18n, bot_id=owner_bot_id(app),
                                 conversation=conversation)
        await _handoff_to_crm(session, conversation, reason=reason)
    else:
        await conversations.record(session, conversation, author="bot", text=reply,
                                   source="fallback")
    await message.answer(reply, reply_markup=keyboards.no_keyboard())


async def _handoff_to_crm(session: AsyncSession, conversation: SalesConversation, *,
                          reason: str) -> None:
    """With AmoCRM connected, the transcript becomes a note on the lead's deal and a
    "reply to the customer" task is due in 15 minutes (nothing is queued otherwise)."""
    if conversation.lead_id is None:
        return
    lines = await conversations.transcript(session, business_id=conversation.business_id,
                                           conversation_id=conversation.id)
    icon = {"customer": "👤", "bot": "🤖", "operator": "🧑‍💼"}
    text = "\n".join(f"{icon.get(line.author, '•')} {line.text}" for line in lines)
    await amocrm_sync.handoff(
        session, business_id=conversation.business_id, lead_id=conversation.lead_id,
        transcript=text,
        task_text=_("BiznesPilot: a chatbot customer is waiting for a person ({reason}). "
                    "Answer them in the Telegram bot.").format(reason=reason_label(reason)),
        due_at=utcnow() + HANDOFF_TASK_DUE,
        # one hand-off, one note and task: a retried update queues nothing twice
        key=f"conv-{conversation.id}-{int((conversation.handoff_at or utcnow()).timestamp())}")


def _person_has_it() -> str:
    return _("A person from our team has your conversation — just write here.")


def _human_reply() -> str:
    return _("🙋 I'm connecting you with a person. Please write your question here — an "
             "operator will answer in this chat.")


def _complaint_reply() -> str:
    return _("😔 We're sorry this happened. I've passed your message to a person who will "
             "sort it out with you here. Please add any details.")


def _limit_reply() -> str:
    return _("Thank you for your message! Our assistant is resting right now, so a person "
             "from our team will answer you here as soon as possible.")


def courtesy_text() -> str:
    return _("😊 You're welcome! Write here any time if you need anything.")


def no_answer_text() -> str:
    return _("I don't have an answer to that yet. Shall I connect you with a person? You "
             "can also look at the menu.")


def render_answer(answer: SalesAnswer, locale: str) -> str:
    """The answer text (escaped) with product cards; prices only as the knowledge base has
    them."""
    text = answer.text
    if answer.products:  # the cards below list them: not twice (the text lists them too)
        names = tuple(f"• {product.name}" for product in answer.products)
        blurbs = {answers.clip(product.description, answers.DESCRIPTION_LIMIT)
                  for product in answer.products if product.description}
        text = "\n".join(line for line in text.splitlines()
                         if not line.startswith(names) and line not in blurbs)
    parts = [escape(text)] if text else []
    cards = []
    for product in answer.products[:MAX_PRODUCTS]:
        line = f"• <b>{escape(product.name)}</b>"
        if product.price is not None:
            line += f" — {money(product.price, locale)}"
        if product.description:
            line += f"\n  {escape(product.description)}"
        cards.append(line)
    if cards:
        parts.append("\n".join(cards))
    return "\n\n".join(parts)


async def _answer(message: Message, session: AsyncSession, app: App, ai: AIGateway,
                  sales: SalesContext, *, text: str, intent: Intent, locale: str) -> None:
    conversation = sales.conversation
    if intent == Intent.UNKNOWN and ai.enabled and message.bot is not None:
        with suppress(TelegramAPIError):  # the AI may take a few seconds
            await message.bot.send_chat_action(message.chat.id, ChatAction.TYPING)
    # the history only matters to the model (unknown questions): one query less otherwise
    history = (await conversations.history(session, conversation)
               if intent == Intent.UNKNOWN else None)
    answer = await _compose(app)(session, ai, business_id=sales.business.id, text=text,
                                 intent=intent, language=locale, history=history)
    body = render_answer(answer, locale)
    if not body:
        await _say(message, session, conversation, no_answer_text(), source="fallback",
                   markup=keyboards.operator_keyboard(), intent=intent.value)
        return
    await _say(message, session, conversation, body, source=answer.source,
               markup=keyboards.after_answer_keyboard(), intent=intent.value)


async def _priced(session: AsyncSession, app: App, ai: AIGateway, sales: SalesContext,
                  text: str, locale: str) -> list[tuple[str, int]]:
    # intent ORDER: the answer sources put the products the customer named first
    answer = await _compose(app)(session, ai, business_id=sales.business.id, text=text,
                                 intent=Intent.ORDER, language=locale, history=None)
    return [(p.name, p.price) for p in answer.products if p.price is not None][:MAX_PRODUCTS]


def _names_in(name: str, text: str) -> bool:
    """Whether ``text`` names the product ``name`` (each letter word of the name, typos in
    the ending allowed: "lattes", "латте")."""
    said = knowledge.content_words(text)
    words = [w for w in knowledge.content_words(name) if w.isalpha() and len(w) > 2]
    return bool(words) and all(any(s.startswith(w[:4]) for s in said) for w in words)


def _line(name: str, qty: int) -> str:
    return f"{name} × {qty}" if qty > 1 else name


async def _start_order(message: Message, session: AsyncSession, app: App, ai: AIGateway,
                       sales: SalesContext, state: FSMContext, *, text: str,
                       locale: str) -> None:
    conversations.advance(sales.conversation, "intent")
    products = await _priced(session, app, ai, sales, text, locale)
    if not products:
        await _hand_off(message, session, app, sales, reason="order", reply=_(
            "🛒 Great! A person from our team will take your order here in a moment. "
            "Please write what you would like."))
        return
    qty = quantity.parse_quantity(text, [n for n, _p in products]) or 1
    named = [(n, p) for n, p in products if _names_in(n, text)]
    await state.set_state(OrderSG.picking)
    await state.update_data(products=[[n, p] for n, p in products], qty=qty)
    if len(named) == 1 and qty > 1:  # "ikkita latte": straight to the confirmation
        await _confirm(message, session, app, sales, state, name=named[0][0],
                       price=named[0][1], qty=qty, locale=locale)
        return
    await _say(message, session, sales.conversation, _("🛒 What would you like to order?"),
               source="template", markup=keyboards.products_keyboard(products, locale),
               intent="order")


async def _place(message: Message, session: AsyncSession, app: App, sales: SalesContext,
                 state: FSMContext, *, name: str, price: int, locale: str,
                 qty: int = 1) -> None:
    conversation = sales.conversation
    qty = min(max(1, qty), quantity.MAX_QTY)
    order_id = await conversations.place_order(session, conversation, name=name, price=price,
                                               qty=qty)
    await nurture.stop(session, conversation, "purchase")
    await state.clear()
    phone = await conversations.lead_phone(session, conversation)
    await queue_order_notice(session, app.i18n, bot_id=owner_bot_id(app),
                             conversation=conversation, order_id=order_id,
                             item=_line(name, qty), total=price * qty, phone=phone)
    await _say(message, session, conversation, _(
        "✅ Order #{id} is placed: {item} — {total}. We'll contact you at {phone} to confirm "
        "delivery and payment. Thank you!").format(
            id=order_id, item=escape(_line(name, qty)), total=money(price * qty, locale),
            phone=escape(phone or "")), source="template", markup=keyboards.no_keyboard(),
        intent="order")


# ------------------------------------------------------------------------------ commands


@router.message(CommandStart(deep_link=True))
async def cmd_start_link(message: Message, command: CommandObject, session: AsyncSession,
                         app: App, sales: SalesContext, bot: Bot, state: FSMContext) -> None:
    """``/start <code>``: a lead magnet link delivers the magnet and tags the lead."""
    conversation = sales.conversation
    await conversations.record(session, conversation, author="customer",
                               text=message.text or "")
    magnet = await hvco.resolve_code(session, code=(command.args or "").strip())
    if magnet is None or magnet.business_id != sales.business.id:
        await _welcome(message, session, sales)
        return
    first_time = conversation.hvco_id != magnet.id
    conversation.hvco_id = magnet.id
    conversations.advance(conversation, "interest")
    if first_time:
        await hvco.record_lead(session, hvco_id=magnet.id)
        with suppress(LimitExceeded):  # the magnet is still delivered
            await conversations.capture_lead(session, conversation, hvco_code=magnet.code)
    await _deliver(message, session, app, sales, bot, magnet)
    await nurture.start(session, conversation)
    await state.clear()


async def _deliver(message: Message, session: AsyncSession, app: App, sales: SalesContext,
                   bot: Bot, magnet: hvco.HvcoView) -> None:
    text = _("🎁 Here is your free {title}.").format(title=f"<b>{escape(magnet.title)}</b>")
    if magnet.text:
        text += "\n\n" + escape(magnet.text)
    if magnet.url:
        text += "\n\n" + escape(magnet.url)
    sent_file = False
    if magnet.file_id:
        sent_file = await _send_magnet_file(message, session, app, sales, bot, magnet, text)
    if not sent_file:
        await message.answer(text, reply_markup=keyboards.menu_keyboard())
    await conversations.record(session, sales.conversation, author="bot", text=text,
                               source="template", intent="hvco")


async def _send_magnet_file(message: Message, session: AsyncSession, app: App,
                            sales: SalesContext, bot: Bot, magnet: hvco.HvcoView,
                            caption: str) -> bool:
    """Send the file through this bot: its own copy if it has one, else download it from
    the owner bot (which received the upload) and upload it here once."""
    assert magnet.file_id is not None
    copy = await session.scalar(select(SalesBotFile).where(
        SalesBotFile.bot_id == bot.id, SalesBotFile.hvco_id == magnet.id))
    if copy is not None and copy.source_file_id == magnet.file_id:
        with suppress(TelegramAPIError):
            await message.answer_document(copy.file_id, caption=caption[:1024],
                                          reply_markup=keyboards.menu_keyboard())
            return True
    owner = app.extras.get("owner_bot")
    if owner is None:
        return False
    try:
        data = await owner.download(magnet.file_id)
        if data is None:
            return False
        sent = await message.answer_document(
            BufferedInputFile(data.read(), filename=magnet.file_name or "lead-magnet"),
            caption=caption[:1024], reply_markup=keyboards.menu_keyboard())
    except TelegramAPIError:
        log.warning("bot %s: could not deliver the file of lead magnet %s", bot.id, magnet.id)
        return False
    if sent.document is not None:
        if copy is None:
            copy = SalesBotFile(business_id=sales.business.id, bot_id=bot.id,
                                hvco_id=magnet.id, source_file_id=magnet.file_id,
                                file_id=sent.document.file_id)
            session.add(copy)
        else:
            copy.source_file_id, copy.file_id = magnet.file_id, sent.document.file_id
    return True


@router.message(CommandStart())
async def cmd_start(message: Message, session: AsyncSession, sales: SalesContext,
                    state: FSMContext) -> None:
    await state.clear()
    conversation = sales.conversation
    conversation.stopped_at = None
    await conversations.record(session, conversation, author="customer", text="/start")
    if conversation.handoff != conversations.Handoff.NONE.value:
        # the bot stays silent until the operator closes it: say so, not "choose below"
        await _say(message, session, conversation, _person_has_it(), source="template",
                   markup=keyboards.no_keyboard())
        return
    await _welcome(message, session, sales)


@router.message(Command("stop"))
async def cmd_stop(message: Message, session: AsyncSession, sales: SalesContext,
                   state: FSMContext) -> None:
    """No more follow-ups; the customer can still write at any time."""
    conversation = sales.conversation
    conversation.stopped_at = utcnow()
    await state.clear()
    await nurture.stop(session, conversation, "stop")
    await conversations.record(session, conversation, author="customer", text="/stop")
    await _say(message, session, conversation, _(
        "🔕 Done — we won't send you any more messages. Write here any time if you need "
        "us."), source="template", markup=keyboards.no_keyboard())


# ---------------------------------------------------------------------------- contact


@router.message(F.contact)
async def on_contact(message: Message, session: AsyncSession, app: App, sales: SalesContext,
                     state: FSMContext, locale: str) -> None:
    """The customer shared a phone: the lead is created or updated (source chatbot)."""
    assert message.contact is not None
    await _take_phone(message, session, app, sales, state, locale,
                      phone=message.contact.phone_number)


_TYPED_PHONE = re.compile(r"^\+?[\d\s()\-.]{9,20}$")


def typed_phone(text: str) -> str | None:
    """A message that is only a phone number (customers often type it instead of pressing
    the share button), normalised; None otherwise."""
    if not _TYPED_PHONE.match(text):
        return None
    try:
        return parse_phone(text)
    except DomainError:
        return None


_CANCEL = frozenset({"bekor", "bekor qilish", "bekor qiling", "bekor qilaman", "kerak emas",
                     "kerakmas", "otmena", "отмена", "отменить", "отмените", "не надо",
                     "бекор", "бекор қилиш", "керак эмас", "cancel", "stop", "nevermind"})
_ORDER_STATES = frozenset({OrderSG.picking.state, OrderSG.contact.state})


def is_cancel(text: str) -> bool:
    """"Cancel" in any of our languages, as the whole message (emoji and punctuation aside)."""
    words = re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е")).split()
    return 0 < len(words) <= 3 and " ".join(words) in _CANCEL


_COURTESY = frozenset({  # not "ha" / "ok": after "shall I connect you?" they mean yes
    "rahmat", "raxmat", "rahmat sizga", "katta rahmat", "tushunarli", "zor", "рахмат",
    "раҳмат", "тушунарли", "спасибо", "спс", "благодарю", "спасибо большое", "понятно",
    "ясно", "thanks", "thank you", "thx", "got it", "great", "cool"})


_YES = frozenset({
    "ha", "xa", "ha iltimos", "ha kerak", "ha bogla", "xop", "mayli", "ҳа", "ха", "хоп",
    "майли", "да", "давай", "давайте", "да пожалуйста", "да давайте", "хорошо", "ок", "ok",
    "okay", "yes", "yes please", "sure", "yep", "ага"})


def is_yes(text: str) -> bool:
    """"Yes" in any of our languages, as the whole message."""
    words = re.sub(r"[^\w\s]", " ", text.lower().translate(
        str.maketrans("", "", "'‘’ʻʼ`"))).split()
    return 0 < len(words) <= 3 and " ".join(words) in _YES


async def _offered_person(session: AsyncSession, conversation: SalesConversation) -> bool:
    """Whether the bot's last message asked "Shall I connect you with a person?"."""
    said = [text for author, text in await conversations.history(session, conversation,
                                                                   limit=3)
            if author == "bot"]
    return bool(said) and said[-1] == no_answer_text()


def is_courtesy(text: str) -> bool:
    """Thanks, "ok", or emoji only: a polite reply, not "I don't have an answer"."""
    words = re.sub(r"[^\w\s]", " ", text.lower().translate(
        str.maketrans("", "", "'‘’ʻʼ`"))).split()
    if not words:  # emoji or punctuation only; a lone "?" is a question, though
        return bool(text) and "?" not in text
    return len(words) <= 3 and " ".join(words) in _COURTESY


async def _take_phone(message: Message, session: AsyncSession, app: App, sales: SalesContext,
                      state: FSMContext, locale: str, *, phone: str) -> None:
    conversation = sales.conversation
    await conversations.record(session, conversation, author="customer", text=phone)
    try:
        await conversations.capture_lead(session, conversation, phone=phone)
    except LimitExceeded:
        log.warning("business %s: leads limit reached; chatbot lead not saved",
                    sales.business.id)
    except DomainError:
        await _say(message, session, conversation, _(
            "That number doesn't look right. Please send it like +998 90 123 45 67."),
            source="template")
        return
    if await state.get_state() == OrderSG.contact.state:
        data = await state.get_data()
        pick = data.get("pick")
        if pick:
            await _place(message, session, app, sales, state, name=str(pick[0]),
                         price=int(pick[1]), locale=locale,
                         qty=int(pick[2]) if len(pick) > 2 else 1)
            return
    if conversation.handoff != conversations.Handoff.NONE.value:
        await queue_customer_message(session, app.i18n, bot_id=owner_bot_id(app),
                                     conversation=conversation, text=phone)
    await _say(message, session, conversation, _(
        "📱 Thank you! We've saved your number and will contact you if needed."),
        source="template", markup=keyboards.no_keyboard())


# ---------------------------------------------------------------------------- buttons


@router.callback_query(SalesCB.filter())
async def on_button(callback: CallbackQuery, callback_data: SalesCB, session: AsyncSession,
                    app: App, ai: AIGateway, sales: SalesContext, state: FSMContext,
                    locale: str) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    conversation = sales.conversation
    action = callback_data.action
    if conversation.handoff != conversations.Handoff.NONE.value and action != SalesAction.PICK:
        await message.answer(_person_has_it())
        return
    if action == SalesAction.OPERATOR:
        await _hand_off(message, session, app, sales, reason="human", reply=_human_reply())
    elif action == SalesAction.ORDER:
        await _start_order(message, session, app, ai, sales, state, text="", locale=locale)
    elif action == SalesAction.PICK:
        await _pick(message, session, app, sales, state, callback_data.index, locale)
    else:
        intent, text = {
            SalesAction.PRODUCTS: (Intent.PRODUCT, _("Products")),
            SalesAction.PRICES: (Intent.PRICING, _("Prices")),
            SalesAction.FAQ: (Intent.UNKNOWN, _("Frequently asked questions")),
        }[action]
        conversations.advance(conversation, conversations.INTENT_STAGE.get(intent, "interest"))
        await _answer(message, session, app, ai, sales, text=text, intent=intent,
                      locale=locale)


async def _pick(message: Message, session: AsyncSession, app: App, sales: SalesContext,
                state: FSMContext, index: int, locale: str) -> None:
    data = await state.get_data()
    products = data.get("products") or []
    if await state.get_state() != OrderSG.picking.state or not 0 <= index < len(products):
        await message.answer(_("This list is out of date. Press 🛒 Order to see it again."),
                             reply_markup=keyboards.menu_keyboard())
        return
    name, price = str(products[index][0]), int(products[index][1])
    await _confirm(message, session, app, sales, state, name=name, price=price,
                   qty=int(data.get("qty") or 1), locale=locale)


async def _confirm(message: Message, session: AsyncSession, app: App, sales: SalesContext,
                   state: FSMContext, *, name: str, price: int, qty: int,
                   locale: str) -> None:
    """The picked product and quantity: placed when the phone is known, else the line
    total and a request for the phone."""
    if await conversations.lead_phone(session, sales.conversation):
        await _place(message, session, app, sales, state, name=name, price=price,
                     locale=locale, qty=qty)
        return
    await state.set_state(OrderSG.contact)
    await state.update_data(pick=[name, price, qty])
    await _say(message, session, sales.conversation, _(
        "{item} — {total}. Please share your phone number so we can confirm the order.")
        .format(item=escape(_line(name, qty)), total=money(price * qty, locale)),
        source="template", markup=keyboards.contact_keyboard())


# ------------------------------------------------------------------------------ text


async def _count(session: AsyncSession, app: App, sales: SalesContext) -> bool:
    """Count the message; warn the owner at 80% and 100%; False when past the limit."""
    quota = await conversations.count_message(session, business_id=sales.business.id)
    if quota.warn is not None:
        await queue_limit_warning(session, app.i18n, bot_id=owner_bot_id(app),
                                  business_id=sales.business.id, level=quota.warn,
                                  used=quota.used, limit=quota.limit)
    return quota.allowed


@router.message(F.text)
async def on_text(message: Message, session: AsyncSession, app: App, ai: AIGateway,
                  sales: SalesContext, state: FSMContext, locale: str) -> None:
    """Any text: the conversation engine (see the module docstring)."""
    await _converse(message, session, app, ai, sales, state, locale,
                    text=(message.text or "").strip())


async def _converse(message: Message, session: AsyncSession, app: App, ai: AIGateway,
                    sales: SalesContext, state: FSMContext, locale: str, *, text: str) -> None:
    phone = typed_phone(text)
    if phone is not None:  # the number typed instead of shared: the same as sharing it
        await _take_phone(message, session, app, sales, state, locale, phone=phone)
        return
    if is_cancel(text) and await state.get_state() in _ORDER_STATES:
        await state.clear()
        await conversations.record(session, sales.conversation, author="customer", text=text)
        await _say(message, session, sales.conversation, _(
            "Okay, the order is cancelled. Anything else? Choose below or write your "
            "question."), source="template", markup=keyboards.menu_keyboard())
        return
    conversation = sales.conversation
    allowed = await _count(session, app, sales)
    result = detect_intent(text)
    await conversations.record(session, conversation, author="customer", text=text,
                               intent=result.intent.value)
    await nurture.stop(session, conversation, "reply")
    if conversation.handoff != conversations.Handoff.NONE.value:
        await queue_customer_message(session, app.i18n, bot_id=owner_bot_id(app),
                                     conversation=conversation, text=text)
        return
    if not allowed:
        await _hand_off(message, session, app, sales, reason="limit", reply=_limit_reply())
        return
    intent = result.intent
    target = conversations.INTENT_STAGE.get(intent)
    if target is not None:
        conversations.advance(conversation, target, confidence=result.confidence,
                              by_model=result.confidence < 1.0)
    if intent == Intent.HUMAN:
        await _hand_off(message, session, app, sales, reason="human", reply=_human_reply())
    elif intent == Intent.COMPLAINT:
        await _hand_off(message, session, app, sales, reason="complaint",
                        reply=_complaint_reply())
    elif intent == Intent.GREETING:
        await _welcome(message, session, sales)
    elif intent == Intent.ORDER or (
            intent == Intent.UNKNOWN and quantity.has_quantity(text)
            and any(_names_in(name, text)
                    for name, _price in await _priced(session, app, ai, sales, text, locale))):
        # "ikkita latte", "latte 2": an order of a product named, with the quantity
        await _start_order(message, session, app, ai, sales, state, text=text, locale=locale)
    elif intent == Intent.UNKNOWN and is_yes(text) and await _offered_person(session,
                                                                               conversation):
        await _hand_off(message, session, app, sales, reason="human", reply=_human_reply())
    elif intent == Intent.UNKNOWN and is_courtesy(text):
        await _say(message, session, conversation, courtesy_text(), source="template",
                   markup=keyboards.menu_keyboard())
    else:
        await _answer(message, session, app, ai, sales, text=text, intent=intent,
                      locale=locale)


def _message_kind(content_type: str) -> str:
    """The kind of a non-text message in the customer's language (for the transcript and
    the operators), Telegram's own name for the rare ones."""
    kinds = {
        "photo": _("message kind: photo"), "voice": _("message kind: voice"),
        "video": _("message kind: video"), "sticker": _("message kind: sticker"),
        "document": _("message kind: file"), "video_note": _("message kind: video note"),
        "audio": _("message kind: audio"), "location": _("message kind: location"),
    }
    return kinds.get(content_type, content_type)


@router.message()
async def on_other(message: Message, session: AsyncSession, app: App, ai: AIGateway,
                   sales: SalesContext, state: FSMContext, locale: str) -> None:
    """Photos, stickers, voice: relayed during a hand-off, else a pointer to text; a photo's
    caption ("narxi qancha?") is answered like a text."""
    conversation = sales.conversation
    caption = (message.caption or "").strip()
    if caption and conversation.handoff == conversations.Handoff.NONE.value:
        await _converse(message, session, app, ai, sales, state, locale, text=caption)
        return
    label = _("[a {kind} message]").format(kind=_message_kind(message.content_type))
    if caption:
        label += " " + caption
    await conversations.record(session, conversation, author="customer", text=label)
    if conversation.handoff != conversations.Handoff.NONE.value:
        await queue_customer_message(session, app.i18n, bot_id=owner_bot_id(app),
                                     conversation=conversation, text=label)
        return
    await _say(message, session, conversation, _(
        "I understand text best — please write your question, or choose below."),
        source="template", markup=keyboards.menu_keyboard())


@router.my_chat_member()
async def on_member(event: ChatMemberUpdated, sales: SalesContext) -> None:
    """The customer blocked (or unblocked) the bot: pushes stop reaching them."""
    status = event.new_chat_member.status
    sales.conversation.blocked_at = utcnow() if status == "kicked" else None


async def on_error(event: ErrorEvent, **data: Any) -> bool:
    """Never silence: an apology to the customer, the details in the log."""
    log.error("sales bot update %s failed", event.update.update_id,
              exc_info=event.exception)
    update = event.update
    message = update.message or (update.callback_query.message
                                 if update.callback_query else None)
    i18n = data.get("i18n")
    if isinstance(message, Message) and i18n is not None:
        # the locale middleware's context has exited; re-enter it with the same locale
        with i18n.context(), i18n.use_locale(data.get("locale") or i18n.default_locale):
            text = _("Sorry, something went wrong on our side. Please try again in a minute.")
        with suppress(TelegramAPIError):
            await message.answer(text)
    return True
