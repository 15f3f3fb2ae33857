"""The scheduled-report job: due businesses get one photo per recipient in their language,
and a second run (or a restart) queues nothing more."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from bot.i18n import make_i18n
from bot.report_jobs import queue_due_reports
from services import reports, teams
from services.db.models import AnalyticsSettings, DailyStat, OutboxMessage, ReportRun
from tests.conftest import Database
from tests.factories import add_member, make_owner

MONDAY_10_TASHKENT = datetime(2026, 11, 30, 5, tzinfo=UTC)


async def _seed(db: Database, business_id: int) -> None:
    async with db.sessionmaker.begin() as s:
        for i in range(14):
            s.add(DailyStat(business_id=business_id, day=date(2026, 11, 16) + timedelta(days=i),
                            channel_id=0, spend=100_000, leads=2, orders=1, revenue=500_000,
                            new_customers=1))


def _app(db: Database, settings: object) -> SimpleNamespace:
    return SimpleNamespace(settings=settings, sessionmaker=db.sessionmaker, i18n=make_i18n(),
                           extras={"owner_bot": SimpleNamespace(id=4242001)})


async def test_weekly_reports_are_queued_once_per_recipient(db: Database, settings) -> None:  # type: ignore[no-untyped-def]
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8901, language="uz")
        await add_member(s, business.id, 8902, teams.Role.MANAGER, language="ru")
        await add_member(s, business.id, 8903, teams.Role.VIEWER)  # not opted in
        quiet = await make_owner(s, 8904)  # no numbers: no report
        abroad = await make_owner(s, 8905)
        s.add(AnalyticsSettings(business_id=abroad.id, repeat_window_days=60,
                                timezone="America/New_York"))
        await reports.set_opt_in(s, business_id=business.id, user_id=8902, enabled=True)
        await s.commit()
    await _seed(db, business.id)
    await _seed(db, abroad.id)
    app = _app(db, settings)
    kinds = (reports.ReportKind.WEEKLY,)
    assert await queue_due_reports(app, now=MONDAY_10_TASHKENT, kinds=kinds) == 2
    assert await queue_due_reports(app, now=MONDAY_10_TASHKENT, kinds=kinds) == 0
    async with db.sessionmaker() as s:
        messages = list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.chat_id)))
        assert [m.chat_id for m in messages] == [8901, 8902]
        assert [m.dedup_key for m in messages] == [
            f"report:weekly:{business.id}:2026-W48:8901",
            f"report:weekly:{business.id}:2026-W48:8902"]
        uz, ru = (m.payload for m in messages)
        assert base64.b64decode(uz["photo_b64"]).startswith(b"\x89PNG")
        assert "Haftalik hisobot" in uz["caption"] and "Недельный отчёт" in ru["caption"]
        buttons = [b["text"] for b in uz["reply_markup"]["inline_keyboard"][0]]
        assert buttons == ["📄 PDF", "📊 Excel"]
        runs = {(r.business_id, r.recipients) for r in await s.scalars(select(ReportRun))}
        assert runs == {(business.id, 2), (quiet.id, 0)}  # New York: still Monday night
    # 09:00 Monday in New York: that business's owner gets theirs, nobody else again
    ny_morning = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    assert await queue_due_reports(app, now=ny_morning, kinds=kinds) == 1
    # a restart that lost the run records still queues nothing twice (outbox dedup keys)
    async with db.sessionmaker.begin() as s:
        await s.execute(ReportRun.__table__.delete())
    assert await queue_due_reports(app, now=ny_morning, kinds=kinds) == 0
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 3


async def test_daily_briefs_are_due_every_morning(db: Database, settings) -> None:  # type: ignore[no-untyped-def]
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8906, language="en")
    await _seed(db, business.id)
    app = _app(db, settings)
    kinds = (reports.ReportKind.DAILY,)
    early = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)  # 08:30 in Tashkent
    assert await queue_due_reports(app, now=early, kinds=kinds) == 0
    assert await queue_due_reports(app, now=early + timedelta(hours=1), kinds=kinds) == 1
    assert await queue_due_reports(app, now=early + timedelta(days=1, hours=1),
                                   kinds=kinds) == 1
    async with db.sessionmaker() as s:
        keys = sorted(m.dedup_key for m in await s.scalars(select(OutboxMessage)))
        caption = (await s.scalars(select(OutboxMessage))).first().payload["caption"]
    assert keys == [f"report:daily:{business.id}:2026-11-26:8906",
                    f"report:daily:{business.id}:2026-11-27:8906"]
    assert "Daily brief" in caption and "Week to date" in caption
