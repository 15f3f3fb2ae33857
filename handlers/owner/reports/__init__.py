"""Reports (SPEC §3.8): /report on demand, PDF and Excel exports, the scheduled-report opt-in."""

from handlers.owner.reports.steps import router

__all__ = ["router"]
