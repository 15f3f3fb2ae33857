"""Team, invites and roles as owners and invitees see them, through the Bot API emulator."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.emulator import BotMessage
from handlers.owner.team.callbacks import TeamAction, TeamCB
from services import users
from services.db.base import utcnow
from services.db.models import Invite, Membership, User
from services.teams import Role
from tests.conftest import Database, Telegram
from tests.factories import add_member, make_owner
from tests.services.test_plans import expire_trial

OWNER = 6001
LINK = re.compile(r"https://t\.me/biznespilot_test_bot\?start=(inv_[\w-]+)")


async def press_forged(user, data: str) -> list[BotMessage]:  # type: ignore[no-untyped-def]
    """Press a button the bot never sent, on the latest message with a keyboard."""
    carrier = next(m for m in reversed(user.history) if m.buttons)
    return await user.press_data(data, message=carrier)


def alert(user) -> str:  # type: ignore[no-untyped-def]
    """The text of the last callback answer (where the error router puts refusals)."""
    answer = user.callback_answers[-1]
    return answer.text or ""


async def seed(db: Database, owner_id: int = OWNER, *, name: str = "Test Biz",
               members: dict[int, Role] | None = None) -> int:
    async with db.sessionmaker() as s:
        business_id = (await make_owner(s, owner_id, name=name)).id
        for user_id, role in (members or {}).items():
            # The user row first: add_member flushes user and membership together, which
            # PostgreSQL may order membership-first.
            await users.touch_user(s, user_id=user_id, first_name=f"Member{user_id}")
            await s.commit()
            await add_member(s, business_id, user_id, role)
    return business_id


async def invite_link(owner, role: str) -> str:  # type: ignore[no-untyped-def]
    """Owner: /team → ➕ Invite → role; returns the deep-link payload."""
    await owner.send("/team")
    await owner.press("➕ Invite")
    created = await owner.press(role)
    match = LINK.search(created[-1].text)
    assert match, created[-1].text
    return match.group(1)


async def test_invite_join_change_role_remove_end_to_end(tg: Telegram, db: Database) -> None:
    business_id = await seed(db)
    owner = tg.user(OWNER, first_name="Aziz", username="aziz_biz")
    team = await owner.send("/team")
    assert "Team of Test Biz" in team[-1].text
    assert "1. Aziz (@aziz_biz) — Owner (you)" in team[-1].text
    assert "Seats used: 0 of 3" in team[-1].text
    choose = await owner.press("➕ Invite")
    assert choose[-1].button_texts() == ["Admin", "Manager", "Member", "Viewer", "⬅️ Team"]
    created = await owner.press("Manager")
    text = created[-1].text
    match = LINK.search(text)
    assert match is not None
    assert "new Manager" in text and "Valid until" in text
    assert "You have used" not in text  # 1 of 3: no plan warning yet
    assert created[-1].buttons[0][0].url is not None  # 📤 Share the link

    guest = tg.user(6002, first_name="Dilnoza")
    offer = await guest.send(f"/start {match.group(1)}")
    assert "Aziz invites you to join Test Biz in BiznesPilot as Manager" in offer[-1].text
    assert "manage orders" in offer[-1].text
    assert offer[-1].button_texts() == ["✅ Accept", "✖️ Decline"]
    joined = await guest.press("✅ Accept")
    assert any("Welcome to Test Biz! Your role: Manager." in m.text for m in joined)
    assert "main menu" in joined[-1].text and "Your role: Manager" in joined[-1].text
    assert "Dilnoza accepted your invite and joined Test Biz as Manager" in (
        owner.last_message.text)  # type: ignore[union-attr]

    team = await owner.send("/team")
    assert "2. Dilnoza — Manager" in team[-1].text
    assert "Pending invites" not in team[-1].text
    card = await owner.press("👤 Dilnoza — Manager")
    assert "Role: Manager" in card[-1].text
    assert card[-1].button_texts()[:3] == ["Make Admin", "Make Member", "Make Viewer"]
    changed = await owner.press("Make Viewer")
    assert "Role: Viewer" in changed[-1].text
    assert "Make Manager" in changed[-1].button_texts()
    assert "Your role in Test Biz is now Viewer" in guest.last_message.text  # type: ignore[union-attr]
    seen = await guest.send("/team")
    assert "2. Dilnoza — Viewer (you)" in seen[-1].text
    assert "➕ Invite" not in seen[-1].button_texts()

    confirm = await owner.press("🗑 Remove from the team")
    assert "Remove Dilnoza from Test Biz?" in confirm[-1].text
    removed = await owner.press("🗑 Yes, remove")
    assert "Dilnoza" not in removed[-1].text
    assert "Removed from the team." in alert(owner)
    assert "You were removed from the team of Test Biz" in guest.last_message.text  # type: ignore[union-attr]
    lost = await guest.send("/team")
    assert "You don't have a business yet" in lost[-1].text
    async with db.sessionmaker() as s:
        assert await s.scalar(select(Membership).where(
            Membership.business_id == business_id, Membership.user_id == 6002)) is None
    reused = await guest.send(f"/start {match.group(1)}")
    assert "already been used" in reused[-1].text


async def test_team_from_the_main_menu_and_back(tg: Telegram, db: Database) -> None:
    await seed(db, members={6005: Role.MEMBER})
    owner = tg.user(OWNER)
    await owner.send("/menu")
    team = await owner.press("👥 Team")
    assert "Team of Test Biz" in team[-1].text
    await owner.press("👤 Member6005 — Member")
    back = await owner.press("⬅️ Team")
    assert back[-1].edited and "Team of Test Biz" in back[-1].text


async def test_fourth_seat_is_refused_on_starter(tg: Telegram, db: Database) -> None:
    await seed(db, members={6011: Role.MEMBER, 6012: Role.VIEWER})
    owner = tg.user(OWNER)
    await owner.send("/team")
    await owner.press("➕ Invite")
    third = await owner.press("Viewer")
    assert "⚠️ You have used 3 of 3 “Team members per business” on your Starter plan" in (
        third[-1].text)
    await owner.press("➕ Another invite")
    refused = await owner.press("Viewer")
    assert refused == []
    assert "Your Starter plan allows 3 for “Team members per business”" in alert(owner)
    assert owner.callback_answers[-1].show_alert
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Invite)) == 1


async def test_invalid_links_get_a_localized_reason(tg: Telegram, db: Database) -> None:
    await seed(db)
    owner = tg.user(OWNER)
    expired = await invite_link(owner, "Member")
    async with db.sessionmaker() as s:
        await s.execute(update(Invite).values(expires_at=utcnow() - timedelta(minutes=1)))
        await s.commit()
    guest = tg.user(6020)
    assert "has expired" in (await guest.send(f"/start {expired}"))[-1].text
    assert "not valid" in (await guest.send("/start inv_nosuchtoken"))[-1].text

    revoked = await invite_link(owner, "Viewer")
    team = await owner.send("/team")
    assert "Pending invites" in team[-1].text and "Viewer — valid until" in team[-1].text
    after = await owner.press("✖️ Revoke the Viewer invite")
    assert "Pending invites" not in after[-1].text
    assert "Invite revoked." in alert(owner)
    assert "was revoked" in (await guest.send(f"/start {revoked}"))[-1].text

    # Declining keeps the link usable; accepting a link pressed late is re-checked.
    live = await invite_link(owner, "Viewer")
    await guest.send(f"/start {live}")
    declined = await guest.press("✖️ Decline")
    assert "declined the invite" in declined[-1].text
    await guest.send(f"/start {live}")
    async with db.sessionmaker() as s:
        await s.execute(update(Invite).where(Invite.token == live.removeprefix("inv_"))
                        .values(revoked_at=utcnow()))
        await s.commit()
    late = await guest.press("✅ Accept")
    assert late == [] and "was revoked" in alert(guest)


async def test_a_member_opening_a_link_again_is_told_so(tg: Telegram, db: Database) -> None:
    await seed(db, members={6030: Role.VIEWER})
    owner = tg.user(OWNER)
    token = await invite_link(owner, "Member")
    again = await tg.user(6030).send(f"/start {token}")
    assert "already a member of this business" in again[-1].text
    own = await owner.send(f"/start {token}")
    assert "already a member" in own[-1].text


async def test_the_invitee_keeps_their_language(tg: Telegram, db: Database) -> None:
    await seed(db)
    token = await invite_link(tg.user(OWNER), "Member")
    guest = tg.user(6040, language_code="ru")
    offer = await guest.send(f"/start {token}")
    assert "дек." in offer[-1].text or "нояб." in offer[-1].text  # dates already in Russian
    await guest.press(1)
    async with db.sessionmaker() as s:
        user = await s.get(User, 6040)
        assert user is not None and user.language == "ru"


async def test_viewer_member_and_manager_cannot_manage_the_team(tg: Telegram,
                                                                 db: Database) -> None:
    await seed(db, members={6051: Role.VIEWER, 6052: Role.MEMBER, 6053: Role.MANAGER})
    refusals = {6051: "Viewer", 6052: "Member", 6053: "Manager"}
    for user_id, role_name in refusals.items():
        user = tg.user(user_id)
        team = await user.send("/team")
        assert "Only the owner or an admin can invite" in team[-1].text
        assert team[-1].button_texts() == ["🏠 Main menu"]
        for data in (TeamCB(action=TeamAction.INVITE).pack(),
                     TeamCB(action=TeamAction.INVITE_ROLE, role=Role.VIEWER).pack(),
                     TeamCB(action=TeamAction.SET_ROLE, id=6051, role=Role.ADMIN).pack(),
                     TeamCB(action=TeamAction.REMOVE_OK, id=6052).pack()):
            assert await press_forged(user, data) == []
            assert alert(user) == (f"⛔ Your role ({role_name}) can't manage the team. Ask the "
                                   "business owner or an admin.")
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Invite)) == 0
        roles = dict((await s.execute(select(Membership.user_id, Membership.role))).all())
    assert roles == {OWNER: "owner", 6051: "viewer", 6052: "member", 6053: "manager"}


async def test_an_admin_manages_only_roles_below_admin(tg: Telegram, db: Database) -> None:
    await seed(db, members={6061: Role.ADMIN, 6062: Role.ADMIN, 6063: Role.MEMBER})
    admin = tg.user(6061)
    team = await admin.send("/team")
    buttons = team[-1].button_texts()
    assert "👤 Member6063 — Member" in buttons
    assert not any("Member6062" in b or "Owner6001" in b for b in buttons)
    choose = await admin.press("➕ Invite")
    assert choose[-1].button_texts() == ["Manager", "Member", "Viewer", "⬅️ Team"]
    card = await admin.press("⬅️ Team")
    card = await admin.press("👤 Member6063 — Member")
    assert "Make Admin" not in card[-1].button_texts()
    forged = await press_forged(admin, TeamCB(action=TeamAction.SET_ROLE, id=6063,
                                              role=Role.ADMIN).pack())
    assert forged == [] and "can't give this role" in alert(admin)
    await press_forged(admin, TeamCB(action=TeamAction.REMOVE_OK, id=6062).pack())
    assert "can't give this role" in alert(admin)
    await press_forged(admin, TeamCB(action=TeamAction.SET_ROLE, id=6061,
                                     role=Role.VIEWER).pack())
    assert "can't change your own role" in alert(admin)


async def test_forged_ids_of_another_business_are_not_found(tg: Telegram, db: Database) -> None:
    await seed(db)
    other = await seed(db, 6070, name="Other Biz", members={6071: Role.VIEWER})
    async with db.sessionmaker() as s:
        other_invite = Invite(business_id=other, token="othertoken", role="member",
                              created_by=6070, expires_at=utcnow() + timedelta(days=1))
        s.add(other_invite)
        await s.commit()
        invite_id = other_invite.id
    owner = tg.user(OWNER)
    await owner.send("/team")
    for data in (TeamCB(action=TeamAction.MEMBER, id=6071).pack(),
                 TeamCB(action=TeamAction.SET_ROLE, id=6071, role=Role.ADMIN).pack(),
                 TeamCB(action=TeamAction.REMOVE, id=6071).pack(),
                 TeamCB(action=TeamAction.REMOVE_OK, id=6071).pack(),
                 TeamCB(action=TeamAction.REVOKE, id=invite_id).pack()):
        assert await press_forged(owner, data) == []
        assert alert(owner).startswith("Not found")
    async with db.sessionmaker() as s:
        role = await s.scalar(select(Membership.role).where(Membership.user_id == 6071))
        invite = await s.get(Invite, invite_id)
    assert role == "viewer" and invite is not None and invite.revoked_at is None
    # A garbled role in callback data never parses: the stale-button answer.
    await press_forged(owner, "tm1:sr:6071:superuser")
    assert "out of date" in alert(owner)


async def test_joining_a_lapsed_business_names_whom_to_ask(tg: Telegram, db: Database) -> None:
    await seed(db)
    token = await invite_link(tg.user(OWNER, first_name="Aziz"), "Member")
    async with db.sessionmaker() as s:
        await expire_trial(s, OWNER)
    guest = tg.user(6080)
    await guest.send(f"/start {token}")
    assert await guest.press("✅ Accept") == []
    assert alert(guest) == ("Test Biz can't take new members right now: its subscription has "
                            "ended. Ask Aziz to renew it, then open the link again.")
    async with db.sessionmaker() as s:
        assert await s.get(User, 6080) is not None
        assert await s.scalar(select(Membership).where(Membership.user_id == 6080)) is None
