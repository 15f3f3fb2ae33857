"""Business goals: metric, target, deadline, progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
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
    """A deadline typed by the user (``31.12.2026``); today or later."""
    deadline = parse_date(raw, field="deadline")
    if deadline < today:
        raise InvalidInput(field="deadline", reason="past")
    return deadline


def parse_title(raw: str) -> str:
    """A goal's title: trimmed, 1–200 characters."""
    return clean_text(raw, field="title", max_len=200)


def parse_target(raw: str) -> int:
    """A goal's target typed by the user (``200 mln``, ``1 500 000``); at least 1."""
    return parse_amount(raw, field="target", minimum=1)


async def ensure_room(session: AsyncSession, *, business_id: int) -> None:
    """Raise ``InvalidInput(reason="too_many")`` when the business has ``MAX_GOALS`` goals."""
    count = await session.scalar(
        select(func.count()).select_from(Goal).where(Goal.business_id == business_id)
    )
    if (count or 0) >= MAX_GOALS:
        raise InvalidInput(field="goal", reason="too_many", max=MAX_GOALS)


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
    await ensure_room(session, business_id=business_id)
    goal = Goal(
        business_id=business_id,
        metric=metric,
        title=parse_title(title),
        target=parse_target(target),
        current=0,
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


async def get_goal(session: AsyncSession, *, business_id: int, goal_id: int) -> GoalView:
    """One goal of this business; ``NotFound`` for another business's goal id."""
    return _view(await _get(session, business_id, goal_id))


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
    await session.flush()
