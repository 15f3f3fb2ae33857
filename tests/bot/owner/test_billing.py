"""/plan → plan → monthly/yearly → coupon → pay by Telegram invoice → receipt, and the
Click and Payme links, as the owner sees them (en and ru)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest_asyncio
from pydantic import SecretStr

from bot.config import Settings
from services.billing import coupons
from tests.billing_helpers import outbox, subscription
from tests.bot.owner.test_team import seed
from tests.conftest import Database, Telegram, running_owner_bot
from tests.factories import make_owner

OWNER = 8301


@pytest_asyncio.fixture
async def pay_tg(settings: Settings) -> AsyncIterator[Telegram]:
    configured = settings.model_copy(update={
        "telegram_provider_token": SecretStr("398062629:TEST:provider"),
        "payme_merchant_id": "65f0c0ffee", "click_service_id": "4242",
        "click_merchant_id": "77"})
    async with running_owner_bot(configured) as telegram:
        yield telegram


def button(message, text: str):  # type: ignore[no-untyped-def]
    return next(b for row in message.buttons for b in row if b.text == text)


async def test_buy_yearly_growth_with_a_coupon_by_telegram_invoice(
        pay_tg: Telegram, db: Database) -> None:
    await seed(db, OWNER)
    async with db.sessionmaker() as s:
        await coupons.create_coupon(s, code="SPRING25", kind="percent", value=25, max_uses=5)
        await s.commit()
    owner = pay_tg.user(OWNER)
    shown = await owner.send("/plan")
    assert "Pay by Click, Payme or right here in Telegram" in shown[-1].text
    plans_msg = (await owner.press("⬆️ Choose a plan and pay"))[-1]
    assert plans_msg.button_texts() == ["Starter", "Growth", "Scale",
                                        "Scale + 1 × 5 businesses", "✖️ Cancel"]
    cycle = (await owner.press("Growth"))[-1]
    assert cycle.button_texts()[:2] == ["Monthly — 999,000 so'm",
                                        "Yearly — 9,590,400 so'm (−20%)"]
    ask = (await owner.press("Yearly — 9,590,400 so'm (−20%)"))[-1]
    assert "coupon" in ask.text
    assert "There is no such coupon" in (await owner.send("NOPE"))[-1].text
    summary = (await owner.send("spring25"))[-1]
    assert "Coupon discount: −2,397,600 so'm" in summary.text
    assert "To pay: 7,192,800 so'm" in summary.text
    assert summary.button_texts() == ["💳 Pay in Telegram", "Pay with Click", "Pay with Payme",
                                      "🏠 Main menu"]
    # The Payme link: base64 of m=…;ac.order_id=…;a=<tiyin>;c=<return>, URL-safe as given.
    payme_url = button(summary, "Pay with Payme").url
    assert payme_url.startswith("https://checkout.paycom.uz/")
    decoded = base64.b64decode(payme_url.rsplit("/", 1)[1]).decode()
    parts = dict(p.split("=", 1) for p in decoded.split(";"))
    assert parts["m"] == "65f0c0ffee" and parts["a"] == "719280000"
    assert parts["c"] == "https://t.me/biznespilot_test_bot" and parts["l"] == "en"
    order_id = parts["ac.order_id"]
    click_url = urlsplit(button(summary, "Pay with Click").url)
    assert click_url.netloc == "my.click.uz" and click_url.path == "/services/pay"
    query = parse_qs(click_url.query)
    assert query == {"service_id": ["4242"], "merchant_id": ["77"], "amount": ["7192800"],
                     "transaction_param": [order_id],
                     "return_url": ["https://t.me/biznespilot_test_bot"]}

    invoice_msg = (await owner.press("💳 Pay in Telegram"))[-1]
    assert invoice_msg.invoice is not None
    assert invoice_msg.invoice["currency"] == "UZS"
    assert invoice_msg.invoice["total_amount"] == 719_280_000
    paid = await owner.pay(invoice_msg)
    assert "Payment received — thank you!" in paid[-1].text
    assert "Price 9,590,400 so'm, discount 2,397,600 so'm" in paid[-1].text
    assert "Your plan is active until" in paid[-1].text
    sub = await subscription(db, OWNER)
    assert sub.status == "active" and sub.plan.code == "growth"
    assert sub.billing_cycle == "yearly"
    [pdf] = await outbox(db, OWNER)
    assert pdf.payload["method"] == "sendDocument"
    assert base64.b64decode(pdf.payload["document_b64"]).startswith(b"%PDF")
    # The same invoice can't be paid twice: the pre-checkout is refused.
    from bot.emulator.client import PaymentDeclined

    try:
        await owner.pay(invoice_msg)
    except PaymentDeclined as declined:
        assert declined.error_message == "This invoice is already paid."
    else:
        raise AssertionError("a paid invoice was accepted again")
    text = (await owner.send("/plan"))[-1].text
    assert "Your plan: Growth" in text and "Paid until" in text
    # The coupon's one use per account is spent.
    async with db.sessionmaker() as s:
        [coupon] = await coupons.list_coupons(s)
    assert coupon.used_count == 1


async def test_russian_owner_pays_monthly_without_coupon(pay_tg: Telegram,
                                                         db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, OWNER, language="ru")
    owner = pay_tg.user(OWNER, language_code="ru")
    shown = (await owner.send("/plan"))[-1]
    assert shown.button_texts()[0] != "⬆️ Choose a plan and pay"  # translated
    await owner.press(1)
    cycle = (await owner.press("Starter"))[-1]
    assert "399\u00a0000" in cycle.button_texts()[0]  # Russian number format
    await owner.press(1)  # monthly
    summary = (await owner.press(1))[-1]  # no coupon
    assert "399\u00a0000" in summary.text
    assert "Pay with Payme" not in summary.button_texts()  # translated too
    payme_url = next(b.url for row in summary.buttons for b in row if b.url and
                     "paycom" in b.url)
    decoded = base64.b64decode(payme_url.rsplit("/", 1)[1]).decode()
    assert ";a=39900000;" in decoded and decoded.endswith(";l=ru")
    invoice_msg = (await owner.press(1))[-1]
    assert invoice_msg.invoice is not None
    assert invoice_msg.invoice["total_amount"] == 39_900_000
    paid = await owner.pay(invoice_msg)
    assert "399\u00a0000" in paid[-1].text
    assert "Payment received" not in paid[-1].text  # Russian receipt
    sub = await subscription(db, OWNER)
    assert sub.status == "active" and sub.billing_cycle == "monthly"


async def test_team_member_sees_the_plan_but_cannot_buy(pay_tg: Telegram,
                                                         db: Database) -> None:
    from services.teams import Role

    await seed(db, OWNER, members={8302: Role.ADMIN})
    member = pay_tg.user(8302)
    shown = await member.send("/plan")
    assert "Your plan: Starter" in shown[-1].text
    assert shown[-1].button_texts() == ["🏠 Main menu"]


async def test_scale_with_the_five_businesses_add_on(pay_tg: Telegram, db: Database) -> None:
    await seed(db, OWNER)
    owner = pay_tg.user(OWNER)
    await owner.send("/plan")
    await owner.press("⬆️ Choose a plan and pay")
    cycle = (await owner.press("Scale + 1 × 5 businesses"))[-1]
    assert cycle.button_texts()[0] == "Monthly — 3,480,000 so'm"  # 2,490,000 + 990,000
    await owner.press("Monthly — 3,480,000 so'm")
    summary = (await owner.press("⏭ No coupon"))[-1]
    assert "To pay: 3,480,000 so'm" in summary.text
    invoice = (await owner.press("💳 Pay in Telegram"))[-1]
    assert invoice.invoice is not None and invoice.invoice["total_amount"] == 348_000_000
    paid = await owner.pay(invoice)
    assert "Payment received — thank you!" in paid[-1].text
    sub = await subscription(db, OWNER)
    assert (sub.plan.code, sub.business_addons) == ("scale", 1)
    assert "• Businesses: 1 of 15" in (await owner.send("/plan"))[-1].text


async def test_without_a_payment_method_the_invoice_says_what_to_do(tg: Telegram,
                                                                     db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, OWNER)
    owner = tg.user(OWNER)
    await owner.send("/plan")
    await owner.press(1)
    await owner.press("Starter")
    await owner.press(1)  # monthly
    summary = (await owner.press(1))[-1]  # no coupon
    assert "To pay: 399,000 so'm" in summary.text
    assert "/support" in summary.text and summary.button_texts() == ["🏠 Main menu"]
