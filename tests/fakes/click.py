"""A fake Click: signs and posts SHOP-API Prepare/Complete requests (form-encoded strings)."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import aiohttp


class ClickCaller:
    def __init__(self, base_url: str, *, service_id: str, secret_key: str) -> None:
        self.base_url = base_url
        self.service_id = service_id
        self.secret_key = secret_key
        self._ids = itertools.count(7_000_001)

    def next_id(self) -> str:
        return str(next(self._ids))

    def sign(self, fields: dict[str, str]) -> str:
        parts = [fields["click_trans_id"], fields["service_id"], self.secret_key,
                 fields["merchant_trans_id"]]
        if fields["action"] == "1":
            parts.append(fields["merchant_prepare_id"])
        parts += [fields["amount"], fields["action"], fields["sign_time"]]
        return hashlib.md5("".join(parts).encode()).hexdigest()

    def fields(self, *, action: str, click_trans_id: str, order_id: int | str, amount: str,
               prepare_id: int | str | None = None, error: str = "0") -> dict[str, str]:
        fields = {"click_trans_id": click_trans_id, "service_id": self.service_id,
                  "click_paydoc_id": "55" + click_trans_id, "merchant_trans_id": str(order_id),
                  "amount": amount, "action": action, "error": error,
                  "error_note": "Success" if error == "0" else "Failed",
                  "sign_time": "2026-12-01 10:00:00"}
        if prepare_id is not None:
            fields["merchant_prepare_id"] = str(prepare_id)
        fields["sign_string"] = self.sign(fields)
        return fields

    async def post(self, path: str, fields: dict[str, str] | str) -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.post(
                self.base_url + path, data=fields) as response:
            assert response.status == 200, response.status
            reply = await response.json(content_type=None)
        assert isinstance(reply, dict)
        return reply

    async def prepare(self, click_trans_id: str, order_id: int | str, amount: str,
                      **overrides: str) -> dict[str, Any]:
        fields = self.fields(action="0", click_trans_id=click_trans_id, order_id=order_id,
                             amount=amount)
        fields.update(overrides)
        return await self.post("/payments/click/prepare", fields)

    async def complete(self, click_trans_id: str, order_id: int | str, amount: str,
                       prepare_id: int | str, *, error: str = "0",
                       **overrides: str) -> dict[str, Any]:
        fields = self.fields(action="1", click_trans_id=click_trans_id, order_id=order_id,
                             amount=amount, prepare_id=prepare_id, error=error)
        fields.update(overrides)
        return await self.post("/payments/click/complete", fields)
