"""/chatbot (SPEC §3.9): the business's own bot — connect by token, pause, resume, replace
the token, disconnect — and the operators' hand-off cards (Reply relays, Close returns the
customer to the bot)."""

from handlers.owner.chatbot.steps import router

__all__ = ["router"]
