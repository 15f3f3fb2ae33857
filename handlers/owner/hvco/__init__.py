"""HVCO — the lead magnet generator (SPEC §3.6): drafts, deliverables and deep-link codes."""

from handlers.owner.hvco.steps import router

__all__ = ["router"]
