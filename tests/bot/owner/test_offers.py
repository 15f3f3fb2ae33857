"""The Offer Builder as an owner (and a viewer) sees it, through the Bot API emulator."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.emulator import BotAPIEmulator, BotMessage
from handlers.owner.offers.callbacks import OfferAction, OfferCB
from services import offers, teams
from tests.conftest import OWNER_TOKEN, Database, Telegram, running_owner_bot
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
    assert "between 1,000 and" in (await user.send("500"))[-1].text
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


# --- editing the basics and single bonuses --------------------------------------------------

async def _seed_bonuses(db: Database, business_id: int) -> offers.OfferView:
    offer = await _seed(db, business_id)
    async with db.sessionmaker() as s:
        for name, value in (("Checklist", 300_000), ("Templates", 300_000)):
            offer = await offers.add_bonus(s, business_id=business_id, offer_id=offer.id,
                                           name=name, value=value)
        await s.commit()
    return offer


async def test_edit_name_product_outcome_and_price_from_the_card(tg: Telegram,
                                                                 db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8015)
    await _seed(db, business.id)
    user = tg.user(8015)
    card = (await _open(user))[-1]
    assert "✏️ Edit" in card.button_texts()
    picker = (await user.press("✏️ Edit"))[-1]
    assert "Barista in 30 days — what do you want to change?" in picker.text
    assert picker.button_texts() == ["🏷 Name", "📦 Core product", "🌟 Dream outcome",
                                     "💰 Price", "⬅️ Back to the offer"]
    asked = (await user.press("🏷 Name"))[-1]
    assert "Type the new name of the offer (up to 120 characters)" in asked.text
    assert "Now: Barista in 30 days" in asked.text
    assert asked.button_texts() == ["⬅️ Back", "✖️ Cancel"]
    assert "too long: at most 120" in (await user.send("x" * 121))[-1].text
    assert "can't be empty" in (await user.send("   "))[-1].text
    saved = await user.send("Barista <Pro>")
    assert saved[0].text == "✅ Name saved: Barista <Pro>."
    assert "&lt;Pro&gt;" in saved[-1].html and "✏️ Edit" in saved[-1].button_texts()
    await user.press("✏️ Edit")
    await user.press("📦 Core product")
    back = (await user.press("⬅️ Back"))[-1]
    assert "Barista <Pro> — what do you want to change?" in back.text  # the picker again
    assert "Now: a job in a top café" in (await user.press("🌟 Dream outcome"))[-1].text
    cancelled = await user.press("✖️ Cancel")
    assert "Cancelled." in [m.text for m in cancelled]
    assert "Dream outcome: a job in a top café" in cancelled[-1].text
    assert "✅" not in (await user.send("typed after cancel"))[-1].text
    await user.press("✏️ Edit", message=cancelled[-1])
    await user.press("📦 Core product")
    saved = await user.send("A 6-week barista course")
    assert saved[0].text == "✅ Core product saved."
    assert "Product: A 6-week barista course" in saved[-1].text
    await user.press("✏️ Edit")
    await user.press("🌟 Dream outcome")
    saved = await user.send("a café of your own")
    assert saved[0].text == "✅ Dream outcome saved."
    await user.press("✏️ Edit")
    assert "Now: 1,000,000 so'm" in (await user.press("💰 Price"))[-1].text
    assert "between 1,000 and" in (await user.send("500"))[-1].text
    assert (await user.send("1.5 mln"))[0].text == "✅ Price set: 1,500,000 so'm."
    [offer] = await _offers(db, business.id)
    assert (offer.name, offer.core_product, offer.dream_outcome, offer.price) == (
        "Barista <Pro>", "A 6-week barista course", "a café of your own", 1_500_000)


async def test_edit_in_russian(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8016, language="ru")
    await _seed(db, business.id)
    user = tg.user(8016, language_code="ru")
    await _open(user)
    picker = (await user.press("✏️ Изменить"))[-1]
    assert "что хотите изменить?" in picker.text
    asked = (await user.press("📦 Основной продукт"))[-1]
    assert "Введите новый основной продукт или услугу (до 300 символов)" in asked.text
    assert "Сейчас: Barista course" in asked.text
    assert (await user.send("y" * 301))[-1].text == "Слишком длинно: не более 300 символов."
    saved = await user.send("Курс бариста на 6 недель")
    assert saved[0].text == "✅ Основной продукт сохранён."
    assert "Продукт: Курс бариста на 6 недель" in saved[-1].text
    [offer] = await _offers(db, business.id)
    assert offer.core_product == "Курс бариста на 6 недель"


async def test_edit_one_bonus_of_the_stack(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8017)
    await _seed_bonuses(db, business.id)
    user = tg.user(8017)
    await _open(user)
    stack = (await user.press("🎁 Value stack"))[-1]
    bonus_buttons = [t for t in stack.button_texts() if "Bonus " in t]
    assert bonus_buttons == ["✏️ Bonus 1", "✏️ Bonus 2", "🗑 Bonus 1", "🗑 Bonus 2"]
    asked = (await user.press("✏️ Bonus 2"))[-1]
    assert "Bonus 2: Templates — 300,000 so'm." in asked.text
    assert asked.button_texts() == ["⏭ Skip", "✖️ Cancel"]
    value_q = (await user.send("Recipe book"))[-1]
    assert "new stated value of “Recipe book”" in value_q.text and "Now: 300,000" in value_q.text
    assert "Bonus 2: Templates" in (await user.press("⬅️ Back"))[-1].text  # the name again
    await user.send("Recipe book")
    assert "Please type a whole number" in (await user.send("lots"))[-1].text
    kept = await user.press("⏭ Skip")
    assert "✅ Bonus 2 saved: Recipe book — 300,000 so'm." in [m.text for m in kept]
    assert kept[-1].photo is not None
    await user.press("✏️ Bonus 1")
    await user.press("⏭ Skip")  # keep the name
    saved = await user.send("450k")
    assert "✅ Bonus 1 saved: Checklist — 450,000 so'm." in [m.text for m in saved]
    assert "Total value 1,750,000 so'm" in saved[-1].text
    [offer] = await _offers(db, business.id)
    assert [(b.name, b.value) for b in offer.bonuses] == [
        ("Checklist", 450_000), ("Recipe book", 300_000)]


async def test_a_bonus_removed_meanwhile_ends_the_edit(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8018)
    offer = await _seed_bonuses(db, business.id)
    user = tg.user(8018)
    await _open(user)
    stack = (await user.press("🎁 Value stack"))[-1]
    await user.press("✏️ Bonus 2")
    async with db.sessionmaker() as s:  # another team member removes bonus 2 meanwhile
        await offers.remove_bonus(s, business_id=business.id, offer_id=offer.id, index=1)
        await s.commit()
    gone = (await user.send("Recipe book"))[-1]
    assert gone.text.startswith("Not found")
    after = await user.send("Recipe book")  # the wizard was left: no value question
    assert not any("stated value" in m.text or m.text.startswith("Not found") for m in after)
    await user.press("✏️ Bonus 1", message=stack)
    await user.send("Recipe book")
    async with db.sessionmaker() as s:  # bonus 1 goes; "Templates" moves into its place
        await offers.add_bonus(s, business_id=business.id, offer_id=offer.id,
                               name="Templates", value=200_000)
        await offers.remove_bonus(s, business_id=business.id, offer_id=offer.id, index=0)
        await s.commit()
    assert (await user.send("500k"))[-1].text.startswith("Not found")
    [saved] = await _offers(db, business.id)
    assert [(b.name, b.value) for b in saved.bonuses] == [("Templates", 200_000)]


async def test_an_edit_survives_a_restart(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8019)
    await _seed(db, business.id)
    async with BotAPIEmulator() as emulator:
        emulator.add_bot(OWNER_TOKEN, username="biznespilot_test_bot")
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(8019)
            await _open(user)
            await user.press("✏️ Edit")
            await user.press("🌟 Dream outcome")
        async with running_owner_bot(settings, emulator) as tg:
            saved = await tg.user(8019).send("a café of your own")
            assert saved[0].text == "✅ Dream outcome saved."
    [offer] = await _offers(db, business.id)
    assert offer.dream_outcome == "a café of your own"


async def test_an_old_change_price_button_still_works(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8020)
    offer = await _seed(db, business.id)
    user = tg.user(8020)
    await _open(user)
    asked = await user.press_data(OfferCB(action=OfferAction.CHANGE_PRICE,
                                          offer_id=offer.id).pack())
    assert "Type the new price" in asked[-1].text
    assert (await user.send("2 mln"))[0].text == "✅ Price set: 2,000,000 so'm."


async def test_a_viewer_cannot_edit_and_other_ids_are_refused(tg: Telegram,
                                                              db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8021)
        await add_member(s, business.id, 8022, teams.Role.VIEWER)
        await make_owner(s, 8023)
    offer = await _seed_bonuses(db, business.id)
    viewer = tg.user(8022)
    card = (await _open(viewer))[-1]
    assert "✏️ Edit" not in card.button_texts()
    stack = (await viewer.press("🎁 Value stack"))[-1]
    assert not [t for t in stack.button_texts() if "Bonus" in t]
    forged = (OfferCB(action=OfferAction.EDIT, offer_id=offer.id),
              OfferCB(action=OfferAction.EDIT_FIELD, offer_id=offer.id, lever="name"),
              OfferCB(action=OfferAction.EDIT_BONUS, offer_id=offer.id, value=0))
    for data in forged:
        assert await viewer.press_data(data.pack()) == []
        assert "Your role (Viewer) can't edit the business" in (
            viewer.callback_answers[-1].text or "")
    assert "✅" not in "".join(m.text for m in await viewer.send("Hacked"))
    attacker = tg.user(8023)
    await attacker.send("/offer")
    for data in forged:
        assert await attacker.press_data(data.pack()) == []
        assert attacker.callback_answers[-1].text == (
            "Not found: it may have been deleted, or it belongs to another business.")
    await attacker.send("Hacked")
    owner = tg.user(8021)
    await _open(owner)
    await owner.press("🎁 Value stack")
    await owner.press_data(OfferCB(action=OfferAction.EDIT_BONUS, offer_id=offer.id,
                                   value=5).pack())
    assert owner.callback_answers[-1].text.startswith("Not found")
    await owner.press_data(OfferCB(action=OfferAction.EDIT_FIELD, offer_id=offer.id,
                                   lever="business_id").pack())
    assert owner.callback_answers[-1].text == "This button is out of date."
    [kept] = await _offers(db, business.id)
    assert kept.name == "Barista in 30 days" and kept.bonuses[0].name == "Checklist"
