"""Support tickets: users open them with /support, admins assign, reply, prioritise and close.

Response time is the first admin reply minus the ticket's opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.db.base import utcnow
from services.db.models import SupportReply, SupportTicket, User
from services.db.sqltime import age_days
from services.errors import Conflict, NotFound
from services.validation import clean_text

SUBJECT_MAX = 120
TEXT_MAX = 3000
LIST_LIMIT = 20


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)


@dataclass(frozen=True, slots=True)
class ReplyView:
    author_id: int
    from_admin: bool
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TicketView:
    id: int
    user_id: int
    user_name: str
    user_language: str | None
    subject: str
    text: str
    priority: str
    status: str
    assignee_id: int | None
    created_at: datetime
    first_response_at: datetime | None
    replies: list[ReplyView]

    @property
    def response_time(self) -> timedelta | None:
        """First admin reply minus opening; None before anyone answered."""
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.created_at


async def _ticket(session: AsyncSession, ticket_id: int, *, user_id: int | None = None
                  ) -> SupportTicket:
    ticket = await session.get(SupportTicket, ticket_id)
    if ticket is None or (user_id is not None and ticket.user_id != user_id):
        raise NotFound(entity="ticket", id=ticket_id)
    return ticket


async def _view(session: AsyncSession, ticket: SupportTicket) -> TicketView:
    user = await session.get(User, ticket.user_id)
    replies = await session.scalars(select(SupportReply).where(
        SupportReply.ticket_id == ticket.id).order_by(SupportReply.id))
    return TicketView(
        id=ticket.id, user_id=ticket.user_id,
        user_name=(" ".join(filter(None, [user.first_name, user.last_name])) if user else ""),
        user_language=user.language if user else None, subject=ticket.subject,
        text=ticket.text, priority=ticket.priority, status=ticket.status,
        assignee_id=ticket.assignee_id, created_at=ticket.created_at,
        first_response_at=ticket.first_response_at,
        replies=[ReplyView(author_id=r.author_id, from_admin=r.from_admin, text=r.text,
                           created_at=r.created_at) for r in replies])


async def open_ticket(session: AsyncSession, *, user_id: int, business_id: int | None,
                      subject: str, text: str) -> TicketView:
    """Open a ticket (status open, priority normal)."""
    ticket = SupportTicket(
        user_id=user_id, business_id=business_id,
        subject=clean_text(subject, field="subject", max_len=SUBJECT_MAX),
        text=clean_text(text, field="text", max_len=TEXT_MAX),
        priority=Priority.NORMAL, status=TicketStatus.OPEN, created_at=utcnow())
    session.add(ticket)
    await session.flush()
    return await _view(session, ticket)


async def user_tickets(session: AsyncSession, *, user_id: int) -> list[TicketView]:
    """The user's own tickets, newest first."""
    rows = await session.scalars(select(SupportTicket).where(SupportTicket.user_id == user_id)
                                 .order_by(SupportTicket.id.desc()).limit(LIST_LIMIT))
    return [await _view(session, t) for t in rows]


async def user_ticket(session: AsyncSession, *, user_id: int, ticket_id: int) -> TicketView:
    """One of the user's tickets (another user's reads as not found)."""
    return await _view(session, await _ticket(session, ticket_id, user_id=user_id))


async def close_by_user(session: AsyncSession, *, user_id: int, ticket_id: int) -> TicketView:
    """The user closes their own ticket."""
    ticket = await _ticket(session, ticket_id, user_id=user_id)
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(reason="closed")
    ticket.status, ticket.closed_at = TicketStatus.CLOSED, utcnow()
    return await _view(session, ticket)


async def admin_tickets(session: AsyncSession, *, only_open: bool = True,
                        assignee_id: int | None = None) -> list[TicketView]:
    """Tickets for the admin queue: open ones first by priority, then oldest first."""
    stmt = select(SupportTicket)
    if only_open:
        stmt = stmt.where(SupportTicket.status.in_([s.value for s in OPEN_STATUSES]))
    if assignee_id is not None:
        stmt = stmt.where(SupportTicket.assignee_id == assignee_id)
    rank = {p.value: i for i, p in enumerate(reversed(Priority))}
    rows = list(await session.scalars(stmt.order_by(SupportTicket.id).limit(100)))
    rows.sort(key=lambda t: (rank.get(t.priority, 9), t.id))
    return [await _view(session, t) for t in rows[:LIST_LIMIT]]


async def ticket(session: AsyncSession, *, ticket_id: int) -> TicketView:
    """Any ticket, for an admin."""
    return await _view(session, await _ticket(session, ticket_id))


async def assign(session: AsyncSession, *, admin_id: int, ticket_id: int,
                 assignee_id: int | None) -> TicketView:
    """Assign the ticket (an open one moves to in progress)."""
    ticket = await _ticket(session, ticket_id)
    ticket.assignee_id = assignee_id
    if assignee_id is not None and ticket.status == TicketStatus.OPEN:
        ticket.status = TicketStatus.IN_PROGRESS
    await audit.record(session, action="admin.ticket.assign", user_id=admin_id,
                       ticket_id=ticket_id, assignee_id=assignee_id,
                       target_user_id=ticket.user_id)
    return await _view(session, ticket)


async def set_priority(session: AsyncSession, *, admin_id: int, ticket_id: int,
                       priority: Priority) -> TicketView:
    """Change the priority."""
    ticket = await _ticket(session, ticket_id)
    before, ticket.priority = ticket.priority, priority
    await audit.record(session, action="admin.ticket.priority", user_id=admin_id,
                       ticket_id=ticket_id, before=before, after=priority.value,
                       target_user_id=ticket.user_id)
    return await _view(session, ticket)


async def set_status(session: AsyncSession, *, admin_id: int, ticket_id: int,
                     status: TicketStatus) -> TicketView:
    """Change the status; closing stamps ``closed_at``, reopening clears it."""
    ticket = await _ticket(session, ticket_id)
    before, ticket.status = ticket.status, status
    ticket.closed_at = utcnow() if status == TicketStatus.CLOSED else None
    await audit.record(session, action="admin.ticket.status", user_id=admin_id,
                       ticket_id=ticket_id, before=before, after=status.value,
                       target_user_id=ticket.user_id)
    return await _view(session, ticket)


async def admin_reply(session: AsyncSession, *, admin_id: int, ticket_id: int, text: str,
                      now: datetime | None = None) -> TicketView:
    """An admin answers; the first answer sets the response time, an open ticket moves to
    in progress and an unassigned one is assigned to the replier."""
    ticket = await _ticket(session, ticket_id)
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(reason="closed")
    body = clean_text(text, field="text", max_len=TEXT_MAX)
    now = now or utcnow()
    session.add(SupportReply(ticket_id=ticket.id, author_id=admin_id, from_admin=True,
                             text=body, created_at=now))
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.assignee_id is None:
        ticket.assignee_id = admin_id
    if ticket.status == TicketStatus.OPEN:
        ticket.status = TicketStatus.IN_PROGRESS
    await session.flush()
    await audit.record(session, action="admin.ticket.reply", user_id=admin_id,
                       ticket_id=ticket_id, target_user_id=ticket.user_id)
    return await _view(session, ticket)


async def average_response_time(session: AsyncSession) -> timedelta | None:
    """The mean response time over answered tickets; None when none is answered."""
    dialect = session.get_bind().dialect.name
    days = await session.scalar(select(func.avg(age_days(
        SupportTicket.first_response_at, SupportTicket.created_at, dialect))).where(
        SupportTicket.first_response_at.is_not(None)))
    return None if days is None else timedelta(seconds=round(float(days) * 86400))
