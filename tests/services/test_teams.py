"""Roles, invites and team changes (SPEC §1), enforced by the services themselves."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import teams, users
from services.db.base import utcnow
from services.db.models import AuditLog, Invite, Membership, User
from services.errors import (
    Conflict,
    InviteInvalid,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    SubscriptionInactive,
)
from services.teams import Permission, Role
from tests.conftest import Database
from tests.factories import add_member, make_owner
from tests.services.test_plans import expire_trial

OWNER = 4001


async def _owner(session: AsyncSession, user_id: int = OWNER, name: str = "Biz") -> int:
    return (await make_owner(session, user_id, name=name)).id


async def _user(session: AsyncSession, user_id: int) -> None:
    await users.touch_user(session, user_id=user_id, first_name=f"User{user_id}",
                           last_name="Doe", username=f"u{user_id}")
    await session.commit()


async def _member(session: AsyncSession, business_id: int, user_id: int, role: Role) -> None:
    # The user row goes first: factories.add_member flushes both in one go, and PostgreSQL
    # may then see the membership before its user.
    await _user(session, user_id)
    await add_member(session, business_id, user_id, role)


async def test_permission_helpers() -> None:
    assert teams.has_permission("owner", Permission.BILLING)
    assert not teams.has_permission(Role.ADMIN, Permission.BILLING)
    assert not teams.has_permission(None, Permission.VIEW_ANALYTICS)
    with pytest.raises(PermissionDenied) as info:
        teams.require("viewer", Permission.MANAGE_LEADS)
    assert info.value.params == {"permission": "manage_leads", "role": "viewer"}
    assert teams.assignable_roles("owner") == (Role.ADMIN, Role.MANAGER, Role.MEMBER,
                                               Role.VIEWER)
    assert teams.assignable_roles("admin") == (Role.MANAGER, Role.MEMBER, Role.VIEWER)
    assert teams.assignable_roles("manager") == ()
    assert teams.permissions_of("member") == (Permission.VIEW_ANALYTICS,
                                              Permission.MANAGE_LEADS)


async def test_invite_accept_and_list(session: AsyncSession) -> None:
    bid = await _owner(session)
    await _user(session, 4002)
    invite, status = await teams.create_invite(session, business_id=bid, inviter_id=OWNER,
                                               role=Role.MANAGER)
    assert (status.used, status.limit, status.warning) == (1, 3, None)
    assert timedelta(days=6, hours=23) < invite.expires_at - utcnow() <= timedelta(days=7)
    offer = await teams.describe_invite(session, token=invite.token)
    assert (offer.business_id, offer.business_name, offer.role, offer.inviter_id,
            offer.inviter_name) == (bid, "Biz", Role.MANAGER, OWNER, f"Owner{OWNER}")
    assert await teams.seats_used(session, business_id=bid) == 1  # the invite holds a seat
    membership = await teams.accept_invite(session, token=invite.token, user_id=4002)
    assert (membership.business_id, membership.role) == (bid, "manager")
    assert (await session.get(User, 4002)).current_business_id == bid  # type: ignore[union-attr]
    assert await teams.seats_used(session, business_id=bid) == 1
    assert await teams.list_invites(session, business_id=bid) == []
    members = await teams.list_members(session, business_id=bid)
    assert [(m.user_id, m.role) for m in members] == [(OWNER, Role.OWNER),
                                                      (4002, Role.MANAGER)]
    assert (members[1].name, members[1].username) == ("User4002 Doe", "u4002")
    assert await teams.get_role(session, business_id=bid, user_id=4002) == Role.MANAGER
    with pytest.raises(InviteInvalid) as info:
        await teams.accept_invite(session, token=invite.token, user_id=4002)
    assert info.value.params == {"reason": "used"}
    actions = set(await session.scalars(select(AuditLog.action)))
    assert {"team.invite", "team.join"} <= actions


async def test_invalid_invites(session: AsyncSession) -> None:
    bid = await _owner(session)
    await _user(session, 4003)
    with pytest.raises(InviteInvalid) as info:
        await teams.describe_invite(session, token="nope")
    assert info.value.params == {"reason": "unknown"}
    expired, _ = await teams.create_invite(session, business_id=bid, inviter_id=OWNER,
                                           role=Role.VIEWER)
    await session.execute(update(Invite).where(Invite.id == expired.id)
                          .values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(InviteInvalid) as info:
        await teams.accept_invite(session, token=expired.token, user_id=4003)
    assert info.value.params == {"reason": "expired"}
    revoked, _ = await teams.create_invite(session, business_id=bid, inviter_id=OWNER,
                                           role=Role.VIEWER)
    await teams.revoke_invite(session, business_id=bid, actor_id=OWNER, invite_id=revoked.id)
    with pytest.raises(InviteInvalid) as info:
        await teams.accept_invite(session, token=revoked.token, user_id=4003)
    assert info.value.params == {"reason": "revoked"}
    # The owner opening their own link is already a member.
    live, _ = await teams.create_invite(session, business_id=bid, inviter_id=OWNER,
                                        role=Role.VIEWER)
    with pytest.raises(Conflict):
        await teams.accept_invite(session, token=live.token, user_id=OWNER)


async def test_roles_an_inviter_may_hand_out(session: AsyncSession) -> None:
    bid = await _owner(session)
    await _member(session, bid, 4010, Role.ADMIN)
    await _member(session, bid, 4011, Role.MANAGER)
    with pytest.raises(PermissionDenied):  # only the owner makes admins
        await teams.create_invite(session, business_id=bid, inviter_id=4010, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):  # nobody makes owners
        await teams.create_invite(session, business_id=bid, inviter_id=OWNER, role=Role.OWNER)
    with pytest.raises(PermissionDenied) as info:  # a manager can't manage the team
        await teams.create_invite(session, business_id=bid, inviter_id=4011, role=Role.VIEWER)
    assert info.value.params["permission"] == "manage_team"
    with pytest.raises(NotFound):  # a stranger gets nothing about the business
        await teams.create_invite(session, business_id=bid, inviter_id=4999, role=Role.VIEWER)
    invite, _ = await teams.create_invite(session, business_id=bid, inviter_id=4010,
                                          role=Role.MEMBER)
    assert invite.role == Role.MEMBER
    await teams.revoke_invite(session, business_id=bid, actor_id=4010, invite_id=invite.id)
    admin_invite, _ = await teams.create_invite(session, business_id=bid, inviter_id=OWNER,
                                                role=Role.ADMIN)
    with pytest.raises(PermissionDenied):  # an admin can't undo the owner's admin invite
        await teams.revoke_invite(session, business_id=bid, actor_id=4010,
                                  invite_id=admin_invite.id)


async def test_starter_allows_three_team_members(session: AsyncSession) -> None:
    bid = await _owner(session)
    await _member(session, bid, 4020, Role.MEMBER)
    _, second = await teams.create_invite(session, business_id=bid, inviter_id=OWNER,
                                          role=Role.VIEWER)
    assert second.warning is None  # 2 of 3
    third_invite, third = await teams.create_invite(session, business_id=bid, inviter_id=OWNER,
                                                    role=Role.VIEWER)
    assert (third.used, third.limit, third.warning) == (3, 3, 90)
    with pytest.raises(LimitExceeded) as info:
        await teams.create_invite(session, business_id=bid, inviter_id=OWNER, role=Role.VIEWER)
    assert info.value.params == {"resource": "team_members", "used": 3, "limit": 3,
                                 "plan": "starter"}
    # Revoking a pending invite frees its seat.
    await teams.revoke_invite(session, business_id=bid, actor_id=OWNER,
                              invite_id=third_invite.id)
    seats = await teams.seat_status(session, business_id=bid)
    assert (seats.used, seats.limit) == (2, 3)
    await teams.create_invite(session, business_id=bid, inviter_id=OWNER, role=Role.VIEWER)


async def test_change_role_and_remove(session: AsyncSession) -> None:
    bid = await _owner(session)
    await _member(session, bid, 4030, Role.ADMIN)
    await _member(session, bid, 4031, Role.VIEWER)
    await _member(session, bid, 4032, Role.ADMIN)
    await teams.change_role(session, business_id=bid, actor_id=OWNER, member_id=4031,
                            role=Role.MANAGER)
    assert await teams.get_role(session, business_id=bid, user_id=4031) == Role.MANAGER
    await teams.change_role(session, business_id=bid, actor_id=4030, member_id=4031,
                            role=Role.MEMBER)
    with pytest.raises(PermissionDenied):  # an admin can't promote to admin …
        await teams.change_role(session, business_id=bid, actor_id=4030, member_id=4031,
                                role=Role.ADMIN)
    with pytest.raises(PermissionDenied):  # … nor touch another admin or the owner
        await teams.remove_member(session, business_id=bid, actor_id=4030, member_id=4032)
    with pytest.raises(PermissionDenied):
        await teams.change_role(session, business_id=bid, actor_id=4030, member_id=OWNER,
                                role=Role.VIEWER)
    with pytest.raises(Conflict):
        await teams.change_role(session, business_id=bid, actor_id=OWNER, member_id=OWNER,
                                role=Role.ADMIN)
    await teams.remove_member(session, business_id=bid, actor_id=OWNER, member_id=4031)
    await session.commit()
    assert await teams.get_role(session, business_id=bid, user_id=4031) is None
    user = await session.get(User, 4031)
    assert user is not None and user.current_business_id is None
    ctx = await users.load_context(session, user=user)
    assert ctx.business is None and ctx.role is None


async def test_ids_from_another_business_are_not_found(session: AsyncSession) -> None:
    mine = await _owner(session)
    theirs = await _owner(session, 4040, name="Other")
    await _member(session, theirs, 4041, Role.VIEWER)
    other_invite, _ = await teams.create_invite(session, business_id=theirs, inviter_id=4040,
                                                role=Role.VIEWER)
    with pytest.raises(NotFound):
        await teams.get_member(session, business_id=mine, user_id=4041)
    with pytest.raises(NotFound):
        await teams.change_role(session, business_id=mine, actor_id=OWNER, member_id=4041,
                                role=Role.MANAGER)
    with pytest.raises(NotFound):
        await teams.remove_member(session, business_id=mine, actor_id=OWNER, member_id=4041)
    with pytest.raises(NotFound):
        await teams.revoke_invite(session, business_id=mine, actor_id=OWNER,
                                  invite_id=other_invite.id)
    with pytest.raises(NotFound):  # acting on the other business directly: not a member
        await teams.remove_member(session, business_id=theirs, actor_id=OWNER, member_id=4041)
    assert await teams.get_role(session, business_id=theirs, user_id=4041) == Role.VIEWER


async def test_a_lapsed_business_refuses_new_members(session: AsyncSession) -> None:
    bid = await _owner(session)
    await _user(session, 4050)
    invite, _ = await teams.create_invite(session, business_id=bid, inviter_id=OWNER,
                                          role=Role.MEMBER)
    await session.commit()
    await expire_trial(session, OWNER)
    with pytest.raises(SubscriptionInactive):
        await teams.accept_invite(session, token=invite.token, user_id=4050)


async def test_one_link_accepted_twice_at_once_admits_one(db: Database,
                                                          session: AsyncSession) -> None:
    bid = await _owner(session)
    await _user(session, 4060)
    await _user(session, 4061)
    invite, _ = await teams.create_invite(session, business_id=bid, inviter_id=OWNER,
                                          role=Role.MEMBER)
    await session.commit()

    async def accept(user_id: int) -> bool:
        async with db.sessionmaker() as s:
            try:
                await teams.accept_invite(s, token=invite.token, user_id=user_id)
            except InviteInvalid:
                await s.rollback()
                return False
            await s.commit()
            return True

    assert sorted(await asyncio.gather(accept(4060), accept(4061))) == [False, True]
    async with db.sessionmaker() as s:
        joined = (await s.scalars(select(Membership.user_id).where(
            Membership.business_id == bid, Membership.role == "member"))).all()
    assert len(joined) == 1
