"""Users and businesses: search, view, suspend, ban, unban, role, flag, plan, trial."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day, moment
from bot.middlewares.permissions import PUBLIC
from handlers.admin import keyboards
from handlers.admin.callbacks import AdminAction, AdminCB
from handlers.admin.states import AdminSG
from handlers.admin.texts import platform_role, status, subscription_status
from handlers.drafts import DraftSlot
from handlers.errors import describe
from handlers.ui import NavAction, NavCB, h
from services import plans
from services.admin import accounts
from services.db.models import User
from services.errors import DomainError

router = Router(name="admin.users")
steps = Router(name="admin.users.steps")
steps.message.filter(StateFilter(AdminSG.suspend_reason, AdminSG.ban_reason,
                                 AdminSG.flag_reason))
steps.callback_query.filter(StateFilter(AdminSG.suspend_reason, AdminSG.ban_reason,
                                        AdminSG.flag_reason))
router.include_router(steps)


class AdminDraft(BaseModel):
    user_id: int | None = None
    business_id: int | None = None
    days: int | None = None


DRAFT = DraftSlot("admin", AdminDraft)


def user_text(card: accounts.UserCard, locale: str, timezone: str) -> str:
    handle = f" @{h(card.username)}" if card.username else ""
    lines = [
        _("👤 <b>{name}</b>{handle} · <code>{id}</code>").format(
            name=h(card.name), handle=handle, id=card.id),
        _("Status: {status} · role: {role}").format(status=status(card.status),
                                                   role=platform_role(card.platform_role)),
    ]
    if card.status == "suspended" and card.suspended_until is not None:
        lines.append(_("Suspended until {until}").format(
            until=moment(card.suspended_until, locale, timezone)))
    if card.suspend_reason:
        lines.append(_("Reason: {reason}").format(reason=h(card.suspend_reason)))
    lines += [
        _("Plan: {plan} ({status})").format(plan=h(card.plan or "—"),
                                            status=subscription_status(card.subscription_status)),
        _("Joined {joined} · last seen {seen}").format(
            joined=day(card.created_at.date(), locale),
            seen=moment(card.last_seen_at, locale, timezone)),
    ]
    if card.businesses:
        lines.append(_("Businesses: {names}").format(
            names=", ".join(h(name) for _id, name, _role in card.businesses)))
    return "\n".join(lines)


def business_text(card: accounts.BusinessCard, locale: str, timezone: str) -> str:
    lines = [
        _("🏢 <b>{name}</b> · <code>{id}</code>").format(name=h(card.name), id=card.id),
        _("Owner: {owner} (<code>{owner_id}</code>) · members: {members}").format(
            owner=h(card.owner_name), owner_id=card.owner_id, members=card.members),
        _("Plan: {plan} ({status})").format(plan=h(card.plan_name or "—"),
                                            status=subscription_status(card.subscription_status)),
    ]
    if card.subscription_status == "trialing" and card.trial_ends_at is not None:
        lines.append(_("Trial ends {date}").format(
            date=moment(card.trial_ends_at, locale, timezone)))
    elif card.period_end is not None:
        lines.append(_("Paid until {date}").format(
            date=moment(card.period_end, locale, timezone)))
    if card.flagged:
        lines.append(_("🚩 Flagged: {reason}").format(reason=h(card.flag_reason or "—")))
    lines.append(_("Created {date}").format(date=day(card.created_at.date(), locale)))
    return "\n".join(lines)


async def show_user(message: Message, session: AsyncSession, *, user_id: int, admin: User,
                    locale: str) -> None:
    card = await accounts.user_card(session, user_id=user_id)
    await message.answer(user_text(card, locale, admin.timezone),
                         reply_markup=keyboards.user_keyboard(
                             card, super_admin=admin.platform_role == "super_admin"))


async def show_business(message: Message, session: AsyncSession, *, business_id: int,
                        admin: User, locale: str) -> None:
    card = await accounts.business_card(session, business_id=business_id)
    await message.answer(business_text(card, locale, admin.timezone),
                         reply_markup=keyboards.business_keyboard(card))


@router.message(Command("users"), flags={"perm": PUBLIC})
async def cmd_users(message: Message, command: CommandObject, session: AsyncSession,
                    user: User, locale: str) -> None:
    found = await accounts.search_users(session, query=command.args or "")
    if len(found) == 1 and command.args:
        await show_user(message, session, user_id=found[0].id, admin=user, locale=locale)
        return
    if not found:
        await message.answer(_("No users found. Try /users with a name, @username or id."))
        return
    items = [(u.id, f"{u.first_name} · {u.id}" + (f" · {status(u.status)}"
                                                  if u.status != "active" else ""))
             for u in found]
    await message.answer(_("👥 <b>Users</b> — tap one to open it. Search: /users name, "
                           "@username or id."),
                         reply_markup=keyboards.list_keyboard(items, AdminAction.USER))


@router.message(Command("businesses"), flags={"perm": PUBLIC})
async def cmd_businesses(message: Message, command: CommandObject, session: AsyncSession,
                         user: User, locale: str) -> None:
    found = await accounts.search_businesses(session, query=command.args or "")
    if len(found) == 1 and command.args:
        await show_business(message, session, business_id=found[0].id, admin=user,
                            locale=locale)
        return
    if not found:
        await message.answer(_("No businesses found. Try /businesses with a name, an id or "
                               "“flagged”."))
        return
    items = [(b.id, ("🚩 " if b.flagged else "") + f"{b.name} · {b.id}") for b in found]
    await message.answer(_("🏢 <b>Businesses</b> — tap one to open it. Search: /businesses "
                           "name, id or “flagged”."),
                         reply_markup=keyboards.list_keyboard(items, AdminAction.BUSINESS))


def _message(callback: CallbackQuery) -> Message:
    assert isinstance(callback.message, Message)
    return callback.message


@router.callback_query(AdminCB.filter(F.action == AdminAction.USER), flags={"perm": PUBLIC})
async def on_user(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                  user: User, locale: str) -> None:
    await callback.answer()
    await show_user(_message(callback), session, user_id=callback_data.id, admin=user,
                    locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.BUSINESS),
                       flags={"perm": PUBLIC})
async def on_business(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                      user: User, locale: str) -> None:
    await callback.answer()
    await show_business(_message(callback), session, business_id=callback_data.id, admin=user,
                        locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.SUSPEND), flags={"perm": PUBLIC})
async def on_suspend(callback: CallbackQuery, callback_data: AdminCB) -> None:
    await callback.answer()
    await _message(callback).answer(_("⏸ Suspend for how long?"),
                                    reply_markup=keyboards.suspend_keyboard(callback_data.id))


@router.callback_query(AdminCB.filter(F.action == AdminAction.SUSPEND_DAYS),
                       flags={"perm": PUBLIC})
async def on_suspend_days(callback: CallbackQuery, callback_data: AdminCB,
                          state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.save(state, AdminDraft(user_id=callback_data.id, days=int(callback_data.value)))
    await state.set_state(AdminSG.suspend_reason)
    await _message(callback).answer(_("Type the reason (the user will see it)."))


@router.callback_query(AdminCB.filter(F.action == AdminAction.BAN), flags={"perm": PUBLIC})
async def on_ban(callback: CallbackQuery, callback_data: AdminCB, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.save(state, AdminDraft(user_id=callback_data.id))
    await state.set_state(AdminSG.ban_reason)
    await _message(callback).answer(_("⛔ Type the reason for the ban (kept in the audit "
                                      "log)."))


@router.callback_query(AdminCB.filter(F.action == AdminAction.FLAG), flags={"perm": PUBLIC})
async def on_flag(callback: CallbackQuery, callback_data: AdminCB, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.save(state, AdminDraft(business_id=callback_data.id))
    await state.set_state(AdminSG.flag_reason)
    await _message(callback).answer(_("🚩 Why are you flagging this business?"))


async def _finish(message: Message, state: FSMContext, session: AsyncSession, user: User,
                  locale: str, draft: AdminDraft) -> None:
    await DRAFT.finish(state)
    if draft.user_id is not None:
        await show_user(message, session, user_id=draft.user_id, admin=user, locale=locale)
    elif draft.business_id is not None:
        await show_business(message, session, business_id=draft.business_id, admin=user,
                            locale=locale)


@steps.message(StateFilter(AdminSG.suspend_reason, AdminSG.ban_reason, AdminSG.flag_reason),
               F.text, ~F.text.startswith("/"), flags={"perm": PUBLIC})
async def reason_entered(message: Message, state: FSMContext, session: AsyncSession,
                         user: User, locale: str) -> None:
    draft = await DRAFT.load(state)
    current = await state.get_state()
    text = message.text or ""
    try:
        if current == AdminSG.suspend_reason.state and draft.user_id is not None:
            await accounts.suspend_user(session, admin_id=user.id, user_id=draft.user_id,
                                        days=draft.days or 1, reason=text)
            done = _("⏸ Suspended.")
        elif current == AdminSG.ban_reason.state and draft.user_id is not None:
            await accounts.ban_user(session, admin_id=user.id, user_id=draft.user_id,
                                    reason=text)
            done = _("⛔ Banned.")
        elif draft.business_id is not None:
            await accounts.set_flag(session, admin_id=user.id, business_id=draft.business_id,
                                    reason=text)
            done = _("🚩 Flagged.")
        else:
            await DRAFT.finish(state)
            return
    except DomainError as exc:
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return
    await message.answer(done)
    await _finish(message, state, session, user, locale, draft)


@steps.callback_query(NavCB.filter(F.action == NavAction.CANCEL), flags={"perm": PUBLIC})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    await _message(callback).answer(_("Cancelled."))


@router.callback_query(AdminCB.filter(F.action == AdminAction.UNBAN), flags={"perm": PUBLIC})
async def on_unban(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                   user: User, locale: str) -> None:
    await accounts.unban_user(session, admin_id=user.id, user_id=callback_data.id)
    await callback.answer(_("✅ Access restored."))
    await show_user(_message(callback), session, user_id=callback_data.id, admin=user,
                    locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.ROLE), flags={"perm": PUBLIC})
async def on_role(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                  user: User, locale: str) -> None:
    role = accounts.PlatformRole(callback_data.value)
    await accounts.set_role(session, admin=user, user_id=callback_data.id, role=role)
    await callback.answer(_("Role changed: {role}.").format(role=platform_role(role)))
    await show_user(_message(callback), session, user_id=callback_data.id, admin=user,
                    locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.UNFLAG), flags={"perm": PUBLIC})
async def on_unflag(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                    user: User, locale: str) -> None:
    await accounts.set_flag(session, admin_id=user.id, business_id=callback_data.id,
                            reason=None)
    await callback.answer(_("Flag cleared."))
    await show_business(_message(callback), session, business_id=callback_data.id, admin=user,
                        locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.PLAN), flags={"perm": PUBLIC})
async def on_plan(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession
                  ) -> None:
    await callback.answer()
    card = await accounts.business_card(session, business_id=callback_data.id)
    available = [(p.code, p.name) for p in await plans.list_plans(session)]
    await _message(callback).answer(
        _("💳 Choose the new plan for {name}.").format(name=h(card.name)),
        reply_markup=keyboards.plans_keyboard(card.id, available, card.plan_code))


@router.callback_query(AdminCB.filter(F.action == AdminAction.SET_PLAN),
                       flags={"perm": PUBLIC})
async def on_set_plan(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                      user: User, locale: str) -> None:
    sub = await accounts.change_plan(session, admin_id=user.id, business_id=callback_data.id,
                                     plan_code=callback_data.value)
    await callback.answer()
    await _message(callback).answer(_("💳 Plan changed to {plan}.").format(
        plan=h(sub.plan.name)))
    await show_business(_message(callback), session, business_id=callback_data.id, admin=user,
                        locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.TRIAL), flags={"perm": PUBLIC})
async def on_trial(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                   user: User, locale: str) -> None:
    sub = await accounts.extend_trial(session, admin_id=user.id, business_id=callback_data.id,
                                      days=int(callback_data.value))
    await callback.answer()
    assert sub.trial_ends_at is not None
    await _message(callback).answer(_("⏳ Trial extended until {date}.").format(
        date=moment(sub.trial_ends_at, locale, user.timezone)))
    await show_business(_message(callback), session, business_id=callback_data.id, admin=user,
                        locale=locale)


@router.callback_query(AdminCB.filter(F.action.in_({AdminAction.PAUSE, AdminAction.RESUME})),
                       flags={"perm": PUBLIC})
async def on_pause(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                   user: User, locale: str) -> None:
    paused = callback_data.action == AdminAction.PAUSE
    await accounts.set_paused(session, admin_id=user.id, business_id=callback_data.id,
                              paused=paused)
    await callback.answer(_("⏸ Subscription paused: read-only until it is resumed.") if paused
                          else _("▶️ Subscription resumed."))
    await show_business(_message(callback), session, business_id=callback_data.id, admin=user,
                        locale=locale)
