"""The outbound queue processor, the inbound apply (webhooks and reconciliation) and the
notes/tasks the chatbot hands off.

Durability (docs/decisions.md): an item is claimed (``sending``) and committed before any
request leaves; a create first commits ``AmoLink.create_sent_at``; the AmoCRM id is
committed as soon as the response arrives. A restart puts stale claims back to pending, and a
retried create whose outcome was unknown searches AmoCRM for its marker (deals: the
"BiznesPilot ID" field; contacts: the phone; notes and tasks: their text) before creating.
So a crash at any point loses nothing and creates nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import sales
from services.amocrm import hooks
from services.amocrm import mapping as mp
from services.amocrm.accounts import Token, access_token, add_log, error_text, plan_allows
from services.amocrm.client import AmoAuthError, AmoError, AmoNotFound, AmoValidationError
from services.amocrm.runtime import AmoRuntime
from services.db.models import AmoAccount, AmoLink, AmoQueueItem, Customer, Lead, Order
from services.errors import DomainError, NotFound
from services.validation import parse_phone

log = logging.getLogger(__name__)

BATCH = 50  # leads per /api/v4/leads/complex call (the documented maximum)
MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=5)
CLAIM_LIMIT = 200
NOTE_WAIT = timedelta(seconds=30)


# --------------------------------------------------------------------------- public API


async def add_note(session: AsyncSession, *, business_id: int, lead_id: int, text: str,
                   key: str | None = None) -> bool:
    """Queue a note (an owner note, a chatbot transcript) on the lead's AmoCRM deal; with
    ``key``, only the first call for that key queues it."""
    account_id = await hooks.connected_account(session, business_id)
    if account_id is None or not text.strip():
        return False
    await _own_lead(session, business_id, lead_id)
    return await hooks.enqueue(session, business_id=business_id, account_id=account_id,
                               kind="note", entity="lead", local_id=lead_id,
                               payload={"text": text[:20000]}, key=key)


async def add_task(session: AsyncSession, *, business_id: int, lead_id: int, text: str,
                   due_at: datetime, key: str | None = None) -> bool:
    """Queue an AmoCRM task on the lead's deal (e.g. "call back": a chatbot hand-off); with
    ``key``, only the first call for that key queues it."""
    account_id = await hooks.connected_account(session, business_id)
    if account_id is None:
        return False
    await _own_lead(session, business_id, lead_id)
    return await hooks.enqueue(session, business_id=business_id, account_id=account_id,
                               kind="task", entity="lead", local_id=lead_id,
                               payload={"text": text[:2000], "due": int(due_at.timestamp())},
                               key=key)


async def _own_lead(session: AsyncSession, business_id: int, lead_id: int) -> None:
    found = await session.scalar(select(Lead.id).where(Lead.id == lead_id,
                                                       Lead.business_id == business_id))
    if found is None:
        raise NotFound(entity="lead", id=lead_id)


async def handoff(session: AsyncSession, *, business_id: int, lead_id: int, transcript: str,
                  task_text: str, due_at: datetime, key: str | None = None) -> bool:
    """A chatbot hand-off: the transcript as a note and a task for the responsible user.

    Idempotent per hand-off: ``key`` names it (e.g. ``"conv-<conversation id>-<n>"``, n the
    hand-off's number in that conversation); a second call with the same key — a retried
    update, a double press — queues nothing and returns False. Without a key the lead and
    the texts are the key, so only an exact repeat is dropped. Returns whether anything was
    queued (False also when AmoCRM is not connected). Raises ``NotFound`` for a lead of
    another business."""
    if key is None:
        key = "auto-" + hashlib.sha256(
            f"{lead_id}\x00{task_text}\x00{transcript}".encode()).hexdigest()[:40]
    base = f"handoff:{lead_id}:{key}"
    noted = await add_note(session, business_id=business_id, lead_id=lead_id, text=transcript,
                           key=base + ":note")
    tasked = await add_task(session, business_id=business_id, lead_id=lead_id, text=task_text,
                            due_at=due_at, key=base + ":task")
    return noted or tasked


async def recover_interrupted(sessionmaker: async_sessionmaker[AsyncSession], *,
                              now: datetime, all_claims: bool = False) -> int:
    """Claims a stopped worker left ``sending`` go back to pending (at start-up, every claim
    of this single process; otherwise those older than ``STALE_CLAIM``)."""
    async with sessionmaker.begin() as session:
        query = update(AmoQueueItem).where(AmoQueueItem.status == "sending")
        if not all_claims:
            query = query.where(AmoQueueItem.claimed_at < now - STALE_CLAIM)
        result = await session.execute(query.values(status="pending", claimed_at=None))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def queue_depth(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AmoQueueItem).where(
        AmoQueueItem.status.in_(("pending", "sending")))) or 0)


# --------------------------------------------------------------------------- processor


class _Outage(Exception):
    """AmoCRM failed after the client's retries: stop this account's pass."""


@dataclass
class Item:
    id: int
    business_id: int
    account_id: int
    kind: str
    entity: str
    local_id: int
    payload: dict[str, Any]
    attempts: int
    sent_at: datetime | None


@dataclass
class Ctx:
    account_id: int
    business_id: int
    subdomain: str
    mapping: dict[str, Any]
    pipelines: list[dict[str, Any]]
    responsible: int | None
    token: Token | None = None
    done: int = 0


@dataclass
class Push:
    item: Item
    entity: str  # lead / order / customer (an order with a lead pushes that lead)
    local_id: int
    values: dict[str, Any]
    link_id: int
    amo_id: int | None
    contact_id: int | None
    synced: dict[str, Any]
    unknown: bool  # a create was sent before and its outcome is unknown
    extra: dict[str, Any] = field(default_factory=dict)


class Processor:
    """Claims due items and pushes them to AmoCRM, per account at its rate limit."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession],
                 runtime: AmoRuntime) -> None:
        self.sessionmaker, self.runtime = sessionmaker, runtime

    async def run_once(self) -> int:
        """One pass over the due items; returns how many were claimed."""
        items = await self._claim()
        by_account: dict[int, list[Item]] = defaultdict(list)
        for item in items:
            by_account[item.account_id].append(item)
        for account_id, group in by_account.items():
            await self._account(account_id, group)
        return len(items)

    async def run_until_idle(self, *, max_passes: int = 100) -> int:
        total = 0
        for _ in range(max_passes):
            claimed = await self.run_once()
            total += claimed
            if not claimed:
                break
        return total

    async def _claim(self) -> list[Item]:
        now = self.runtime.now()
        async with self.sessionmaker.begin() as session:
            rows = list(await session.scalars(
                select(AmoQueueItem).where(AmoQueueItem.status == "pending",
                                           AmoQueueItem.due_at <= now)
                .order_by(AmoQueueItem.id).limit(CLAIM_LIMIT)
                .with_for_update(skip_locked=True)))
            for row in rows:
                row.status, row.claimed_at, row.attempts = "sending", now, row.attempts + 1
            return [Item(r.id, r.business_id, r.account_id, r.kind, r.entity, r.local_id,
                         dict(r.payload or {}), r.attempts, r.sent_at) for r in rows]

    async def _account(self, account_id: int, items: list[Item]) -> None:
        async with self.sessionmaker() as session:
            account = await session.get(AmoAccount, account_id)
            if account is None:
                return
            ctx = Ctx(account.id, account.business_id, account.subdomain,
                      dict(account.mapping or {}), list(account.pipelines or []),
                      (account.mapping or {}).get("responsible_user_id") or account.amo_user_id)
            broken = account.status != "connected"  # refused, or being re-authorised
            try:
                allowed = await plan_allows(session, business_id=account.business_id)
            except DomainError:  # no subscription at all
                allowed = False
        if broken or not allowed:  # kept, not lost: they go once this is fixed
            await self._finish_all(ctx, items, "pending", "reauthorise" if broken else "plan",
                                   retry=timedelta(minutes=30), count_attempt=False)
            return
        upserts = [i for i in items if i.kind == "upsert"]
        others = [i for i in items if i.kind != "upsert"]
        try:
            # contacts before deals (an order's deal links its customer's contact)
            for group in ([i for i in upserts if i.entity == "customer"],
                          [i for i in upserts if i.entity != "customer"]):
                if group:
                    await self._upserts(ctx, group)
            for item in others:
                if item.kind == "close":
                    await self._close(ctx, item)
                else:
                    await self._note_or_task(ctx, item)
        except AmoAuthError as exc:  # the grant is gone: nothing more until re-authorised
            left = [i for i in items if not await self._is_finished(i.id)]
            await self._finish_all(ctx, left, "pending", error_text(exc),
                                   retry=timedelta(minutes=30), count_attempt=False)
        except _Outage:  # the breaker opens: the rest wait, their attempts not counted
            outages = self.runtime.outages
            outages[account_id] = outages.get(account_id, 0) + 1
            left = [i for i in items if not await self._is_finished(i.id)]
            await self._finish_all(ctx, left, "pending", "outage",
                                   retry=self.runtime.cooldown(account_id),
                                   count_attempt=False)
        else:
            self.runtime.outages.pop(account_id, None)
        async with self.sessionmaker.begin() as session:
            values: dict[str, Any] = {"last_sync_at": self.runtime.now()}
            if ctx.done:
                values.update(last_error=None)
            await session.execute(update(AmoAccount).where(AmoAccount.id == account_id)
                                  .values(**values))

    async def _is_finished(self, item_id: int) -> bool:
        async with self.sessionmaker() as session:
            status = await session.scalar(select(AmoQueueItem.status).where(
                AmoQueueItem.id == item_id))
        return status != "sending"

    # ------------------------------------------------------------------ requests

    async def _call(self, ctx: Ctx, method: str, path: str, **kwargs: Any) -> Any:
        """One request with the account's token; a 401 refreshes (once) and retries."""
        client = self.runtime.client(ctx.subdomain)
        if ctx.token is None:
            ctx.token = await access_token(self.sessionmaker, self.runtime, ctx.account_id)
        try:
            return await client.request(method, path, token=ctx.token.value, **kwargs)
        except AmoAuthError:
            ctx.token = await access_token(self.sessionmaker, self.runtime, ctx.account_id,
                                           stale=ctx.token.version)
            return await client.request(method, path, token=ctx.token.value, **kwargs)

    # ------------------------------------------------------------------ upserts

    async def _upserts(self, ctx: Ctx, items: list[Item]) -> None:
        pushes: list[Push] = []
        seen: set[tuple[str, int]] = set()
        async with self.sessionmaker.begin() as session:
            for item in items:
                push = await self._prepare(session, ctx, item)
                # an order and its lead (or two passes' items) can name the same deal: once
                if push is None or (push.entity, push.local_id) in seen:
                    await self._finish(session, ctx, item, "done")
                    continue
                seen.add((push.entity, push.local_id))
                pushes.append(push)
            creates = [p for p in pushes if p.amo_id is None and not p.unknown
                       and p.entity != "customer"]
            if creates:  # committed before the request leaves
                await session.execute(update(AmoLink).where(
                    AmoLink.id.in_([p.link_id for p in creates]))
                    .values(create_sent_at=self.runtime.now()))
        creating = {id(p) for p in creates}
        for push in pushes:
            if id(push) in creating:
                continue
            await self._guarded(ctx, [push], self._one)
        for start in range(0, len(creates), BATCH):
            await self._guarded(ctx, creates[start:start + BATCH], self._create_deals)

    async def _guarded(self, ctx: Ctx, pushes: list[Push], action: Any) -> None:
        try:
            await action(ctx, pushes)
        except AmoAuthError:
            raise
        except AmoValidationError as exc:
            if len(pushes) > 1:  # rejected as a whole: nothing was created; retry one by one
                async with self.sessionmaker.begin() as session:
                    await session.execute(update(AmoLink).where(
                        AmoLink.id.in_([p.link_id for p in pushes])).values(create_sent_at=None))
                for push in pushes:
                    await self._guarded(ctx, [push], action)
                return
            await self._fail(ctx, pushes, exc)
        except AmoNotFound as exc:  # the twin was deleted in AmoCRM: unlink, keep ours
            async with self.sessionmaker.begin() as session:
                for push in pushes:
                    link = await session.get(AmoLink, push.link_id)
                    if link is not None and link.amo_id is not None:
                        await tombstone(session, link, side="amocrm", now=self.runtime.now())
                        await self._finish(session, ctx, push.item, "done")
                    else:
                        await self._finish(session, ctx, push.item, "failed",
                                           error=error_text(exc))
        except AmoError as exc:
            await self._fail(ctx, pushes, exc)

    async def _fail(self, ctx: Ctx, pushes: list[Push], exc: AmoError) -> None:
        async with self.sessionmaker.begin() as session:
            for push in pushes:
                await self._finish(session, ctx, push.item, "retry" if exc.retryable else
                                   "failed", error=error_text(exc))
        if exc.retryable:
            raise _Outage()

    async def _prepare(self, session: AsyncSession, ctx: Ctx, item: Item) -> Push | None:
        entity, local_id = item.entity, item.local_id
        values: dict[str, Any] | None
        extra: dict[str, Any] = {}
        if entity == "order":
            order = await session.scalar(select(Order).where(
                Order.id == local_id, Order.business_id == ctx.business_id))
            if order is None:
                return None
            if order.lead_id is not None:  # the order is the price/status of its lead's deal
                entity, local_id = "lead", order.lead_id
        if entity == "lead":
            values = await self._lead_values(session, ctx, local_id)
            customer_id = await session.scalar(select(Lead.customer_id).where(
                Lead.id == local_id, Lead.business_id == ctx.business_id))
            if customer_id is not None:  # the deal links the customer's contact
                contact = await _link(session, ctx.business_id, "customer", customer_id)
                extra["contact_id"] = _live_id(contact)
        elif entity == "order":
            values, extra = await self._order_values(session, ctx, local_id)
        else:
            values = await self._customer_values(session, ctx, local_id)
        if values is None:
            return None
        link = await _link(session, ctx.business_id, entity, local_id, create=True)
        assert link is not None
        if link.deleted_at is not None:  # its twin is gone: never re-created, never patched
            return None
        return Push(item, entity, local_id, values, link.id, link.amo_id, link.contact_id,
                    dict(link.synced or {}), link.create_sent_at is not None, extra)

    async def _lead_values(self, session: AsyncSession, ctx: Ctx,
                           lead_id: int) -> dict[str, Any] | None:
        lead = await session.scalar(select(Lead).where(Lead.id == lead_id,
                                                       Lead.business_id == ctx.business_id))
        if lead is None:
            return None
        price = await session.scalar(select(func.coalesce(func.sum(Order.total), 0)).where(
            Order.business_id == ctx.business_id, Order.lead_id == lead_id,
            Order.status == "paid"))
        status = "won" if price and lead.status not in ("won", "lost") else lead.status
        values = mp.lead_values(
            name=lead.name, price=int(price or 0),
            status_id=mp.amo_status(ctx.mapping, ctx.pipelines, stage=lead.stage,
                                    status=status),
            phone=lead.phone, email=lead.email, utm_source=lead.utm_source,
            utm_medium=lead.utm_medium, utm_campaign=lead.utm_campaign, source=lead.source)
        values["state"] = f"{lead.stage}/{status}"
        return values

    async def _order_values(self, session: AsyncSession, ctx: Ctx, order_id: int
                            ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        order = await session.scalar(select(Order).where(Order.id == order_id,
                                                         Order.business_id == ctx.business_id))
        if order is None:
            return None, {}
        customer = await session.get(Customer, order.customer_id) if order.customer_id else None
        contact_id = None
        if customer is not None:
            link = await _link(session, ctx.business_id, "customer", customer.id)
            contact_id = _live_id(link)
        values = mp.lead_values(
            name=f"#{order.id}", price=order.total,
            status_id=mp.WON if order.status == "paid" else mp.LOST,
            phone=customer.phone if customer else None,
            email=customer.email if customer else None, utm_source=None, utm_medium=None,
            utm_campaign=None, source=order.source)
        values["state"] = order.status
        values["contact_name"] = customer.name if customer else None
        return values, {"contact_id": contact_id}

    async def _customer_values(self, session: AsyncSession, ctx: Ctx,
                               customer_id: int) -> dict[str, Any] | None:
        customer = await session.scalar(select(Customer).where(
            Customer.id == customer_id, Customer.business_id == ctx.business_id))
        if customer is None:
            return None
        return mp.contact_values(name=customer.name, phone=customer.phone, email=customer.email)

    async def _create_deals(self, ctx: Ctx, pushes: list[Push]) -> None:
        body = [mp.complex_lead(ctx.mapping, p.values, mark=_mark(ctx, p),
                                contact_id=p.extra.get("contact_id")) for p in pushes]
        result = await self._call(ctx, "POST", "/api/v4/leads/complex", json=body)
        created = list(result or [])
        if len(created) != len(pushes):
            raise AmoValidationError(status=200, detail="complex: answer count differs")
        async with self.sessionmaker.begin() as session:
            for push, answer in zip(pushes, created, strict=True):
                await self._linked(session, ctx, push, int(answer["id"]),
                                   answer.get("contact_id"), push.values, action="created")

    async def _linked(self, session: AsyncSession, ctx: Ctx, push: Push, amo_id: int,
                      contact_id: Any, synced: dict[str, Any], *, action: str) -> None:
        values: dict[str, Any] = {"amo_id": amo_id, "synced": synced}
        if contact_id:
            values["contact_id"] = int(contact_id)
        await session.execute(update(AmoLink).where(AmoLink.id == push.link_id).values(**values))
        await add_log(session, business_id=ctx.business_id, direction="out", action=action,
                      entity=push.entity, local_id=push.local_id, amo_id=amo_id,
                      at=self.runtime.now())
        await self._finish(session, ctx, push.item, "done")

    async def _one(self, ctx: Ctx, pushes: list[Push]) -> None:
        [push] = pushes
        if push.entity == "customer":
            await self._contact(ctx, push)
            return
        amo_id, contact_id, synced = push.amo_id, push.contact_id, push.synced
        if amo_id is None and push.unknown:  # did the earlier create arrive? look first
            found = await self._find_deal(ctx, _mark(ctx, push))
            if found is None:
                await self._create_deals(ctx, [push])
                return
            amo_id, contact_id, synced = found[0], found[1], {}
        assert amo_id is not None
        diff = mp.changed({k: v for k, v in push.values.items() if k != "contact_name"},
                          synced)
        if "state" not in diff:
            diff.pop("status_id", None)
        patch = mp.lead_patch(ctx.mapping, amo_id, diff)
        if patch is not None:
            await self._call(ctx, "PATCH", "/api/v4/leads", json=[patch])
        if contact_id and ("phone" in diff or "email" in diff):
            contact = mp.contact_patch(ctx.mapping, contact_id, diff)
            if contact is not None:
                await self._call(ctx, "PATCH", "/api/v4/contacts", json=[contact])
        async with self.sessionmaker.begin() as session:
            if patch is None and amo_id == push.amo_id and not diff:
                await self._finish(session, ctx, push.item, "done")
                return
            await self._linked(session, ctx, push, amo_id, contact_id,
                               {**synced, **push.values},
                               action="updated" if amo_id == push.amo_id else "found")

    async def _find_deal(self, ctx: Ctx, mark: str) -> tuple[int, int | None] | None:
        bp_field = (ctx.mapping.get("fields") or {}).get("bp_id")
        body = await self._call(ctx, "GET", "/api/v4/leads",
                                params={"query": mark, "with": "contacts"})
        for item in ((body or {}).get("_embedded") or {}).get("leads") or []:
            record = mp.record_from_api(item)
            if bp_field and record.fields.get(str(bp_field)) == mark:
                return record.id, record.contact_ids[0] if record.contact_ids else None
        return None

    async def _contact(self, ctx: Ctx, push: Push) -> None:
        amo_id, synced = push.amo_id, push.synced
        values = push.values
        if amo_id is None:
            query = values.get("phone") or (values["name"] if push.unknown else None)
            if query:  # the same person may already be in AmoCRM (or our lost create)
                body = await self._call(ctx, "GET", "/api/v4/contacts", params={"query": query})
                for item in ((body or {}).get("_embedded") or {}).get("contacts") or []:
                    record = mp.record_from_api(item)
                    if (values.get("phone") and mp.phone_of(record, ctx.mapping) ==
                            values["phone"]) or (not values.get("phone")
                                                 and record.name == values["name"]):
                        amo_id, synced = record.id, {}
                        break
        if amo_id is None:
            async with self.sessionmaker.begin() as session:
                await session.execute(update(AmoLink).where(AmoLink.id == push.link_id)
                                      .values(create_sent_at=self.runtime.now()))
            body = await self._call(ctx, "POST", "/api/v4/contacts", json=[{
                "name": values["name"], "custom_fields_values": mp.contact_fields(
                    ctx.mapping, values), "request_id": _mark(ctx, push)}])
            new_id = int(body["_embedded"]["contacts"][0]["id"])
            async with self.sessionmaker.begin() as session:
                await self._linked(session, ctx, push, new_id, None, values, action="created")
            return
        diff = mp.changed(values, synced)
        patch = mp.contact_patch(ctx.mapping, amo_id, diff,
                                 name=values["name"] if "name" in diff else None)
        if patch is not None:
            await self._call(ctx, "PATCH", "/api/v4/contacts", json=[patch])
        async with self.sessionmaker.begin() as session:
            if patch is None and amo_id == push.amo_id:
                await self._finish(session, ctx, push.item, "done")
                return
            await self._linked(session, ctx, push, amo_id, None, {**synced, **values},
                               action="updated" if amo_id == push.amo_id else "found")

    # ------------------------------------------------------------------ notes and tasks

    async def _note_or_task(self, ctx: Ctx, item: Item) -> None:
        async with self.sessionmaker.begin() as session:
            link = await _link(session, ctx.business_id, "lead", item.local_id)
            if link is not None and link.deleted_at is not None:
                await add_log(session, business_id=ctx.business_id, direction="out",
                              action="skipped", entity="lead", local_id=item.local_id,
                              amo_id=link.amo_id, detail="deal deleted",
                              at=self.runtime.now())
                await self._finish(session, ctx, item, "done")
                return
            if link is None or link.amo_id is None:
                # the deal is not in AmoCRM yet: make sure it will be, then wait for it
                lead = await session.scalar(select(Lead.id).where(
                    Lead.id == item.local_id, Lead.business_id == ctx.business_id))
                if lead is None:
                    await self._finish(session, ctx, item, "failed", error="no such lead")
                    return
                await hooks.enqueue(session, business_id=ctx.business_id,
                                    account_id=ctx.account_id, kind="upsert", entity="lead",
                                    local_id=item.local_id)
                await self._finish(session, ctx, item, "wait")
                return
            amo_id = link.amo_id
        text = str(item.payload.get("text", ""))
        try:
            if item.sent_at is not None and await self._already(ctx, item, amo_id, text):
                async with self.sessionmaker.begin() as session:
                    await self._finish(session, ctx, item, "done")
                return
            async with self.sessionmaker.begin() as session:
                await session.execute(update(AmoQueueItem).where(AmoQueueItem.id == item.id)
                                      .values(sent_at=self.runtime.now()))
            if item.kind == "note":
                await self._call(ctx, "POST", f"/api/v4/leads/{amo_id}/notes", json=[
                    {"note_type": "common", "params": {"text": text}}])
            else:
                await self._call(ctx, "POST", "/api/v4/tasks", json=[{
                    "text": text, "complete_till": int(item.payload.get("due", 0)),
                    "entity_id": amo_id, "entity_type": "leads", "task_type_id": 1,
                    **({"responsible_user_id": ctx.responsible} if ctx.responsible else {})}])
        except AmoAuthError:
            raise
        except AmoNotFound:  # the deal was deleted in AmoCRM meanwhile
            async with self.sessionmaker.begin() as session:
                found = await _link(session, ctx.business_id, "lead", item.local_id)
                if found is not None:
                    await tombstone(session, found, side="amocrm", now=self.runtime.now())
                await self._finish(session, ctx, item, "done")
            return
        except AmoError as exc:
            async with self.sessionmaker.begin() as session:
                await self._finish(session, ctx, item, "retry" if exc.retryable else "failed",
                                   error=error_text(exc))
            if exc.retryable:
                raise _Outage() from exc
            return
        async with self.sessionmaker.begin() as session:
            await add_log(session, business_id=ctx.business_id, direction="out",
                          action=item.kind, entity="lead", local_id=item.local_id,
                          amo_id=amo_id, at=self.runtime.now())
            await self._finish(session, ctx, item, "done")

    async def _close(self, ctx: Ctx, item: Item) -> None:
        """A lead/order deleted in BiznesPilot: its deal moves to lost (143) with a note
        (a lead's deal the manager already won stays won); nothing is deleted there. The link
        stays as a tombstone so the deal is never touched again (its echo webhook is
        ignored)."""
        async with self.sessionmaker.begin() as session:
            link = await _link(session, ctx.business_id, item.entity, item.local_id)
            if link is None or link.deleted_at is not None:
                await self._finish(session, ctx, item, "done")
                return
            amo_id, unknown, link_id = link.amo_id, link.create_sent_at is not None, link.id
        text = str(item.payload.get("text", ""))
        now = self.runtime.now()
        moved = False
        try:
            if amo_id is None and unknown:  # a create whose answer never came: look first
                found = await self._find_deal(ctx, mp.marker(ctx.business_id, item.entity,
                                                             item.local_id))
                amo_id = found[0] if found else None
            if amo_id is not None:
                deal = await self._call(ctx, "GET", f"/api/v4/leads/{amo_id}") or {}
                status_id = mp.to_int(deal.get("status_id"))
                # a lead's deal AmoCRM already closed is the manager's result: left as it is;
                # an order's deal is ours alone (its status is the order's): lost in any case
                if status_id != mp.LOST and (item.entity == "order"
                                             or status_id != mp.WON):
                    patch: dict[str, Any] = {"id": amo_id, "status_id": mp.LOST}
                    if deal.get("pipeline_id"):
                        patch["pipeline_id"] = int(deal["pipeline_id"])
                    await self._call(ctx, "PATCH", "/api/v4/leads", json=[patch])
                    moved = True
                    if text and not (item.sent_at is not None
                                     and await self._already(ctx, item, amo_id, text)):
                        async with self.sessionmaker.begin() as session:
                            await session.execute(update(AmoQueueItem).where(
                                AmoQueueItem.id == item.id).values(sent_at=now))
                        await self._call(ctx, "POST", f"/api/v4/leads/{amo_id}/notes", json=[
                            {"note_type": "common", "params": {"text": text}}])
        except AmoAuthError:
            raise
        except AmoNotFound:  # deleted in AmoCRM too: nothing to close
            async with self.sessionmaker.begin() as session:
                found_link = await session.get(AmoLink, link_id)
                if found_link is not None:
                    await tombstone(session, found_link, side="amocrm", now=now)
                await self._finish(session, ctx, item, "done")
            return
        except AmoError as exc:
            async with self.sessionmaker.begin() as session:
                await self._finish(session, ctx, item, "retry" if exc.retryable else "failed",
                                   error=error_text(exc))
            if exc.retryable:
                raise _Outage() from exc
            return
        async with self.sessionmaker.begin() as session:
            found_link = await session.get(AmoLink, link_id)
            if found_link is not None:
                found_link.amo_id = found_link.amo_id or amo_id
                await tombstone(session, found_link, side="local", now=now,
                                detail="lost" if moved else "closed already")
            await self._finish(session, ctx, item, "done")

    async def _already(self, ctx: Ctx, item: Item, amo_id: int, text: str) -> bool:
        if item.kind != "task":
            body = await self._call(ctx, "GET", f"/api/v4/leads/{amo_id}/notes")
            found = ((body or {}).get("_embedded") or {}).get("notes") or []
            return any((n.get("params") or {}).get("text") == text for n in found)
        body = await self._call(ctx, "GET", "/api/v4/tasks", params={
            "filter[entity_type]": "leads", "filter[entity_id][]": amo_id})
        found = ((body or {}).get("_embedded") or {}).get("tasks") or []
        return any(t.get("text") == text for t in found)

    # ------------------------------------------------------------------ outcomes

    async def _finish(self, session: AsyncSession, ctx: Ctx, item: Item, outcome: str, *,
                      error: str | None = None) -> None:
        now = self.runtime.now()
        values: dict[str, Any] = {"claimed_at": None, "error": error}
        if outcome == "done":
            values["status"] = "done"
            ctx.done += 1
        elif outcome == "wait" and item.attempts < MAX_ATTEMPTS:  # ~2 h in all, then failed
            values.update(status="pending",
                          due_at=now + NOTE_WAIT * min(120, 2 ** (item.attempts - 1)))
        elif outcome == "wait":
            values.update(status="failed", error="deal not in AmoCRM")
        elif outcome == "retry" and item.attempts < MAX_ATTEMPTS:
            delay = min(3600, 30 * 2 ** (item.attempts - 1))
            values.update(status="pending", due_at=now + timedelta(seconds=delay))
        else:
            values["status"] = "failed"
        await session.execute(update(AmoQueueItem).where(AmoQueueItem.id == item.id)
                              .values(**values))
        if error is not None:
            await session.execute(update(AmoAccount).where(AmoAccount.id == ctx.account_id)
                                  .values(last_error=error, last_error_at=now))
            await add_log(session, business_id=ctx.business_id, direction="out",
                          action="failed" if values["status"] == "failed" else "retry",
                          entity=item.entity, local_id=item.local_id, ok=False,
                          detail=error, at=now)

    async def _finish_all(self, ctx: Ctx, items: list[Item], status: str, error: str, *,
                          retry: timedelta, count_attempt: bool) -> None:
        async with self.sessionmaker.begin() as session:
            for item in items:
                await session.execute(update(AmoQueueItem).where(AmoQueueItem.id == item.id)
                                      .values(status=status, claimed_at=None, error=error,
                                              due_at=self.runtime.now() + retry,
                                              attempts=item.attempts if count_attempt
                                              else item.attempts - 1))


def _live_id(link: AmoLink | None) -> int | None:
    """The AmoCRM id of a link whose twin still exists."""
    return link.amo_id if link is not None and link.deleted_at is None else None


async def tombstone(session: AsyncSession, link: AmoLink, *, side: str, now: datetime,
                    detail: str | None = None) -> None:
    """Unlink: the twin was deleted in AmoCRM (``side="amocrm"``), or the local record was
    deleted and its deal closed (``"local"``). The BiznesPilot record is kept; the link stays
    so the twin is never re-created or patched; the log says so."""
    link.deleted_at, link.deleted_in = now, side
    if link.entity == "customer" and link.amo_id is not None:  # deals no longer name it
        await session.execute(update(AmoLink).where(
            AmoLink.business_id == link.business_id, AmoLink.entity.in_(("lead", "order")),
            AmoLink.contact_id == link.amo_id).values(contact_id=None))
    await session.flush()
    await add_log(session, business_id=link.business_id,
                  direction="in" if side == "amocrm" else "out",
                  action="deleted" if side == "amocrm" else "closed", entity=link.entity,
                  local_id=link.local_id, amo_id=link.amo_id, detail=detail, at=now)


async def _restore(session: AsyncSession, link: AmoLink, *, now: datetime) -> bool:
    """A twin deleted in AmoCRM came back (restored from the trash): link it again. A
    deal closed after a local delete stays closed (the record is gone)."""
    if link.deleted_in != "amocrm":
        return False
    link.deleted_at = link.deleted_in = None
    await session.flush()
    await add_log(session, business_id=link.business_id, direction="in", action="restored",
                  entity=link.entity, local_id=link.local_id, amo_id=link.amo_id, at=now)
    return True


def _mark(ctx: Ctx, push: Push) -> str:
    return mp.marker(ctx.business_id, push.entity, push.local_id)


async def _link(session: AsyncSession, business_id: int, entity: str, local_id: int, *,
                create: bool = False) -> AmoLink | None:
    link = await session.scalar(select(AmoLink).where(
        AmoLink.business_id == business_id, AmoLink.entity == entity,
        AmoLink.local_id == local_id))
    if link is None and create:
        link = AmoLink(business_id=business_id, entity=entity, local_id=local_id, synced={})
        session.add(link)
        await session.flush()
    return link


# --------------------------------------------------------------------------- inbound


@dataclass
class Applied:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    deleted: int = 0

    def add(self, other: Applied) -> None:
        self.created += other.created
        self.updated += other.updated
        self.skipped += other.skipped
        self.deleted += other.deleted


async def apply_events(session: AsyncSession, account: AmoAccount,
                       events: list[mp.WebhookEvent], *, now: datetime) -> Applied:
    """Upsert what AmoCRM reports; local writes made here never queue an outbound echo."""
    session.info[hooks.INBOUND] = True
    result = Applied()
    try:
        for event in events:
            if event.action == "delete":
                result.add(await _apply_delete(session, account, event.entity,
                                               event.record.id, now=now))
                continue
            if event.entity == "leads":
                result.add(await _apply_lead(session, account, event.record, now=now))
            else:
                result.add(await _apply_contact(session, account, event.record,
                                                add=event.action == "add", now=now))
    finally:
        session.info.pop(hooks.INBOUND, None)
    return result


async def _apply_delete(session: AsyncSession, account: AmoAccount, entity: str, amo_id: int,
                        *, now: datetime) -> Applied:
    """A deal or contact deleted in AmoCRM: its links become tombstones (ours stay)."""
    entities = ("lead", "order") if entity == "leads" else ("customer",)
    links = list(await session.scalars(select(AmoLink).where(
        AmoLink.business_id == account.business_id, AmoLink.entity.in_(entities),
        AmoLink.amo_id == amo_id, AmoLink.deleted_at.is_(None))))
    for link in links:
        await tombstone(session, link, side="amocrm", now=now)
    return Applied(deleted=len(links), skipped=0 if links else 1)


def _own_marker(account: AmoAccount, record: mp.AmoRecord) -> int | None:
    bp_field = ((account.mapping or {}).get("fields") or {}).get("bp_id")
    value = record.fields.get(str(bp_field)) if bp_field else None
    prefix = f"bp-{account.business_id}-lead-"
    if value and value.startswith(prefix) and value[len(prefix):].isdigit():
        return int(value[len(prefix):])
    return None


async def _apply_lead(session: AsyncSession, account: AmoAccount, record: mp.AmoRecord, *,
                      now: datetime) -> Applied:
    business_id, mapping = account.business_id, dict(account.mapping or {})
    link = await session.scalar(select(AmoLink).where(
        AmoLink.business_id == business_id, AmoLink.entity.in_(("lead", "order")),
        AmoLink.amo_id == record.id))
    if link is None:
        own = _own_marker(account, record)
        if own is not None:  # our own create, echoed before its answer was stored
            link = await _link(session, business_id, "lead", own, create=True)
            assert link is not None
            if link.amo_id is None:
                link.amo_id = record.id
        else:
            return await _import_lead(session, account, record, now=now)
    if link.deleted_at is not None and not await _restore(session, link, now=now):
        return Applied(skipped=1)
    if link.amo_updated_at and record.modified and record.modified < link.amo_updated_at:
        await add_log(session, business_id=business_id, direction="in", action="skipped",
                      entity=link.entity, local_id=link.local_id, amo_id=record.id,
                      detail="older", at=now)
        return Applied(skipped=1)
    synced = dict(link.synced or {})
    if record.price is not None:
        synced["price"] = record.price  # AmoCRM owns the deal amount once it exists
    if link.entity == "order":
        if record.status_id is not None:
            synced["status_id"] = record.status_id
        link.synced, link.amo_updated_at = synced, record.modified or link.amo_updated_at
        return Applied(skipped=1)
    lead = await session.scalar(select(Lead).where(Lead.id == link.local_id,
                                                   Lead.business_id == business_id))
    if lead is None:
        return Applied(skipped=1)
    local_newer = record.modified is not None and lead.updated_at is not None and \
        lead.updated_at.timestamp() > record.modified
    changes: dict[str, Any] = {}
    target = mp.target_of(mapping, record.status_id)
    if target is not None and (record.pipeline_id in (None, mapping.get("pipeline_id"))
                               or target in ("won", "lost")):
        stage, status = mp.local_state(target, stage=lead.stage, status=lead.status)
        state = f"{stage}/{status}"
        local_state_changed = synced.get("state") not in (None, f"{lead.stage}/{lead.status}")
        if state != f"{lead.stage}/{lead.status}" and not (local_newer and local_state_changed):
            changes.update(stage=stage, status=status)
        synced["state"], synced["status_id"] = state, record.status_id
    chatbot_owned = lead.source == "chatbot"  # chatbot-captured data belongs to BiznesPilot
    if record.name and record.name != lead.name and not chatbot_owned:
        local_name_changed = synced.get("name") not in (None, lead.name)
        if not (local_newer and local_name_changed):
            changes["name"] = record.name
            synced["name"] = record.name
    if changes:
        try:
            await sales.update_lead(session, business_id=business_id, lead_id=lead.id,
                                    **changes)
        except DomainError as exc:
            await add_log(session, business_id=business_id, direction="in", action="failed",
                          entity="lead", local_id=lead.id, amo_id=record.id, ok=False,
                          detail=exc.code, at=now)
            return Applied(skipped=1)
    link.synced, link.amo_updated_at = synced, record.modified or link.amo_updated_at
    await session.flush()
    if changes:
        await add_log(session, business_id=business_id, direction="in", action="updated",
                      entity="lead", local_id=lead.id, amo_id=record.id,
                      detail=",".join(sorted(changes)), at=now)
        return Applied(updated=1)
    return Applied(skipped=1)


async def _import_lead(session: AsyncSession, account: AmoAccount, record: mp.AmoRecord, *,
                       now: datetime) -> Applied:
    mapping = dict(account.mapping or {})
    target = mp.target_of(mapping, record.status_id) or "awareness"
    stage, status = mp.local_state(target, stage="awareness", status="new")
    try:
        lead = await sales.create_lead(
            session, business_id=account.business_id,
            name=(record.name or "").strip() or f"AmoCRM #{record.id}", stage=stage,
            status=status, source="api")
    except DomainError as exc:  # e.g. the monthly leads limit
        await add_log(session, business_id=account.business_id, direction="in",
                      action="failed", entity="lead", amo_id=record.id, ok=False,
                      detail=exc.code, at=now)
        return Applied(skipped=1)
    session.add(AmoLink(business_id=account.business_id, entity="lead", local_id=lead.id,
                        amo_id=record.id, amo_updated_at=record.modified,
                        contact_id=record.contact_ids[0] if record.contact_ids else None,
                        synced={"name": lead.name, "state": f"{stage}/{status}",
                                "status_id": record.status_id, "price": record.price}))
    await session.flush()
    await add_log(session, business_id=account.business_id, direction="in", action="created",
                  entity="lead", local_id=lead.id, amo_id=record.id, at=now)
    return Applied(created=1)


async def _apply_contact(session: AsyncSession, account: AmoAccount, record: mp.AmoRecord, *,
                         add: bool, now: datetime) -> Applied:
    business_id, mapping = account.business_id, dict(account.mapping or {})
    phone_raw, email = mp.phone_of(record, mapping), mp.email_of(record, mapping)
    try:
        phone = parse_phone(phone_raw) if phone_raw else None
    except DomainError:
        phone = None
    link = await session.scalar(select(AmoLink).where(
        AmoLink.business_id == business_id, AmoLink.entity == "customer",
        AmoLink.amo_id == record.id))
    if link is None:
        if not add or not (phone or record.name):
            return Applied(skipped=1)
        try:
            view, created = await sales.find_or_create_customer(
                session, business_id=business_id, phone=phone, name=record.name)
        except DomainError:
            return Applied(skipped=1)
        taken = await _link(session, business_id, "customer", view.id)
        if taken is not None and taken.deleted_at is None and \
                taken.amo_id not in (None, record.id):
            return Applied(skipped=1)
        if taken is None:
            taken = AmoLink(business_id=business_id, entity="customer", local_id=view.id)
            session.add(taken)
        taken.deleted_at = taken.deleted_in = None  # a new contact replaces a deleted one
        taken.amo_id, taken.amo_updated_at = record.id, record.modified
        taken.synced = mp.contact_values(name=view.name, phone=view.phone, email=email)
        await session.flush()
        await add_log(session, business_id=business_id, direction="in",
                      action="created" if created else "found", entity="customer",
                      local_id=view.id, amo_id=record.id, at=now)
        return Applied(created=1 if created else 0, skipped=0 if created else 1)
    if link.deleted_at is not None and not await _restore(session, link, now=now):
        return Applied(skipped=1)
    customer = await session.scalar(select(Customer).where(
        Customer.id == link.local_id, Customer.business_id == business_id))
    if customer is None or (link.amo_updated_at and record.modified
                            and record.modified < link.amo_updated_at):
        return Applied(skipped=1)
    incoming = mp.contact_values(name=record.name or customer.name, phone=phone or
                                 customer.phone, email=email or customer.email)
    diff = mp.changed(incoming, mp.contact_values(name=customer.name, phone=customer.phone,
                                                  email=customer.email))
    if diff:
        customer.name = sales.parse_name(incoming["name"])
        customer.phone, customer.email = incoming["phone"], incoming["email"]
    link.synced = {**(link.synced or {}), **incoming}
    link.amo_updated_at = record.modified or link.amo_updated_at
    await session.flush()
    if diff:
        await add_log(session, business_id=business_id, direction="in", action="updated",
                      entity="customer", local_id=customer.id, amo_id=record.id,
                      detail=",".join(sorted(diff)), at=now)
        return Applied(updated=1)
    return Applied(skipped=1)


async def handle_webhook(session: AsyncSession, *, key_hash: str,
                         pairs: list[tuple[str, str]], now: datetime) -> Applied:
    """An AmoCRM webhook for the account whose path secret hashes to ``key_hash``; the
    payload's ``account[id]``/``account[subdomain]`` must be that account's."""
    account = await session.scalar(select(AmoAccount).where(
        AmoAccount.webhook_key_hash == key_hash, AmoAccount.status != "pending"))
    if account is None:
        raise NotFound(entity="amocrm_account")
    form = mp.parse_form(pairs)
    about_node = form.get("account")
    about: dict[str, Any] = about_node if isinstance(about_node, dict) else {}
    if str(about.get("id", "")) != str(account.amo_account_id) or \
            str(about.get("subdomain", "")).lower() != account.subdomain:
        raise NotFound(entity="amocrm_account")
    return await apply_events(session, account, mp.webhook_events(form), now=now)


# --------------------------------------------------------------------------- reconciliation


async def reconcile(sessionmaker: async_sessionmaker[AsyncSession], runtime: AmoRuntime,
                    account_id: int, *, max_pages: int = 40) -> Applied:
    """Pull the deals AmoCRM changed since the last run (all on the first) and the contacts
    changed since then, and apply them as webhooks would; queue local leads changed since
    then (a missed hook is caught here)."""
    started = runtime.now()
    async with sessionmaker() as session:
        account = await session.get(AmoAccount, account_id)
        if account is None or account.status != "connected":
            return Applied()
        since = account.reconciled_at
        business_id = account.business_id
    processor = Processor(sessionmaker, runtime)
    async with sessionmaker() as session:
        account = await session.get(AmoAccount, account_id)
        assert account is not None
        ctx = Ctx(account.id, business_id, account.subdomain, dict(account.mapping or {}),
                  list(account.pipelines or []), account.amo_user_id)
    total = Applied()
    for page in range(1, max_pages + 1):
        params: dict[str, Any] = {"page": page, "limit": 250, "with": "contacts"}
        if since is not None:
            params["filter[updated_at][from]"] = int(since.timestamp())
        body = await processor._call(ctx, "GET", "/api/v4/leads", params=params)
        leads = ((body or {}).get("_embedded") or {}).get("leads") or []
        events = [mp.WebhookEvent("leads", "update", mp.record_from_api(i)) for i in leads]
        async with sessionmaker.begin() as session:
            account = await session.get(AmoAccount, account_id)
            if account is None:
                return total
            total.add(await apply_events(session, account, events, now=runtime.now()))
        if len(leads) < 250:
            break
    for page in range(1, max_pages + 1 if since is not None else 1):
        # contacts edited in AmoCRM since the last run update their linked customers (new
        # contacts arrive by webhook; the whole address book is not imported)
        body = await processor._call(ctx, "GET", "/api/v4/contacts", params={
            "page": page, "limit": 250, "filter[updated_at][from]": int(
                since.timestamp()) if since else 0})
        contacts = ((body or {}).get("_embedded") or {}).get("contacts") or []
        events = [mp.WebhookEvent("contacts", "update", mp.record_from_api(i))
                  for i in contacts]
        async with sessionmaker.begin() as session:
            account = await session.get(AmoAccount, account_id)
            if account is None:
                return total
            total.add(await apply_events(session, account, events, now=runtime.now()))
        if len(contacts) < 250:
            break
    total.deleted += await _sweep_deleted(sessionmaker, processor, ctx, runtime)
    async with sessionmaker.begin() as session:
        if since is not None:
            changed_ids = await session.scalars(select(Lead.id).where(
                Lead.business_id == business_id, Lead.updated_at >= since))
            for lead_id in changed_ids:
                await hooks.enqueue(session, business_id=business_id, account_id=account_id,
                                    kind="upsert", entity="lead", local_id=int(lead_id))
        await session.execute(update(AmoAccount).where(AmoAccount.id == account_id)
                              .values(reconciled_at=started))
        await add_log(session, business_id=business_id, direction="system",
                      action="reconciled",
                      detail=f"+{total.created} ~{total.updated} -{total.deleted}",
                      at=runtime.now())
    return total


SWEEP_CHUNK = 100  # ids per ``filter[id][]`` lookup (keeps the URL a few kB)


async def _sweep_deleted(sessionmaker: async_sessionmaker[AsyncSession], processor: Processor,
                         ctx: Ctx, runtime: AmoRuntime) -> int:
    """Deletions a webhook did not report (none registered, or one lost): every linked
    deal and contact is looked up by id, 100 per request, and the ids AmoCRM no longer
    returns become tombstones."""
    gone_total = 0
    for entities, path, key in ((("lead", "order"), "/api/v4/leads", "leads"),
                                (("customer",), "/api/v4/contacts", "contacts")):
        after = 0
        while True:
            async with sessionmaker() as session:
                ids = [int(i or 0) for i in await session.scalars(
                    select(AmoLink.amo_id).where(
                        AmoLink.business_id == ctx.business_id, AmoLink.entity.in_(entities),
                        AmoLink.amo_id > after, AmoLink.deleted_at.is_(None))
                    .group_by(AmoLink.amo_id).order_by(AmoLink.amo_id).limit(SWEEP_CHUNK))]
            if not ids:
                break
            after = ids[-1]
            body = await processor._call(ctx, "GET", path, params={
                "filter[id][]": ids, "limit": SWEEP_CHUNK})
            present = {mp.to_int(i.get("id")) for i in
                       ((body or {}).get("_embedded") or {}).get(key) or []}
            if present - set(ids):  # the filter was not applied: absence proves nothing
                async with sessionmaker.begin() as session:
                    await add_log(session, business_id=ctx.business_id, direction="in",
                                  action="failed", ok=False, detail="sweep: id filter ignored",
                                  at=runtime.now())
                return gone_total
            gone = [i for i in ids if i not in present]
            if gone:
                async with sessionmaker.begin() as session:
                    links = await session.scalars(select(AmoLink).where(
                        AmoLink.business_id == ctx.business_id, AmoLink.entity.in_(entities),
                        AmoLink.amo_id.in_(gone), AmoLink.deleted_at.is_(None)))
                    for link in links:
                        await tombstone(session, link, side="amocrm", now=runtime.now(),
                                        detail="absent")
                        gone_total += 1
            if len(ids) < SWEEP_CHUNK:
                break
    return gone_total


async def sync_now(session: AsyncSession, *, business_id: int, now: datetime) -> int:
    """The owner's "sync now": queue everything not linked yet and retry failed items."""
    from services.amocrm.accounts import queue_full_sync

    account_id = await hooks.connected_account(session, business_id)
    if account_id is None:
        raise NotFound(entity="amocrm_account")
    await session.execute(update(AmoQueueItem).where(
        AmoQueueItem.business_id == business_id, AmoQueueItem.status == "failed")
        .values(status="pending", attempts=0, due_at=now))
    return await queue_full_sync(session, business_id=business_id, account_id=account_id)
