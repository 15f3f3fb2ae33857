"""/amocrm in embedded mode, end to end: no public address, so the owner pastes the address
the browser landed on after "Allow"; the code is exchanged, no webhook is registered, and
the status screen says the reconciliation brings AmoCRM's changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import select

from bot.amocrm_jobs import RUNTIME_KEY, build_runtime
from bot.config import Settings
from services.crypto import SecretBox
from services.db.models import AmoAccount
from tests.amocrm_helpers import KEY, growth_business, make_runtime
from tests.conftest import Database, Telegram, running_owner_bot
from tests.fakes.amocrm import FakeAmoCRM, ManualClock

OWNER = 9501


@pytest_asyncio.fixture
async def embedded(settings: Settings) -> AsyncIterator[tuple[Telegram, FakeAmoCRM]]:
    settings = settings.model_copy(update={"encryption_key": SecretStr(KEY)})
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake, running_owner_bot(settings) as telegram:
        runtime = make_runtime(fake, clock, webhook_base="http://127.0.0.1:8080")
        runtime.config.webhooks = False  # what build_runtime decides without a public URL
        telegram.app.extras[RUNTIME_KEY] = runtime
        try:
            yield telegram, fake
        finally:
            await runtime.close()


async def test_pasted_redirect_address_connects_in_embedded_mode(
        embedded: tuple[Telegram, FakeAmoCRM], db: Database) -> None:
    tg, fake = embedded
    async with db.sessionmaker() as s:
        await growth_business(s, OWNER)
    fake.add_account("acme")
    owner = tg.user(OWNER)
    await owner.send("/amocrm")
    await owner.press("🔗 Connect AmoCRM")
    await owner.send("acme.amocrm.ru")
    await owner.send("client-id-0001")
    done = await owner.send("client-secret-0001")
    assert "copy the whole address" in done[-1].text
    [[allow], _] = done[-1].buttons
    assert allow.url is not None
    state = parse_qs(urlparse(allow.url).query)["state"][0]
    assert "not an authorisation code" in (await owner.send("hello"))[-1].text
    tg.emulator.clear_calls()
    code = fake.authorize("acme")
    pasted = await owner.send(f"http://127.0.0.1:8080/amocrm/oauth?code={code}"
                              f"&state={state}&referer=acme.amocrm.ru")
    assert tg.emulator.calls_of("deleteMessage")  # the code does not stay in the chat
    texts = [m.text for m in pasted]
    assert any("AmoCRM is connected" in t for t in texts)
    assert "acme — ✅ connected" in texts[-1]
    assert "every 30 min" in texts[-1]  # the reconciliation is the inbound path
    assert fake.accounts["acme"].webhooks == []
    async with db.sessionmaker() as s:
        account = await s.scalar(select(AmoAccount))
        assert account is not None and account.status == "connected"
        assert account.webhook_registered is False
    # the wizard is over: /amocrm is the status screen again
    again = await owner.send("/amocrm")
    assert "✅ connected" in again[-1].text


def test_the_webhook_is_registered_only_on_a_public_address(settings: Settings) -> None:
    box = SecretBox([KEY])
    decided = []
    for base, forced in ((None, None), ("http://192.168.0.10:8080", None),
                         ("https://bp.example.uz", None), ("http://127.0.0.1:8080", True)):
        amocrm = settings.amocrm.model_copy(update={"webhooks": forced})
        runtime = build_runtime(settings.model_copy(update={"webhook_base_url": base,
                                                            "amocrm": amocrm}), box)
        decided.append(runtime.config.webhooks)
    assert decided == [False, False, True, True]
