"""Team screens (SPEC §1): the member list, invites by deep link, role changes and removal.

Every id in callback data is passed to the services, which re-check it against the current
business and the actor's role; the permission flags are checked by the central middleware.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import BUSINESS, PUBLIC
from handlers.owner.menu import send_main_menu
from handlers.owner.team import keyboards, texts
from handlers.owner.team.callbacks import InviteAnswer, InviteCB, TeamAction, TeamCB
from handlers.ui import MenuCB, MenuItem, done_with
from services import profile, teams, users
from services.db.models import Business, User
from services.errors import Conflict, SubscriptionInactive
from services.teams import Permission

router = Router(name="team")
INVITE_PREFIX = "inv_"
MANAGE = {"perm": Permission.MANAGE_TEAM}


async def team_screen(session: AsyncSession, *, user: User, business: Business, role: str,
                      locale: str) -> tuple[str, InlineKeyboardMarkup]:
    members = await teams.list_members(session, business_id=business.id)
    invites = await teams.list_invites(session, business_id=business.id)
    seats = await teams.seat_status(session, business_id=business.id)
    can_manage = teams.has_permission(role, Permission.MANAGE_TEAM)
    text = texts.team_text(business_name=business.name, members=members, invites=invites,
                           seats=seats, viewer_id=user.id, can_manage=can_manage,
                           locale=locale, timezone=user.timezone)
    markup = keyboards.team_keyboard(members, invites, editable=teams.assignable_roles(role),
                                     can_manage=can_manage)
    return text, markup


async def _edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup,
                note: str | None = None) -> None:
    await callback.answer(note)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(text, reply_markup=markup)


async def _notify(bot: Bot, i18n: I18n, session: AsyncSession, *, user_id: int,
                  render: Callable[[], str]) -> None:
    """Tell another user something, in their language; a blocked bot is not an error."""
    other = await session.get(User, user_id)
    with i18n.use_locale(other.language if other and other.language else i18n.default_locale):
        text = render()
    with suppress(TelegramAPIError):
        await bot.send_message(user_id, text)


@router.message(Command("team"), flags={"perm": BUSINESS})
async def cmd_team(message: Message, session: AsyncSession, user: User, business: Business,
                   role: str, locale: str) -> None:
    text, markup = await team_screen(session, user=user, business=business, role=role,
                                     locale=locale)
    await message.answer(text, reply_markup=markup)


@router.callback_query(MenuCB.filter(F.item == MenuItem.TEAM), flags={"perm": BUSINESS})
async def on_team(callback: CallbackQuery, session: AsyncSession, user: User,
                  business: Business, role: str, locale: str) -> None:
    await callback.answer()
    text, markup = await team_screen(session, user=user, business=business, role=role,
                                     locale=locale)
    if isinstance(callback.message, Message):
        await callback.message.answer(text, reply_markup=markup)


@router.callback_query(TeamCB.filter(F.action == TeamAction.LIST), flags={"perm": BUSINESS})
async def on_list(callback: CallbackQuery, session: AsyncSession, user: User,
                  business: Business, role: str, locale: str) -> None:
    await _edit(callback, *await team_screen(session, user=user, business=business, role=role,
                                             locale=locale))


@router.callback_query(TeamCB.filter(F.action == TeamAction.INVITE), flags=MANAGE)
async def on_invite(callback: CallbackQuery, role: str) -> None:
    await _edit(callback, texts.invite_role_text(),
                keyboards.invite_role_keyboard(teams.assignable_roles(role)))


@router.callback_query(TeamCB.filter(F.action == TeamAction.INVITE_ROLE), flags=MANAGE)
async def on_invite_role(callback: CallbackQuery, callback_data: TeamCB, bot: Bot,
                         session: AsyncSession, user: User, business: Business,
                         locale: str) -> None:
    if callback_data.role is None:
        await callback.answer(_("This button is out of date."))
        return
    invite, status = await teams.create_invite(session, business_id=business.id,
                                               inviter_id=user.id, role=callback_data.role)
    link = f"https://t.me/{(await bot.me()).username}?start={INVITE_PREFIX}{invite.token}"
    text = texts.invite_created_text(link=link, role=invite.role, expires_at=invite.expires_at,
                                     status=status, locale=locale, timezone=user.timezone)
    await _edit(callback, text, keyboards.invite_created_keyboard(link))


async def _member_screen(session: AsyncSession, *, business: Business, user: User, role: str,
                         member_id: int, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    member = await teams.get_member(session, business_id=business.id, user_id=member_id)
    roles = () if member.user_id == user.id else teams.assignable_roles(role)
    text = texts.member_text(member, editable=member.role in roles, locale=locale,
                             timezone=user.timezone)
    return text, keyboards.member_keyboard(member, roles)


@router.callback_query(TeamCB.filter(F.action == TeamAction.MEMBER), flags=MANAGE)
async def on_member(callback: CallbackQuery, callback_data: TeamCB, session: AsyncSession,
                    user: User, business: Business, role: str, locale: str) -> None:
    await _edit(callback, *await _member_screen(session, business=business, user=user, role=role,
                                                member_id=callback_data.id, locale=locale))


@router.callback_query(TeamCB.filter(F.action == TeamAction.SET_ROLE), flags=MANAGE)
async def on_set_role(callback: CallbackQuery, callback_data: TeamCB, bot: Bot, i18n: I18n,
                      session: AsyncSession, user: User, business: Business, role: str,
                      locale: str) -> None:
    new_role = callback_data.role
    if new_role is None:
        await callback.answer(_("This button is out of date."))
        return
    await teams.change_role(session, business_id=business.id, actor_id=user.id,
                            member_id=callback_data.id, role=new_role)
    text, markup = await _member_screen(session, business=business, user=user, role=role,
                                        member_id=callback_data.id, locale=locale)
    await _edit(callback, text, markup, _("Role changed."))
    await _notify(bot, i18n, session, user_id=callback_data.id,
                  render=lambda: texts.role_changed_note(business_name=business.name,
                                                         role=new_role))


@router.callback_query(TeamCB.filter(F.action == TeamAction.REMOVE), flags=MANAGE)
async def on_remove(callback: CallbackQuery, callback_data: TeamCB, session: AsyncSession,
                    business: Business) -> None:
    member = await teams.get_member(session, business_id=business.id, user_id=callback_data.id)
    await _edit(callback, texts.remove_confirm_text(member, business_name=business.name),
                keyboards.remove_confirm_keyboard(member.user_id))


@router.callback_query(TeamCB.filter(F.action == TeamAction.REMOVE_OK), flags=MANAGE)
async def on_remove_confirmed(callback: CallbackQuery, callback_data: TeamCB, bot: Bot,
                              i18n: I18n, session: AsyncSession, user: User,
                              business: Business, role: str, locale: str) -> None:
    await teams.remove_member(session, business_id=business.id, actor_id=user.id,
                              member_id=callback_data.id)
    text, markup = await team_screen(session, user=user, business=business, role=role,
                                     locale=locale)
    await _edit(callback, text, markup, _("Removed from the team."))
    await _notify(bot, i18n, session, user_id=callback_data.id,
                  render=lambda: texts.removed_note(business_name=business.name))


@router.callback_query(TeamCB.filter(F.action == TeamAction.REVOKE), flags=MANAGE)
async def on_revoke(callback: CallbackQuery, callback_data: TeamCB, session: AsyncSession,
                    user: User, business: Business, role: str, locale: str) -> None:
    await teams.revoke_invite(session, business_id=business.id, actor_id=user.id,
                              invite_id=callback_data.id)
    text, markup = await team_screen(session, user=user, business=business, role=role,
                                     locale=locale)
    await _edit(callback, text, markup, _("Invite revoked."))


@router.message(CommandStart(deep_link=True, magic=F.args.regexp(r"^inv_[\w-]+$")),
                flags={"perm": PUBLIC})
async def cmd_start_invite(message: Message, command: CommandObject, session: AsyncSession,
                           user: User, locale: str) -> None:
    token = (command.args or "").removeprefix(INVITE_PREFIX)
    offer = await teams.describe_invite(session, token=token)
    if await teams.get_role(session, business_id=offer.business_id, user_id=user.id):
        raise Conflict(reason="already_member")
    await message.answer(texts.invite_offer_text(offer, locale=locale, timezone=user.timezone),
                         reply_markup=keyboards.invite_answer_keyboard(token))


@router.callback_query(InviteCB.filter(F.answer == InviteAnswer.ACCEPT), flags={"perm": PUBLIC})
async def on_accept(callback: CallbackQuery, callback_data: InviteCB, state: FSMContext,
                    bot: Bot, i18n: I18n, session: AsyncSession, user: User,
                    locale: str) -> None:
    offer = await teams.describe_invite(session, token=callback_data.token)
    try:
        membership = await teams.accept_invite(session, token=callback_data.token,
                                               user_id=user.id)
    except SubscriptionInactive:  # nothing was written: say whom to ask, not "renew in /plan"
        await callback.answer(texts.business_read_only_note(offer)[:200], show_alert=True)
        return
    if user.language is None:  # keep the language they have been reading in
        await users.set_language(session, user_id=user.id, language=locale)
    business = await profile.get_business(session, business_id=membership.business_id)
    me = await teams.get_member(session, business_id=business.id, user_id=user.id)
    await state.clear()
    await done_with(callback, _("Accepted"))
    if isinstance(callback.message, Message):
        await callback.message.answer(texts.joined_text(business_name=business.name,
                                                        role=offer.role))
        await send_main_menu(callback.message, session, user=user, business=business,
                             role=membership.role, locale=locale)
    await _notify(bot, i18n, session, user_id=offer.inviter_id,
                  render=lambda: texts.member_joined_note(
                      name=me.name, role=me.role, business_name=business.name))


@router.callback_query(InviteCB.filter(F.answer == InviteAnswer.DECLINE),
                       flags={"perm": PUBLIC})
async def on_decline(callback: CallbackQuery) -> None:
    await done_with(callback, _("Declined"))
    if isinstance(callback.message, Message):
        await callback.message.answer(_("You declined the invite. Changed your mind? Open the "
                                        "link again while it is valid."))
