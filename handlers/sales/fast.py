"""The sales fast lane: plain customer questions the rules can answer, handled in batches.

At webhook scale (one process, a thousand bots, 200 customer messages a second) the full
path — aiogram's middleware chain, one ORM transaction per update and a ``sendMessage``
round trip for the reply — costs ~10 ms of CPU per message, and on SQLite each update holds
the one writer for all of that. This lane takes the common case off it:

* **which updates:** a private text message from a person, not a command, not a phone
  number, whose intent by rules is a greeting or a product, price, delivery or payment
  question — or, while no model is configured, one with no rule intent (thanks, a
  knowledge-base match, "I don't have an answer"; not a "yes" or a quantity); the customer
  is not in the order wizard (no FSM state), no person has the conversation, the month's
  message limit has room, and the knowledge base or a template answers it (the model is
  never called here). Everything else — and any update the lane is unsure of — goes down
  the full path unchanged.
* **how:** updates that arrive while a batch is being written wait for the next one
  (group commit: no timer, one batch at a time, so a lone message goes at once and a burst
  shares the work). A batch is one transaction: a handful of reads for all of its
  customers (conversations, FSM states, subscriptions, counters, knowledge-base stamps),
  then the writes (new conversations, both transcript lines, counters, stages, the update
  ids) as multi-row statements. The same decisions as ``steps._converse`` are taken with
  the same functions (intents, stages, answer sources, rendering, keyboards).
* **the reply** goes back in the webhook's HTTP response (Bot API: a webhook may answer
  with one method call), after the batch has committed, so nothing is acknowledged that is
  not stored, and a crash before the commit makes Telegram send the update again. Telegram
  does not report errors of such a reply; a customer who blocked the bot shows up as the
  ``my_chat_member`` update instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from aiogram.fsm.storage.base import StorageKey
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import Table, bindparam, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing_notices import owner_bot_id
from bot.middlewares import DedupMiddleware, ThrottlingMiddleware
from bot.sales_dispatcher import reply_language, reply_locale
from bot.sales_notices import queue_limit_warning
from bot.storage import SqlStorage, current_session
from handlers.sales import keyboards
from handlers.sales.steps import (
    courtesy_text,
    is_courtesy,
    is_yes,
    no_answer_text,
    render_answer,
    typed_phone,
    welcome_text,
)
from services import plans
from services.db.base import utcnow
from services.db.models import Business, ProcessedUpdate, SalesConversation, SalesMessage
from services.plans import UNLIMITED, Resource
from services.salesbot import answers, conversations, knowledge, nurture, quantity
from services.salesbot.intents import Intent, IntentResult, detect_intent

if TYPE_CHECKING:
    from bot.app import App
    from bot.sales_runtime import SalesRuntime, Served

log = logging.getLogger(__name__)

# the intents the rules answer completely (the rest need the order flow or a person);
# UNKNOWN only while no model is configured, and not a "yes" (it may accept "shall I
# connect you?") or a quantity (it may be an order)
ANSWERED = frozenset({Intent.GREETING, Intent.PRODUCT, Intent.PRICING, Intent.DELIVERY,
                      Intent.PAYMENT, Intent.UNKNOWN})
MAX_BATCH = 200
MESSAGES = Resource.CHATBOT_MESSAGES_PER_MONTH
# Core tables: the batch writes are multi-row statements without the ORM's unit of work
CONVERSATIONS = cast(Table, SalesConversation.__table__)
TRANSCRIPT = cast(Table, SalesMessage.__table__)
UPDATE_IDS = cast(Table, ProcessedUpdate.__table__)
# the batch's statements, built once (SQLAlchemy then reuses their compiled form)
FIND_CONVERSATIONS = select(
    CONVERSATIONS.c.id, CONVERSATIONS.c.bot_id, CONVERSATIONS.c.customer_chat_id,
    CONVERSATIONS.c.business_id, CONVERSATIONS.c.stage, CONVERSATIONS.c.language,
    CONVERSATIONS.c.handoff).where(tuple_(CONVERSATIONS.c.bot_id,
                                          CONVERSATIONS.c.customer_chat_id)
                                   .in_(bindparam("keys", expanding=True)))
FIND_BUSINESSES = select(Business).where(Business.id.in_(bindparam("ids", expanding=True)))
ADD_CONVERSATIONS = insert(CONVERSATIONS).returning(
    CONVERSATIONS.c.id, CONVERSATIONS.c.bot_id, CONVERSATIONS.c.customer_chat_id)
MOVE_CONVERSATIONS = update(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("cid")).values(
    stage=bindparam("stage"), language=bindparam("lang"), customer_name=bindparam("name"),
    customer_username=bindparam("username"), messages_in=CONVERSATIONS.c.messages_in + 1,
    messages_out=CONVERSATIONS.c.messages_out + 1, last_customer_at=bindparam("now"),
    last_reply_at=bindparam("now"), updated_at=bindparam("now"))
ADD_LINES = insert(TRANSCRIPT)
ADD_UPDATE_IDS = insert(UPDATE_IDS)


@dataclass(slots=True)
class Candidate:
    """A customer message the lane may take (read off the raw update, nothing trusted yet
    beyond its shape)."""

    served: Served
    business_id: int
    update_id: int
    chat_id: int
    user: dict[str, Any]
    text: str
    intent: IntentResult
    future: asyncio.Future[dict[str, Any] | None] = field(repr=False)
    claimed: bool = False  # its update id is remembered as handled (released on failure)

    @property
    def bot_id(self) -> int:
        return self.served.bot.id


@dataclass(slots=True)
class Turn:
    """What one taken message writes: the conversation's new state and two transcript lines."""

    candidate: Candidate
    conversation_id: int | None  # None: first contact, inserted with the batch
    stage: str
    language: str
    customer_intent: str
    reply_text: str
    reply_source: str
    reply_intent: str | None
    reply: dict[str, Any]


def parse(served: Served, data: Any) -> Candidate | None:
    """The candidate in a raw update, or None when the full path must see it."""
    if served.business_id is None or not isinstance(data, dict):
        return None
    message = data.get("message")
    update_id = data.get("update_id")
    if not isinstance(message, dict) or not isinstance(update_id, int) or len(data) != 2:
        return None
    chat, user, text = message.get("chat"), message.get("from"), message.get("text")
    if (not isinstance(chat, dict) or chat.get("type") != "private"
            or not isinstance(user, dict) or user.get("is_bot") is not False
            or not isinstance(text, str) or not isinstance(chat.get("id"), int)
            or user.get("id") != chat.get("id")):
        return None
    # anything beyond a plain text (a reply, a forward, a caption, entities such as a
    # command) is the full path's business
    if set(message) - {"message_id", "date", "chat", "from", "text"}:
        return None
    text = text.strip()
    if not text or text.startswith("/") or typed_phone(text) is not None:
        return None
    intent = detect_intent(text)
    if intent.intent not in ANSWERED or (intent.intent is Intent.UNKNOWN and (
            is_yes(text) or quantity.has_quantity(text))):
        return None
    loop = asyncio.get_running_loop()
    return Candidate(served=served, business_id=served.business_id, update_id=update_id,
                     chat_id=chat["id"], user=user, text=text, intent=intent,
                     future=loop.create_future())


class FastLane:
    """Batches candidates into one transaction each (see the module docstring)."""

    def __init__(self, app: App, runtime: SalesRuntime, *, dedup: DedupMiddleware,
                 throttle: ThrottlingMiddleware) -> None:
        self.app = app
        self.runtime = runtime
        self.dedup = dedup
        self.throttle = throttle
        self._pending: list[Candidate] = []
        self._task: asyncio.Task[None] | None = None
        self._markups: dict[tuple[str, str], dict[str, Any]] = {}
        self.batches = 0  # counters for the benchmark and the tests
        self.taken = 0
        self.declined: Counter[str] = Counter()  # why candidates went to the full path

    parse = staticmethod(parse)

    @property
    def enabled(self) -> bool:
        # a test that injects its own answer composer means the full path
        return self.app.extras.get("sales_compose") is None

    async def offer(self, candidate: Candidate) -> dict[str, Any] | None:
        """The webhook reply for ``candidate`` once its batch committed, or None: the full
        path takes it (nothing of it was written)."""
        self._pending.append(candidate)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return await candidate.future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                async with self.runtime.handling:
                    await self._run(batch)
            except asyncio.CancelledError:  # shutting down: nothing of it was committed
                await self._hand_back(batch)
                raise
            except Exception:
                log.exception("sales fast lane: a batch of %d failed; the full path takes it",
                              len(batch))
                await self._hand_back(batch)

    async def _hand_back(self, batch: list[Candidate]) -> None:
        """A batch that did not commit: its update ids are forgotten again (so Telegram's
        re-sending, or the full path, handles them) and its candidates go to the full
        path."""
        for candidate in batch:
            if candidate.future.done():
                continue
            if candidate.claimed:
                with contextlib.suppress(Exception):  # Redis gone: its key expires anyway
                    await self.dedup.release(candidate.bot_id, candidate.update_id)
            candidate.future.set_result(None)

    async def _run(self, batch: list[Candidate]) -> None:
        self.batches += 1
        period = plans.period_key(MESSAGES)  # one month's bucket for the reads and writes
        async with self.app.sessionmaker() as session:
            token = current_session.set(session)  # FSM reads join this transaction
            try:
                turns, counted, warnings = await self._decide(session, batch, period)
                if turns:
                    await self._write(session, turns, counted, warnings, period)
                await session.commit()
            finally:
                current_session.reset(token)
        self.taken += len(turns)
        for turn in turns:
            turn.candidate.future.set_result(turn.reply)
        for candidate in batch:  # the rest: the full path
            if not candidate.future.done():
                candidate.future.set_result(None)

    # ------------------------------------------------------------------ reads, decisions

    async def _decide(self, session: AsyncSession, batch: list[Candidate], period: str
                      ) -> tuple[list[Turn], Counter[int], list[tuple[int, int, int, int]]]:
        """The turns the lane takes, the messages it counts per business, and the limit
        warnings (business, level, message number, limit) those messages cross."""
        connection = await session.connection()
        rows = (await connection.execute(FIND_CONVERSATIONS, {
            "keys": [(c.bot_id, c.chat_id) for c in batch]})).all()
        existing = {(r.bot_id, r.customer_chat_id): r for r in rows}
        states = await self._states(batch)
        business_ids = {c.business_id for c in batch}
        businesses = {b.id: b for b in await session.scalars(
            FIND_BUSINESSES, {"ids": sorted(business_ids)})}
        views = await plans.account_subscriptions(
            session, {b.owner_id for b in businesses.values()})
        limits = {b.id: int(views[b.owner_id].limits.get(MESSAGES.value, UNLIMITED))
                  for b in businesses.values() if b.owner_id in views}
        used = await plans.usage_many(session, business_ids, resource=MESSAGES, period=period,
                                      lock=True)
        kbs = await knowledge.snapshots(session, businesses)
        ai = self.app.ai
        model_answers = ai is not None and ai.enabled
        turns: list[Turn] = []
        counted: Counter[int] = Counter()
        for candidate, state in zip(batch, states, strict=True):
            business_id = candidate.business_id
            row = existing.get((candidate.bot_id, candidate.chat_id))
            reason = _declined(state, row, business_id, limits.get(business_id),
                               used[business_id] + counted[business_id])
            turn = None
            if reason is None:
                turn = self._turn(candidate, row, businesses[business_id], kbs[business_id],
                                  model_answers)
                if turn is None:
                    reason = "for the model"
                elif not self.throttle.allow(candidate.user["id"]):
                    reason = "flood"  # the full path says so
            if reason is not None or turn is None:
                self.declined[reason or "for the model"] += 1
                continue
            if not await self.dedup.claim(candidate.bot_id, candidate.update_id):
                candidate.future.set_result({})  # handled before (another process): done
                continue
            candidate.claimed = True
            counted[business_id] += 1
            turns.append(turn)
        warnings = [(business_id, level, number, limits[business_id])
                    for business_id, n in counted.items() if limits[business_id] != UNLIMITED
                    for number in range(used[business_id] + 1, used[business_id] + n + 1)
                    if (level := conversations.crossed(number, limits[business_id]))
                    is not None]
        return turns, counted, warnings

    async def _states(self, batch: list[Candidate]) -> list[str | None]:
        keys = [StorageKey(bot_id=c.bot_id, chat_id=c.chat_id, user_id=c.user["id"])
                for c in batch]
        storage = self.app.storage
        if isinstance(storage, SqlStorage):
            return await storage.get_states(keys)
        return list(await asyncio.gather(*(storage.get_state(key) for key in keys)))

    def _turn(self, candidate: Candidate, row: Any, business: Business,
              kb: knowledge.Snapshot, model_answers: bool) -> Turn | None:
        """The same decisions ``steps._converse`` takes for these intents; None when the
        model could do better than the rules (the full path asks it)."""
        code = candidate.user.get("language_code")
        language = reply_language(row.language if row is not None else None, code,
                                  candidate.text)
        locale = reply_locale(language, code)
        result = candidate.intent
        intent = result.intent
        if intent is Intent.UNKNOWN and model_answers:
            return None  # the model may answer it: the full path asks
        stage = row.stage if row is not None else "awareness"
        target = conversations.INTENT_STAGE.get(intent)
        if target is not None:
            stage = conversations.next_stage(stage, target, confidence=result.confidence,
                                             by_model=result.confidence < 1.0)
        i18n = self.app.i18n
        reply_intent: str | None = intent.value
        with i18n.context(), i18n.use_locale(locale):
            keyboard: Callable[[], InlineKeyboardMarkup]
            if intent is Intent.GREETING:
                text, source = welcome_text(business.name), "template"
                keyboard = keyboards.menu_keyboard
            elif intent is Intent.UNKNOWN and is_courtesy(candidate.text):
                text, source, reply_intent = courtesy_text(), "template", None
                keyboard = keyboards.menu_keyboard
            else:
                answer = answers.answer_by_rules(business, kb, text=candidate.text,
                                                 intent=intent, language=locale)
                text = render_answer(answer, locale) if answer is not None else ""
                if answer is not None and text:
                    source, keyboard = answer.source, keyboards.after_answer_keyboard
                elif model_answers:
                    return None
                else:
                    text, source = no_answer_text(), "fallback"
                    keyboard = keyboards.operator_keyboard
            markup = self._markup(keyboard, locale)
        reply = {"method": "sendMessage", "chat_id": candidate.chat_id, "text": text,
                 "parse_mode": "HTML", "reply_markup": markup}
        return Turn(candidate=candidate, conversation_id=None if row is None else row.id,
                    stage=stage, language=language or "", customer_intent=intent.value,
                    reply_text=text, reply_source=source, reply_intent=reply_intent,
                    reply=reply)

    def _markup(self, keyboard: Callable[[], InlineKeyboardMarkup], locale: str
                ) -> dict[str, Any]:
        """A keyboard as JSON, built once per locale (the buttons never change; building
        one costs more than the rest of the reply)."""
        key = (keyboard.__name__, locale)
        found = self._markups.get(key)
        if found is None:  # called inside the locale's i18n context
            found = self._markups[key] = keyboard().model_dump(mode="json", exclude_none=True)
        return found

    # ------------------------------------------------------------------------- writes

    async def _write(self, session: AsyncSession, turns: list[Turn], counted: Counter[int],
                     warnings: list[tuple[int, int, int, int]], period: str) -> None:
        now = utcnow()
        connection = await session.connection()
        fresh = [t for t in turns if t.conversation_id is None]
        if fresh:
            inserted = await connection.execute(
                ADD_CONVERSATIONS, [_new_conversation(t, now) for t in fresh])
            ids = {(bot_id, chat_id): cid for cid, bot_id, chat_id in inserted}
            for turn in fresh:
                turn.conversation_id = ids[(turn.candidate.bot_id, turn.candidate.chat_id)]
        known = [t for t in turns if t not in fresh]
        if known:
            await connection.execute(MOVE_CONVERSATIONS, [
                {"cid": t.conversation_id, "stage": t.stage, "lang": t.language or None,
                 "name": _name(t.candidate.user), "username": t.candidate.user.get("username"),
                 "now": now} for t in known])
            await nurture.stop_many(session, {t.conversation_id for t in known
                                              if t.conversation_id is not None}, "reply")
        lines = []
        for turn in turns:
            base = {"business_id": turn.candidate.business_id,
                    "conversation_id": turn.conversation_id, "operator_id": None,
                    "created_at": now}
            lines.append({**base, "author": "customer",
                          "text": turn.candidate.text[:conversations.MESSAGE_MAX],
                          "intent": turn.customer_intent, "source": None})
            lines.append({**base, "author": "bot",
                          "text": turn.reply_text[:conversations.MESSAGE_MAX],
                          "intent": turn.reply_intent, "source": turn.reply_source})
        await connection.execute(ADD_LINES, lines)
        await plans.add_usage(session, counted, resource=MESSAGES, period=period)
        for business_id, level, number, limit in warnings:
            await queue_limit_warning(session, self.app.i18n, bot_id=owner_bot_id(self.app),
                                      business_id=business_id, level=level, used=number,
                                      limit=limit)
        await connection.execute(ADD_UPDATE_IDS, [
            {"bot_id": t.candidate.bot_id, "update_id": t.candidate.update_id,
             "created_at": now} for t in turns])


def _declined(state: str | None, row: Any, business_id: int, limit: int | None,
              used: int) -> str | None:
    """Why the full path must take a message (before its answer is known), or None."""
    if state is not None:
        return "fsm state"  # the order wizard
    if limit is None:
        return "no business or subscription"
    if row is not None and row.business_id != business_id:
        return "another business's conversation"
    if row is not None and row.handoff != conversations.Handoff.NONE:
        return "hand-off"
    if limit != UNLIMITED and used + 1 > limit:
        return "message limit"  # the full path's polite reply and hand-off
    return None


def _name(user: dict[str, Any]) -> str:
    return " ".join(str(p) for p in (user.get("first_name"), user.get("last_name"))
                    if p)[:128]


def _new_conversation(turn: Turn, now: Any) -> dict[str, Any]:
    user = turn.candidate.user
    return {"business_id": turn.candidate.business_id, "bot_id": turn.candidate.bot_id,
            "customer_chat_id": turn.candidate.chat_id, "customer_name": _name(user),
            "customer_username": user.get("username"), "language": turn.language or None,
            "stage": turn.stage, "handoff": conversations.Handoff.NONE.value,
            "messages_in": 1, "messages_out": 1, "last_customer_at": now,
            "last_reply_at": now, "created_at": now, "updated_at": now}

