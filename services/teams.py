"""Business roles, the permission matrix (SPEC §1) and team invites."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, plans
from services.db.base import utcnow
from services.db.models import Business, Invite, Membership, User
from services.errors import Conflict, InviteInvalid, NotFound, PermissionDenied

INVITE_TTL = timedelta(days=7)


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"
    VIEWER = "viewer"


class Permission(StrEnum):
    VIEW_ANALYTICS = "view_analytics"
    MANAGE_LEADS = "manage_leads"
    MANAGE_ORDERS = "manage_orders"
    MANAGE_CHATBOT = "manage_chatbot"
    GENERATE_REPORTS = "generate_reports"
    MANAGE_PROFILE = "manage_profile"
    MANAGE_INTEGRATIONS = "manage_integrations"
    MANAGE_TEAM = "manage_team"
    BILLING = "billing"
    DELETE_BUSINESS = "delete_business"


_ALL = frozenset(Permission)
_MANAGER = frozenset(
    {
        Permission.VIEW_ANALYTICS,
        Permission.MANAGE_LEADS,
        Permission.MANAGE_ORDERS,
        Permission.MANAGE_CHATBOT,
        Permission.GENERATE_REPORTS,
        Permission.MANAGE_PROFILE,
    }
)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL - {Permission.BILLING, Permission.DELETE_BUSINESS},
    Role.MANAGER: _MANAGER,
    Role.MEMBER: frozenset({Permission.VIEW_ANALYTICS, Permission.MANAGE_LEADS}),
    Role.VIEWER: frozenset({Permission.VIEW_ANALYTICS}),
}
# Roles an inviter may hand out: only the owner makes admins; nobody makes owners.
ASSIGNABLE_BY: dict[Role, tuple[Role, ...]] = {
    Role.OWNER: (Role.ADMIN, Role.MANAGER, Role.MEMBER, Role.VIEWER),
    Role.ADMIN: (Role.MANAGER, Role.MEMBER, Role.VIEWER),
}


def has_permission(role: Role | str | None, permission: Permission) -> bool:
    """The single answer to "may this role do that?"."""
    if role is None:
        return False
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


def require(role: Role | str | None, permission: Permission) -> None:
    """Raise ``PermissionDenied`` unless the role has the permission."""
    if not has_permission(role, permission):
        raise PermissionDenied(permission=permission.value, role=str(role))


def assignable_roles(actor_role: Role | str) -> tuple[Role, ...]:
    """Roles the actor may give to others."""
    return ASSIGNABLE_BY.get(Role(actor_role), ())


def permissions_of(role: Role | str) -> tuple[Permission, ...]:
    """The role's permissions in the matrix's order (for showing what a role may do)."""
    granted = ROLE_PERMISSIONS.get(Role(role), frozenset())
    return tuple(p for p in Permission if p in granted)


@dataclass(frozen=True, slots=True)
class MemberView:
    user_id: int
    name: str
    username: str | None
    role: Role
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class InviteView:
    id: int
    token: str
    role: Role
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class InviteOffer:
    """What the invitee is offered: the business, the role and who invites them."""

    business_id: int
    business_name: str
    role: Role
    inviter_id: int
    inviter_name: str
    expires_at: datetime


def _display_name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p) or str(user.id)


async def get_role(session: AsyncSession, *, business_id: int, user_id: int) -> Role | None:
    """The user's role in the business, or None if not a member."""
    role = await session.scalar(
        select(Membership.role).where(
            Membership.business_id == business_id, Membership.user_id == user_id
        )
    )
    return Role(role) if role else None


async def require_permission(
    session: AsyncSession, *, business_id: int, user_id: int, permission: Permission
) -> Role:
    """Re-check membership and permission from the database (for jobs and callbacks)."""
    role = await get_role(session, business_id=business_id, user_id=user_id)
    if role is None:
        raise NotFound(entity="business", id=business_id)
    require(role, permission)
    return role


async def list_members(session: AsyncSession, *, business_id: int) -> list[MemberView]:
    """Team members, owner first."""
    order = {r.value: i for i, r in enumerate(Role)}
    rows = (
        await session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.business_id == business_id)
        )
    ).all()
    members = [_member_view(m, u) for m, u in rows]
    return sorted(members, key=lambda m: (order[m.role.value], m.joined_at))


def _member_view(membership: Membership, user: User) -> MemberView:
    return MemberView(user_id=user.id, name=_display_name(user), username=user.username,
                      role=Role(membership.role), joined_at=membership.created_at)


async def get_member(session: AsyncSession, *, business_id: int, user_id: int) -> MemberView:
    """One member of this business, or ``NotFound`` (also for another business's member)."""
    row = (
        await session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.business_id == business_id, Membership.user_id == user_id)
        )
    ).first()
    if row is None:
        raise NotFound(entity="member", id=user_id)
    return _member_view(*row)


async def list_invites(session: AsyncSession, *, business_id: int) -> list[InviteView]:
    """Pending (unused, unrevoked, unexpired) invites."""
    rows = await session.scalars(
        select(Invite)
        .where(
            Invite.business_id == business_id,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > utcnow(),
        )
        .order_by(Invite.created_at)
    )
    return [InviteView(i.id, i.token, Role(i.role), i.expires_at) for i in rows]


async def seats_used(session: AsyncSession, *, business_id: int) -> int:
    """Team seats taken: members other than the owner plus pending invites."""
    members = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.business_id == business_id, Membership.role != Role.OWNER.value)
    )
    return int(members or 0) + len(await list_invites(session, business_id=business_id))


async def seat_status(session: AsyncSession, *, business_id: int) -> plans.LimitStatus:
    """Team seats against the plan's limit (not enforced: for showing usage)."""
    return await plans.limit_status(
        session, business_id=business_id, resource=plans.Resource.TEAM_MEMBERS,
        used=await seats_used(session, business_id=business_id),
    )


async def create_invite(
    session: AsyncSession, *, business_id: int, inviter_id: int, role: Role
) -> tuple[InviteView, plans.LimitStatus]:
    """A single-use invite valid for 7 days; checks the role rules and the team-size limit."""
    inviter_role = await require_permission(
        session, business_id=business_id, user_id=inviter_id, permission=Permission.MANAGE_TEAM
    )
    if role not in assignable_roles(inviter_role):
        raise PermissionDenied(permission="assign_role", role=inviter_role.value)
    status = await plans.check_limit(
        session,
        business_id=business_id,
        resource=plans.Resource.TEAM_MEMBERS,
        used=await seats_used(session, business_id=business_id),
    )
    invite = Invite(
        business_id=business_id,
        token=secrets.token_urlsafe(12),
        role=role.value,
        created_by=inviter_id,
        expires_at=utcnow() + INVITE_TTL,
    )
    session.add(invite)
    await session.flush()
    await audit.record(
        session, action="team.invite", user_id=inviter_id, business_id=business_id, role=role.value
    )
    return InviteView(invite.id, invite.token, role, invite.expires_at), status


async def peek_invite(session: AsyncSession, *, token: str) -> tuple[Invite, Business]:
    """The live invite and its business, or ``InviteInvalid`` with the reason."""
    invite = await session.scalar(select(Invite).where(Invite.token == token))
    if invite is None:
        raise InviteInvalid(reason="unknown")
    if invite.revoked_at is not None:
        raise InviteInvalid(reason="revoked")
    if invite.used_at is not None:
        raise InviteInvalid(reason="used")
    if invite.expires_at <= utcnow():
        raise InviteInvalid(reason="expired")
    business = await session.get(Business, invite.business_id)
    if business is None:
        raise InviteInvalid(reason="unknown")
    return invite, business


async def describe_invite(session: AsyncSession, *, token: str) -> InviteOffer:
    """The offer behind a live invite link, or ``InviteInvalid``."""
    invite, business = await peek_invite(session, token=token)
    inviter = await session.get(User, invite.created_by)
    return InviteOffer(
        business_id=business.id, business_name=business.name, role=Role(invite.role),
        inviter_id=invite.created_by,
        inviter_name=_display_name(inviter) if inviter else str(invite.created_by),
        expires_at=invite.expires_at,
    )


async def accept_invite(session: AsyncSession, *, token: str, user_id: int) -> Membership:
    """Join the business with the invite's role; the invite is then used up atomically.

    Joining is a change to the business, so a lapsed (read-only) business refuses it until paid.
    """
    invite, business = await peek_invite(session, token=token)
    await plans.require_writable(session, business_id=business.id)
    if await get_role(session, business_id=business.id, user_id=user_id) is not None:
        raise Conflict(reason="already_member")
    # Mark used with a guarded UPDATE so two accepts of one link cannot both win.
    result = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=utcnow(), used_by=user_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteInvalid(reason="used")
    membership = Membership(business_id=business.id, user_id=user_id, role=invite.role)
    session.add(membership)
    user = await session.get(User, user_id)
    if user is not None:
        user.current_business_id = business.id
    await session.flush()
    await audit.record(
        session, action="team.join", user_id=user_id, business_id=business.id, role=invite.role
    )
    return membership


async def revoke_invite(
    session: AsyncSession, *, business_id: int, actor_id: int, invite_id: int
) -> None:
    """Revoke a pending invite of this business (one for a role the actor may hand out)."""
    actor_role = await require_permission(
        session, business_id=business_id, user_id=actor_id, permission=Permission.MANAGE_TEAM
    )
    invite = await session.scalar(
        select(Invite).where(Invite.id == invite_id, Invite.business_id == business_id)
    )
    if invite is None or invite.used_at is not None:
        raise NotFound(entity="invite", id=invite_id)
    if Role(invite.role) not in assignable_roles(actor_role):
        raise PermissionDenied(permission="assign_role", role=actor_role.value)
    invite.revoked_at = utcnow()
    await audit.record(session, action="team.invite_revoked", user_id=actor_id,
                       business_id=business_id, invite_id=invite_id)


async def _editable_membership(
    session: AsyncSession, *, business_id: int, actor_id: int, member_id: int
) -> tuple[Role, Membership]:
    actor_role = await require_permission(
        session, business_id=business_id, user_id=actor_id, permission=Permission.MANAGE_TEAM
    )
    membership = await session.scalar(
        select(Membership).where(
            Membership.business_id == business_id, Membership.user_id == member_id
        )
    )
    if membership is None:
        raise NotFound(entity="member", id=member_id)
    if member_id == actor_id:
        raise Conflict(reason="self")
    if Role(membership.role) not in assignable_roles(actor_role):
        raise PermissionDenied(permission="assign_role", role=actor_role.value)
    return actor_role, membership


async def change_role(
    session: AsyncSession, *, business_id: int, actor_id: int, member_id: int, role: Role
) -> None:
    """Give a member another role, within what the actor may assign."""
    actor_role, membership = await _editable_membership(
        session, business_id=business_id, actor_id=actor_id, member_id=member_id
    )
    if role not in assignable_roles(actor_role):
        raise PermissionDenied(permission="assign_role", role=actor_role.value)
    old = membership.role
    membership.role = role.value
    await audit.record(session, action="team.role_changed", user_id=actor_id,
                       business_id=business_id, member_id=member_id, old=old, new=role.value)


async def remove_member(
    session: AsyncSession, *, business_id: int, actor_id: int, member_id: int
) -> None:
    """Revoke a member's access to the business."""
    _, membership = await _editable_membership(
        session, business_id=business_id, actor_id=actor_id, member_id=member_id
    )
    await session.delete(membership)
    user = await session.get(User, member_id)
    if user is not None and user.current_business_id == business_id:
        user.current_business_id = None
    await audit.record(session, action="team.member_removed", user_id=actor_id,
                       business_id=business_id, member_id=member_id)
