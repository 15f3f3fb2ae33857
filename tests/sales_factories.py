"""Sales chatbot rows put straight into the database (bots, conversations, messages, lead
magnets, leads and orders), for tests of nurture, stats and exports that must not depend on
the conversation engine."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import Hvco, Lead, Order, SalesBot, SalesConversation, SalesMessage

_next_bot = [7_000_000_000]


async def make_sales_bot(session: AsyncSession, business_id: int, *,
                         username: str = "shop_bot") -> SalesBot:
    _next_bot[0] += 1
    bot = SalesBot(id=_next_bot[0], business_id=business_id, username=username,
                   token_encrypted="not-a-token", secret_encrypted="not-a-secret")
    session.add(bot)
    await session.flush()
    return bot


async def make_hvco(session: AsyncSession, business_id: int, *, title: str = "7 Tips",
                    code: str | None = None) -> Hvco:
    hvco = Hvco(business_id=business_id, type="checklist", topic="tips", title=title,
                code=code or f"hv{business_id}_{title[:8].replace(' ', '')}")
    session.add(hvco)
    await session.flush()
    return hvco


async def make_conversation(
    session: AsyncSession, bot: SalesBot, chat_id: int, *, name: str = "Aziz",
    username: str | None = None, language: str | None = "en", stage: str = "awareness",
    created_at: datetime | None = None, hvco: Hvco | None = None, handoff: str = "none",
    handoff_at: datetime | None = None, lead: Lead | None = None,
) -> SalesConversation:
    conv = SalesConversation(
        business_id=bot.business_id, bot_id=bot.id, customer_chat_id=chat_id,
        customer_name=name, customer_username=username, language=language, stage=stage,
        hvco_id=hvco.id if hvco else None, handoff=handoff, handoff_at=handoff_at,
        lead_id=lead.id if lead else None)
    if created_at is not None:
        conv.created_at = conv.updated_at = created_at
    session.add(conv)
    await session.flush()
    return conv


async def add_messages(session: AsyncSession, conv: SalesConversation, start: datetime,
                       *authors_and_texts: tuple[str, str]) -> list[SalesMessage]:
    """Messages one minute apart from ``start``, in the order given."""
    rows = []
    for i, (author, text) in enumerate(authors_and_texts):
        row = SalesMessage(business_id=conv.business_id, conversation_id=conv.id,
                           author=author, text=text, created_at=start + timedelta(minutes=i))
        session.add(row)
        rows.append(row)
    await session.flush()
    return rows


async def make_lead(session: AsyncSession, business_id: int, *, created_at: datetime,
                    name: str = "Lead") -> Lead:
    lead = Lead(business_id=business_id, name=name, source="chatbot",
                day=created_at.date(), created_at=created_at)
    session.add(lead)
    await session.flush()
    return lead


async def make_order(session: AsyncSession, business_id: int, lead: Lead, *,
                     total: int = 100_000, status: str = "paid") -> Order:
    order = Order(business_id=business_id, lead_id=lead.id, total=total, status=status,
                  day=date.today())
    session.add(order)
    await session.flush()
    return order
