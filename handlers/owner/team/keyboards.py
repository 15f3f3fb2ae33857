from urllib.parse import urlencode

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import labels
from handlers.owner.team.callbacks import InviteAnswer, InviteCB, TeamAction, TeamCB
from handlers.ui import with_home
from services.teams import InviteView, MemberView, Role


def back_to_team_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("⬅️ Team"),
                                callback_data=TeamCB(action=TeamAction.LIST).pack())


def team_keyboard(members: list[MemberView], invites: list[InviteView], *,
                  editable: tuple[Role, ...], can_manage: bool) -> InlineKeyboardMarkup:
    """➕ Invite, one button per member the viewer may edit, one per pending invite."""
    b = InlineKeyboardBuilder()
    if can_manage:
        b.row(InlineKeyboardButton(text=_("➕ Invite"),
                                   callback_data=TeamCB(action=TeamAction.INVITE).pack()))
        for member in members:
            if member.role in editable:
                b.row(InlineKeyboardButton(
                    text=_("👤 {name} — {role}").format(name=member.name,
                                                       role=labels.role(member.role)),
                    callback_data=TeamCB(action=TeamAction.MEMBER, id=member.user_id).pack()))
        for invite in invites:
            if invite.role in editable:
                b.row(InlineKeyboardButton(
                    text=_("✖️ Revoke the {role} invite").format(role=labels.role(invite.role)),
                    callback_data=TeamCB(action=TeamAction.REVOKE, id=invite.id).pack()))
    return with_home(b)


def invite_role_keyboard(roles: tuple[Role, ...]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for role in roles:
        b.button(text=labels.role(role),
                 callback_data=TeamCB(action=TeamAction.INVITE_ROLE, role=role))
    b.adjust(2)
    b.row(back_to_team_button())
    return b.as_markup()


def invite_created_keyboard(link: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    share = "https://t.me/share/url?" + urlencode({"url": link})
    b.row(InlineKeyboardButton(text=_("📤 Share the link"), url=share))
    b.row(InlineKeyboardButton(text=_("➕ Another invite"),
                               callback_data=TeamCB(action=TeamAction.INVITE).pack()))
    b.row(back_to_team_button())
    return b.as_markup()


def member_keyboard(member: MemberView, roles: tuple[Role, ...]) -> InlineKeyboardMarkup:
    """Role buttons (other than the current one) and removal, for a member the actor may edit."""
    b = InlineKeyboardBuilder()
    if member.role in roles:
        for role in roles:
            if role != member.role:
                b.button(text=_("Make {role}").format(role=labels.role(role)),
                         callback_data=TeamCB(action=TeamAction.SET_ROLE, id=member.user_id,
                                              role=role))
        b.adjust(2)
        b.row(InlineKeyboardButton(
            text=_("🗑 Remove from the team"),
            callback_data=TeamCB(action=TeamAction.REMOVE, id=member.user_id).pack()))
    b.row(back_to_team_button())
    return b.as_markup()


def remove_confirm_keyboard(member_id: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🗑 Yes, remove"),
             callback_data=TeamCB(action=TeamAction.REMOVE_OK, id=member_id))
    b.button(text=_("⬅️ No, keep"), callback_data=TeamCB(action=TeamAction.MEMBER, id=member_id))
    b.adjust(2)
    return b.as_markup()


def invite_answer_keyboard(token: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("✅ Accept"), callback_data=InviteCB(answer=InviteAnswer.ACCEPT, token=token))
    b.button(text=_("✖️ Decline"),
             callback_data=InviteCB(answer=InviteAnswer.DECLINE, token=token))
    b.adjust(2)
    return b.as_markup()
