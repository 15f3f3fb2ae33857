"""What the sales chatbot pushes to the business's people through the owner bot: hand-off
cards with the transcript, relayed customer messages, new orders, 15-minute reminders,
message-limit warnings and a revoked-token notice.

All go through the outbox (rate-limited, idempotent by ``dedup_key``), rendered in each
recipient's language; they live in ``bot`` because the sales bot, the scheduler and the
runtime all send them, and outside a handler gettext needs an explicit locale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import money
from services import outbox, plans
from services.db.models import Business, SalesConversation, User
from services.salesbot import conversations
from services.users import DEFAULT_LANGUAGE, LANGUAGES

KIND = "salesbot"


class HandoffAction(StrEnum):
    REPLY = "r"
    CLOSE = "c"


class HandoffCB(CallbackData, prefix="sbh1"):
    """An operator's button on a hand-off card; the conversation id is re-checked against
    the presser's membership every time."""

    action: HandoffAction
    conversation: int


def handoff_keyboard(conversation_id: int) -> dict[str, object]:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✍️ Reply"),
                   callback_data=HandoffCB(action=HandoffAction.REPLY,
                                           conversation=conversation_id))
    builder.button(text=_("✅ Close"),
                   callback_data=HandoffCB(action=HandoffAction.CLOSE,
                                           conversation=conversation_id))
    builder.adjust(2)
    return builder.as_markup().model_dump(mode="json", exclude_none=True)


def reason_label(reason: str | None) -> str:
    return {
        "human": _("the customer asked for an operator"),
        "complaint": _("a complaint"),
        "limit": _("the monthly message limit is used up"),
        "unknown": _("the bot had no answer"),
        "order": _("an order that needs a person"),
    }.get(reason or "", reason or "")


def customer_label(conversation: SalesConversation) -> str:
    name = escape(conversation.customer_name or str(conversation.customer_chat_id))
    if conversation.customer_username:
        name += f" (@{escape(conversation.customer_username)})"
    return name


def transcript_text(lines: Iterable[conversations.Line]) -> str:
    icons = {"customer": "👤", "bot": "🤖", "operator": "🧑‍💼"}
    out = []
    for line in lines:
        text = line.text if len(line.text) <= 300 else line.text[:299] + "…"
        out.append(f"{icons.get(line.author, '•')} {escape(text)}")
    return "\n".join(out) or "—"


async def _locales(session: AsyncSession, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = (await session.execute(select(User.id, User.language).where(
        User.id.in_(user_ids)))).all()
    found = {uid: (lang if lang in LANGUAGES else DEFAULT_LANGUAGE) for uid, lang in rows}
    return {uid: found.get(uid, DEFAULT_LANGUAGE) for uid in user_ids}


async def _queue(session: AsyncSession, i18n: I18n, *, bot_id: int, business_id: int,
                 recipients: list[int], render: Callable[[str], str],
                 markup: Callable[[], dict[str, object]] | None = None,
                 dedup: str | None = None) -> int:
    queued = 0
    for user_id, locale in (await _locales(session, recipients)).items():
        with i18n.context(), i18n.use_locale(locale):
            payload = outbox.text_payload(render(locale),
                                          reply_markup=markup() if markup else None)
        if await outbox.enqueue(session, bot_id=bot_id, chat_id=user_id, kind=KIND,
                                payload=payload, business_id=business_id,
                                dedup_key=f"{dedup}:{user_id}" if dedup else None):
            queued += 1
    return queued


async def _business_name(session: AsyncSession, business_id: int) -> str:
    return str(await session.scalar(select(Business.name).where(
        Business.id == business_id)) or "")


async def queue_handoff_card(session: AsyncSession, i18n: I18n, *, bot_id: int,
                             conversation: SalesConversation) -> int:
    """The hand-off card with the transcript and Reply / Close, to every operator."""
    name = await _business_name(session, conversation.business_id)
    lines = await conversations.transcript(session, business_id=conversation.business_id,
                                           conversation_id=conversation.id)
    recipients = await conversations.operators(session, business_id=conversation.business_id)

    def render(locale: str) -> str:
        return "\n".join([
            _("🙋 <b>A customer needs a person</b> — {business}").format(
                business=escape(name)),
            _("Customer: {customer}").format(customer=customer_label(conversation)),
            _("Why: {reason}").format(reason=reason_label(conversation.handoff_reason)),
            "",
            transcript_text(lines),
            "",
            _("Press Reply and write: your message goes to the customer through the "
              "business's bot. Close gives the customer back to the bot."),
        ])

    stamp = conversation.handoff_at.isoformat() if conversation.handoff_at else ""
    return await _queue(session, i18n, bot_id=bot_id, business_id=conversation.business_id,
                        recipients=recipients, render=render,
                        markup=lambda: handoff_keyboard(conversation.id),
                        dedup=f"sb-handoff:{conversation.id}:{stamp}")


async def queue_customer_message(session: AsyncSession, i18n: I18n, *, bot_id: int,
                                 conversation: SalesConversation, text: str) -> int:
    """A customer's message during a hand-off, to its operator (or every operator)."""
    recipients = ([conversation.handoff_operator_id] if conversation.handoff_operator_id
                  else await conversations.operators(session,
                                                     business_id=conversation.business_id))

    def render(locale: str) -> str:
        return _("👤 {customer}: {text}").format(customer=customer_label(conversation),
                                                text=escape(text))

    return await _queue(session, i18n, bot_id=bot_id, business_id=conversation.business_id,
                        recipients=recipients, render=render,
                        markup=lambda: handoff_keyboard(conversation.id))


async def queue_order_notice(session: AsyncSession, i18n: I18n, *, bot_id: int,
                             conversation: SalesConversation, order_id: int, item: str,
                             total: int, phone: str | None) -> int:
    """A new chatbot order, to every operator."""
    name = await _business_name(session, conversation.business_id)
    recipients = await conversations.operators(session, business_id=conversation.business_id)

    def render(locale: str) -> str:
        return "\n".join([
            _("🛒 <b>New order from the chatbot</b> — {business}").format(
                business=escape(name)),
            _("Customer: {customer}").format(customer=customer_label(conversation)),
            _("Phone: {phone}").format(phone=escape(phone or "—")),
            _("{item} — {total}").format(item=escape(item), total=money(total, locale)),
            _("Order #{id} is in /orders.").format(id=order_id),
        ])

    return await _queue(session, i18n, bot_id=bot_id, business_id=conversation.business_id,
                        recipients=recipients, render=render,
                        markup=lambda: handoff_keyboard(conversation.id),
                        dedup=f"sb-order:{order_id}")


async def queue_reminder(session: AsyncSession, i18n: I18n, *, bot_id: int,
                         conversation: SalesConversation) -> int:
    """"Still unanswered after 15 minutes", with the transcript, to the operators."""
    lines = await conversations.transcript(session, business_id=conversation.business_id,
                                           conversation_id=conversation.id, limit=5)
    recipients = ([conversation.handoff_operator_id] if conversation.handoff_operator_id
                  else await conversations.operators(session,
                                                     business_id=conversation.business_id))

    def render(locale: str) -> str:
        return "\n".join([
            _("⏰ <b>{customer} has been waiting for an answer for over 15 minutes.</b>")
            .format(customer=customer_label(conversation)),
            "",
            transcript_text(lines),
        ])

    stamp = conversation.last_customer_at.isoformat() if conversation.last_customer_at else ""
    return await _queue(session, i18n, bot_id=bot_id, business_id=conversation.business_id,
                        recipients=recipients, render=render,
                        markup=lambda: handoff_keyboard(conversation.id),
                        dedup=f"sb-remind:{conversation.id}:{stamp}")


async def queue_limit_warning(session: AsyncSession, i18n: I18n, *, bot_id: int,
                              business_id: int, level: int, used: int, limit: int) -> int:
    """80% / 100% of the monthly chatbot messages, to the owner (once per month and level)."""
    owner = await session.scalar(select(Business.owner_id).where(Business.id == business_id))
    if owner is None:
        return 0
    name = await _business_name(session, business_id)

    def render(locale: str) -> str:
        if level >= 100:
            head = _("⛔ <b>{business}: the chatbot has used all {limit} messages of this "
                     "month.</b> Customers now get a short reply and are handed to your "
                     "operators. Upgrade in /plan to keep the bot answering.")
        else:
            head = _("⚠️ <b>{business}: the chatbot has used {used} of {limit} messages this "
                     "month ({percent}%).</b> See /plan for a bigger plan.")
        return head.format(business=escape(name), used=used, limit=limit, percent=level)

    period = plans.period_key(plans.Resource.CHATBOT_MESSAGES_PER_MONTH)
    return await _queue(session, i18n, bot_id=bot_id, business_id=business_id,
                        recipients=[int(owner)], render=render,
                        dedup=f"sb-limit:{business_id}:{period}:{level}")


async def queue_revoked_notice(session: AsyncSession, i18n: I18n, *, bot_id: int,
                               business_id: int, owner_id: int, username: str) -> int:
    """Telegram refused a business bot's token: the owner is told how to fix it (once per
    transition to revoked: ``bots.mark_revoked`` reports only the first)."""

    def render(locale: str) -> str:
        return _("🔌 <b>@{username} stopped answering customers:</b> Telegram no longer "
                 "accepts its token (it was revoked or the bot was deleted). Open /chatbot "
                 "and replace the token with a new one from @BotFather.").format(
                     username=escape(username))

    return await _queue(session, i18n, bot_id=bot_id, business_id=business_id,
                        recipients=[owner_id], render=render)
