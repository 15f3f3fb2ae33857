"""Sales chatbot engine services: tokens, the funnel, the limit arithmetic (no database), and
bots, conversations, hand-off reminders and the message counter on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.crypto import SecretBox
from services.db.base import utcnow
from services.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from services.salesbot import bots, conversations
from services.salesbot.bots import BotIdentity, BotStatus, InvalidBotToken
from tests.factories import make_owner

BOX = SecretBox([SecretBox.generate_key()])
TOKEN = "6660001:AAH-first-business-bot-token"


async def checker(token: str) -> BotIdentity:
    if "bad" in token:
        raise InvalidBotToken(reason="rejected")
    bot_id = int(token.split(":")[0])
    return BotIdentity(id=bot_id, username=f"bot{bot_id}_bot", first_name="Shop")


# ------------------------------------------------------------------ pure logic


def test_tokens_are_found_in_pasted_botfather_messages() -> None:
    pasted = f"Done! Congratulations.\nUse this token to access the HTTP API:\n{TOKEN}\nKeep"
    assert bots.extract_token(pasted) == TOKEN
    assert bots.extract_token("no token here 123:abc") is None
    assert bots.token_bot_id(TOKEN) == 6660001
    for raw in ("", "123", "abc:AAHxxxxxxxxxxxxxxxxxxxxxxxx", "12:short", TOKEN + " x"):
        with pytest.raises(InvalidBotToken):
            bots.parse_token(raw)
    secret = bots.new_secret()
    assert len(secret) >= 32 and secret.replace("-", "").replace("_", "").isalnum()


def test_the_funnel_only_moves_forward_and_model_guesses_need_confidence() -> None:
    assert conversations.next_stage("awareness", "consideration") == "consideration"
    assert conversations.next_stage("intent", "interest") == "intent"  # never backwards
    assert conversations.next_stage("interest", "intent", confidence=0.69,
                                    by_model=True) == "interest"
    assert conversations.next_stage("interest", "intent", confidence=0.7,
                                    by_model=True) == "intent"
    assert conversations.next_stage("interest", "nonsense") == "interest"


def test_limit_warnings_fire_once_at_80_and_100_percent() -> None:
    fired = {used: conversations.crossed(used, 1000) for used in range(1, 1001)}
    assert {u: level for u, level in fired.items() if level} == {800: 80, 1000: 100}
    assert conversations.crossed(4, 5) == 80 and conversations.crossed(5, 5) == 100
    assert conversations.crossed(1, 0) is None


def test_lead_score_grows_with_stage_phone_and_engagement() -> None:
    cold = conversations.lead_score(stage="awareness", has_phone=False, messages_in=1)
    warm = conversations.lead_score(stage="consideration", has_phone=True, messages_in=4)
    assert 0 <= cold < warm <= 100
    assert conversations.lead_score(stage="post_purchase", has_phone=True,
                                    messages_in=50) == 100


# ------------------------------------------------------------------ bots (both databases)


async def test_connect_limits_conflicts_replace_and_disconnect(session: AsyncSession) -> None:
    first = await make_owner(session, 7101, name="First")
    second = await make_owner(session, 7102, name="Second")
    view = await bots.connect(session, business_id=first.id, token=TOKEN, user_id=7101,
                              checker=checker, box=BOX)
    assert (view.id, view.username, view.status) == (6660001, "bot6660001_bot",
                                                     BotStatus.ACTIVE)
    with pytest.raises(Conflict):  # already serves the first business
        await bots.connect(session, business_id=second.id, token=TOKEN, user_id=7102,
                           checker=checker, box=BOX)
    with pytest.raises(LimitExceeded):  # Starter: one bot
        await bots.connect(session, business_id=first.id,
                           token="6660002:AAH-second-bot-of-first-biz", user_id=7101,
                           checker=checker, box=BOX)
    with pytest.raises(InvalidBotToken):
        await bots.connect(session, business_id=second.id,
                           token="6660003:AAH-bad-token-telegram-refuses", user_id=7102,
                           checker=checker, box=BOX)
    [running] = await bots.active_bots(session, box=BOX)
    assert running.token == TOKEN and running.secret
    with pytest.raises(NotFound):  # another business's bot id
        await bots.set_paused(session, business_id=second.id, bot_id=6660001, paused=True)
    with pytest.raises(InvalidInput):
        await bots.replace_token(session, business_id=first.id, bot_id=6660001,
                                 token="6660009:AAH-a-token-of-another-bot", checker=checker,
                                 box=BOX)
    new = "6660001:AAH-first-business-bot-new-one"
    await bots.replace_token(session, business_id=first.id, bot_id=6660001, token=new,
                             checker=checker, box=BOX)
    [running2] = await bots.active_bots(session, box=BOX)
    assert running2.token == new and running2.secret != running.secret

    revoked = await bots.mark_revoked(session, bot_id=6660001, reason="Unauthorized")
    assert revoked is not None and revoked.owner_id == 7101
    assert await bots.mark_revoked(session, bot_id=6660001, reason="again") is None  # once
    assert await bots.active_bots(session, box=BOX) == []
    with pytest.raises(Conflict):  # a revoked bot needs a new token, not "resume"
        await bots.set_paused(session, business_id=first.id, bot_id=6660001, paused=False)

    await bots.disconnect(session, business_id=first.id, bot_id=6660001)
    assert await bots.list_bots(session, business_id=first.id) == []
    # the same bot can now serve the second business
    moved = await bots.connect(session, business_id=second.id, token=new, user_id=7102,
                               checker=checker, box=BOX)
    assert moved.business_id == second.id


async def test_conversations_reminders_and_the_counter(session: AsyncSession) -> None:
    business = await make_owner(session, 7201, name="Shop")
    other = await make_owner(session, 7202, name="Other")
    await bots.connect(session, business_id=business.id, token=TOKEN, user_id=7201,
                       checker=checker, box=BOX)
    conversation = await conversations.open_conversation(
        session, business_id=business.id, bot_id=6660001, chat_id=42, name="Aziza")
    again = await conversations.open_conversation(
        session, business_id=business.id, bot_id=6660001, chat_id=42, name="Aziza K")
    assert again.id == conversation.id and again.customer_name == "Aziza K"
    long_ago = utcnow() - timedelta(minutes=20)
    await conversations.record(session, conversation, author="customer", text="operator",
                               at=long_ago)
    assert conversations.request_handoff(conversation, reason="human")
    assert not conversations.request_handoff(conversation, reason="human")
    await session.flush()
    [due] = await conversations.due_reminders(session)
    assert due.id == conversation.id
    assert await conversations.due_reminders(session) == []  # reminded once per message
    await conversations.record(session, conversation, author="customer", text="hello?")
    assert await conversations.due_reminders(session) == []  # only 0 min old
    assert await conversations.due_reminders(
        session, now=utcnow() + timedelta(minutes=16)) != []

    lines = await conversations.transcript(session, business_id=business.id,
                                           conversation_id=conversation.id)
    assert [(line.author, line.text) for line in lines] == [("customer", "operator"),
                                                            ("customer", "hello?")]
    assert await conversations.transcript(session, business_id=other.id,
                                          conversation_id=conversation.id) == []
    with pytest.raises(NotFound):
        await conversations.require_operator(session, conversation_id=conversation.id,
                                             user_id=7202)
    assert await conversations.operators(session, business_id=business.id) == [7201]

    first = await conversations.count_message(session, business_id=business.id)
    assert (first.allowed, first.used, first.limit, first.warn) == (True, 1, 1000, None)
