"""Channel integrations (SPEC §3.3, §4): connect Instagram, Facebook, Google Ads and GA4,
see their sync status, sync now, disconnect."""

from handlers.owner.integrations.steps import router

__all__ = ["router"]
