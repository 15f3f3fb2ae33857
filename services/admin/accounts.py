"""Users and businesses as a platform admin manages them; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, plans
from services.billing import subscriptions
from services.billing.invoices import addon_price
from services.db.base import utcnow
from services.db.models import AuditLog, Business, Invoice, Membership, Subscription, User
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from services.validation import clean_text

ADMIN_ROLES = frozenset({"admin", "super_admin"})
SEARCH_LIMIT = 10
REASON_MAX = 300
MAX_SUSPEND_DAYS = 365
MAX_TRIAL_EXTENSION_DAYS = 90


class PlatformRole(StrEnum):
    USER = "user"
    ADMIN = "admin"
    SUPER_ADMIN = "super_admin"


class Status(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"


def is_admin(user: User | None) -> bool:
    """A platform admin: ``ADMIN_IDS`` (made super_admin on sight) or an admin role."""
    return user is not None and user.platform_role in ADMIN_ROLES


def access_status(user: User, *, now: datetime | None = None) -> Status:
    """The user's effective status; lifts a suspension whose time is up (in the session)."""
    status = Status(user.status) if user.status in Status._value2member_map_ else Status.ACTIVE
    if status is Status.SUSPENDED and user.suspended_until is not None and (
            user.suspended_until <= (now or utcnow())):
        user.status, user.suspended_until, user.suspend_reason = Status.ACTIVE, None, None
        return Status.ACTIVE
    return status


@dataclass(frozen=True, slots=True)
class UserCard:
    id: int
    name: str
    username: str | None
    language: str | None
    status: str
    platform_role: str
    suspended_until: datetime | None
    suspend_reason: str | None
    created_at: datetime
    last_seen_at: datetime
    businesses: list[tuple[int, str, str]]  # (id, name, role)
    plan: str | None
    subscription_status: str | None


@dataclass(frozen=True, slots=True)
class BusinessCard:
    id: int
    name: str
    industry: str | None
    owner_id: int
    owner_name: str
    members: int
    flagged: bool
    flag_reason: str | None
    created_at: datetime
    plan_code: str | None
    plan_name: str | None
    subscription_status: str | None
    trial_ends_at: datetime | None
    period_end: datetime | None


def _name(user: User) -> str:
    return " ".join(filter(None, [user.first_name, user.last_name])) or str(user.id)


async def _user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(entity="user", id=user_id)
    return user


async def search_users(session: AsyncSession, *, query: str) -> list[User]:
    """Users by id, @username or name (case-insensitive), newest first."""
    text = query.strip().lstrip("@")
    stmt = select(User)
    if text.isdigit():
        stmt = stmt.where(User.id == int(text))
    elif text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(or_(func.lower(User.username).like(like),
                              func.lower(User.first_name).like(like),
                              func.lower(User.last_name).like(like)))
    return list(await session.scalars(
        stmt.order_by(User.created_at.desc(), User.id.desc()).limit(SEARCH_LIMIT)))


async def user_card(session: AsyncSession, *, user_id: int) -> UserCard:
    """Everything an admin sees about one user."""
    user = await _user(session, user_id)
    access_status(user)
    rows = await session.execute(
        select(Business.id, Business.name, Membership.role)
        .join(Membership, Membership.business_id == Business.id)
        .where(Membership.user_id == user_id).order_by(Business.id))
    sub = await session.scalar(select(Subscription).where(Subscription.user_id == user_id))
    return UserCard(
        id=user.id, name=_name(user), username=user.username, language=user.language,
        status=user.status, platform_role=user.platform_role,
        suspended_until=user.suspended_until, suspend_reason=user.suspend_reason,
        created_at=user.created_at, last_seen_at=user.last_seen_at,
        businesses=[(i, n, r) for i, n, r in rows],
        plan=sub.plan.name if sub else None, subscription_status=sub.status if sub else None)


def _reason(reason: str) -> str:
    return clean_text(reason, field="reason", max_len=REASON_MAX)


def _guard_target(admin_id: int, target: User) -> None:
    if target.id == admin_id:
        raise Conflict(reason="self")
    if target.platform_role == PlatformRole.SUPER_ADMIN:
        raise PermissionDenied(permission="platform_admin", role=target.platform_role)


async def suspend_user(session: AsyncSession, *, admin_id: int, user_id: int, days: int,
                       reason: str) -> User:
    """Suspend for ``days`` with a reason; it ends by itself."""
    if not 1 <= days <= MAX_SUSPEND_DAYS:
        raise InvalidInput(field="days", reason="range", min=1, max=MAX_SUSPEND_DAYS)
    user = await _user(session, user_id)
    _guard_target(admin_id, user)
    text = _reason(reason)
    user.status = Status.SUSPENDED
    user.suspended_until = utcnow() + timedelta(days=days)
    user.suspend_reason = text
    await audit.record(session, action="admin.user.suspend", user_id=admin_id,
                       target_user_id=user_id, days=days, reason=text)
    return user


async def ban_user(session: AsyncSession, *, admin_id: int, user_id: int, reason: str) -> User:
    """Ban until unbanned."""
    user = await _user(session, user_id)
    _guard_target(admin_id, user)
    text = _reason(reason)
    user.status, user.suspended_until, user.suspend_reason = Status.BANNED, None, text
    await audit.record(session, action="admin.user.ban", user_id=admin_id,
                       target_user_id=user_id, reason=text)
    return user


async def unban_user(session: AsyncSession, *, admin_id: int, user_id: int) -> User:
    """Lift a ban or a suspension."""
    user = await _user(session, user_id)
    if user.status == Status.ACTIVE:
        raise Conflict(reason="not_restricted")
    user.status, user.suspended_until, user.suspend_reason = Status.ACTIVE, None, None
    await audit.record(session, action="admin.user.unban", user_id=admin_id,
                       target_user_id=user_id)
    return user


async def set_role(session: AsyncSession, *, admin: User, user_id: int,
                   role: PlatformRole) -> User:
    """Change a platform role; only a super admin may, and not their own."""
    if admin.platform_role != PlatformRole.SUPER_ADMIN:
        raise PermissionDenied(permission="platform_roles", role=admin.platform_role)
    user = await _user(session, user_id)
    if user.id == admin.id:
        raise Conflict(reason="self")
    before = user.platform_role
    user.platform_role = role
    await audit.record(session, action="admin.user.role", user_id=admin.id,
                       target_user_id=user_id, before=before, after=role.value)
    return user


async def search_businesses(session: AsyncSession, *, query: str) -> list[Business]:
    """Businesses by id or name; ``flagged`` lists the flagged ones."""
    text = query.strip()
    stmt = select(Business)
    if text.isdigit():
        stmt = stmt.where(Business.id == int(text))
    elif text.lower() == "flagged":
        stmt = stmt.where(Business.flagged.is_(True))
    elif text:
        stmt = stmt.where(func.lower(Business.name).like(f"%{text.lower()}%"))
    return list(await session.scalars(stmt.order_by(Business.id.desc()).limit(SEARCH_LIMIT)))


async def _business(session: AsyncSession, business_id: int) -> Business:
    business = await session.get(Business, business_id)
    if business is None:
        raise NotFound(entity="business", id=business_id)
    return business


async def _subscription(session: AsyncSession, owner_id: int) -> Subscription:
    sub = await session.scalar(select(Subscription).where(Subscription.user_id == owner_id))
    if sub is None:
        raise NotFound(entity="subscription", id=owner_id)
    return sub


async def business_card(session: AsyncSession, *, business_id: int) -> BusinessCard:
    """Everything an admin sees about one business (its plan is its owner's)."""
    business = await _business(session, business_id)
    owner = await _user(session, business.owner_id)
    members = int(await session.scalar(select(func.count()).select_from(Membership).where(
        Membership.business_id == business_id)) or 0)
    sub = await session.scalar(select(Subscription).where(Subscription.user_id == owner.id))
    return BusinessCard(
        id=business.id, name=business.name, industry=business.industry, owner_id=owner.id,
        owner_name=_name(owner), members=members, flagged=business.flagged,
        flag_reason=business.flag_reason, created_at=business.created_at,
        plan_code=sub.plan.code if sub else None, plan_name=sub.plan.name if sub else None,
        subscription_status=sub.status if sub else None,
        trial_ends_at=sub.trial_ends_at if sub else None,
        period_end=sub.current_period_end if sub else None)


async def set_flag(session: AsyncSession, *, admin_id: int, business_id: int,
                   reason: str | None) -> Business:
    """Flag a business with a reason, or clear the flag (``reason`` None)."""
    business = await _business(session, business_id)
    business.flagged = reason is not None
    business.flag_reason = _reason(reason) if reason is not None else None
    await audit.record(session, action="admin.business.flag" if reason is not None
                       else "admin.business.unflag", user_id=admin_id, business_id=business_id,
                       reason=business.flag_reason)
    return business


async def change_plan(session: AsyncSession, *, admin_id: int, business_id: int,
                      plan_code: str) -> Subscription:
    """Move the business owner's subscription to another plan (its dates stay)."""
    business = await _business(session, business_id)
    plan = await plans.get_plan(session, plan_code)
    sub = await session.scalar(select(Subscription).where(
        Subscription.user_id == business.owner_id))
    if sub is None:
        sub = await plans.start_trial(session, user_id=business.owner_id, plan_code=plan.code)
        before = None
    else:
        before = sub.plan.code
        sub.plan_id = plan.id
        sub.plan = plan
    await audit.record(session, action="admin.business.plan", user_id=admin_id,
                       business_id=business_id, before=before, after=plan.code)
    return sub


async def extend_trial(session: AsyncSession, *, admin_id: int, business_id: int,
                       days: int) -> Subscription:
    """Give the owner's trial ``days`` more, from the later of now and its current end."""
    if not 1 <= days <= MAX_TRIAL_EXTENSION_DAYS:
        raise InvalidInput(field="days", reason="range", min=1, max=MAX_TRIAL_EXTENSION_DAYS)
    business = await _business(session, business_id)
    sub = await _subscription(session, business.owner_id)
    if sub.status != "trialing":
        raise Conflict(reason="not_trialing")
    now = utcnow()
    base = max(now, sub.trial_ends_at or now)
    sub.trial_ends_at = sub.current_period_end = base + timedelta(days=days)
    await audit.record(session, action="admin.business.trial", user_id=admin_id,
                       business_id=business_id, days=days,
                       until=sub.trial_ends_at.isoformat())
    return sub


async def set_paused(session: AsyncSession, *, admin_id: int, business_id: int,
                     paused: bool) -> Subscription:
    """Pause the owner's paid subscription (read-only, nothing lapses) or resume it with the
    paid days that were left."""
    business = await _business(session, business_id)
    change = subscriptions.pause if paused else subscriptions.resume
    sub = await change(session, user_id=business.owner_id)
    await audit.record(session, action="admin.business.pause" if paused
                       else "admin.business.resume", user_id=admin_id,
                       business_id=business_id, target_user_id=business.owner_id)
    return sub


INVOICE_PAGE = 10
INVOICE_STATUSES = ("paid", "pending", "failed", "refunded")


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One billing invoice as the admin list shows it."""

    id: int
    number: str
    user_id: int
    user_name: str
    plan: str
    total: int
    status: str
    created_at: datetime
    paid_at: datetime | None


@dataclass(frozen=True, slots=True)
class InvoicePage:
    rows: list[InvoiceRow]
    page: int
    pages: int
    total: int


async def list_invoices(session: AsyncSession, *, status: str | None = None, page: int = 0,
                        per_page: int = INVOICE_PAGE) -> InvoicePage:
    """Billing invoices, newest first, optionally of one status, one page at a time
    (a page past the end shows the last one)."""
    if status is not None and status not in INVOICE_STATUSES:
        raise InvalidInput(field="status", reason="choice")
    where = [] if status is None else [Invoice.status == status]
    total = int(await session.scalar(select(func.count()).select_from(Invoice).where(*where))
                or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(0, page), pages - 1)
    rows = await session.execute(
        select(Invoice, User).join(User, User.id == Invoice.user_id).where(*where)
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())
        .offset(page * per_page).limit(per_page))
    return InvoicePage(rows=[InvoiceRow(
        id=inv.id, number=inv.number or str(inv.id), user_id=user.id, user_name=_name(user),
        plan=inv.plan.name, total=inv.total, status=inv.status, created_at=inv.created_at,
        paid_at=inv.paid_at) for inv, user in rows], page=page, pages=pages, total=total)


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One line of an invoice: ``kind`` plan / addon / discount, amount in so'm."""

    kind: str
    quantity: int
    amount: int


async def invoice_lines(session: AsyncSession, *, invoice_id: int) -> list[InvoiceLine]:
    """What the invoice's subtotal is made of, then its discount."""
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(entity="invoice", id=invoice_id)
    addon_total = 0
    if invoice.addons:
        addon_total = min(invoice.subtotal,
                          addon_price(invoice.plan, invoice.cycle) * invoice.addons)
    lines = [InvoiceLine(kind="plan", quantity=1, amount=invoice.subtotal - addon_total)]
    if addon_total:
        lines.append(InvoiceLine(kind="addon", quantity=invoice.addons, amount=addon_total))
    if invoice.discount:
        lines.append(InvoiceLine(kind="discount", quantity=1, amount=-invoice.discount))
    return lines


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    created_at: datetime
    action: str
    user_id: int | None
    business_id: int | None
    details: dict[str, object]


async def audit_entries(session: AsyncSession, *, user_id: int | None = None,
                        action: str | None = None, limit: int = 20) -> list[AuditRow]:
    """Recent audit entries, newest first; ``user_id`` matches the actor or the target user,
    ``action`` a prefix (``admin.user``)."""
    stmt = select(AuditLog)
    if user_id is not None:
        stmt = stmt.where(or_(AuditLog.user_id == user_id,
                              AuditLog.details["target_user_id"].as_integer() == user_id))
    if action:
        stmt = stmt.where(AuditLog.action.startswith(action, autoescape=True))
    rows = await session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit))
    return [AuditRow(id=r.id, created_at=r.created_at, action=r.action, user_id=r.user_id,
                     business_id=r.business_id, details=dict(r.details or {})) for r in rows]
