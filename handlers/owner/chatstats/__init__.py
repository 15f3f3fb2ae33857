"""Sales chatbot stats and exports (SPEC §3.9): /chatstats [7|30|90] with an image and the
Export CSV / XLSX buttons, /conversation <id> with its transcript export."""

from handlers.owner.chatstats.steps import router

__all__ = ["router"]
