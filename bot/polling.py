"""Long polling through the inbox: at-least-once handling across crashes.

aiogram's own polling confirms a batch (the next getUpdates' offset) as soon as its handlers
are started, so a ``kill -9`` loses every update still being handled. Here each batch is
written to the inbox first (``services.inbox``), handled — concurrently, like aiogram's
``handle_as_tasks=True``, or one by one for the shell and tests — and removed once handled;
on start the previous process's leftovers are handled first. The de-duplication middleware
keeps a replayed update from being applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import inbox

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
FLUSH_EVERY = 0.2  # seconds between removals of handled updates (one transaction each)


class InboxPoller:
    """Polls one bot into one dispatcher; ``stop()`` ends it after the handlers in flight."""

    def __init__(self, bot: Bot, dp: Dispatcher, sessionmaker: async_sessionmaker[AsyncSession],
                 *, concurrent: bool = True, timeout: int = 30) -> None:
        self.bot = bot
        self.dp = dp
        self.sessionmaker = sessionmaker
        self.concurrent = concurrent
        self.timeout = timeout
        self._tasks: set[asyncio.Task[None]] = set()
        self._handled: list[int] = []
        self._stopping = asyncio.Event()
        self._closed = asyncio.Event()

    async def run(self) -> None:
        """Replay leftovers, then poll until ``stop()``."""
        bot_id = self.bot.id
        allowed = self.dp.resolve_used_update_types()
        workflow = {"dispatcher": self.dp, "bots": [self.bot], **self.dp.workflow_data}
        await self.dp.emit_startup(bot=self.bot, **workflow)
        flusher = asyncio.create_task(self._flush_loop(bot_id))
        try:
            async with self.sessionmaker() as session:
                leftovers = await inbox.pending(session, bot_id=bot_id)
            if leftovers:
                log.info("bot %s: handling %d update(s) left by the previous run", bot_id,
                         len(leftovers))
            for payload in leftovers:
                await self._dispatch(Update.model_validate(payload, context={"bot": self.bot}))
            await self._poll(bot_id, allowed)
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            self._closed.set()
            await flusher  # its last round clears what the handlers above finished
            await self.dp.emit_shutdown(bot=self.bot, **workflow)

    def stop(self) -> None:
        self._stopping.set()

    async def _poll(self, bot_id: int, allowed: list[str]) -> None:
        offset: int | None = None
        backoff = 1.0
        while not self._stopping.is_set():
            request = GetUpdates(offset=offset, timeout=self.timeout, allowed_updates=allowed)
            fetch = asyncio.ensure_future(self.bot(
                request, request_timeout=int(self.bot.session.timeout + self.timeout)))
            stop = asyncio.ensure_future(self._stopping.wait())
            try:
                await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.cancel()
                if not fetch.done():
                    fetch.cancel()
                    with contextlib.suppress(BaseException):
                        await fetch
            if self._stopping.is_set():
                return
            try:
                updates = fetch.result()
            except TelegramUnauthorizedError:
                raise
            except Exception as exc:  # network errors, 5xx, 409: wait and try again
                log.warning("bot %s: getUpdates failed (%s), retrying in %.0f s", bot_id,
                            exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            if not updates:
                continue
            async with self.sessionmaker.begin() as session:
                await inbox.store(session, bot_id=bot_id, updates=[
                    (u.update_id, u.model_dump(mode="json", exclude_none=True))
                    for u in updates])
            offset = updates[-1].update_id + 1
            for update in updates:
                await self._dispatch(update)

    async def _dispatch(self, update: Update) -> None:
        if not self.concurrent:
            await self._handle(update)
            return
        task = asyncio.create_task(self._handle(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, update: Update) -> None:
        try:
            await self.dp.feed_update(self.bot, update)
        except Exception:  # the error handler answered what it could; never replay it
            log.exception("update %s failed", update.update_id)
        self._handled.append(update.update_id)
        if not self.concurrent:
            await self._flush(self.bot.id)

    async def _flush_loop(self, bot_id: int) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), FLUSH_EVERY)
            await self._flush(bot_id)
            if self._closed.is_set():
                return

    async def _flush(self, bot_id: int) -> None:
        if not self._handled:
            return
        done, self._handled = self._handled, []
        try:
            async with self.sessionmaker.begin() as session:
                await inbox.finish(session, bot_id=bot_id, update_ids=done)
        except Exception:  # keep them for the next flush; a replay is harmless
            log.exception("bot %s: could not clear %d handled update(s)", bot_id, len(done))
            self._handled.extend(done)


async def poll(bot: Bot, dp: Dispatcher, sessionmaker: async_sessionmaker[AsyncSession],
               **kwargs: Any) -> None:
    """Run an ``InboxPoller`` until cancelled."""
    await InboxPoller(bot, dp, sessionmaker, **kwargs).run()
