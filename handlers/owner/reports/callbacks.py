"""The report buttons' data. Scheduled reports queued by the scheduler carry the same buttons,
so the class lives in ``bot.reports`` and is re-exported here."""

from bot.reports import ReportAction, ReportCB

__all__ = ["ReportAction", "ReportCB"]
