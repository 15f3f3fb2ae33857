"""/kb as an owner (and a viewer) sees it, through the Bot API emulator: add a Q&A and a
product with a photo, edit, delete with a confirmation, import a file; forged buttons for
another business's rows find nothing."""

from __future__ import annotations

from handlers.owner.knowledge.callbacks import KbAction, KbCB, Target
from services import teams
from services.salesbot import knowledge
from tests.conftest import Database, Telegram
from tests.factories import add_member, make_owner

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


async def test_owner_builds_the_knowledge_base(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7101, name="Gulnoza Textile")
        other = await make_owner(s, 7102, name="Mega Electronics")
        foreign = await knowledge.add_product(s, business_id=other.id, name="iPhone 15 Pro",
                                              price=14_500_000)
        await s.commit()
    user = tg.user(7101)
    summary = (await user.send("/kb"))[-1]
    assert "Knowledge base — Gulnoza Textile" in summary.text
    assert "How to fill it" in summary.text  # the guide while it is empty
    await user.press("➕ Add Q&A")
    assert "✓ 🚚 Delivery" in (await user.press("🚚 Delivery"))[0].text
    assert "write it in words" in (await user.send("???"))[-1].text
    await user.send("Yetkazib berish bormi?\nДоставка есть?")
    saved = await user.send("Toshkent bo'ylab 1 kunda, 20 000 so'm")
    assert saved[0].text == "✅ Saved: Yetkazib berish bormi?"
    assert "🚚 Delivery Yetkazib berish bormi? (other phrasings: 1)" in saved[-1].text

    await user.press("📚 Knowledge base")
    await user.press("➕ Add a product")
    await user.send("Atlas <ko'ylak>")
    assert "Please type a whole number" in (await user.send("qimmat"))[-1].text
    await user.send("350 000")
    await user.press("⏭ Skip")
    done = await user.send_photo(PNG)
    assert done[0].text == "✅ Saved: Atlas <ko'ylak>"
    assert "&lt;ko'ylak&gt;" in done[0].html
    assert "1. Atlas <ko'ylak> — 350,000 so'm 🖼" in done[-1].text

    async with db.sessionmaker() as s:
        [product] = await knowledge.list_products(s, business_id=business.id)
        assert product.photo_file_id and product.price == 350_000
    await user.press("✏️ 1")
    await user.press("Price")
    edited = await user.send("-")
    assert "no price" in edited[-1].text

    # a forged button for another business's product: not found, nothing changes
    forged = KbCB(action=KbAction.CONFIRM, target=Target.PRODUCT, item=foreign.id).pack()
    await user.press_data(forged)
    assert "Not found" in user.callback_answers[-1].text
    async with db.sessionmaker() as s:
        assert len(await knowledge.list_products(s, business_id=other.id)) == 1

    await user.press("🗑 1")
    assert "Delete Atlas <ko'ylak>" in (user.last_message.text if user.last_message else "")
    await user.press("🗑 Yes, delete")
    async with db.sessionmaker() as s:
        assert await knowledge.list_products(s, business_id=business.id) == []

    await user.send("/kb")
    await user.press("📥 Import a file")
    csv = (b"turi,savol,javob,narx\nmahsulot,Paxta sochiq,,45 000\n"
           b"savol,Kafolat bormi?,12 oy,\nfoo,x,y,\n")
    preview = (await user.send_document("kb.csv", csv))[-1]
    assert "Ready to import — questions: 1, products: 1." in preview.text
    assert "Row 4, “turi”: unknown type “foo”" in preview.text
    result = await user.press("✅ Import 2 rows")
    assert any("✅ Imported. Questions: 1; new products: 1" in m.text for m in result)
    async with db.sessionmaker() as s:
        counts = await knowledge.counts(s, business_id=business.id)
    assert counts.products == 1 and counts.entries[knowledge.EntryKind.FAQ] == 1


async def test_a_viewer_sees_but_cannot_change(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7111)
        await knowledge.add_entry(s, business_id=business.id, kind="faq",
                                  question="Kafolat bormi?", answer="Ha")
        await s.commit()
        await add_member(s, business.id, 7112, teams.Role.VIEWER)
    user = tg.user(7112)
    summary = (await user.send("/kb"))[-1]
    assert "➕ Add Q&A" not in summary.button_texts()
    listed = (await user.press("📋 Questions and answers"))[-1]
    assert "Kafolat bormi?" in listed.text and "🗑 1" not in listed.button_texts()
    await user.press_data(KbCB(action=KbAction.ADD, target=Target.ENTRY).pack())
    assert "can't" in user.callback_answers[-1].text
