"""A fake Payme: sends the Merchant API's JSON-RPC calls the way Payme does (Basic auth,
tiyin, millisecond times) to our endpoint over real HTTP."""

from __future__ import annotations

import base64
import itertools
import time
from typing import Any

import aiohttp


def basic(key: str, login: str = "Paycom") -> str:
    return "Basic " + base64.b64encode(f"{login}:{key}".encode()).decode()


class PaymeCaller:
    def __init__(self, url: str, key: str) -> None:
        self.url = url
        self.key = key
        self._ids = itertools.count(1)

    async def raw(self, body: bytes | str, *, authorization: str | None = None,
                  method: str = "POST") -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        async with aiohttp.ClientSession() as http, http.request(
                method, self.url, data=body, headers=headers) as response:
            return response.status, await response.json(content_type=None)

    async def call(self, method: str, params: dict[str, Any], *,
                   key: str | None = None) -> dict[str, Any]:
        import json

        body = json.dumps({"jsonrpc": "2.0", "id": next(self._ids), "method": method,
                           "params": params})
        status, reply = await self.raw(body, authorization=basic(key or self.key))
        assert status == 200, status
        assert isinstance(reply, dict)
        return reply

    @staticmethod
    def now_ms() -> int:
        return int(time.time() * 1000)

    async def check_perform(self, order_id: int | str, amount: int) -> dict[str, Any]:
        return await self.call("CheckPerformTransaction",
                               {"amount": amount, "account": {"order_id": str(order_id)}})

    async def create(self, tx_id: str, order_id: int | str, amount: int,
                     at: int | None = None) -> dict[str, Any]:
        return await self.call("CreateTransaction", {
            "id": tx_id, "time": at or self.now_ms(), "amount": amount,
            "account": {"order_id": str(order_id)}})

    async def perform(self, tx_id: str) -> dict[str, Any]:
        return await self.call("PerformTransaction", {"id": tx_id})

    async def cancel(self, tx_id: str, reason: int) -> dict[str, Any]:
        return await self.call("CancelTransaction", {"id": tx_id, "reason": reason})

    async def check(self, tx_id: str) -> dict[str, Any]:
        return await self.call("CheckTransaction", {"id": tx_id})

    async def statement(self, start: int, end: int) -> dict[str, Any]:
        return await self.call("GetStatement", {"from": start, "to": end})
