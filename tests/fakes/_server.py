"""A base for the local fake API servers: aiohttp on 127.0.0.1 (random port), a request log
and a queue of scripted failures that the next requests get instead of their answer."""

from __future__ import annotations

import asyncio
import json
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Fail:
    """An error answer: ``status``, a JSON ``body`` (or ``raw`` text), headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: str | None = None


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


async def serve_locally(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on 127.0.0.1 at a free port: the runner (to clean up) and the base URL."""
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._script: deque[Fail] = deque()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        # while set and not open, requests wait at the door (a slow API, deterministically)
        self.gate: asyncio.Event | None = None
        self.arrived = asyncio.Event()
        # a share of requests answered 503 at random (benchmarks: a flaky API)
        self.flaky = 0.0
        self.flaked = 0
        self._rng = random.Random(5)

    def script(self, *failures: Fail) -> None:
        """The next requests get these answers, in order."""
        self._script.extend(failures)

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Any:
        app = web.Application(middlewares=[self._middleware])
        self.routes(app)
        self._runner, self.base_url = await serve_locally(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        body: Any = None
        if raw:
            if request.content_type == "application/json":
                body = json.loads(raw)
            else:
                body = dict(await request.post())
        self.requests.append(Seen(request.method, request.path, dict(request.query),
                                  dict(request.headers), body))
        self.arrived.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.flaky and self._rng.random() < self.flaky:
            self.flaked += 1
            return web.json_response({"error": {"code": 503, "message": "flaky"}}, status=503)
        if self._script:
            fail = self._script.popleft()
            if fail.raw is not None:
                return web.Response(status=fail.status, text=fail.raw, headers=fail.headers,
                                    content_type="application/json")
            return web.json_response(fail.body, status=fail.status, headers=fail.headers)
        response: web.StreamResponse = await handler(request)
        return response

    def calls(self, path_part: str) -> list[Seen]:
        return [r for r in self.requests if path_part in r.path]
