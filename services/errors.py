"""One hierarchy of domain errors.

Services raise these; the transport (owner bot, sales bot, webhooks) turns them into a
localized message. Errors carry machine-readable data only, never user-facing text.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code: str = "domain_error"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(f"{self.code} {params}" if params else self.code)


class NotFound(DomainError):
    """The record does not exist, or is not visible to the caller's business."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The caller's role lacks the permission (``params['permission']``)."""

    code = "permission_denied"


class NoBusiness(DomainError):
    """The action needs a current business and the user has none."""

    code = "no_business"


class LimitExceeded(DomainError):
    """A plan limit is used up (``resource``, ``used``, ``limit``, ``plan``)."""

    code = "limit_exceeded"


class SubscriptionInactive(DomainError):
    """The trial or subscription ended: the business is read-only until paid."""

    code = "subscription_inactive"


class InvalidInput(DomainError):
    """A field failed validation (``field``, ``reason`` and reason-specific params)."""

    code = "invalid_input"

    @property
    def field(self) -> str:
        return str(self.params.get("field", ""))

    @property
    def reason(self) -> str:
        return str(self.params.get("reason", ""))


class InviteInvalid(DomainError):
    """An invite is unknown, used, expired or revoked (``reason``)."""

    code = "invite_invalid"


class Conflict(DomainError):
    """The action conflicts with the current state (``reason``)."""

    code = "conflict"
