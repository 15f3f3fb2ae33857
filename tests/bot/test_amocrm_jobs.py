"""The AmoCRM runtime of `biznespilot run`: the queue worker (recovering a dead run's claims),
the scheduled reconciliation, and one notice to the owner when AmoCRM refuses the
connection."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from pydantic import SecretStr
from sqlalchemy import select, update

from bot.amocrm_jobs import RUNTIME_KEY, AmoWorker, notify_errors, reconcile_all
from bot.config import Settings
from bot.i18n import make_i18n
from services import sales
from services.db.models import AmoAccount, AmoQueueItem, OutboxMessage
from tests.amocrm_helpers import WallClock, connect, growth_business, leads_of, make_runtime
from tests.conftest import Database
from tests.fakes.amocrm import FakeAmoCRM, ManualClock

OWNER = 9401


async def test_reconcile_job_and_the_refused_connection_notice(db: Database,
                                                              settings: Settings) -> None:
    clock, now = ManualClock(), WallClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock, now=now)
        app = SimpleNamespace(sessionmaker=db.sessionmaker, i18n=make_i18n(), extras={
            RUNTIME_KEY: runtime}, settings=settings.model_copy(
                update={"bot_token": SecretStr("4242001:TEST-owner")}))
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
        await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        # the worker `biznespilot run` starts: a claim a dead run left is recovered and sent
        async with db.sessionmaker.begin() as s:
            await sales.create_lead(s, business_id=business_id, name="Left behind")
            await s.execute(update(AmoQueueItem).values(status="sending"))
        pushed = asyncio.Event()
        fake.after("/api/v4/leads/complex", pushed.set)
        worker = AmoWorker(app, runtime, idle_seconds=0.05)
        running = asyncio.create_task(worker.run())
        await asyncio.wait_for(pushed.wait(), 10)
        worker.stop()
        await running
        assert [row["name"] for row in leads_of(fake)] == ["Left behind"]
        assert await reconcile_all(app) == 1
        fake.refresh_tokens.clear()  # revoked in AmoCRM
        now.advance(hours=25)
        assert await reconcile_all(app) == 1  # the job survives the refused refresh
        async with db.sessionmaker() as s:
            account = await s.scalar(select(AmoAccount))
            assert account is not None and account.status == "error"
            [notice] = list(await s.scalars(select(OutboxMessage)))
        assert notice.chat_id == OWNER and notice.bot_id == 4242001
        assert "stopped syncing" in notice.payload["text"]
        assert await notify_errors(app) == 0  # told once
        await runtime.close()
