"""Pure renderers of the team screens (HTML; user text escaped)."""

from __future__ import annotations

from datetime import datetime

from aiogram.utils.i18n import gettext as _

from bot.formatting import local_day
from handlers import labels
from handlers.limits import limit_warning
from handlers.ui import h
from services.plans import LimitStatus
from services.teams import InviteOffer, InviteView, MemberView, Role, permissions_of


def role_abilities(role: Role) -> str:
    return ", ".join(labels.permission(p) for p in permissions_of(role))


def _member_line(index: int, member: MemberView, *, viewer_id: int) -> str:
    name = h(member.name)
    if member.username:
        name += f" (@{h(member.username)})"
    line = _("{index}. {name} — {role}").format(index=index, name=name,
                                              role=labels.role(member.role))
    if member.user_id == viewer_id:
        line += " " + _("(you)")
    return line


def seats_line(seats: LimitStatus) -> str:
    if seats.unlimited:
        return _("Seats used: {used} (unlimited on your plan)").format(used=seats.used)
    return _("Seats used: {used} of {limit}").format(used=seats.used, limit=seats.limit)


def team_text(*, business_name: str, members: list[MemberView], invites: list[InviteView],
              seats: LimitStatus, viewer_id: int, can_manage: bool, locale: str,
              timezone: str) -> str:
    lines = [_("👥 <b>Team of {business}</b>").format(business=h(business_name)),
             seats_line(seats), ""]
    lines += [_member_line(i, m, viewer_id=viewer_id) for i, m in enumerate(members, 1)]
    if invites:
        lines += ["", _("⏳ <b>Pending invites</b>")]
        lines += [_("• {role} — valid until {date}").format(
            role=labels.role(i.role), date=local_day(i.expires_at, locale, timezone))
            for i in invites]
    lines.append("")
    if can_manage:
        lines.append(_("Invite people with a link, or tap a member to change their role."))
    else:
        lines.append(_("Only the owner or an admin can invite people and change roles."))
    return "\n".join(lines)


def invite_role_text() -> str:
    return _("➕ <b>New invite</b>\n\nWhich role should the new member get?")


def invite_created_text(*, link: str, role: Role, expires_at: datetime, status: LimitStatus,
                        locale: str, timezone: str) -> str:
    lines = [
        _("✅ Invite link for a new <b>{role}</b>:").format(role=labels.role(role)),
        link,
        "",
        _("Send it to your colleague: they open it, tap Accept and join the team. The link "
          "works once."),
        _("⏳ Valid until {date}").format(date=local_day(expires_at, locale, timezone)),
        _("As {role} they can: {abilities}.").format(role=labels.role(role),
                                                     abilities=role_abilities(role)),
    ]
    warning = limit_warning(status)
    if warning:
        lines += ["", warning]
    return "\n".join(lines)


def invite_offer_text(offer: InviteOffer, *, locale: str, timezone: str) -> str:
    return "\n".join([
        _("👋 <b>{inviter}</b> invites you to join <b>{business}</b> in BiznesPilot as "
          "<b>{role}</b>.").format(inviter=h(offer.inviter_name),
                                   business=h(offer.business_name),
                                   role=labels.role(offer.role)),
        "",
        _("As {role} you can: {abilities}.").format(role=labels.role(offer.role),
                                                    abilities=role_abilities(offer.role)),
        _("⏳ Valid until {date}").format(
            date=local_day(offer.expires_at, locale, timezone)),
    ])


def member_text(member: MemberView, *, editable: bool, locale: str, timezone: str) -> str:
    name = h(member.name)
    if member.username:
        name += f" (@{h(member.username)})"
    lines = [
        _("👤 <b>{name}</b>").format(name=name),
        _("Role: {role}").format(role=labels.role(member.role)),
        _("In the team since {date}").format(date=local_day(member.joined_at, locale,
                                                             timezone)),
        _("Can: {abilities}.").format(abilities=role_abilities(member.role)),
    ]
    if not editable:
        lines += ["", _("Your role can't change this member.")]
    return "\n".join(lines)


def remove_confirm_text(member: MemberView, *, business_name: str) -> str:
    return _("Remove <b>{name}</b> from {business}? They lose access right away.").format(
        name=h(member.name), business=h(business_name))


def joined_text(*, business_name: str, role: Role) -> str:
    return _("✅ Welcome to <b>{business}</b>! Your role: {role}.").format(
        business=h(business_name), role=labels.role(role))


def member_joined_note(*, name: str, role: Role, business_name: str) -> str:
    return _("✅ {name} accepted your invite and joined {business} as {role}.").format(
        name=h(name), business=h(business_name), role=labels.role(role))


def role_changed_note(*, business_name: str, role: Role) -> str:
    return _("Your role in {business} is now {role}.").format(business=h(business_name),
                                                              role=labels.role(role))


def removed_note(*, business_name: str) -> str:
    return _("You were removed from the team of {business}.").format(business=h(business_name))


def business_read_only_note(offer: InviteOffer) -> str:
    """Plain text (a callback alert)."""
    return _("{business} can't take new members right now: its subscription has ended. Ask "
             "{inviter} to renew it, then open the link again.").format(
        business=offer.business_name, inviter=offer.inviter_name)
