"""/amocrm as an owner sees it, end to end: a Starter owner is told to upgrade; the connect
wizard, the OAuth redirect on the web app, a chatbot lead pushed to the fake AmoCRM, a status
change coming back by webhook over HTTP, an owner note, the stage mapping editor, the log, and
disconnect."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import select, update

from bot.amocrm_jobs import RUNTIME_KEY
from bot.config import Settings
from bot.web import start_web
from services import sales
from services.amocrm import sync
from services.db.models import AmoAccount, OutboxMessage
from tests.amocrm_helpers import KEY, growth_business, leads_of, make_runtime
from tests.bot.owner.test_team import seed
from tests.conftest import Database, Telegram, running_owner_bot
from tests.fakes.amocrm import FakeAmoCRM, ManualClock

OWNER = 9301


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture
async def amo_tg(settings: Settings) -> AsyncIterator[tuple[Telegram, FakeAmoCRM, str]]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = settings.model_copy(update={"encryption_key": SecretStr(KEY),
                                           "webhook_base_url": base})
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake, running_owner_bot(settings) as telegram:
        runtime = make_runtime(fake, clock, webhook_base=base)
        telegram.app.extras[RUNTIME_KEY] = runtime
        web = await start_web(telegram.app, "127.0.0.1", port)
        try:
            yield telegram, fake, base
        finally:
            await web.cleanup()
            await runtime.close()


async def test_connect_sync_webhook_mapping_log_and_disconnect(
        amo_tg: tuple[Telegram, FakeAmoCRM, str], db: Database) -> None:
    tg, fake, base = amo_tg
    async with db.sessionmaker() as s:
        business_id = await growth_business(s, OWNER)
    await seed(db, OWNER + 1)  # on the Starter trial: told to upgrade
    assert "Growth plan" in (await tg.user(OWNER + 1).send("/amocrm"))[-1].text
    fake.add_account("acme")
    owner = tg.user(OWNER)
    intro = await owner.send("/amocrm")
    assert "two-way sync" in intro[-1].text
    assert f"{base}/amocrm/oauth" in intro[-1].text
    await owner.press("🔗 Connect AmoCRM")
    assert "not an AmoCRM address" in (await owner.send("my company!"))[-1].text
    assert "integration ID" in (await owner.send("https://acme.amocrm.ru/leads"))[-1].text
    assert "secret key" in (await owner.send("client-id-0001"))[-1].text
    tg.emulator.clear_calls()
    done = await owner.send("client-secret-0001")
    assert tg.emulator.calls_of("deleteMessage")  # the secret does not stay in the chat
    [[allow], _] = done[-1].buttons
    assert allow.url is not None and allow.url.startswith("https://www.amocrm.ru/oauth?")
    query = parse_qs(urlparse(allow.url).query)
    assert query["client_id"] == ["client-id-0001"]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/amocrm/oauth", params={
                "code": fake.authorize("acme"), "state": query["state"][0],
                "referer": "acme.amocrm.ru"}) as response:
            assert response.status == 200
            assert "connected" in await response.text()
        async with http.get(f"{base}/amocrm/oauth", params={  # the state is single-use
                "code": fake.authorize("acme"), "state": query["state"][0]}) as response:
            assert response.status == 400
    async with db.sessionmaker() as s:
        notice = await s.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == OWNER))
        assert notice is not None and "is connected" in notice.payload["text"]
        account = await s.scalar(select(AmoAccount))
        assert account is not None and account.status == "connected"

    # a lead the sales chatbot captures goes out; the salesperson wins it in AmoCRM
    async with db.sessionmaker.begin() as s:
        lead = await sales.create_lead(s, business_id=business_id, name="Aziza",
                                       phone="+998901234567", source="chatbot")
    processor = sync.Processor(db.sessionmaker, tg.app.extras[RUNTIME_KEY])
    await processor.run_until_idle()
    [deal] = leads_of(fake)
    fake.pending_webhooks.clear()
    fake.edit_lead("acme", deal["id"], status_id=142)
    assert await fake.deliver() == [200, 200]  # leads[update] and leads[status]
    async with db.sessionmaker() as s:
        view = await sales.get_lead(s, business_id=business_id, lead_id=lead.id)
    assert (view.status, view.stage) == ("won", "purchase")

    # an owner note on the lead reaches its deal; another business's lead number does not
    noted = await owner.send(f"/amocrm note {lead.id} Called, will pay on Friday")
    assert f"deal of lead #{lead.id}" in noted[-1].text
    assert "Not found" in (await owner.send("/amocrm note 99999 hello"))[-1].text
    await processor.run_until_idle()
    assert [n["params"]["text"] for n in fake.accounts["acme"].notes] == [
        "Called, will pay on Friday"]

    status = await owner.send("/amocrm")
    assert "acme — ✅ connected" in status[-1].text
    assert "Linked records: 1" in status[-1].text
    stages = await owner.press("🎯 Stages")
    assert stages[-1].button_texts()[:3] == ["🛤 Pipeline: Sales", "Incoming → Awareness",
                                             "Contacted → Interest"]
    await owner.press("Contacted → Interest")
    mapped = await owner.press("Consideration")
    assert "Contacted → Consideration" in mapped[-1].button_texts()
    assert (await owner.press("🛤 Pipeline: Sales"))[-1].button_texts()[:2] == [
        "✓ Sales", "Wholesale"]
    moved = await owner.press("Wholesale")
    assert moved[-1].button_texts()[:3] == ["🛤 Pipeline: Wholesale",
                                            "New request → Awareness",
                                            "Price list sent → Consideration"]
    fields = await owner.press("⬅️ AmoCRM")
    fields = await owner.press("🧩 Fields")
    assert "UTM source → not sent" in fields[-1].button_texts()

    async with db.sessionmaker.begin() as s:  # a sync error shows on the status screen
        await s.execute(update(AmoAccount).values(last_error="amocrm_server 502: Bad gateway"))
    assert "⚠️ Last error" in (await owner.send("/amocrm"))[-1].text
    log = await owner.send("/amocrm log")
    assert "created lead #" in log[-1].text and "connected" in log[-1].text
    await owner.send("/amocrm")
    await owner.press("🔌 Disconnect")
    gone = await owner.press("🔌 Yes, disconnect")
    assert "disconnected" in gone[-1].text
    async with db.sessionmaker() as s:
        assert await s.scalar(select(AmoAccount)) is None
