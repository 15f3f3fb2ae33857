"""The marketing canvas as an owner (and a viewer) sees it, through the Bot API emulator."""

from __future__ import annotations

from bot.config import Settings
from bot.emulator import BotAPIEmulator
from handlers.owner.canvas.callbacks import CanvasAction, CanvasCB
from services import canvas, teams
from tests.conftest import OWNER_TOKEN, Database, Telegram, running_owner_bot
from tests.factories import add_member, make_owner

SQUARE_BUTTONS = ["1. Target market", "2. Message to the market", "3. Media",
                  "4. Lead capture", "5. Lead nurture", "6. Sales conversion",
                  "7. World-class experience", "8. Increase lifetime value",
                  "9. Orchestrate referrals"]


async def _squares(db: Database, business_id: int) -> dict[str, str]:
    async with db.sessionmaker() as s:
        return await canvas.get_canvas(s, business_id=business_id)


async def test_the_canvas_is_one_image_with_square_buttons(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 6001, name="Chilonzor & Co")
        await canvas.set_square(s, business_id=business.id, square="media", content="Reels")
        await s.commit()
    user = tg.user(6001)
    sent = await user.send("/canvas")
    assert len(sent) == 1
    image = sent[0]
    assert image.photo is not None and image.photo.startswith(b"\x89PNG")
    assert "Chilonzor & Co — 1-Page Marketing Plan" in image.text
    assert "&amp;" in image.html  # the business name is escaped in the caption
    assert "1 of 9 squares filled" in image.text
    assert image.button_texts() == [*SQUARE_BUTTONS, "🏠 Main menu"]
    assert [len(row) for row in image.buttons] == [3, 3, 3, 1]  # a row per phase
    assert "upload_photo" in user.chat_actions
    await user.send("/menu")
    via_menu = await user.press("🧩 Marketing canvas")
    assert via_menu[-1].photo is not None


async def test_edit_squares_one_after_another(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 6002)
    user = tg.user(6002)
    await user.send("/canvas")
    question = await user.press("1. Target market")
    text = question[-1].text
    assert "1. Target market · Before" in text
    assert "Who exactly is your ideal customer?" in text  # the square's hint
    assert "Now: —" in text and "up to 600 characters" in text
    too_long = await user.send("x" * 601)
    assert too_long[-1].text == "That is too long: at most 600 characters."
    saved = await user.send("Office workers <25–40> in Chilonzor")
    assert saved[-1].text == "✅ Saved: Target market."
    assert saved[-1].button_texts() == ["➡️ Next: 2. Message to the market", "🧩 Show canvas",
                                        "✔️ Done"]
    following = await user.press("➡️ Next: 2. Message to the market")
    assert "2. Message to the market · Before" in following[-1].text
    await user.send("Hot coffee in 3 minutes")
    shown = await user.press("🧩 Show canvas")
    assert shown[-1].photo is not None and "2 of 9 squares filled" in shown[-1].text
    squares = await _squares(db, business.id)
    assert squares["target_market"] == "Office workers <25–40> in Chilonzor"
    assert squares["message"] == "Hot coffee in 3 minutes"
    # Editing again shows the current text (escaped); "-" clears it.
    again = await user.press("1. Target market")
    assert "Now: Office workers <25–40> in Chilonzor" in again[-1].text
    assert "&lt;25–40&gt;" in again[-1].html
    await user.send("-")
    assert (await _squares(db, business.id))["target_market"] == ""


async def test_the_last_square_and_done(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 6003)
    user = tg.user(6003)
    await user.send("/canvas")
    await user.press("9. Orchestrate referrals")
    saved = await user.send("A free coffee for each friend")
    assert saved[-1].button_texts() == ["🧩 Show canvas", "✔️ Done"]
    done = await user.press("✔️ Done")
    assert "main menu" in done[-1].text


async def test_back_and_cancel(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 6004)
    user = tg.user(6004)
    await user.send("/canvas")
    await user.press("4. Lead capture")
    back = await user.press("⬅️ Back")
    assert back[-1].photo is not None  # back to the canvas
    await user.press("4. Lead capture")
    cancelled = await user.press("✖️ Cancel")
    assert cancelled[-1].text == "Cancelled. /canvas shows the whole plan."
    after = await user.send("A free cup")
    assert "I didn't get that" in after[-1].text
    assert (await _squares(db, business.id))["lead_capture"] == ""


async def test_a_viewer_sees_the_canvas_but_cannot_edit(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 6005)
        await add_member(s, business.id, 6006, teams.Role.VIEWER)
    viewer = tg.user(6006)
    image = (await viewer.send("/canvas"))[-1]
    assert image.photo is not None and "0 of 9 squares filled" in image.text
    assert image.button_texts() == ["🏠 Main menu"]
    await viewer.press_data(CanvasCB(action=CanvasAction.EDIT, number=1).pack())
    answer = viewer.callback_answers[-1]
    assert answer.show_alert and "Your role (Viewer) can't edit the business" in (
        answer.text or "")


async def test_a_forged_square_number_is_refused(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 6007)
    user = tg.user(6007)
    await user.send("/canvas")
    assert await user.press_data(CanvasCB(action=CanvasAction.EDIT, number=42).pack()) == []
    assert user.callback_answers[-1].text == "Please choose one of the buttons."


async def test_an_edit_survives_a_restart(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 6008)
    async with BotAPIEmulator() as emulator:
        emulator.add_bot(OWNER_TOKEN, username="biznespilot_test_bot")
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(6008)
            await user.send("/canvas")
            await user.press("3. Media")
        async with running_owner_bot(settings, emulator) as tg:
            saved = await tg.user(6008).send("Instagram reels and a metro banner")
            assert saved[-1].text == "✅ Saved: Media."
    assert (await _squares(db, business.id))["media"] == "Instagram reels and a metro banner"
