"""Data in from files and free text (issue 4): /import of CSV/XLSX documents with a preview,
and proposals read from plain messages (``text_entry.propose``, called by the idle fallback)."""

from aiogram import Router

from handlers.owner.imports import steps, text_entry

router = Router(name="imports")
router.include_routers(steps.router, text_entry.router)

__all__ = ["router"]
