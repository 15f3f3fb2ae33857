"""Goals: creation, progress, reaching, deletion, and isolation between businesses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import goals
from services.errors import InvalidInput, NotFound
from tests.factories import make_owner


async def _goal(session: AsyncSession, business_id: int, *, target: str = "200 mln",
                title: str = "Monthly revenue") -> goals.GoalView:
    return await goals.create_goal(session, business_id=business_id, metric="revenue",
                                   title=title, target=target, deadline=None)


async def test_create_and_list(session: AsyncSession) -> None:
    business = await make_owner(session, 5001)
    deadline = date.today() + timedelta(days=30)
    goal = await goals.create_goal(session, business_id=business.id, metric="followers",
                                   title="  Telegram   channel 5 000 ", target="5 000",
                                   deadline=deadline)
    assert (goal.metric, goal.title, goal.target, goal.current, goal.deadline) == (
        "followers", "Telegram channel 5 000", 5000, 0, deadline)
    assert goal.percent == 0 and goal.reached_at is None
    revenue = await _goal(session, business.id)
    assert revenue.target == 200_000_000
    assert [g.id for g in await goals.list_goals(session, business_id=business.id)] == [
        goal.id, revenue.id]


@pytest.mark.parametrize(("kwargs", "field", "reason"), [
    ({"metric": "happiness"}, "metric", "choice"),
    ({"title": "  "}, "title", "empty"),
    ({"title": "x" * 201}, "title", "too_long"),
    ({"target": "0"}, "target", "range"),
    ({"target": "a lot"}, "target", "number"),
])
async def test_invalid_goals(session: AsyncSession, kwargs: dict[str, str], field: str,
                             reason: str) -> None:
    business = await make_owner(session, 5002)
    values = {"metric": "leads", "title": "Leads", "target": "300", **kwargs}
    with pytest.raises(InvalidInput) as info:
        await goals.create_goal(session, business_id=business.id, deadline=None, **values)
    assert (info.value.field, info.value.reason) == (field, reason)


def test_parsers() -> None:
    assert goals.parse_target("200 mln") == 200_000_000
    assert goals.parse_target("1 500 000") == 1_500_000
    assert goals.parse_title(" Open a branch ") == "Open a branch"
    today = date(2026, 11, 24)
    assert goals.parse_deadline("24.11.2026", today=today) == today
    assert goals.parse_deadline("31.12.2026", today=today) == date(2026, 12, 31)
    with pytest.raises(InvalidInput) as info:
        goals.parse_deadline("23.11.2026", today=today)
    assert (info.value.field, info.value.reason) == ("deadline", "past")
    with pytest.raises(InvalidInput) as info:
        goals.parse_deadline("soon", today=today)
    assert info.value.reason == "date"


async def test_progress_reaches_and_unreaches(session: AsyncSession) -> None:
    business = await make_owner(session, 5003)
    goal = await _goal(session, business.id)
    half = await goals.update_progress(session, business_id=business.id, goal_id=goal.id,
                                       current="100 mln")
    assert (half.current, half.percent, half.reached_at) == (100_000_000, 50, None)
    reached = await goals.update_progress(session, business_id=business.id, goal_id=goal.id,
                                          current="250 mln")
    assert reached.percent == 100 and reached.reached_at is not None
    again = await goals.update_progress(session, business_id=business.id, goal_id=goal.id,
                                        current="260 mln")
    assert again.reached_at == reached.reached_at  # reached once, not re-stamped
    back = await goals.update_progress(session, business_id=business.id, goal_id=goal.id,
                                       current="10")
    assert back.reached_at is None
    with pytest.raises(InvalidInput):
        await goals.update_progress(session, business_id=business.id, goal_id=goal.id,
                                    current="-5")


async def test_reached_goals_are_listed_last(session: AsyncSession) -> None:
    business = await make_owner(session, 5004)
    first = await _goal(session, business.id, title="First", target="10")
    second = await _goal(session, business.id, title="Second", target="10")
    await goals.update_progress(session, business_id=business.id, goal_id=first.id,
                                current="10")
    assert [g.title for g in await goals.list_goals(session, business_id=business.id)] == [
        "Second", "First"]
    assert second.id > first.id


async def test_goals_of_another_business_are_not_found(session: AsyncSession) -> None:
    mine = await make_owner(session, 5005)
    theirs = await make_owner(session, 5006)
    goal = await _goal(session, theirs.id)
    with pytest.raises(NotFound):
        await goals.get_goal(session, business_id=mine.id, goal_id=goal.id)
    with pytest.raises(NotFound):
        await goals.update_progress(session, business_id=mine.id, goal_id=goal.id,
                                    current="1")
    with pytest.raises(NotFound):
        await goals.delete_goal(session, business_id=mine.id, goal_id=goal.id)
    assert (await goals.get_goal(session, business_id=theirs.id, goal_id=goal.id)).current == 0
    await goals.delete_goal(session, business_id=theirs.id, goal_id=goal.id)
    assert await goals.list_goals(session, business_id=theirs.id) == []


async def test_at_most_twenty_goals(session: AsyncSession) -> None:
    business = await make_owner(session, 5007)
    for i in range(goals.MAX_GOALS):
        await _goal(session, business.id, title=f"Goal {i}")
    with pytest.raises(InvalidInput) as info:
        await goals.ensure_room(session, business_id=business.id)
    assert (info.value.reason, info.value.params["max"]) == ("too_many", goals.MAX_GOALS)
    with pytest.raises(InvalidInput):
        await _goal(session, business.id, title="One too many")
