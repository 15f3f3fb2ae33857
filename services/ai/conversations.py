"""Ask AI memory: conversations and their turns, per business and user, in the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.ai.types import Turn
from services.db.models import AIConversation, AIMessage

HISTORY_TURNS = 10  # the last five questions and answers go back to the model
TURN_LIMIT = 4000  # characters kept per turn


async def _latest(session: AsyncSession, business_id: int, user_id: int) -> int | None:
    return await session.scalar(
        select(AIConversation.id)
        .where(AIConversation.business_id == business_id, AIConversation.user_id == user_id)
        .order_by(AIConversation.id.desc()).limit(1))


async def start(session: AsyncSession, *, business_id: int, user_id: int) -> int:
    """Begin a new conversation (``/new``); the old one stays in the database."""
    conversation = AIConversation(business_id=business_id, user_id=user_id)
    session.add(conversation)
    await session.flush()
    return conversation.id


async def recent_turns(
    session: AsyncSession, *, business_id: int, user_id: int, limit: int = HISTORY_TURNS
) -> list[Turn]:
    """The last ``limit`` turns of the user's current conversation, oldest first."""
    conversation_id = await _latest(session, business_id, user_id)
    if conversation_id is None:
        return []
    rows = (await session.execute(
        select(AIMessage.role, AIMessage.text)
        .where(AIMessage.business_id == business_id,
               AIMessage.conversation_id == conversation_id)
        .order_by(AIMessage.id.desc()).limit(limit))).all()
    return [Turn("assistant" if role == "assistant" else "user", text)
            for role, text in reversed(rows)]


async def turn_count(session: AsyncSession, *, business_id: int, user_id: int) -> int:
    """How many turns the current conversation has."""
    conversation_id = await _latest(session, business_id, user_id)
    if conversation_id is None:
        return 0
    return int(await session.scalar(
        select(func.count()).select_from(AIMessage)
        .where(AIMessage.business_id == business_id,
               AIMessage.conversation_id == conversation_id)) or 0)


async def add_exchange(
    session: AsyncSession, *, business_id: int, user_id: int, question: str, answer: str,
    source: str
) -> None:
    """Append a question and the answer shown to the current conversation."""
    conversation_id = await _latest(session, business_id, user_id)
    if conversation_id is None:
        conversation_id = await start(session, business_id=business_id, user_id=user_id)
    session.add_all([
        AIMessage(business_id=business_id, conversation_id=conversation_id, role="user",
                  text=question[:TURN_LIMIT]),
        AIMessage(business_id=business_id, conversation_id=conversation_id,
                  role="assistant", text=answer[:TURN_LIMIT], source=source),
    ])
    await session.flush()
