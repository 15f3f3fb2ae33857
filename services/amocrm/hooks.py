"""The one call ``services.sales`` makes after a lead, customer or order changes.

Cheap on purpose: one lookup by the unique ``business_id`` of ``amocrm_accounts``, and nothing
queued unless the business has AmoCRM connected. Changes written by the inbound sync run with
``session.info[INBOUND]`` set, so they never echo back to AmoCRM.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.amocrm.texts import closed_note
from services.db.base import utcnow
from services.db.models import AmoAccount, AmoQueueItem, User

INBOUND = "amocrm_inbound"
ENTITIES = ("lead", "customer", "order")


async def connected_account(session: AsyncSession, business_id: int) -> int | None:
    """The id of the business's connected AmoCRM account, if any."""
    return await session.scalar(select(AmoAccount.id).where(
        AmoAccount.business_id == business_id, AmoAccount.status != "pending"))


def dedup_key(raw: str) -> str:
    """A stored key of at most 64 characters (long keys are hashed)."""
    return raw if len(raw) <= 64 else "h:" + hashlib.sha256(raw.encode()).hexdigest()


async def enqueue(session: AsyncSession, *, business_id: int, account_id: int, kind: str,
                  entity: str, local_id: int, payload: dict[str, Any] | None = None,
                  key: str | None = None) -> bool:
    """Queue one outbound item; an upsert already pending for the record is not repeated,
    nor an item whose ``key`` this business already queued (whatever its state now)."""
    if key is not None:
        stored = dedup_key(key)
        if await session.scalar(select(AmoQueueItem.id).where(
                AmoQueueItem.business_id == business_id,
                AmoQueueItem.dedup_key == stored)) is not None:
            return False
        try:  # two concurrent callers: the unique index lets one through
            async with session.begin_nested():
                session.add(AmoQueueItem(business_id=business_id, account_id=account_id,
                                         kind=kind, entity=entity, local_id=local_id,
                                         payload=payload or {}, due_at=utcnow(),
                                         dedup_key=stored))
        except IntegrityError:
            return False
        return True
    if kind == "upsert":
        pending = await session.scalar(select(AmoQueueItem.id).where(
            AmoQueueItem.business_id == business_id, AmoQueueItem.status == "pending",
            AmoQueueItem.kind == "upsert", AmoQueueItem.entity == entity,
            AmoQueueItem.local_id == local_id).limit(1))
        if pending is not None:
            return False
    session.add(AmoQueueItem(business_id=business_id, account_id=account_id, kind=kind,
                             entity=entity, local_id=local_id, payload=payload or {},
                             due_at=utcnow()))
    await session.flush()
    return True


async def changed(session: AsyncSession, entity: str, local_id: int, business_id: int) -> bool:
    """A lead/customer/order was created or changed: queue it for AmoCRM when connected."""
    if session.info.get(INBOUND) or entity not in ENTITIES:
        return False
    account_id = await connected_account(session, business_id)
    if account_id is None:
        return False
    return await enqueue(session, business_id=business_id, account_id=account_id,
                         kind="upsert", entity=entity, local_id=local_id)


async def deleted(session: AsyncSession, entity: str, local_id: int, business_id: int, *,
                  lead_id: int | None = None) -> bool:
    """A lead or order is being deleted in BiznesPilot.

    Its AmoCRM deal is closed as lost with a note in the connecting owner's language (the
    manager's data is never deleted); an order that belongs to a lead instead re-sends that
    lead's deal (its budget drops).
    """
    if session.info.get(INBOUND) or entity not in ("lead", "order"):
        return False
    account_id = await connected_account(session, business_id)
    if account_id is None:
        return False
    if entity == "order" and lead_id is not None:
        return await enqueue(session, business_id=business_id, account_id=account_id,
                             kind="upsert", entity="lead", local_id=lead_id)
    language = await session.scalar(select(User.language).join(
        AmoAccount, AmoAccount.connected_by == User.id).where(AmoAccount.id == account_id))
    return await enqueue(session, business_id=business_id, account_id=account_id,
                         kind="close", entity=entity, local_id=local_id,
                         payload={"text": closed_note(entity, local_id, language)})
