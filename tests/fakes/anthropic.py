"""A local fake of the Anthropic Messages API (PROTOCOLS.md §6), scriptable per test.

``async with FakeAnthropic() as fake:`` serves ``POST /v1/messages`` on 127.0.0.1 (random
port); point ``AsyncAnthropic(base_url=fake.base_url)`` at it. Each request takes the next
scripted behaviour (``fake.script(...)``), or ``fake.default`` when the script is empty, and is
recorded (headers, body) in ``fake.requests``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes._server import serve_locally


@dataclass
class Reply:
    """A successful answer: streamed as ``chunks`` (with ``delay`` seconds before each one),
    or joined for a non-streaming request. ``cut_after`` closes the stream after that many
    chunks without ``message_stop``; ``error_after`` sends ``event: error`` instead."""

    chunks: list[str] = field(default_factory=lambda: ["Hello", " from", " Claude."])
    delay: float = 0.0
    first_delay: float = 0.0
    input_tokens: int = 120
    output_tokens: int = 30
    stop_reason: str = "end_turn"
    cut_after: int | None = None
    error_after: int | None = None
    error_type: str = "overloaded_error"


@dataclass
class Fail:
    """An HTTP error with Anthropic's error body."""

    status: int
    type: str = "api_error"
    message: str = "Internal server error"
    retry_after: float | None = None


@dataclass
class Hang:
    """Accept the request and answer nothing for ``seconds``."""

    seconds: float = 60.0


@dataclass
class Malformed:
    """HTTP 200 with a body (or SSE data line) that is not JSON."""


Behaviour = Reply | Fail | Hang | Malformed


@dataclass
class Recorded:
    headers: dict[str, str]
    body: dict[str, Any]


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


class FakeAnthropic:
    def __init__(self, api_key: str = "test-key") -> None:
        self.api_key = api_key
        self.default: Behaviour = Reply()
        self.requests: list[Recorded] = []
        self.first_token_at: list[float] = []  # time.time() each stream's first text went out
        self._script: deque[Behaviour] = deque()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next requests, in order."""
        self._script.extend(behaviours)

    async def __aenter__(self) -> FakeAnthropic:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        self._runner, self.base_url = await serve_locally(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _authorized(self, request: web.Request) -> bool:
        return (request.headers.get("X-Api-Key") == self.api_key
                or request.headers.get("Authorization") == f"Bearer {self.api_key}")

    @staticmethod
    def _error(status: int, kind: str, message: str,
               headers: dict[str, str] | None = None) -> web.Response:
        body = {"type": "error", "error": {"type": kind, "message": message},
                "request_id": "req_fake"}
        return web.json_response(body, status=status,
                                 headers={"request-id": "req_fake", **(headers or {})})

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        self.requests.append(Recorded(dict(request.headers), body))
        if not self._authorized(request):
            return self._error(401, "authentication_error", "invalid x-api-key")
        if not body.get("messages") or not body.get("model") or not body.get("max_tokens"):
            return self._error(400, "invalid_request_error", "messages: field required")
        behaviour = self._script.popleft() if self._script else self.default
        if isinstance(behaviour, Fail):
            headers = {}
            if behaviour.retry_after is not None:
                headers["retry-after"] = str(behaviour.retry_after)
            return self._error(behaviour.status, behaviour.type, behaviour.message, headers)
        if isinstance(behaviour, Hang):
            await asyncio.sleep(behaviour.seconds)
            return self._error(504, "timeout_error", "hung")
        if body.get("stream"):
            return await self._stream(request, body, behaviour)
        if isinstance(behaviour, Malformed):
            return web.Response(text='{"id": "msg_1", "content": [', status=200,
                                content_type="application/json")
        assert isinstance(behaviour, Reply)
        await asyncio.sleep(behaviour.first_delay + behaviour.delay * len(behaviour.chunks))
        return web.json_response({
            "id": "msg_fake", "type": "message", "role": "assistant", "model": body["model"],
            "content": [{"type": "text", "text": "".join(behaviour.chunks)}],
            "stop_reason": behaviour.stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": behaviour.input_tokens,
                      "output_tokens": behaviour.output_tokens},
        }, headers={"request-id": "req_fake"})

    async def _stream(self, request: web.Request, body: dict[str, Any],
                      behaviour: Behaviour) -> web.StreamResponse:
        try:
            return await self._events(request, body, behaviour)
        except ConnectionResetError:  # the client gave up (its time budget ran out)
            return web.Response(status=499)

    async def _events(self, request: web.Request, body: dict[str, Any],
                      behaviour: Behaviour) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "request-id": "req_fake"})
        await response.prepare(request)
        if isinstance(behaviour, Malformed):
            await response.write(b"event: message_start\ndata: {not json\n\n")
            await response.write_eof()
            return response
        assert isinstance(behaviour, Reply)
        message = {"id": "msg_fake", "type": "message", "role": "assistant",
                   "model": body["model"], "content": [], "stop_reason": None,
                   "stop_sequence": None,
                   "usage": {"input_tokens": behaviour.input_tokens, "output_tokens": 1}}
        await response.write(_sse("message_start", {"type": "message_start",
                                                    "message": message}))
        await response.write(_sse("ping", {"type": "ping"}))
        await response.write(_sse("content_block_start", {
            "type": "content_block_start", "index": 0,
            "content_block": {"type": "text", "text": ""}}))
        await asyncio.sleep(behaviour.first_delay)
        for index, chunk in enumerate(behaviour.chunks):
            if behaviour.error_after == index:
                await response.write(_sse("error", {"type": "error", "error": {
                    "type": behaviour.error_type, "message": "Overloaded"}}))
                await response.write_eof()
                return response
            if behaviour.cut_after == index:
                await response.write_eof()
                return response
            await asyncio.sleep(behaviour.delay)
            await response.write(_sse("content_block_delta", {
                "type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": chunk}}))
            if index == 0:
                self.first_token_at.append(time.time())
        if behaviour.error_after is not None and behaviour.error_after >= len(behaviour.chunks):
            await response.write(_sse("error", {"type": "error", "error": {
                "type": behaviour.error_type, "message": "Overloaded"}}))
            await response.write_eof()
            return response
        await response.write(_sse("content_block_stop", {"type": "content_block_stop",
                                                         "index": 0}))
        await response.write(_sse("message_delta", {
            "type": "message_delta",
            "delta": {"stop_reason": behaviour.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": behaviour.output_tokens}}))
        await response.write(_sse("message_stop", {"type": "message_stop"}))
        await response.write_eof()
        return response
