"""Dream Buyer as an owner (and a viewer) sees it, through the Bot API emulator."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.emulator import BotAPIEmulator, BotMessage
from handlers.owner.dream_buyer.callbacks import DreamAction, DreamBuyerCB
from services import dream_buyer, teams
from tests.conftest import OWNER_TOKEN, Database, Telegram, running_owner_bot
from tests.factories import add_member, make_owner

OFFLINE = "⚙️ Offline answer — built from rules and templates, no AI key in use."


async def _avatars(db: Database, business_id: int) -> list[dream_buyer.AvatarView]:
    async with db.sessionmaker() as s:
        return await dream_buyer.list_avatars(s, business_id=business_id)


async def _seed(db: Database, business_id: int, name: str = "Madina",
                **answers: str) -> dream_buyer.AvatarView:
    async with db.sessionmaker() as s:
        avatar, _ = await dream_buyer.create_avatar(s, business_id=business_id, name=name)
        for code, value in answers.items():
            avatar = await dream_buyer.set_answer(s, business_id=business_id,
                                                  avatar_id=avatar.id, field=code, value=value)
        await s.commit()
        return avatar


async def _start(user: Any) -> list[BotMessage]:
    await user.send("/dreambuyer")
    return await user.press("➕ New avatar")


async def test_an_empty_section_and_the_menu_button(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 8001)
    user = tg.user(8001)
    listed = (await user.send("/dreambuyer"))[-1]
    assert "Dream Buyer — Test Biz" in listed.text
    assert "No avatars yet" in listed.text
    assert "Avatars on your plan: 0 of 2." in listed.text
    assert listed.button_texts() == ["➕ New avatar", "🏠 Main menu"]
    await user.send("/menu")
    assert "No avatars yet" in (await user.press("👤 Dream Buyer"))[-1].text


async def test_the_full_wizard_with_picks_skip_and_back(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8002)
    user = tg.user(8002)
    name = await _start(user)
    assert "About your Dream Buyer — 1 of 6" in name[-1].text
    assert "Example: Young mum Madina" in name[-1].text
    assert name[-1].button_texts() == ["✖️ Cancel"]
    assert (await user.send(" "))[-1].text == "This can't be empty. Please type it again."
    assert (await user.send("x" * 81))[-1].text == "That is too long: at most 80 characters."
    age = await user.send("Madina <mum>")
    assert "About your Dream Buyer — 2 of 6 · Madina <mum>" in age[-1].text
    assert "&lt;mum&gt;" in age[-1].html
    assert age[-1].button_texts()[:5] == ["18–24", "25–34", "35–44", "45–54", "55+"]
    assert "⏭ Skip" in age[-1].button_texts()
    # Saved as soon as it is given.
    [avatar] = await _avatars(db, business.id)
    assert avatar.name == "Madina <mum>"
    gender = await user.press("25–34")
    assert "✓ 25–34" in gender[0].text
    assert "3 of 6" in gender[-1].text
    back = await user.press("⬅️ Back")
    assert "2 of 6" in back[-1].text and "Now: 25–34" in back[-1].text
    await user.press("⏭ Skip")  # keeps 25–34
    await user.press("Women")
    await user.press("⏭ Skip")  # location
    await user.send("5–8 mln so'm")
    online = await user.send("Housewife")
    assert "Question 1 of 9 — part 1 of 2" in online[-1].text
    assert {"Instagram", "Telegram", "YouTube", "TikTok"} <= set(online[-1].button_texts())
    await user.press("Instagram")
    ticked = await user.press("Telegram")
    assert "✓ Instagram" in ticked[-1].button_texts()
    assert "✅ Next" in ticked[-1].button_texts()
    [avatar] = await _avatars(db, business.id)
    assert avatar.answers["where_online"] == "Instagram, Telegram"
    offline = await user.send("mum bloggers")
    assert "part 2 of 2" in offline[-1].text
    await user.send("Korzinka, play centres")
    await user.press("⏭ Skip")  # information sources
    assert "Question 4 of 9" in (await user.send("No time for herself"))[-1].text
    await user.send("Her own home business")
    channel = await user.send("Fake products")
    assert "Question 6 of 9" in channel[-1].text
    assert {"Telegram", "WhatsApp", "Phone call", "E-mail", "SMS"} <= set(
        channel[-1].button_texts())
    await user.press("WhatsApp")
    await user.press("✅ Next")
    await user.send("“aksiya bormi?”, dostavka")
    await user.send("Kindergarten, housework, Instagram at night")
    done = await user.send("A calm child")
    texts = [m.text for m in done]
    assert "✅ Madina <mum> is saved — 90% complete." in texts
    photo = next(m for m in done if m.photo is not None)
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    assert "Dream Buyer card · 90% complete" in photo.text
    card = done[-1]
    assert "25–34 · Women · 5–8 mln so'm · Housewife" in card.text
    assert "9 of 10 answers" in card.text
    assert "Instagram, Telegram, mum bloggers" in card.text
    assert "Power 4%" in card.text
    assert "Instagram: direct-response ads" in card.text
    assert "WhatsApp: direct messages" in card.text
    assert "Offer a free HVCO" in card.text
    assert "&lt;mum&gt;" in card.html
    assert "✏️ Edit an answer" in card.button_texts()
    [avatar] = await _avatars(db, business.id)
    assert avatar.answers["information_sources"] is None
    assert avatar.answers["preferred_channel"] == "WhatsApp"
    assert avatar.answers["language_jargon"] == "“aksiya bormi?”, dostavka"
    assert avatar.completeness == 90
    listed = (await user.send("/dreambuyer"))[-1]
    assert "1. Madina <mum> — ▓▓▓▓▓▓▓▓▓░ 90%" in listed.text


async def test_cancel_keeps_the_answers_given(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8003)
    user = tg.user(8003)
    await _start(user)
    await user.send("Aziz")
    cancelled = await user.press("✖️ Cancel")
    assert cancelled[-2].text == "Cancelled. The answers you gave are saved."
    assert "1. Aziz — ░░░░░░░░░░ 0%" in cancelled[-1].text
    assert "I didn't get that" in (await user.send("hello"))[-1].text
    assert [a.name for a in await _avatars(db, business.id)] == ["Aziz"]


async def test_the_wizard_resumes_after_a_restart(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8004, language="ru")
    async with BotAPIEmulator() as emulator:
        emulator.add_bot(OWNER_TOKEN, username="biznespilot_test_bot")
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(8004, language_code="ru")
            await user.send("/dreambuyer")
            await user.press("➕ Новый аватар")
            await user.send("Мадина")
            for _ in range(5):
                await user.press("⏭ Пропустить")
            await user.send("Instagram, Telegram")
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(8004, language_code="ru")
            await user.send("/goals")  # another section meanwhile does not lose the draft
            resumed = await user.send("/dreambuyer")
            assert "продолжим с того места" in resumed[0].text
            assert "Вопрос 1 из 9 — часть 2 из 2" in resumed[-1].text
            await user.send("Кафе и рынок")
    [avatar] = await _avatars(db, business.id)
    assert avatar.answers["where_online"] == "Instagram, Telegram"
    assert avatar.answers["where_offline"] == "Кафе и рынок"


async def test_edit_one_answer_from_the_card(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8005)
    avatar = await _seed(db, business.id, frustrations="Prices keep rising")
    user = tg.user(8005)
    await user.send("/dreambuyer")
    card = await user.press("👤 Madina · 10%")
    assert card[0].photo is not None
    fields = await user.press("✏️ Edit an answer")
    assert "Madina: which answer do you want to change?" in fields[-1].text
    assert "Frustrations and challenges" in fields[-1].button_texts()
    asked = await user.press("Frustrations and challenges")
    assert "Now: Prices keep rising" in asked[-1].text
    assert asked[-1].button_texts() == ["✖️ Cancel"]
    assert "at most 600" in (await user.send("y" * 601))[-1].text
    saved = await user.send("No time, <no> money")
    assert saved[0].text == "✅ Saved: Frustrations and challenges."
    assert any(m.photo is not None for m in saved)
    assert "No time, <no> money" in saved[-1].text
    got = await dream_buyer_view(db, business.id, avatar.id)
    assert got.answers["frustrations"] == "No time, <no> money"
    # "-" clears an answer.
    await user.press("✏️ Edit an answer")
    await user.press("Frustrations and challenges")
    await user.send("-")
    assert (await dream_buyer_view(db, business.id, avatar.id)).answers["frustrations"] is None


async def dream_buyer_view(db: Database, business_id: int,
                           avatar_id: int) -> dream_buyer.AvatarView:
    async with db.sessionmaker() as s:
        return await dream_buyer.get_avatar(s, business_id=business_id, avatar_id=avatar_id)


async def test_generated_outputs_are_marked_offline(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8006)
    avatar = await _seed(db, business.id, frustrations="No time for herself",
                         dreams="A trip to Turkey", fears="Fake products",
                         preferred_channel="Telegram", language_jargon="“aksiya bormi?”")
    user = tg.user(8006)
    await user.send("/dreambuyer")
    await user.press("👤 Madina · 50%")
    result = await user.press("✨ Persona, ideas and ad hooks")
    assert "typing" in user.chat_actions
    assert len(result) == 1 and result[0].edited  # the status message, replaced
    text = result[0].text
    assert "Madina — persona, content ideas and ad hooks" in text
    assert "What bothers them most: No time for herself." in text
    assert "“No time for herself”: three common mistakes" in text
    assert "Tired of “No time for herself”? There is an easier way." in text
    assert "“aksiya bormi?” — yes, this is exactly for you." in text
    assert text.rstrip().endswith(OFFLINE)
    assert result[0].button_texts() == ["🔄 Regenerate", "⬅️ Back to the avatar"]
    stored = await dream_buyer_view(db, business.id, avatar.id)
    assert stored.generated_source == "fallback"
    assert len(stored.content_ideas) == 5 and len(stored.ad_hooks) == 5
    again = await user.press("🔄 Regenerate")
    assert again[-1].text == text  # the offline rules are deterministic
    # Once stored, the card's button shows them without generating again.
    await user.press("⬅️ Back to the avatar")
    shown = await user.press("✨ Persona, ideas and ad hooks")
    assert len(shown) == 1 and not shown[0].edited and shown[0].text == text


async def test_generated_outputs_in_uzbek(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8007, language="uz")
    await _seed(db, business.id, name="Dilnoza", fears="Pul yo‘qotish")
    user = tg.user(8007, language_code="uz")
    await user.send("/dreambuyer")
    await user.press("👤 Dilnoza · 10%")
    card = user.last_message
    assert card is not None and "Power 4%" in card.text
    result = await user.press(1)
    assert "Pul yo‘qotish" in result[-1].text
    assert OFFLINE not in result[-1].text  # translated, not the English msgid
    assert "⚙️" in result[-1].text


async def test_a_viewer_sees_avatars_but_cannot_edit(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8008)
        await add_member(s, business.id, 8009, teams.Role.VIEWER)
    avatar = await _seed(db, business.id, fears="Fake products")
    viewer = tg.user(8009)
    listed = (await viewer.send("/dreambuyer"))[-1]
    assert listed.button_texts() == ["👤 Madina · 10%", "🏠 Main menu"]
    card = await viewer.press("👤 Madina · 10%")
    assert card[-1].button_texts() == ["⬅️ All avatars", "🏠 Main menu"]
    for action in (DreamAction.NEW, DreamAction.EDIT, DreamAction.CONFIRM,
                   DreamAction.REGENERATE):
        await viewer.press_data(DreamBuyerCB(action=action, avatar_id=avatar.id).pack())
        assert "Your role (Viewer) can't edit the business" in (
            viewer.callback_answers[-1].text or "")
    await viewer.press_data(DreamBuyerCB(action=DreamAction.FIELD, avatar_id=avatar.id,
                                         value="fears").pack())
    assert "can't edit the business" in (viewer.callback_answers[-1].text or "")
    assert len(await _avatars(db, business.id)) == 1


async def test_the_plan_limit_and_its_warning(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8010)
    await _seed(db, business.id, name="First")
    user = tg.user(8010)
    await _start(user)
    second = await user.send("Second")
    assert ("⚠️ You have used 2 of 2 “Dream Buyer avatars” on your Starter plan (100%)."
            in second[0].text)
    await user.press("✖️ Cancel")
    await user.send("/dreambuyer")
    assert await user.press("➕ New avatar") == []
    assert user.callback_answers[-1].text == (
        "📈 Your Starter plan allows 2 for “Dream Buyer avatars”, and it is used up. "
        "Upgrade in /plan to add more.")
    assert len(await _avatars(db, business.id)) == 2


async def test_delete_and_foreign_ids(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        victim = await make_owner(s, 8011)
        business = await make_owner(s, 8012)
    foreign = await _seed(db, victim.id, name="Theirs")
    await _seed(db, business.id, name="Mine")
    user = tg.user(8012)
    await user.send("/dreambuyer")
    for action in (DreamAction.OPEN, DreamAction.EDIT, DreamAction.DELETE,
                   DreamAction.CONFIRM, DreamAction.IDEAS):
        assert await user.press_data(DreamBuyerCB(action=action,
                                                  avatar_id=foreign.id).pack()) == []
        assert user.callback_answers[-1].text == (
            "Not found: it may have been deleted, or it belongs to another business.")
    await user.send("/dreambuyer")
    await user.press("👤 Mine · 0%")
    confirm = await user.press("🗑 Delete")
    assert "Delete the Dream Buyer Mine" in confirm[-1].text
    deleted = await user.press("🗑 Yes, delete")
    assert "✓ Deleted" in deleted[0].text
    assert "No avatars yet" in deleted[-1].text
    assert await _avatars(db, business.id) == []
    assert [a.name for a in await _avatars(db, victim.id)] == ["Theirs"]
