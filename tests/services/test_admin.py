"""Admin services: dashboard metrics by hand, user and business management, support."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.admin import accounts, metrics, support
from services.db.models import AuditLog, Invoice, Subscription, User
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.factories import make_owner

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


# --- pure metrics, computed by hand -------------------------------------------------------

def test_arpu_churn_ltv_by_hand() -> None:
    # 3 paying accounts: 399 000 + 999 000 + 2 490 000 = 3 888 000 MRR
    assert metrics.arpu(3_888_000, 3) == 1_296_000
    assert metrics.arpu(100, 0) == 0
    # 1 churned of 4 (3 active + 1 churned) = 25 %
    assert metrics.churn_rate(1, 4) == 25.0
    assert metrics.churn_rate(0, 0) == 0
    # LTV = 1 296 000 / 0.25 = 5 184 000
    assert metrics.ltv(1_296_000, 25.0) == 5_184_000
    assert metrics.ltv(1_296_000, 0.0) is None
    assert metrics.stickiness(5, 20) == 25.0
    assert metrics.stickiness(1, 0) == 0


def test_yearly_counts_a_twelfth() -> None:
    assert metrics.monthly_price(price_monthly=399_000, price_yearly=3_830_400,
                                 cycle="yearly") == 319_200
    assert metrics.monthly_price(price_monthly=399_000, price_yearly=3_830_400,
                                 cycle="monthly") == 399_000
    assert metrics.monthly_price(price_monthly=None, price_yearly=None, cycle="monthly") == 0


def test_retention_cohorts_by_hand() -> None:
    # Signup week of Mon 2026-10-05: three users; now is 2026-12-01 (8 weeks + 2 days later).
    monday = datetime(2026, 10, 5, 9, tzinfo=UTC)
    users = [
        (monday, monday + timedelta(days=60)),  # kept past week 8
        (monday + timedelta(days=1), monday + timedelta(days=16)),  # kept weeks 1, 2
        (monday + timedelta(days=2), monday + timedelta(days=3)),  # gone in week 1
    ]
    cohorts = metrics.retention_cohorts(users, now=NOW)
    assert len(cohorts) == 12
    cohort = next(c for c in cohorts if c.week == date(2026, 10, 5))
    assert cohort.size == 3
    assert cohort.retained[1] == pytest.approx(200 / 3)
    assert cohort.retained[2] == pytest.approx(200 / 3)
    assert cohort.retained[4] == pytest.approx(100 / 3)
    # week 8 needs 7 + 56 days after the cohort's Monday: 2026-12-07, not yet
    assert cohort.retained[8] is None
    assert cohort.retained[12] is None
    assert cohorts[-1].week == date(2026, 11, 30) and cohorts[-1].size == 0


def test_month_starts() -> None:
    assert metrics.month_starts(NOW, 3) == [date(2026, 10, 1), date(2026, 11, 1),
                                            date(2026, 12, 1)]
    assert metrics.month_starts(datetime(2026, 1, 5, tzinfo=UTC), 2) == [
        date(2025, 12, 1), date(2026, 1, 1)]


# --- the dashboard over a database --------------------------------------------------------

async def _pay(session: AsyncSession, owner_id: int, plan_code: str, cycle: str = "monthly",
               status: str = "active", end: datetime | None = None) -> None:
    sub = await session.scalar(select(Subscription).where(Subscription.user_id == owner_id))
    assert sub is not None
    plan = await plans.get_plan(session, plan_code)
    sub.plan_id, sub.plan = plan.id, plan
    sub.status, sub.billing_cycle = status, cycle
    now = datetime.now(UTC)
    sub.current_period_start = now - timedelta(days=10)
    sub.current_period_end = end or now + timedelta(days=20)
    await session.commit()


def _at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type]


async def test_dashboard_figures_by_hand(session: AsyncSession) -> None:
    """A hand-built platform; every figure below was worked out on paper (NOW is Tuesday
    2026-12-01 12:00 UTC; the cohort weeks run from Monday 2026-09-14 to 2026-11-30)."""
    people = {  # id: (created, last seen)
        1: (_at(2026, 9, 15, 10), NOW - timedelta(hours=2)),  # 77 days: weeks 1, 2, 4, 8
        2: (_at(2026, 9, 16, 10), _at(2026, 9, 30, 10)),  # exactly 14 days: weeks 1, 2
        3: (_at(2026, 10, 5, 9), _at(2026, 11, 20)),  # 45.6 days: weeks 1, 2, 4
        4: (_at(2026, 11, 25), NOW - timedelta(hours=1)),
        5: (_at(2026, 6, 1), NOW - timedelta(hours=23)),  # before the cohort weeks
        6: (_at(2026, 11, 10), _at(2026, 11, 10)),  # never came back
        7: (_at(2025, 1, 1), _at(2025, 2, 1)),
    }
    for uid, (created, seen) in people.items():
        session.add(User(id=uid, first_name=f"U{uid}", created_at=created, last_seen_at=seen))
    await session.flush()
    plan = {p.code: p for p in await plans.list_plans(session)}
    subs = [  # user, plan, status, cycle, trial end, period end, updated
        (1, "starter", "active", "monthly", None, NOW + timedelta(days=10), NOW),
        (2, "growth", "active", "yearly", None, NOW + timedelta(days=200), NOW),
        (3, "starter", "canceled", "monthly", None, NOW - timedelta(days=8),
         NOW - timedelta(days=5)),  # churned: canceled 5 days ago
        (4, "growth", "trialing", "monthly", NOW + timedelta(days=3), None, NOW),
        (5, "scale", "active", "monthly", None, NOW - timedelta(days=2), NOW),  # ran out
        (6, "starter", "trialing", "monthly", NOW - timedelta(days=1), None, NOW),  # expired
        (7, "starter", "past_due", "monthly", None, NOW - timedelta(days=40), NOW),  # long ago
    ]
    for uid, code, status, cycle, trial_end, end, updated in subs:
        session.add(Subscription(user_id=uid, plan_id=plan[code].id, status=status,
                                 billing_cycle=cycle, trial_ends_at=trial_end,
                                 current_period_start=NOW - timedelta(days=30),
                                 current_period_end=end, created_at=NOW,
                                 updated_at=updated))
    invoices = [  # user, status, total, paid at
        (1, "paid", 399_000, _at(2026, 11, 20)),
        (2, "paid", 9_590_400, _at(2026, 6, 10)),
        (1, "paid", 399_000, _at(2026, 12, 1, 9)),
        (3, "refunded", 399_000, _at(2026, 10, 10)),  # not revenue
        (5, "pending", 2_490_000, None),
        (5, "paid", 2_490_000, _at(2025, 11, 30)),  # before the 12 months
        (5, "paid", 2_490_000, _at(2026, 10, 31, 23, 59, 59)),  # October's last second
        (4, "paid", 700_000, _at(2026, 1, 1)),  # January's first second, after a coupon
    ]
    for uid, status, total, paid_at in invoices:
        session.add(Invoice(user_id=uid, plan_id=plan["starter"].id, cycle="monthly",
                            subtotal=total, total=total, status=status, paid_at=paid_at))
    await session.commit()

    d = await metrics.dashboard(session, now=NOW)
    assert (d.total_users, d.dau, d.mau, d.new_users_30d) == (7, 3, 5, 2)
    assert d.stickiness == 60.0
    assert (d.active_subscriptions, d.trials) == (2, 1)
    assert d.mrr == 399_000 + 9_590_400 // 12 == 1_198_200
    assert d.arr == 14_378_400
    assert d.arpu == 599_100
    assert d.churn == 50.0  # 2 churned (3 canceled, 5 ran out) of 2 + 2
    assert d.ltv == 1_198_200
    assert d.plans == [("Starter", 1), ("Growth", 2)]
    assert d.revenue_months[0] == date(2026, 1, 1) and d.revenue_months[-1] == date(2026, 12, 1)
    assert d.revenue == [700_000, 0, 0, 0, 0, 9_590_400, 0, 0, 0, 2_490_000, 399_000, 399_000]
    assert [r.id for r in d.recent] == [4, 6, 3, 2, 1]
    by_week = {c.week: c for c in d.cohorts}
    assert len(d.cohorts) == 12 and d.cohorts[0].week == date(2026, 9, 14)
    assert (by_week[date(2026, 9, 14)].size,
            by_week[date(2026, 9, 14)].retained) == (2, {1: 100.0, 2: 100.0, 4: 50.0,
                                                         8: 50.0, 12: None})
    assert by_week[date(2026, 10, 5)].retained == {1: 100.0, 2: 100.0, 4: 100.0, 8: None,
                                                   12: None}
    assert by_week[date(2026, 11, 9)].retained == {1: 0.0, 2: 0.0, 4: None, 8: None,
                                                   12: None}
    assert by_week[date(2026, 11, 23)].size == 1
    assert set(by_week[date(2026, 11, 23)].retained.values()) == {None}
    assert sum(c.size for c in d.cohorts) == 5
    # the database's cohorts are the reference definition's
    assert d.cohorts == metrics.retention_cohorts(list(people.values()), now=NOW)


# --- users and businesses ----------------------------------------------------------------

async def _admin(session: AsyncSession, user_id: int = 900, role: str = "super_admin") -> User:
    user = User(id=user_id, first_name="Admin", platform_role=role)
    session.add(user)
    await session.commit()
    return user


async def test_suspend_ends_by_itself_and_unban(session: AsyncSession) -> None:
    await make_owner(session, 201)
    admin = await _admin(session)
    with pytest.raises(InvalidInput):
        await accounts.suspend_user(session, admin_id=admin.id, user_id=201, days=0,
                                    reason="spam")
    with pytest.raises(InvalidInput):
        await accounts.suspend_user(session, admin_id=admin.id, user_id=201, days=3,
                                    reason="  ")
    user = await accounts.suspend_user(session, admin_id=admin.id, user_id=201, days=3,
                                       reason="Spam in the sales bot")
    assert user.status == "suspended" and user.suspend_reason == "Spam in the sales bot"
    assert accounts.access_status(user) is accounts.Status.SUSPENDED
    assert user.suspended_until is not None
    later = user.suspended_until + timedelta(seconds=1)
    assert accounts.access_status(user, now=later) is accounts.Status.ACTIVE
    assert user.status == "active" and user.suspended_until is None
    await accounts.ban_user(session, admin_id=admin.id, user_id=201, reason="fraud")
    assert accounts.access_status(user, now=later + timedelta(days=999)) is accounts.Status.BANNED
    await accounts.unban_user(session, admin_id=admin.id, user_id=201)
    assert user.status == "active"
    with pytest.raises(Conflict):
        await accounts.unban_user(session, admin_id=admin.id, user_id=201)
    with pytest.raises(Conflict):
        await accounts.ban_user(session, admin_id=admin.id, user_id=admin.id, reason="x")
    with pytest.raises(NotFound):
        await accounts.ban_user(session, admin_id=admin.id, user_id=4040, reason="x")
    await session.commit()
    actions = list(await session.scalars(select(AuditLog.action).where(
        AuditLog.action.startswith("admin.")).order_by(AuditLog.id)))
    assert actions == ["admin.user.suspend", "admin.user.ban", "admin.user.unban"]
    rows = await accounts.audit_entries(session, user_id=201)
    assert {r.action for r in rows} >= {"admin.user.suspend", "admin.user.ban"}
    assert [r.action for r in await accounts.audit_entries(session, action="admin.user.b")] == [
        "admin.user.ban"]


async def test_roles_need_a_super_admin(session: AsyncSession) -> None:
    await make_owner(session, 202)
    plain_admin = await _admin(session, 901, role="admin")
    boss = await _admin(session, 902)
    with pytest.raises(PermissionDenied):
        await accounts.set_role(session, admin=plain_admin, user_id=202,
                                role=accounts.PlatformRole.ADMIN)
    user = await accounts.set_role(session, admin=boss, user_id=202,
                                   role=accounts.PlatformRole.ADMIN)
    assert accounts.is_admin(user)
    with pytest.raises(PermissionDenied):  # nobody suspends a super admin
        await accounts.suspend_user(session, admin_id=901, user_id=902, days=1, reason="x")


async def test_search_plan_trial_and_flag(session: AsyncSession) -> None:
    business = await make_owner(session, 203, name="Choyxona Navruz")
    admin = await _admin(session)
    assert [b.id for b in await accounts.search_businesses(session, query="navruz")] == [
        business.id]
    assert [u.id for u in await accounts.search_users(session, query="203")] == [203]
    card = await accounts.business_card(session, business_id=business.id)
    assert card.plan_code == "starter" and card.subscription_status == "trialing"
    assert card.trial_ends_at is not None
    sub = await accounts.extend_trial(session, admin_id=admin.id, business_id=business.id,
                                      days=7)
    assert sub.trial_ends_at == card.trial_ends_at + timedelta(days=7)
    await accounts.change_plan(session, admin_id=admin.id, business_id=business.id,
                               plan_code="scale")
    await session.commit()
    assert (await accounts.business_card(session, business_id=business.id)).plan_code == "scale"
    with pytest.raises(NotFound):
        await accounts.change_plan(session, admin_id=admin.id, business_id=business.id,
                                   plan_code="gold")
    await accounts.set_flag(session, admin_id=admin.id, business_id=business.id,
                            reason="Chargebacks")
    assert [b.id for b in await accounts.search_businesses(session, query="flagged")] == [
        business.id]
    await _pay(session, 203, "scale")
    with pytest.raises(Conflict):
        await accounts.extend_trial(session, admin_id=admin.id, business_id=business.id,
                                    days=7)
    listed = await accounts.list_invoices(session)  # billing invoices, not subscriptions
    assert listed.total == 0 and listed.rows == []


# --- support -----------------------------------------------------------------------------

async def test_ticket_round_trip_and_response_time(session: AsyncSession) -> None:
    business = await make_owner(session, 204)
    admin = await _admin(session)
    opened = await support.open_ticket(session, user_id=204, business_id=business.id,
                                       subject="Payme", text="The payment failed twice")
    assert opened.status == "open" and opened.response_time is None
    with pytest.raises(NotFound):
        await support.user_ticket(session, user_id=admin.id, ticket_id=opened.id)
    reply_at = opened.created_at + timedelta(minutes=42)
    answered = await support.admin_reply(session, admin_id=admin.id, ticket_id=opened.id,
                                         text="Fixed, please retry", now=reply_at)
    assert answered.response_time == timedelta(minutes=42)
    assert answered.status == "in_progress" and answered.assignee_id == admin.id
    again = await support.admin_reply(session, admin_id=admin.id, ticket_id=opened.id,
                                      text="Anything else?", now=reply_at + timedelta(hours=1))
    assert again.response_time == timedelta(minutes=42)
    assert len(again.replies) == 2
    urgent = await support.open_ticket(session, user_id=204, business_id=None,
                                       subject="Bot down", text="Nothing answers")
    await support.set_priority(session, admin_id=admin.id, ticket_id=urgent.id,
                               priority=support.Priority.URGENT)
    assert [t.id for t in await support.admin_tickets(session)] == [urgent.id, opened.id]
    assert await support.average_response_time(session) == timedelta(minutes=42)
    closed = await support.close_by_user(session, user_id=204, ticket_id=opened.id)
    assert closed.status == "closed"
    with pytest.raises(Conflict):
        await support.admin_reply(session, admin_id=admin.id, ticket_id=opened.id, text="x")
    await support.set_status(session, admin_id=admin.id, ticket_id=urgent.id,
                             status=support.TicketStatus.RESOLVED)
    assert [t.id for t in await support.admin_tickets(session)] == []
