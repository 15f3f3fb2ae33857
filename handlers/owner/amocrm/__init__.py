"""/amocrm (SPEC §4 row 3): connect wizard, status, stage and field mapping, sync now, the
sync log and disconnect."""

from handlers.owner.amocrm.steps import router

__all__ = ["router"]
