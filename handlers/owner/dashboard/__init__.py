"""The dashboard (SPEC §3.8): /dashboard, /kpi and the CLV assumptions (/assumptions)."""

from handlers.owner.dashboard.steps import router

__all__ = ["router"]
