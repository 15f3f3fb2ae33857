"""The sync job's wiring: registered in the scheduler, and a tick that keeps going when one
connection's run crashes (no database: a stub engine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from bot.config import Settings
from bot.integrations import EXTRAS_KEY, IntegrationRuntime
from bot.scheduler import build_scheduler
from bot.sync_jobs import sync_tick
from services.integrations import RunResult


@dataclass
class StubEngine:
    due_ids: list[int]
    ran: list[int] = field(default_factory=list)

    async def due(self) -> list[int]:
        return self.due_ids

    async def run(self, connection_id: int, *, trigger: str = "schedule") -> RunResult:
        self.ran.append(connection_id)
        if connection_id == 2:
            raise RuntimeError("a bug in one connection")
        return RunResult(connection_id, "busy" if connection_id == 3 else "ok", items=1)


def _app(engine: StubEngine) -> Any:
    runtime = IntegrationRuntime(box=None, clients=None, engine=engine)  # type: ignore[arg-type]
    return SimpleNamespace(extras={EXTRAS_KEY: runtime}, settings=Settings())


async def test_a_tick_runs_every_due_connection_and_survives_a_crash() -> None:
    engine = StubEngine([1, 2, 3, 4])
    assert await sync_tick(_app(engine)) == {"ok": 2, "crashed": 1, "busy": 1}
    assert sorted(engine.ran) == [1, 2, 3, 4]


def test_the_sync_job_is_registered_every_five_minutes() -> None:
    scheduler = build_scheduler(_app(StubEngine([])))
    job = scheduler.get_job("integration_sync")
    assert job is not None and job.max_instances == 1
    assert job.trigger.interval.total_seconds() == 300
