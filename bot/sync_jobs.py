"""The hourly integration sync job.

The scheduler ticks every five minutes; each tick runs the connections whose business's slot
(a fixed minute of the hour, ``services.integrations.slot_minute``) has come since their last
run, so the businesses are spread over the hour and a missed hour is caught up. A run takes
its connection's lease in the database, so it never overlaps itself, whichever process (the
scheduler, a second scheduler during a deploy, the owner's "sync now") starts it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

from bot.integrations import runtime

log = logging.getLogger(__name__)
CONCURRENCY = 4  # runs at once per tick: each waits on the network, not on the CPU


async def sync_tick(app: Any) -> dict[str, int]:
    """Run every due connection (a few at a time); returns how many ended how."""
    engine = runtime(app).engine
    due = await engine.due()
    gate = asyncio.Semaphore(CONCURRENCY)
    outcomes: Counter[str] = Counter()

    async def one(connection_id: int) -> None:
        async with gate:
            try:
                result = await engine.run(connection_id)
            except Exception:  # one broken connection must not stop the tick
                log.exception("integration sync of connection %s failed", connection_id)
                outcomes["crashed"] += 1
                return
            outcomes[result.status] += 1

    await asyncio.gather(*(one(c) for c in due))
    return dict(outcomes)
