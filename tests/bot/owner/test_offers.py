"""The Offer Builder as an owner (and a viewer) sees it, through the Bot API emulator."""

from __future__ import annotations

from typing import Any

from bot.emulator import BotMessage
from handlers.owner.offers.callbacks import OfferAction, OfferCB
from services import offers, teams
from tests.conftest import Database, Telegram
from tests.factories import add_member, make_owner

OFFLINE = "⚙️ Offline answer — built from rules and templates, no AI key in use."


async def _offers(db: Database, business_id: int) -> list[offers.OfferView]:
    async with db.sessionmaker() as s:
        return await offers.list_offers(s, business_id=business_id)


async def _seed(db: Database, business_id: int, **levers: int) -> offers.OfferView:
    async with db.sessionmaker() as s:
        offer = await offers.create_offer(
            s, business_id=business_id, name="Barista in 30 days",
            core_product="Barista course", dream_outcome="a job in a top café", price="1 mln")
        for lever, value in levers.items():
            offer = await offers.set_lever(s, business_id=business_id, offer_id=offer.id,
                                           lever=lever, value=value)
        await s.commit()
        return offer


async def _open(user: Any, name: str = "📦 1. Barista in 30 days") -> list[BotMessage]:
    await user.send("/offer")
    return await user.press(name)


async def test_create_an_offer_step_by_step(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8001)
    user = tg.user(8001)
    listed = (await user.send("/offer"))[-1]
    assert "Offers — Test Biz" in listed.text and "No offers yet" in listed.text
    assert listed.button_texts() == ["➕ New offer", "🧲 Lead magnets (HVCO)", "🏠 Main menu"]
    assert "New offer — step 1 of 4" in (await user.press("➕ New offer"))[-1].text
    assert "Step 2 of 4" in (await user.send("Barista <Pro>"))[-1].text
    assert "Step 3 of 4" in (await user.send("4-week barista course"))[-1].text
    assert "Step 4 of 4" in (await user.send("a job in a top café"))[-1].text
    assert "Please type a whole number" in (await user.send("cheap"))[-1].text
    assert "between 1000 and" in (await user.send("500"))[-1].text
    done = await user.send("1.2 mln")
    assert done[0].text.startswith("✅ Offer created: Barista <Pro>.")
    card = done[-1]
    assert "&lt;Pro&gt;" in card.html
    assert "Price: 1,200,000 so'm" in card.text
    assert "not scored yet" in card.text
    assert "⚖️ Value equation" in card.button_texts()
    [offer] = await _offers(db, business.id)
    assert (offer.name, offer.core_product, offer.price) == (
        "Barista <Pro>", "4-week barista course", 1_200_000)
    await user.send("/menu")
    assert "Barista <Pro>" in (await user.press("📦 Offers"))[-1].text


async def test_value_equation_sliders_score_band_and_lever(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8002)
    offer = await _seed(db, business.id)
    user = tg.user(8002)
    await _open(user)
    summary, d, lk, t, e = await user.press("⚖️ Value equation")
    assert "Set all four levers" in summary.text
    assert "D — Dream outcome" in d.text and "Not set yet" in d.text
    assert d.button_texts() == [str(n) for n in range(1, 11)]
    assert "T — Time delay" in t.text
    for message, value in ((d, "9"), (lk, "8"), (t, "3")):
        await user.press(value, message=message)
    pressed = await user.press("3", message=e)
    assert [m.message_id for m in pressed] == [e.message_id, summary.message_id]
    slider, edited = pressed
    assert slider.edited and "[3]" in slider.button_texts() and "3/10" in slider.text
    assert "D 9 · L 8 · T 3 · E 3" in edited.text
    assert "score 80/100 — Grand Slam" in edited.text
    assert "Next lever: cut T (Time delay) from 3 to 2 → score 100" in edited.text
    assert "quick first win" in edited.text
    again = await user.press("7", message=d)  # lowering D: the summary follows
    assert "score 62/100 — Good" in again[-1].text
    saved = (await _offers(db, business.id))[0]
    assert (saved.id, saved.lever_d, saved.lever_l, saved.lever_t, saved.lever_e) == (
        offer.id, 7, 8, 3, 3)


async def test_value_equation_in_russian(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8003, language="ru")
    await _seed(db, business.id, d=5, l=5, t=5)
    user = tg.user(8003, language_code="ru")
    await user.send("/offer")
    card = (await user.press("📦 1. Barista in 30 days"))[-1]
    assert "Цена: 1 000 000 сум" in card.text.replace("\u00a0", " ")
    *_, e = await user.press("⚖️ Уравнение ценности")
    edited = (await user.press("5", message=e))[-1]
    assert "10/100 — Слабое" in edited.text
    assert "сократить T" in edited.text


async def test_stack_bonuses_deadline_quantity(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8004)
    await _seed(db, business.id)
    user = tg.user(8004)
    await _open(user)
    stack = (await user.press("🎁 Value stack"))[-1]
    assert stack.photo is not None and stack.photo.startswith(b"\x89PNG")
    assert "Total value 1,000,000 so'm for the price of 1,000,000 so'm (×1)" in stack.text
    asked = await user.press("➕ Add a bonus")
    assert "Bonus 1 of 3" in asked[-1].text
    value_q = (await user.send("Recipe checklist"))[-1]
    assert "Typical for bonus 1: 30% of the price — 300,000 so'm" in value_q.text
    added = await user.press("💡 300,000 so'm")
    assert "✅ Bonus added: Recipe checklist — 300,000 so'm." in [m.text for m in added]
    assert added[-1].photo is not None
    await user.press("➕ Add a bonus")
    await user.send("Templates")
    assert "Please type a whole number" in (await user.send("lots"))[-1].text
    added = await user.send("250k")
    assert "Total value 1,550,000 so'm" in added[-1].text and "(×1.6)" in added[-1].text
    assert "Type a date like" in (await user.press("⏰ Deadline"))[-1].text
    assert "Please type a date" in (await user.send("soon"))[-1].text
    assert "already in the past" in (await user.send("01.01.2020"))[-1].text
    saved = await user.send("31.12.2099")
    assert saved[0].text == "✅ Deadline saved: Dec 31, 2099."
    await user.press("🔢 Quantity")
    assert "✅ Quantity saved: 15." in (await user.send("15"))[0].text
    await user.press("🔢 Quantity")
    cleared = await user.press("🧹 Remove it")
    assert cleared[-1].photo is not None
    await user.press("🗑 Bonus 1")
    [offer] = await _offers(db, business.id)
    assert [(b.name, b.value) for b in offer.bonuses] == [("Templates", 250_000)]
    assert offer.scarcity_count is None and offer.urgency_deadline is not None


async def test_pick_a_guarantee_or_write_your_own(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8005)
    await _seed(db, business.id)
    user = tg.user(8005)
    await _open(user)
    listed = (await user.press("🛡 Guarantee"))[-1]
    assert "1. Unconditional · risk for you: high" in listed.text
    assert "Try Barista course for 30 days" in listed.text
    assert "4. Anti-guarantee · risk for you: low" in listed.text
    picked = await user.press("Conditional")
    assert "✅ Guarantee saved: Conditional." in [m.text for m in picked]
    assert "still don't get a job in a top café" in picked[-1].text
    await user.press("🛡 Guarantee")
    await user.press("✍️ Write my own")
    own = await user.send("Double your money back if you don't like the first lesson.")
    assert own[0].text == "✅ Guarantee saved: Your own."
    [offer] = await _offers(db, business.id)
    assert offer.guarantee_type == "custom" and offer.guarantee_text.startswith("Double")


async def test_pricing_calculator(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8006)
    await _seed(db, business.id, d=9, l=8, t=3, e=3)
    user = tg.user(8006)
    await _open(user)
    assert "Pricing — step 1 of 3" in (await user.press("🧮 Pricing"))[-1].text
    assert "Please type a whole number" in (await user.send("a bit"))[-1].text
    await user.send("400k")
    assert "between 0 and 95" in (await user.send("120"))[-1].text
    await user.send("50%")
    result = (await user.send("900 000, 1.1 mln, 1 250 000"))[-1]
    text = result.text
    assert "Cost-plus (50% margin on a cost of 400,000 so'm): 800,000 so'm" in text
    assert "Your margin now: 60%" in text
    assert ("Competitors (3): min 900,000 so'm · median 1,100,000 so'm · max 1,250,000 so'm"
            in text)
    assert "Value-based: 590,000 so'm — 59% of the stated value 1,000,000 so'm" in text
    assert "in the cheaper half of the market." in text
    assert "meets your target margin." in text
    assert "above the value-based price" in text
    used = await user.press("✅ Use 590,000 so'm")
    assert "✅ Price set: 590,000 so'm." in [m.text for m in used]
    [offer] = await _offers(db, business.id)
    assert (offer.price, offer.unit_cost, offer.target_margin, offer.competitor_prices) == (
        590_000, 400_000, 50, (900_000, 1_100_000, 1_250_000))
    await user.press("🧮 Pricing")
    await user.press("⏭ Skip")
    await user.press("⏭ Skip")
    skipped = (await user.press("⏭ Skip"))[-1]
    assert "Cost-plus: give your unit cost to see it." in skipped.text
    assert "Competitors: no prices given." in skipped.text


async def test_godfather_offer_is_marked_offline(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8007)
    await _seed(db, business.id)
    user = tg.user(8007)
    await _open(user)
    reply = (await user.press("🤝 Godfather offer"))[-1]
    assert "Godfather offer — Barista in 30 days" in reply.text
    assert "Get a job in a top café with Barista course." in reply.text
    assert "Your price: only 1,000,000 so'm." in reply.text
    assert reply.text.rstrip().endswith(OFFLINE)


async def test_godfather_offer_in_uzbek(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8008, language="uz")
    await _seed(db, business.id)
    user = tg.user(8008, language_code="uz")
    await user.send("/offer")
    await user.press("📦 1. Barista in 30 days")
    reply = (await user.press("🤝 Rad etib boʻlmaydigan taklif"))[-1]
    text = reply.text.replace("\u00a0", " ")
    assert "Barista course bilan a job in a top café ga erishing." in text
    assert "Narxingiz: atigi 1 000 000 so'm." in text
    assert text.rstrip().endswith(
        "⚙️ Oflayn javob — qoidalar va shablonlar asosida tuzildi, AI kaliti ulanmagan.")


async def test_pdf_one_pager_arrives_as_a_document(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8009)
    offer = await _seed(db, business.id, d=9, l=8, t=3, e=3)
    user = tg.user(8009)
    await _open(user)
    sent = (await user.press("📄 PDF one-pager"))[-1]
    assert sent.document is not None and sent.document.startswith(b"%PDF-")
    assert sent.filename == f"offer-{offer.id}.pdf"
    assert b"Barista in 30 days" in sent.document
    assert "Barista in 30 days — one-pager" in sent.text


async def test_delete_an_offer(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8010)
    await _seed(db, business.id)
    user = tg.user(8010)
    await _open(user)
    await user.press("🗑 Delete")
    deleted = await user.press("🗑 Yes, delete")
    assert "No offers yet" in deleted[-1].text
    assert await _offers(db, business.id) == []


async def test_a_viewer_sees_offers_but_cannot_edit(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8011)
        await add_member(s, business.id, 8012, teams.Role.VIEWER)
    offer = await _seed(db, business.id)
    viewer = tg.user(8012)
    listed = (await viewer.send("/offer"))[-1]
    assert "➕ New offer" not in listed.button_texts()
    card = (await viewer.press("📦 1. Barista in 30 days"))[-1]
    assert "🧮 Pricing" not in card.button_texts() and "🗑 Delete" not in card.button_texts()
    assert len(await viewer.press("⚖️ Value equation")) == 1  # the summary, no sliders
    for data in (OfferCB(action=OfferAction.LEVER, offer_id=offer.id, lever="d", value=10),
                 OfferCB(action=OfferAction.NEW),
                 OfferCB(action=OfferAction.ADD_BONUS, offer_id=offer.id),
                 OfferCB(action=OfferAction.PICK_GUARANTEE, offer_id=offer.id,
                         lever="implied"),
                 OfferCB(action=OfferAction.CONFIRM_DELETE, offer_id=offer.id)):
        await viewer.press_data(data.pack())
        assert "Your role (Viewer) can't edit the business" in (
            viewer.callback_answers[-1].text or "")
    [kept] = await _offers(db, business.id)
    assert kept.lever_d is None and kept.guarantee_type is None


async def test_offer_ids_of_another_business_are_refused(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        victim = await make_owner(s, 8013)
        await make_owner(s, 8014)
    offer = await _seed(db, victim.id)
    attacker = tg.user(8014)
    await attacker.send("/offer")
    for data in (OfferCB(action=OfferAction.OPEN, offer_id=offer.id),
                 OfferCB(action=OfferAction.LEVER, offer_id=offer.id, lever="d", value=10),
                 OfferCB(action=OfferAction.PDF, offer_id=offer.id),
                 OfferCB(action=OfferAction.CONFIRM_DELETE, offer_id=offer.id)):
        assert await attacker.press_data(data.pack()) == []
        assert attacker.callback_answers[-1].text == (
            "Not found: it may have been deleted, or it belongs to another business.")
    [kept] = await _offers(db, victim.id)
    assert kept.lever_d is None
