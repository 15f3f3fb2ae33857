"""The weekly strategy check-in push: on Monday after 09:00 in each business's time zone, the
businesses with a plan for the month get one text per recipient in their language; opt-outs
are honoured and a second tick (or a restart) queues nothing more."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from bot.checkin_jobs import queue_due_checkins
from bot.i18n import make_i18n
from services import checkins, strategy, teams
from services.db.models import AnalyticsSettings, DailyStat, OutboxMessage, ReportRun, Strategy
from tests.conftest import Database
from tests.factories import add_member, make_owner

MONDAY_10_TASHKENT = datetime(2026, 12, 7, 5, tzinfo=UTC)  # Monday 7 Dec, 10:00 in Tashkent
PLAN = {"goals": [{"kind": "revenue", "target": 10_000_000}, {"kind": "leads", "target": 100}]}


def _app(db: Database, settings: object) -> SimpleNamespace:
    return SimpleNamespace(settings=settings, sessionmaker=db.sessionmaker, i18n=make_i18n(),
                           extras={"owner_bot": SimpleNamespace(id=4242001)})


async def test_weekly_checkins_follow_the_plan_opt_ins_and_time_zones(db: Database, settings  # type: ignore[no-untyped-def]
                                                                      ) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8951, language="en")
        await add_member(s, business.id, 8952, teams.Role.MANAGER, language="ru")
        await add_member(s, business.id, 8953, teams.Role.VIEWER)  # not opted in
        opted_out = await make_owner(s, 8954)
        no_plan = await make_owner(s, 8955)
        abroad = await make_owner(s, 8956)
        s.add(AnalyticsSettings(business_id=abroad.id, repeat_window_days=60,
                                timezone="America/New_York"))
        for b in (business, opted_out, abroad):
            await strategy.save_plan(s, business_id=b.id, month="2026-12", plan=PLAN,
                                     source="rules")
        await checkins.set_opt_in(s, business_id=business.id, user_id=8952, enabled=True)
        await checkins.set_opt_in(s, business_id=opted_out.id, user_id=8954, enabled=False)
        for i in range(7):
            s.add(DailyStat(business_id=business.id, day=date(2026, 12, 1) + timedelta(days=i),
                            channel_id=0, leads=2, orders=1, revenue=500_000))
        await s.commit()
    app = _app(db, settings)
    sunday = MONDAY_10_TASHKENT - timedelta(days=1)
    monday_8am = MONDAY_10_TASHKENT - timedelta(hours=2)
    assert await queue_due_checkins(app, now=sunday) == 0
    assert await queue_due_checkins(app, now=monday_8am) == 0
    assert await queue_due_checkins(app, now=MONDAY_10_TASHKENT) == 2
    assert await queue_due_checkins(app, now=MONDAY_10_TASHKENT) == 0
    async with db.sessionmaker() as s:
        messages = list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.chat_id)))
        assert [m.chat_id for m in messages] == [8951, 8952]
        assert [m.dedup_key for m in messages] == [f"checkin:{business.id}:2026-W50:8951",
                                                   f"checkin:{business.id}:2026-W50:8952"]
        en, ru = (m.payload["text"] for m in messages)
        assert "Weekly strategy check-in" in en
        assert "Revenue 3,500,000 so'm of 10,000,000 so'm (35%)." in en
        assert "Leads 14 of 100 (14%)." in en
        assert "Еженедельная сверка со стратегией" in ru
        runs = {(r.business_id, r.recipients) for r in await s.scalars(
            select(ReportRun).where(ReportRun.kind == "checkin"))}
        assert runs == {(business.id, 2), (opted_out.id, 0)}  # no plan: no run; NY: night
        assert no_plan.id not in {b for b, _ in runs}
        saved = await s.scalar(select(Strategy).where(Strategy.business_id == business.id))
        assert saved is not None and len(saved.checkins) == 1  # kept with the plan
    ny_morning = datetime(2026, 12, 7, 14, 5, tzinfo=UTC)
    assert await queue_due_checkins(app, now=ny_morning) == 1
    async with db.sessionmaker.begin() as s:  # a restart that lost the runs: dedup keys hold
        await s.execute(ReportRun.__table__.delete())
    assert await queue_due_checkins(app, now=ny_morning) == 0
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 3
