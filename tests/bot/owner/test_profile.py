"""The business profile as an owner (and a viewer) sees it, through the Bot API emulator."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.emulator import BotAPIEmulator, BotMessage
from handlers.owner.profile.callbacks import ProfileAction, ProfileCB
from services import profile, teams
from services.db.models import Business
from tests.conftest import OWNER_TOKEN, Database, Telegram, running_owner_bot
from tests.factories import add_member, make_owner

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x00\x80" + b"\x00" * 64
LABELS = ("Name", "Legal name", "Business type", "Industry", "Sub-industry", "Model", "Phone",
          "E-mail", "Website", "Address", "City", "Region", "Description", "Tagline", "Founded",
          "Employees", "Annual revenue", "USP", "Elevator pitch", "Logo")


async def _business(db: Database, business_id: int) -> Business:
    async with db.sessionmaker() as s:
        business = await s.get(Business, business_id)
        assert business is not None
        return business


async def _open_field(user: Any, label: str) -> list[BotMessage]:
    await user.send("/profile")
    await user.press("✏️ Edit")
    return await user.press(label)


async def test_card_shows_every_field_and_completeness(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 2001, name="Chilonzor <Coffee>")
    user = tg.user(2001)
    card = (await user.send("/profile"))[-1]
    assert "Chilonzor <Coffee> — business profile" in card.text
    assert "&lt;Coffee&gt;" in card.html  # user text is escaped
    assert "Profile 15% complete" in card.text  # name, industry, model of 19 fields + logo
    assert "▓▓░░░░░░░░" in card.text
    for label in LABELS:
        assert f"{label}:" in card.text
    assert "Industry: Retail" in card.text
    assert "Model: B2C — we sell to people" in card.text
    assert "Phone: —" in card.text
    assert card.button_texts() == ["✏️ Edit", "💡 USP generator", "🏠 Main menu"]
    # The main menu button opens the same card.
    await user.send("/menu")
    via_menu = await user.press("🏢 Business profile")
    assert "business profile" in via_menu[-1].text


async def test_edit_a_text_field_with_validation(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 2002)
    user = tg.user(2002)
    await user.send("/profile")
    picker = await user.press("✏️ Edit")
    assert "Which field" in picker[-1].text
    assert set(LABELS) <= set(picker[-1].button_texts())
    question = await user.press("Phone")
    assert "✓ Phone" in question[0].text  # the picker is marked answered
    assert "Now: —" in question[-1].text and "Example: +998 90 123 45 67" in question[-1].text
    assert "Send “-” to clear it." in question[-1].text
    wrong = await user.send("call me maybe")
    assert wrong[-1].text.startswith("That doesn't look like a phone number")
    saved = await user.send("90 123 45 67")
    assert saved[0].text == "✅ Phone saved."
    assert "Phone: +998901234567" in saved[-1].text
    assert "Profile 20% complete" in saved[-1].text
    assert (await _business(db, business.id)).phone == "+998901234567"


async def test_money_date_and_number_fields_are_formatted(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 2003)
    user = tg.user(2003)
    await _open_field(user, "Annual revenue")
    assert "Please type a whole number" in (await user.send("a lot"))[-1].text
    card = (await user.send("1.8 mlrd"))[-1]
    assert "Annual revenue: 1,800,000,000 so'm" in card.text
    await _open_field(user, "Founded")
    assert "out of range" in (await user.send("01.01.2999"))[-1].text
    assert "Please type a date" in (await user.send("March 2023"))[-1].text
    assert "Founded: Mar 1, 2023" in (await user.send("01.03.2023"))[-1].text
    await _open_field(user, "Employees")
    assert "Employees: 1,200" in (await user.send("1 200"))[-1].text


async def test_choice_fields_use_buttons(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 2004)
    user = tg.user(2004)
    question = await _open_field(user, "Business type")
    assert "Choose the new value" in question[-1].text
    assert "Start-up" in question[-1].button_texts()
    typed = await user.send("startup")
    assert typed[0].text == "Please choose one of the buttons below."
    assert "Start-up" in typed[-1].button_texts()  # the question again
    saved = await user.press("Start-up")
    assert "Business type: Start-up" in saved[-1].text
    await _open_field(user, "Industry")
    card = (await user.press("Beauty"))[-1]
    assert "Industry: Beauty" in card.text
    stored = await _business(db, business.id)
    assert (stored.type, stored.industry) == ("startup", "beauty")


async def test_clearing_optional_and_required_fields(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 2005)
    user = tg.user(2005)
    await _open_field(user, "Website")
    assert "Website: https://example.uz" in (await user.send("example.uz"))[-1].text
    await _open_field(user, "Website")
    assert "Website: —" in (await user.send("-"))[-1].text
    question = await _open_field(user, "Name")
    assert "Send “-” to clear it." not in question[-1].text  # the name is required
    refused = await user.send("-")
    assert refused[-1].text == "This can't be empty. Please type it again."
    assert "120" in (await user.send("x" * 121))[-1].text
    saved = await user.send("<b>New</b> name")
    assert "<b>New</b> name — business profile" in saved[-1].text
    assert (await _business(db, business.id)).name == "<b>New</b> name"


async def test_logo_is_shown_with_the_card(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 2006)
    user = tg.user(2006)
    asked = await _open_field(user, "Logo")
    assert "Send your logo as a photo" in asked[-1].text
    not_photo = await user.send("here it is")
    assert "Please send the logo as a photo" in not_photo[-1].text
    saved = await user.send_photo(PNG)
    assert saved[0].text == "✅ Logo saved."
    assert saved[-1].photo == PNG  # the logo, with the card as its caption
    assert "Logo: uploaded" in saved[-1].text and "✏️ Edit" in saved[-1].button_texts()
    assert (await _business(db, business.id)).logo_file_id is not None
    # A card longer than a caption: the photo first, then the card as a message.
    async with db.sessionmaker() as s:
        for field in ("description", "usp", "elevator_pitch", "address", "legal_name",
                      "tagline", "sub_industry", "city", "region"):
            size = 30 if field in {"description", "usp", "elevator_pitch"} else 11
            await profile.update_field(s, business_id=business.id, field=field,
                                       raw="long text " * size)
        await s.commit()
    split = await user.send("/profile")
    assert len(split) == 2
    assert split[0].photo == PNG and split[0].text == ""
    assert "business profile" in split[1].text and split[1].photo is None
    assert "…" in split[1].text  # long values are shortened on the card
    await _open_field(user, "Logo")
    removed = await user.send("-")
    assert removed[0].text == "🗑 Logo removed."
    assert (await _business(db, business.id)).logo_file_id is None


async def test_back_and_cancel(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 2007)
    user = tg.user(2007)
    await _open_field(user, "City")
    back = await user.press("⬅️ Back")
    assert "Which field" in back[-1].text
    await user.press("City")
    cancelled = await user.press("✖️ Cancel")
    assert cancelled[-2].text == "Cancelled."
    assert "business profile" in cancelled[-1].text
    # The edit is over: typed text is no longer taken as a value.
    after = await user.send("Tashkent")
    assert "I didn't get that" in after[-1].text


async def test_a_viewer_sees_the_card_but_cannot_edit(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 2008)
        await add_member(s, business.id, 2009, teams.Role.VIEWER)
    viewer = tg.user(2009)
    card = (await viewer.send("/profile"))[-1]
    assert "business profile" in card.text
    assert "✏️ Edit" not in card.button_texts()
    # An old or forged button: the central permission check refuses it.
    refused = await viewer.press_data(ProfileCB(action=ProfileAction.EDIT).pack())
    assert refused == []
    answer = viewer.callback_answers[-1]
    assert answer.show_alert
    assert answer.text == ("⛔ Your role (Viewer) can't edit the business. Ask the business "
                           "owner or an admin.")
    await viewer.press_data(ProfileCB(action=ProfileAction.CHOICE, field="model",
                                       value="b2b").pack())
    assert "Viewer" in (viewer.callback_answers[-1].text or "")
    assert (await _business(db, business.id)).model == "b2c"


async def test_forged_choice_values_are_refused(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 2010)
    user = tg.user(2010)
    await user.send("/profile")
    await user.press_data(ProfileCB(action=ProfileAction.CHOICE, field="model",
                                     value="b2z").pack())
    await user.press_data(ProfileCB(action=ProfileAction.CHOICE, field="phone",
                                     value="1").pack())
    await user.press_data(ProfileCB(action=ProfileAction.FIELD, field="owner_id").pack())
    assert [a.text for a in user.callback_answers[-3:]] == ["This button is out of date."] * 3
    stored = await _business(db, business.id)
    assert (stored.model, stored.phone) == ("b2c", None)


async def test_an_edit_survives_a_restart(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 2011)
    async with BotAPIEmulator() as emulator:
        emulator.add_bot(OWNER_TOKEN, username="biznespilot_test_bot")
        async with running_owner_bot(settings, emulator) as tg:
            await _open_field(tg.user(2011), "City")
        async with running_owner_bot(settings, emulator) as tg:
            saved = await tg.user(2011).send("Samarkand")
            assert saved[0].text == "✅ City saved."
            assert "City: Samarkand" in saved[-1].text
    assert (await _business(db, business.id)).city == "Samarkand"
