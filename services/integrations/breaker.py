"""The circuit breaker per (business, integration), kept on the connection row.

Persisted rather than in-process: the scheduler, the owner bot's "sync now" and several
worker processes must agree, and a restart must not hammer an API that was failing. States:

* closed — ``breaker_open_until`` is None: runs go ahead; each failure adds one to
  ``failures`` and ``threshold`` failures in a row open the breaker;
* open — now < ``breaker_open_until``: runs are skipped without a call;
* half-open — the cool-down has passed: the next run is the trial (the run lease makes it the
  only one). Success closes the breaker; failure re-opens it for twice as long (capped).

An expired token (``auth_expired``) opens nothing: the connection is marked and waits for the
owner instead of being retried on a timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    threshold: int = 3
    cooldown: timedelta = timedelta(minutes=30)
    max_cooldown: timedelta = timedelta(hours=24)

    def cooldown_after(self, failures: int) -> timedelta:
        """How long the breaker stays open after ``failures`` failed runs in a row."""
        doublings = max(failures - self.threshold, 0)
        longer: timedelta = self.cooldown * (2 ** min(doublings, 16))
        return min(longer, self.max_cooldown)


@dataclass(frozen=True, slots=True)
class Breaker:
    failures: int
    open_until: datetime | None

    def state(self, now: datetime) -> BreakerState:
        if self.open_until is None:
            return BreakerState.CLOSED
        return BreakerState.OPEN if now < self.open_until else BreakerState.HALF_OPEN

    def allows(self, now: datetime) -> bool:
        return self.state(now) is not BreakerState.OPEN

    def success(self) -> Breaker:
        return Breaker(0, None)

    def failure(self, now: datetime, policy: BreakerPolicy) -> Breaker:
        failures = self.failures + 1
        if failures < policy.threshold:
            return Breaker(failures, None)
        return Breaker(failures, now + policy.cooldown_after(failures))
