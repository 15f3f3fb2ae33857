"""The outbox sender: delivers ``services.outbox`` rows at Telegram's pace.

One long-running task per process (``biznespilot run`` starts it; tests and benchmarks drive
it with ``run(until_idle=True)``). It claims due pending rows in batches (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so several processes share the work), and sends them with the right
``Bot`` from a ``bot_id -> Bot`` registry through:

- a global token bucket (``rate`` messages/s, default 30),
- at least ``per_chat_interval`` seconds between two messages to one chat, in queue order,
- 429: that chat waits ``retry_after`` and the message is retried; many 429s from different
  chats within a second mean the global limit, so everything pauses ``retry_after``,
- 403: status ``blocked`` (and the owner-bot user is marked as having blocked the bot),
- other 4xx: ``failed`` with Telegram's description,
- network errors and 5xx: retried with exponential backoff, ``max_attempts`` in all.

Restart safety (docs/decisions.md): a graceful stop finishes the requests in flight and puts
the claimed-but-unsent rows back to pending; rows a crashed sender left ``sending`` are marked
failed at the next start (at most once: a message is never sent twice).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import outbox
from services.db.base import utcnow
from services.outbox import Claimed, Outcome

log = logging.getLogger(__name__)

ChatKey = tuple[int, int]  # (bot_id, chat_id)
Ticker = Callable[[], Awaitable[None]]
MAX_BACKOFF_SECONDS = 300.0


async def send_payload(bot: Bot, chat_id: int, payload: dict[str, Any]) -> Message:
    """Send one outbox payload (``services.outbox`` formats) as it is queued."""
    method = payload.get("method")
    markup = payload.get("reply_markup")
    reply_markup = InlineKeyboardMarkup.model_validate(markup) if markup else None
    if method == "sendMessage":
        return await bot.send_message(chat_id, payload["text"], parse_mode="HTML",
                                      reply_markup=reply_markup)
    if method == "sendPhoto":
        photo: Any = payload.get("photo") or BufferedInputFile(
            base64.b64decode(payload["photo_b64"]), filename="image.png")
        return await bot.send_photo(chat_id, photo, caption=payload.get("caption"),
                                    parse_mode="HTML", reply_markup=reply_markup)
    if method == "sendDocument":
        document: Any = payload.get("document") or BufferedInputFile(
            base64.b64decode(payload["document_b64"]), filename=payload.get("filename", "file"))
        return await bot.send_document(chat_id, document, caption=payload.get("caption"),
                                       parse_mode="HTML", reply_markup=reply_markup)
    raise ValueError(f"unknown outbox method {method!r}")


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up; ``pause`` stops it a while."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = max(1.0, burst if burst is not None else rate * 0.05)
        self._tokens = 1.0
        self._last = time.monotonic()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def take(self) -> None:
        while True:
            now = time.monotonic()
            if now < self._paused_until:
                await asyncio.sleep(self._paused_until - now)
                continue
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return
            await asyncio.sleep((1.0 - self._tokens) / self.rate)


class OutboxSender:
    """Claims, paces, sends and records outbox messages (see the module docstring)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bots: Mapping[int, Bot],
        *,
        rate: float = 30.0,
        per_chat_interval: float = 1.0,
        max_attempts: int = 5,
        backoff_base: float = 2.0,
        concurrency: int = 64,
        poll_interval: float = 0.5,
        flush_interval: float = 0.25,
        users_bot_id: int | None = None,
        tickers: Sequence[Ticker] = (),
        tick_interval: float = 3.0,
        stale_after: timedelta = timedelta(minutes=2),
        guards: Sequence[outbox.ClaimGuard] = (),
    ) -> None:
        self.sessionmaker = sessionmaker
        self.bots = bots  # may grow while running (business bots connected later)
        self.rate = rate
        self.per_chat_interval = per_chat_interval
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.poll_interval = poll_interval
        self.flush_interval = flush_interval
        self.users_bot_id = users_bot_id
        self.tickers = list(tickers)
        self.tick_interval = tick_interval
        self.stale_after = stale_after
        self.guards = list(guards)
        self.batch_size = max(50, min(1000, int(rate * 2)))
        self.bucket = TokenBucket(rate)
        self._slots = asyncio.Semaphore(concurrency)
        self._queues: dict[ChatKey, deque[Claimed]] = {}
        self._ready_at: dict[ChatKey, float] = {}
        self._heap: list[tuple[float, int, ChatKey]] = []
        self._seq = itertools.count()
        self._inflight: set[ChatKey] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._outcomes: list[Outcome] = []
        self._recent_429: deque[float] = deque()
        self._wake = asyncio.Event()
        self._stopping = False
        self._closing = False
        self.sent = 0  # counters of this run, for logs and benchmarks
        self.retried = 0

    def stop(self) -> None:
        """Finish what is in flight, hand the rest back to the queue, and return from run."""
        self._stopping = True
        self._wake.set()

    async def recover(self) -> int:
        """Mark rows a dead sender left ``sending`` as failed (never resent)."""
        async with self.sessionmaker.begin() as session:
            count = await outbox.recover_interrupted(session, stale_after=self.stale_after)
        if count:
            log.warning("outbox: %d messages were interrupted mid-send; marked failed", count)
        return count

    async def run(self, *, until_idle: bool = False) -> None:
        """Send until :meth:`stop` (or, with ``until_idle``, until nothing is pending)."""
        self._closing = False
        await self.recover()
        flusher = asyncio.create_task(self._flush_loop())
        ticker = asyncio.create_task(self._tick_loop()) if self.tickers else None
        next_claim = 0.0
        try:
            while not self._stopping:
                now = time.monotonic()
                if now >= next_claim and len(self._queues) < self.batch_size // 2:
                    claimed = await self._claim()
                    if not claimed:
                        next_claim = time.monotonic() + self.poll_interval
                        if until_idle and not self._queues and not self._inflight:
                            await self._flush()
                            if not await self._has_pending():
                                break
                key = self._next_ready()
                if key is None:
                    await self._idle(next_claim)
                    continue
                await self.bucket.take()
                if self._stopping:
                    self._push(key, time.monotonic())
                    break
                self._start(key)
        finally:
            await self._shutdown(flusher, ticker)

    # ------------------------------------------------------------------ scheduling

    async def _claim(self) -> list[Claimed]:
        async with self.sessionmaker.begin() as session:
            claimed = await outbox.claim_due(session, bot_ids=list(self.bots),
                                             limit=self.batch_size, guards=self.guards)
        now = time.monotonic()
        for item in claimed:
            key = (item.bot_id, item.chat_id)
            self._queues.setdefault(key, deque()).append(item)
            self._push(key, max(now, self._ready_at.get(key, 0.0)))
        return claimed

    async def _has_pending(self) -> bool:
        async with self.sessionmaker() as session:
            return await outbox.has_pending(session, bot_ids=list(self.bots))

    def _push(self, key: ChatKey, at: float) -> None:
        heapq.heappush(self._heap, (at, next(self._seq), key))

    def _next_ready(self) -> ChatKey | None:
        now = time.monotonic()
        while self._heap and self._heap[0][0] <= now:
            _, _, key = heapq.heappop(self._heap)
            if key in self._inflight or not self._queues.get(key):
                continue  # a stale entry: the chat is busy or empty
            ready = self._ready_at.get(key, 0.0)
            if ready > now:
                self._push(key, ready)
                continue
            return key
        return None

    async def _idle(self, next_claim: float) -> None:
        deadline = next_claim
        if self._heap:
            deadline = min(deadline, self._heap[0][0])
        timeout = max(0.0, min(deadline - time.monotonic(), self.poll_interval))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def _start(self, key: ChatKey) -> None:
        item = self._queues[key].popleft()
        self._inflight.add(key)
        self._ready_at[key] = time.monotonic() + self.per_chat_interval
        task = asyncio.create_task(self._send(key, item))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ sending

    async def _send(self, key: ChatKey, item: Claimed) -> None:
        async with self._slots:
            outcome = await self._deliver(key, item)
        # counted from the reply as well: Telegram measures arrivals, and a slow request
        # must not bring the next one closer than the interval
        self._ready_at[key] = max(self._ready_at.get(key, 0.0),
                                  time.monotonic() + self.per_chat_interval)
        self._inflight.discard(key)
        if outcome is None:  # 429: back to the front of its chat's queue
            self._queues.setdefault(key, deque()).appendleft(item)
        else:
            self._outcomes.append(outcome)
        queue = self._queues.get(key)
        if queue:
            self._push(key, self._ready_at.get(key, 0.0))
        elif queue is not None:
            del self._queues[key]
        self._wake.set()

    async def _deliver(self, key: ChatKey, item: Claimed) -> Outcome | None:
        bot = self.bots.get(item.bot_id)
        if bot is None:
            return Outcome(item.id, outbox.FAILED, f"no bot {item.bot_id} in this process")
        try:
            await send_payload(bot, item.chat_id, item.payload)
        except TelegramRetryAfter as exc:
            self._on_429(key, float(exc.retry_after))
            return None
        except TelegramForbiddenError as exc:
            return Outcome(item.id, outbox.BLOCKED, exc.message)
        except (TelegramServerError, TelegramNetworkError, aiohttp.ClientError,
                TimeoutError) as exc:
            return self._retry_later(item, str(exc) or type(exc).__name__)
        except TelegramAPIError as exc:
            return Outcome(item.id, outbox.FAILED, exc.message)
        except Exception as exc:  # a broken payload must not stop the queue
            log.exception("outbox: message %d could not be sent", item.id)
            return Outcome(item.id, outbox.FAILED, repr(exc))
        self.sent += 1
        return Outcome(item.id, outbox.SENT)

    def _on_429(self, key: ChatKey, retry_after: float) -> None:
        self.retried += 1
        now = time.monotonic()
        self._ready_at[key] = max(self._ready_at.get(key, 0.0), now + retry_after)
        recent = self._recent_429
        recent.append(now)
        while recent and now - recent[0] > 1.0:
            recent.popleft()
        # 429s from many chats at once are the global limit, not one chat's
        if len(recent) >= max(3, self.rate * 0.1):
            self.bucket.pause(retry_after)
            recent.clear()

    def _retry_later(self, item: Claimed, error: str) -> Outcome:
        if item.attempts >= self.max_attempts:
            return Outcome(item.id, outbox.FAILED, error)
        delay = min(MAX_BACKOFF_SECONDS, self.backoff_base ** item.attempts)
        return Outcome(item.id, outbox.PENDING, error,
                       retry_at=utcnow() + timedelta(seconds=delay))

    # ------------------------------------------------------------------ bookkeeping

    async def _flush(self) -> None:
        if not self._outcomes:
            return
        outcomes, self._outcomes = self._outcomes, []
        try:
            async with self.sessionmaker.begin() as session:
                await outbox.record_outcomes(session, outcomes=outcomes,
                                             users_bot_id=self.users_bot_id)
        except Exception:
            log.exception("outbox: could not record %d results; will retry", len(outcomes))
            self._outcomes[:0] = outcomes

    async def _flush_loop(self) -> None:
        # never cancelled mid-write (its results would be lost): it ends at the next wake-up
        while not self._closing:
            await asyncio.sleep(self.flush_interval)
            await self._flush()

    async def tick(self) -> None:
        """Run the tickers once (progress messages)."""
        for ticker in self.tickers:
            try:
                await ticker()
            except Exception:
                log.exception("outbox: ticker failed")

    async def _tick_loop(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self.tick_interval)

    async def _shutdown(self, flusher: asyncio.Task[None],
                        ticker: asyncio.Task[None] | None) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._closing = True
        await flusher
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        # never attempted in this run: back to pending with the claim's attempt undone
        for queue in self._queues.values():
            for item in queue:
                self._outcomes.append(Outcome(item.id, outbox.PENDING, None,
                                              attempts=item.attempts - 1))
        self._queues.clear()
        self._heap.clear()
        await self._flush()
        if self.tickers:
            await self.tick()
