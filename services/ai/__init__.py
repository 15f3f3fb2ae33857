"""The AI gateway: every AI feature asks the model through here.

Without a key, past the rate limit, or when the model fails or runs out of time, the caller's
fallback answers instead (deterministic rules and templates), so no feature depends on a key.
"""

from services.ai.gateway import AIGateway
from services.ai.types import AIReply, AIRequest, Fallback, OnText, Turn

__all__ = ["AIGateway", "AIReply", "AIRequest", "Fallback", "OnText", "Turn"]
