"""The one call ``services.sales`` makes after a lead, customer or order changes.

Cheap on purpose: one lookup by the unique ``business_id`` of ``amocrm_accounts``, and nothing
queued unless the business has AmoCRM connected. Changes written by the inbound sync run with
``session.info[INBOUND]`` set, so they never echo back to AmoCRM.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.base import utcnow
from services.db.models import AmoAccount, AmoQueueItem

INBOUND = "amocrm_inbound"
ENTITIES = ("lead", "customer", "order")


async def connected_account(session: AsyncSession, business_id: int) -> int | None:
    """The id of the business's connected AmoCRM account, if any."""
    return await session.scalar(select(AmoAccount.id).where(
        AmoAccount.business_id == business_id, AmoAccount.status != "pending"))


async def enqueue(session: AsyncSession, *, business_id: int, account_id: int, kind: str,
                  entity: str, local_id: int, payload: dict[str, Any] | None = None) -> bool:
    """Queue one outbound item; an upsert already pending for the record is not repeated."""
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
