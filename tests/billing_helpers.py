"""Shared set-up for the billing tests: an account with a pending invoice, and the payment
web app served on 127.0.0.1."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select

from bot.config import Settings
from bot.i18n import make_i18n
from bot.web import build_web_app
from services.billing import invoices
from services.db.models import OutboxMessage, Subscription
from tests.conftest import OWNER_TOKEN, Database
from tests.factories import make_owner

PAYME_KEY = "payme-test-key"
CLICK_SECRET = "click-secret"
CLICK_SERVICE = "4242"


@dataclass
class Web:
    url: str
    app: Any


@contextlib.asynccontextmanager
async def serve(db: Database, settings: Settings) -> AsyncIterator[Web]:
    settings = settings.model_copy(update={
        "payme_key": SecretStr(PAYME_KEY), "payme_merchant_id": "m-1",
        "click_secret_key": SecretStr(CLICK_SECRET), "click_service_id": CLICK_SERVICE,
        "click_merchant_id": "77", "bot_token": SecretStr(OWNER_TOKEN)})
    app = SimpleNamespace(settings=settings, sessionmaker=db.sessionmaker, i18n=make_i18n(),
                          extras={})
    runner = web.AppRunner(build_web_app(app))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Web(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        await runner.cleanup()


async def pending_invoice(db: Database, owner: int, *, plan: str = "growth",
                          cycle: str = "monthly", language: str = "en"
                          ) -> invoices.InvoiceView:
    async with db.sessionmaker() as s:
        business = await make_owner(s, owner, language=language)
        invoice = await invoices.create_invoice(s, user_id=owner, business_id=business.id,
                                                plan_code=plan, cycle=cycle)
        await s.commit()
    return invoice


async def subscription(db: Database, owner: int) -> Subscription:
    async with db.sessionmaker() as s:
        sub = await s.scalar(select(Subscription).where(Subscription.user_id == owner))
        assert sub is not None
        return sub


async def outbox(db: Database, chat_id: int) -> list[OutboxMessage]:
    async with db.sessionmaker() as s:
        return list(await s.scalars(select(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)))
