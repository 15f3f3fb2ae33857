"""Typed errors of the integration clients; ``code`` is what a sync run records."""

from __future__ import annotations

from services.errors import DomainError


class IntegrationError(DomainError):
    """An external API call failed (``kind`` and ``detail`` say which and how)."""

    code = "integration_error"


class AuthExpired(IntegrationError):
    """The token is expired or revoked (Graph code 190, Google 401/invalid_grant): the owner
    must reconnect; retrying will not help."""

    code = "auth_expired"


class RateLimited(IntegrationError):
    """429 (or Graph codes 4/17/32/613) after the retries; ``retry_after`` in seconds."""

    code = "rate_limited"


class Unavailable(IntegrationError):
    """5xx, timeouts or connection errors after the retries."""

    code = "unavailable"


class BadResponse(IntegrationError):
    """The API answered something we cannot read, or refused the request (4xx)."""

    code = "bad_response"


class CircuitOpen(IntegrationError):
    """The circuit breaker is open: no call is made until ``until``."""

    code = "circuit_open"
