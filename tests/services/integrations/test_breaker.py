"""The circuit breaker's states and cool-downs, and the hourly slot spreading (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.competitors.telegram_preview import CircuitBreaker, CircuitOpen
from services.integrations import Breaker, BreakerPolicy, BreakerState, latest_slot, slot_minute
from services.integrations.http import RetryPolicy, retry_after_seconds

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
POLICY = BreakerPolicy(threshold=3, cooldown=timedelta(minutes=30),
                       max_cooldown=timedelta(hours=2))


def test_breaker_opens_after_threshold_failures_and_half_opens_after_cooldown() -> None:
    breaker = Breaker(0, None)
    for _ in range(2):
        breaker = breaker.failure(NOW, POLICY)
        assert breaker.state(NOW) is BreakerState.CLOSED
    breaker = breaker.failure(NOW, POLICY)
    assert breaker.state(NOW + timedelta(minutes=29)) is BreakerState.OPEN
    assert not breaker.allows(NOW + timedelta(minutes=29))
    assert breaker.state(NOW + timedelta(minutes=30)) is BreakerState.HALF_OPEN
    assert breaker.success() == Breaker(0, None)


def test_a_failed_trial_doubles_the_cooldown_up_to_the_cap() -> None:
    breaker = Breaker(3, NOW)
    lengths = []
    for _ in range(4):
        breaker = breaker.failure(NOW, POLICY)
        assert breaker.open_until is not None
        lengths.append(breaker.open_until - NOW)
    assert lengths == [timedelta(hours=1), timedelta(hours=2), timedelta(hours=2),
                       timedelta(hours=2)]


def test_slots_spread_businesses_over_the_hour_deterministically() -> None:
    minutes = [slot_minute(b) for b in range(1, 601)]
    assert minutes == [slot_minute(b) for b in range(1, 601)]
    per_minute = [minutes.count(m) for m in range(60)]
    assert per_minute == [10] * 60  # sequential ids spread exactly evenly
    business = 42
    at = NOW.replace(minute=slot_minute(business))
    assert latest_slot(business, at) == at
    assert latest_slot(business, at - timedelta(seconds=1)) == at - timedelta(hours=1)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Tue, 01 Dec 2020 10:00:00 GMT") == 0.0  # in the past
    later = retry_after_seconds("Fri, 01 Dec 2090 10:00:00 GMT")
    assert later is not None and later > 3600


def test_backoff_is_jittered_within_the_doubling_window_and_capped() -> None:
    import random

    policy, rng = RetryPolicy(max_retries=5, base=1.0, cap=5.0), random.Random(3)
    for attempt, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (5, 5.0)):
        waits = [policy.delay(attempt, None, rng) for _ in range(50)]
        assert all(0 <= w <= ceiling for w in waits) and max(waits) > ceiling / 2
    assert policy.delay(1, 3.0, rng) == 3.0 and policy.delay(1, 99.0, rng) == 5.0
    plain = RetryPolicy(base=0.5, cap=8.0, jitter=False)  # the t.me reader's steps
    assert [plain.delay(n, None) for n in (1, 2, 3, 5, 6)] == [0.5, 1.0, 2.0, 8.0, 8.0]


def test_the_tme_client_holds_the_same_breaker_in_process() -> None:
    now = [1000.0]
    tme = CircuitBreaker(threshold=2, cooldown=60, clock=lambda: now[0])
    tme.failure()
    tme.check()  # one failure: still closed
    tme.failure()
    with pytest.raises(CircuitOpen):
        tme.check()
    now[0] += 60  # half-open: the trial goes ahead, fails, and re-opens for the cool-down
    tme.check()
    tme.failure()
    assert tme.is_open and tme.failures == 3
    now[0] += 59
    assert tme.is_open
    now[0] += 1
    tme.check()
    tme.success()
    assert not tme.is_open and tme.failures == 0
