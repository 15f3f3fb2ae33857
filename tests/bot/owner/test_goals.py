"""Goals as an owner (and a viewer) sees them, through the Bot API emulator."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.config import Settings
from bot.emulator import BotAPIEmulator, BotMessage
from handlers.owner.goals.callbacks import GoalAction, GoalCB
from services import goals, teams
from tests.conftest import OWNER_TOKEN, Database, Telegram, running_owner_bot
from tests.factories import add_member, make_owner


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Tashkent")).date()


async def _goals(db: Database, business_id: int) -> list[goals.GoalView]:
    async with db.sessionmaker() as s:
        return await goals.list_goals(s, business_id=business_id)


async def _seed_goal(db: Database, business_id: int, **kwargs: Any) -> goals.GoalView:
    values: dict[str, Any] = {"metric": "revenue", "title": "Monthly revenue 200 mln",
                              "target": "200 mln", "deadline": None, **kwargs}
    async with db.sessionmaker() as s:
        goal = await goals.create_goal(s, business_id=business_id, **values)
        await s.commit()
        return goal


async def _start_wizard(user: Any) -> list[BotMessage]:
    await user.send("/goals")
    return await user.press("➕ Add a goal")


async def test_an_empty_list_invites_to_add_a_goal(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7001)
    user = tg.user(7001)
    listed = (await user.send("/goals"))[-1]
    assert "Goals — Test Biz" in listed.text
    assert "No goals yet" in listed.text
    assert listed.button_texts() == ["➕ Add a goal", "🏠 Main menu"]
    await user.send("/menu")
    assert "No goals yet" in (await user.press("🎯 Goals"))[-1].text


async def test_add_a_goal_step_by_step(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7002)
    user = tg.user(7002)
    metric = await _start_wizard(user)
    assert "New goal — step 1 of 4" in metric[-1].text
    assert {"Revenue", "Leads", "Customers", "Orders", "Followers", "Other"} <= set(
        metric[-1].button_texts())
    title = await user.press("Revenue")
    assert "✓ Revenue" in title[0].text
    assert "Step 2 of 4" in title[-1].text
    assert "Step 3 of 4" in (await user.send("Monthly revenue <main>"))[-1].text
    assert "Please type a whole number" in (await user.send("a lot"))[-1].text
    assert "between 1 and" in (await user.send("0"))[-1].text
    deadline_question = await user.send("200 mln")
    assert "Step 4 of 4" in deadline_question[-1].text
    assert "⏭ Skip" in deadline_question[-1].button_texts()
    yesterday = (_today() - timedelta(days=1)).strftime("%d.%m.%Y")
    assert (await user.send(yesterday))[-1].text == "That date is already in the past."
    assert "Please type a date" in (await user.send("next year"))[-1].text
    deadline = _today() + timedelta(days=45)
    done = await user.send(deadline.strftime("%d.%m.%Y"))
    assert done[0].text == "✅ Goal added: Monthly revenue <main>."
    listed = done[-1].text
    assert "1. Monthly revenue <main> · Revenue" in listed
    assert "&lt;main&gt;" in done[-1].html
    assert "░░░░░░░░░░ 0%" in listed
    assert "0 so'm of 200,000,000 so'm" in listed
    assert f"📅 by {format_date(deadline, format='medium', locale='en')}" in listed
    assert done[-1].button_texts() == ["📈 1. Monthly revenue <main>", "🗑 1", "➕ Add a goal",
                                       "🏠 Main menu"]
    [goal] = await _goals(db, business.id)
    assert (goal.metric, goal.title, goal.target, goal.deadline) == (
        "revenue", "Monthly revenue <main>", 200_000_000, deadline)


async def test_skip_the_deadline_and_go_back(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7003)
    user = tg.user(7003)
    await _start_wizard(user)
    await user.press("Followers")
    back = await user.press("⬅️ Back")
    assert "step 1 of 4" in back[-1].text
    await user.press("Leads")
    await user.send("300 leads a month")
    target = await user.press("⬅️ Back")
    assert "Step 2 of 4" in target[-1].text
    await user.send("300 leads a month")
    assert "Please type a whole number" in (await user.send("oops"))[-1].text
    await user.send("300")
    done = await user.press("⏭ Skip")
    assert "✅ Goal added" in done[1].text
    assert "0 of 300" in done[-1].text and "📅" not in done[-1].text
    [goal] = await _goals(db, business.id)
    assert (goal.metric, goal.target, goal.deadline) == ("leads", 300, None)


async def test_cancel_the_wizard(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7004)
    user = tg.user(7004)
    await _start_wizard(user)
    await user.press("Orders")
    cancelled = await user.press("✖️ Cancel")
    assert cancelled[-2].text == "Cancelled."
    assert "No goals yet" in cancelled[-1].text
    assert "I didn't get that" in (await user.send("50 orders"))[-1].text
    assert await _goals(db, business.id) == []


async def test_update_progress_until_reached(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7005)
    await _seed_goal(db, business.id)
    user = tg.user(7005)
    await user.send("/goals")
    asked = await user.press("📈 1. Monthly revenue 200 mln")
    assert "Now: 0 so'm of 200,000,000 so'm" in asked[-1].text
    assert "Please type a whole number" in (await user.send("half"))[-1].text
    saved = await user.send("1 500 000")
    assert saved[0].text == "✅ Progress saved."
    assert "1,500,000 so'm of 200,000,000 so'm" in saved[-1].text
    assert "░░░░░░░░░░ 0%" in saved[-1].text  # 0.75% is not a whole percent yet
    await user.press("📈 1. Monthly revenue 200 mln")
    reached = await user.send("210 mln")
    assert reached[0].text == "🎉 Goal reached: Monthly revenue 200 mln!"
    assert "▓▓▓▓▓▓▓▓▓▓ 100%" in reached[-1].text and "reached ✅" in reached[-1].text
    [goal] = await _goals(db, business.id)
    assert goal.current == 210_000_000 and goal.reached_at is not None


async def test_numbers_for_other_metrics(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7006)
    await _seed_goal(db, business.id, metric="followers", title="Channel", target="5000")
    user = tg.user(7006)
    await user.send("/goals")
    await user.press("📈 1. Channel")
    saved = await user.send("2 500")
    assert "2,500 of 5,000" in saved[-1].text and "so'm" not in saved[-1].text
    assert "▓▓▓▓▓░░░░░ 50%" in saved[-1].text


async def test_delete_with_confirmation(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7007)
    await _seed_goal(db, business.id)
    user = tg.user(7007)
    await user.send("/goals")
    confirm = await user.press("🗑 1")
    assert "Delete the goal Monthly revenue 200 mln?" in confirm[-1].text
    kept = await user.press("↩️ No, keep it")
    assert "✓ Kept" in kept[-1].text
    assert len(await _goals(db, business.id)) == 1
    await user.send("/goals")
    await user.press("🗑 1")
    deleted = await user.press("🗑 Yes, delete")
    assert "✓ Deleted" in deleted[0].text
    assert "No goals yet" in deleted[-1].text
    assert await _goals(db, business.id) == []


async def test_goal_ids_of_another_business_are_refused(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        victim = await make_owner(s, 7008)
        await make_owner(s, 7009)
    goal = await _seed_goal(db, victim.id)
    attacker = tg.user(7009)
    await attacker.send("/goals")
    for action in (GoalAction.PROGRESS, GoalAction.DELETE, GoalAction.CONFIRM):
        assert await attacker.press_data(GoalCB(action=action, goal_id=goal.id).pack()) == []
        assert attacker.callback_answers[-1].text == (
            "Not found: it may have been deleted, or it belongs to another business.")
    [kept] = await _goals(db, victim.id)
    assert kept.id == goal.id and kept.current == 0


async def test_a_viewer_sees_goals_but_cannot_change_them(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7010)
        await add_member(s, business.id, 7011, teams.Role.VIEWER)
    goal = await _seed_goal(db, business.id)
    viewer = tg.user(7011)
    listed = (await viewer.send("/goals"))[-1]
    assert "Monthly revenue 200 mln" in listed.text
    assert listed.button_texts() == ["🏠 Main menu"]
    for data in (GoalCB(action=GoalAction.ADD).pack(),
                 GoalCB(action=GoalAction.CONFIRM, goal_id=goal.id).pack()):
        await viewer.press_data(data)
        assert "Your role (Viewer) can't edit the business" in (
            viewer.callback_answers[-1].text or "")
    assert len(await _goals(db, business.id)) == 1


async def test_at_most_twenty_goals(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7012)
    for i in range(goals.MAX_GOALS):
        await _seed_goal(db, business.id, title=f"Goal number {i + 1}", target="10")
    user = tg.user(7012)
    listed = (await user.send("/goals"))[-1]
    assert "20. Goal number 20" in listed.text
    assert await user.press("➕ Add a goal") == []
    assert user.callback_answers[-1].text == "You have reached the maximum of 20."


async def test_the_wizard_resumes_after_a_restart(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7013)
    async with BotAPIEmulator() as emulator:
        emulator.add_bot(OWNER_TOKEN, username="biznespilot_test_bot")
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(7013)
            await _start_wizard(user)
            await user.press("Customers")
            await user.send("1 000 regular customers")
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(7013)
            # Looking at another section does not lose the draft; /goals resumes it.
            await user.send("/profile")
            resumed = await user.send("/goals")
            assert "let's continue where we stopped" in resumed[0].text
            assert "Step 3 of 4" in resumed[-1].text
            await user.send("1000")
            await user.press("⏭ Skip")
    [goal] = await _goals(db, business.id)
    assert (goal.metric, goal.title, goal.target) == ("customers", "1 000 regular customers",
                                                      1000)
