"""Business goals: metric, target, deadline, progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.base import utcnow
from services.db.models import Goal
from services.errors import InvalidInput, NotFound
from services.validation import clean_text, parse_amount, parse_date

METRICS = ("revenue", "leads", "customers", "orders", "followers", "custom")
MAX_GOALS = 20


@dataclass(frozen=True, slots=True)
class GoalView:
    id: int
    metric: str
    title: str
    target: int
    current: int
    deadline: date | None
    reached_at: datetime | None

    @property
    def percent(self) -> int:
        return 0 if self.target <= 0 else min(100, self.current * 100 // self.target)


def _view(g: Goal) -> GoalView:
    return GoalView(g.id, g.metric, g.title, g.target, g.current, g.deadline, g.reached_at)


async def list_goals(session: AsyncSession, *, business_id: int) -> list[GoalView]:
    """Goals of the business, open ones first."""
    rows = await session.scalars(
        select(Goal).where(Goal.business_id == business_id).order_by(Goal.id)
    )
    return sorted((_view(g) for g in rows), key=lambda g: (g.reached_at is not None, g.id))


def parse_deadline(raw: str, *, today: date) -> date:
    deadline = parse_date(raw, field="deadline")
    if deadline < today:
        raise InvalidInput(field="deadline", reason="past")
    return deadline


async def create_goal(
    session: AsyncSession,
    *,
    business_id: int,
    metric: str,
    title: str,
    target: str,
    deadline: date | None,
) -> GoalView:
    """Add a goal; ``target`` is raw user input (``50 mln``, ``200``)."""
    if metric not in METRICS:
        raise InvalidInput(field="metric", reason="choice")
    existing = await list_goals(session, business_id=business_id)
    if len(existing) >= MAX_GOALS:
        raise InvalidInput(field="goal", reason="too_many", max=MAX_GOALS)
    goal = Goal(
        business_id=business_id,
        metric=metric,
        title=clean_text(title, field="title", max_len=200),
        target=parse_amount(target, field="target", minimum=1),
        deadline=deadline,
    )
    session.add(goal)
    await session.flush()
    return _view(goal)


async def _get(session: AsyncSession, business_id: int, goal_id: int) -> Goal:
    goal = await session.scalar(
        select(Goal).where(Goal.id == goal_id, Goal.business_id == business_id)
    )
    if goal is None:
        raise NotFound(entity="goal", id=goal_id)
    return goal


async def update_progress(
    session: AsyncSession, *, business_id: int, goal_id: int, current: str
) -> GoalView:
    """Set the goal's current value; marks it reached when the target is met."""
    goal = await _get(session, business_id, goal_id)
    goal.current = parse_amount(current, field="current")
    if goal.current >= goal.target and goal.reached_at is None:
        goal.reached_at = utcnow()
    elif goal.current < goal.target:
        goal.reached_at = None
    await session.flush()
    return _view(goal)


async def delete_goal(session: AsyncSession, *, business_id: int, goal_id: int) -> None:
    """Remove a goal of this business."""
    await session.delete(await _get(session, business_id, goal_id))
