"""/business: listing, switching and adding businesses, through the Bot API emulator."""

from __future__ import annotations

from handlers.owner.businesses.callbacks import BusinessAction, BusinessCB
from services import profile, teams
from services.db.models import User
from tests.conftest import Database, Telegram
from tests.factories import add_member, make_owner


async def _current(db: Database, user_id: int) -> int | None:
    async with db.sessionmaker() as s:
        user = await s.get(User, user_id)
        assert user is not None
        return user.current_business_id


async def test_without_a_business_the_user_is_sent_to_start(tg: Telegram) -> None:
    user = tg.user(8001)
    replies = await user.send("/business")
    assert replies[-1].text == "You don't have a business yet. Send /start to create one."


async def test_list_and_switch(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        own = await make_owner(s, 8002, name="Own <Shop>")
        friend = await make_owner(s, 8003, name="Friend's Cafe")
        await add_member(s, friend.id, 8002, teams.Role.MANAGER)
        user = await s.get(User, 8002)
        assert user is not None
        user.current_business_id = own.id
        await s.commit()
    user = tg.user(8002)
    listed = (await user.send("/business"))[-1]
    assert "✓ Own <Shop> — Owner (current)" in listed.text
    assert "• Friend's Cafe — Manager" in listed.text
    assert "Own &lt;Shop&gt;" in listed.html
    assert listed.button_texts() == ["✓ Own <Shop>", "Friend's Cafe", "➕ Add a business",
                                     "🏠 Main menu"]
    switched = await user.press("Friend's Cafe")
    assert "✓ Friend's Cafe" in switched[0].text  # the list is marked answered
    assert switched[1].text == "✅ You are now working on Friend's Cafe."
    assert "Friend's Cafe — main menu" in switched[-1].text
    assert "Your role: Manager" in switched[-1].text
    assert await _current(db, 8002) == friend.id
    # Sections now show the new business.
    assert "Friend's Cafe — business profile" in (await user.send("/profile"))[-1].text
    await user.send("/menu")
    back = await user.press("🔀 My businesses")
    assert "✓ Friend's Cafe — Manager (current)" in back[-1].text


async def test_a_forged_business_id_is_refused(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        mine = await make_owner(s, 8004)
        theirs = await make_owner(s, 8005, name="Not Yours")
    user = tg.user(8004)
    await user.send("/business")
    forged = BusinessCB(action=BusinessAction.SWITCH, business_id=theirs.id).pack()
    assert await user.press_data(forged) == []
    answer = user.callback_answers[-1]
    assert answer.show_alert
    assert answer.text == "Not found: it may have been deleted, or it belongs to another business."
    assert await _current(db, 8004) == mine.id


async def test_add_a_business_within_the_plan_limit(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        first = await make_owner(s, 8006, name="First")
    user = tg.user(8006)
    await user.send("/business")
    started = await user.press("➕ Add a business")
    assert "Step 1 of 5" in started[-1].text
    await user.send("Second")
    await user.press("Services")
    await user.press("B2B — we sell to businesses")
    await user.press("More leads")
    done = await user.press("Just me")
    assert any("Second is ready" in m.text for m in done)
    async with db.sessionmaker() as s:
        choices = await profile.my_businesses(s, user_id=8006)
    assert [(c.name, c.current) for c in choices] == [("First", False), ("Second", True)]
    assert choices[0].id == first.id
    # Starter allows two businesses: the third is refused with the plan message.
    await user.send("/business")
    assert await user.press("➕ Add a business") == []
    answer = user.callback_answers[-1]
    assert answer.show_alert
    assert answer.text == ("📈 Your Starter plan allows 2 for “Businesses”, and it is used up. "
                           "Upgrade in /plan to add more.")
    async with db.sessionmaker() as s:
        assert await profile.count_owned(s, owner_id=8006) == 2


async def test_pressing_the_current_business_shows_its_menu(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8007, name="Only One")
    user = tg.user(8007)
    await user.send("/business")
    replies = await user.press("✓ Only One")
    assert "Only One — main menu" in replies[-1].text
    assert await _current(db, 8007) == business.id
