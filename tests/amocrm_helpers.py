"""Shared set-up of the AmoCRM tests: a Growth business, a runtime on the fake's clock, and
a connected account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import plans
from services.amocrm import accounts
from services.amocrm.runtime import AmoConfig, AmoRuntime
from services.crypto import SecretBox
from services.db.models import Subscription
from tests.factories import make_owner
from tests.fakes.amocrm import FakeAmoCRM, ManualClock

KEY = SecretBox.generate_key()


class WallClock:
    """The real UTC now plus an offset the test moves (token expiry)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


async def growth_business(session: AsyncSession, owner_id: int, *, plan: str = "growth"
                          ) -> int:
    business = await make_owner(session, owner_id)
    found = await plans.get_plan(session, plan)
    await session.execute(update(Subscription).where(Subscription.user_id == owner_id)
                          .values(plan_id=found.id))
    await session.commit()
    return business.id


def make_runtime(fake: FakeAmoCRM, clock: ManualClock, *, webhook_base: str = "http://x",
                 now: WallClock | None = None) -> AmoRuntime:
    config = AmoConfig(base_url=fake.base_template, auth_url="https://www.amocrm.ru/oauth",
                       redirect_uri=webhook_base + "/amocrm/oauth", webhook_base=webhook_base,
                       timeout=5, max_retries=3, backoff=0.5, rate=7, refresh_margin=600)
    runtime = AmoRuntime(config=config, box=SecretBox([KEY]), clock=clock, sleep=clock.sleep)
    if now is not None:
        runtime.now = now
    return runtime


def state_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["state"][0]


@dataclass
class Connected:
    business_id: int
    account_id: int


async def connect(sm: async_sessionmaker[AsyncSession], runtime: AmoRuntime,
                  fake: FakeAmoCRM, business_id: int, owner_id: int,
                  subdomain: str = "acme") -> Connected:
    fake.add_account(subdomain)
    async with sm.begin() as s:
        link = await accounts.start_connect(
            s, runtime, business_id=business_id, user_id=owner_id, subdomain=subdomain,
            client_id="client-id-0001", client_secret="client-secret-0001")
    done = await accounts.finish_connect(sm, runtime, state=state_of(link),
                                         code=fake.authorize(subdomain),
                                         referer=f"{subdomain}.amocrm.ru")
    return Connected(business_id, done.account_id)


def leads_of(fake: FakeAmoCRM, subdomain: str = "acme") -> list[dict[str, Any]]:
    return sorted(fake.accounts[subdomain].leads.values(), key=lambda r: r["id"])
