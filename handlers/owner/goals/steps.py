"""Goals: the list with progress, the add-a-goal wizard, progress updates and deletion.

The wizard's draft (step included) lives in FSM data (persisted): it survives a restart, and
/goals resumes an unfinished goal even after the user looked at another section meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day, money, number, progress_bar
from bot.middlewares.permissions import BUSINESS
from handlers import labels
from handlers.drafts import DraftSlot
from handlers.errors import describe, describe_invalid
from handlers.owner.goals import keyboards
from handlers.owner.goals.callbacks import GoalAction, GoalCB
from handlers.owner.goals.states import ADD_STEPS, GoalSG
from handlers.ui import MenuCB, MenuItem, NavAction, NavCB, done_with, h, nav_keyboard
from services import goals
from services.db.models import Business, User
from services.errors import InvalidInput, NotFound
from services.goals import GoalView
from services.teams import Permission, has_permission

router = Router(name="goals")
DRAFT_KEY = "goal"
ALL_STEPS = StateFilter(*GoalSG.__all_states__)
NOT_COMMAND = ~F.text.startswith("/")
EDIT = Permission.MANAGE_PROFILE
LIST_TITLE_LIMIT = 80  # keeps 20 goals within one message


class GoalDraft(BaseModel):
    """Typed wizard state, stored in FSM data."""

    step: str | None = None
    metric: str | None = None
    title: str | None = None
    target: int | None = None
    goal_id: int | None = None  # the goal whose progress is being updated


DRAFT = DraftSlot(DRAFT_KEY, GoalDraft)


def today_for(user: User) -> date:
    """Today in the user's time zone (a deadline of "today" is still allowed)."""
    return datetime.now(ZoneInfo(user.timezone or "Asia/Tashkent")).date()


def amount(metric: str, value: int, locale: str) -> str:
    return money(value, locale) if metric == "revenue" else number(value, locale)


def goal_lines(index: int, goal: GoalView, locale: str) -> list[str]:
    title = goal.title if len(goal.title) <= LIST_TITLE_LIMIT else (
        goal.title[: LIST_TITLE_LIMIT - 1] + "…")
    lines = [
        f"{index}. <b>{h(title)}</b> · {h(labels.goal_metric(goal.metric))}",
        f"{progress_bar(goal.percent)} {goal.percent}%",
        _("{current} of {target}").format(current=amount(goal.metric, goal.current, locale),
                                          target=amount(goal.metric, goal.target, locale)),
    ]
    if goal.reached_at is not None:
        lines.append(_("reached ✅"))
    elif goal.deadline is not None:
        lines.append(_("📅 by {date}").format(date=day(goal.deadline, locale)))
    return lines


def goals_text(business: Business, items: list[GoalView], locale: str) -> str:
    lines = [_("🎯 <b>Goals</b> — {business}").format(business=h(business.name)), ""]
    if not items:
        lines.append(_("No goals yet. Set one: what do you want to reach, and by when?"))
    for index, goal in enumerate(items, 1):
        lines += [*goal_lines(index, goal, locale), ""]
    return "\n".join(lines).rstrip()


async def send_goals(message: Message, session: AsyncSession, *, business: Business,
                     role: str | None, locale: str) -> None:
    items = await goals.list_goals(session, business_id=business.id)
    await message.answer(goals_text(business, items, locale),
                         reply_markup=keyboards.goals_keyboard(
                             items, can_edit=has_permission(role, EDIT)))


def _title_example(metric: str | None) -> str:
    return {
        "revenue": _("Monthly revenue 200 mln"), "leads": _("300 leads a month"),
        "customers": _("1 000 regular customers"), "orders": _("50 orders a day"),
        "followers": _("Telegram channel 5 000 members"),
    }.get(metric or "", _("Open the second branch"))


async def ask(message: Message, state: FSMContext, step: str, *, locale: str,
              today: date) -> None:
    """Move to ``step`` and ask its question (the step is kept in the draft for resuming)."""
    draft = await DRAFT.load(state)
    draft.step = step
    await DRAFT.save(state, draft)
    await state.set_state(getattr(GoalSG, step))
    if step == "metric":
        await message.answer(_("🎯 <b>New goal — step 1 of 4.</b> What do you want to grow?"),
                             reply_markup=keyboards.metric_keyboard())
    elif step == "title":
        await message.answer(_("<b>Step 2 of 4.</b> Name the goal.\n\n<i>Example: {example}"
                               "</i>").format(example=h(_title_example(draft.metric))),
                             reply_markup=nav_keyboard())
    elif step == "target" and draft.metric == "revenue":
        await message.answer(_("<b>Step 3 of 4.</b> What is the target, in so'm?\n\n"
                               "<i>Example: 200 mln or 1 500 000</i>"),
                             reply_markup=nav_keyboard())
    elif step == "target":
        await message.answer(_("<b>Step 3 of 4.</b> What is the target number?\n\n"
                               "<i>Example: 500</i>"), reply_markup=nav_keyboard())
    elif step == "deadline":
        example = (today + timedelta(days=90)).strftime("%d.%m.%Y")
        await message.answer(_("<b>Step 4 of 4.</b> By when? Type a date like {example}, or "
                               "press Skip.").format(example=example),
                             reply_markup=nav_keyboard(skip=True))


async def _ask_progress(message: Message, goal: GoalView, locale: str) -> None:
    await message.answer(
        _("📈 <b>{title}</b>\nNow: {current} of {target}.\n\nType the current value.\n"
          "<i>Example: {example}</i>").format(
            title=h(goal.title), current=amount(goal.metric, goal.current, locale),
            target=amount(goal.metric, goal.target, locale),
            example=_("150 mln") if goal.metric == "revenue" else "120"),
        reply_markup=nav_keyboard(back=False))


async def open_goals(message: Message, state: FSMContext, session: AsyncSession, *,
                     user: User, business: Business, role: str, locale: str) -> None:
    """The goal list; an unfinished add-a-goal wizard is resumed instead."""
    draft = await DRAFT.load(state)
    if draft.step in ADD_STEPS and has_permission(role, EDIT):
        await message.answer(_("You have an unfinished goal — let's continue where we stopped."))
        await ask(message, state, draft.step or "metric", locale=locale, today=today_for(user))
        return
    await DRAFT.finish(state)
    await send_goals(message, session, business=business, role=role, locale=locale)


@router.message(Command("goals"), flags={"perm": BUSINESS})
async def cmd_goals(message: Message, state: FSMContext, session: AsyncSession, user: User,
                    business: Business, role: str, locale: str) -> None:
    await open_goals(message, state, session, user=user, business=business, role=role,
                     locale=locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.GOALS), flags={"perm": BUSINESS})
async def on_goals(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                   user: User, business: Business, role: str, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await open_goals(callback.message, state, session, user=user, business=business, role=role,
                     locale=locale)


@router.callback_query(GoalCB.filter(F.action == GoalAction.ADD), flags={"perm": EDIT})
async def on_add(callback: CallbackQuery, state: FSMContext, session: AsyncSession, user: User,
                 business: Business, locale: str) -> None:
    await goals.ensure_room(session, business_id=business.id)
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, "metric", locale=locale, today=today_for(user))


@router.callback_query(GoalSG.metric, GoalCB.filter(F.action == GoalAction.METRIC),
                       flags={"perm": EDIT})
async def metric_entered(callback: CallbackQuery, callback_data: GoalCB, state: FSMContext,
                         user: User, locale: str) -> None:
    if callback_data.value not in goals.METRICS:  # callback data is never trusted
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await done_with(callback, labels.goal_metric(callback_data.value))
    draft = await DRAFT.load(state)
    draft.metric = callback_data.value
    await DRAFT.save(state, draft)
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, "title", locale=locale, today=today_for(user))


async def _text_entered(message: Message, state: FSMContext, *, parse: Callable[[str], Any],
                        attr: str, next_step: str, user: User, locale: str) -> None:
    """A typed step: parse, store in the draft, ask the next question (or say what's wrong)."""
    try:
        value = parse(message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    draft = await DRAFT.load(state)
    setattr(draft, attr, value)
    await DRAFT.save(state, draft)
    await ask(message, state, next_step, locale=locale, today=today_for(user))


@router.message(GoalSG.title, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def title_entered(message: Message, state: FSMContext, user: User, locale: str) -> None:
    await _text_entered(message, state, parse=goals.parse_title, attr="title",
                        next_step="target", user=user, locale=locale)


@router.message(GoalSG.target, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def target_entered(message: Message, state: FSMContext, user: User, locale: str) -> None:
    await _text_entered(message, state, parse=goals.parse_target, attr="target",
                        next_step="deadline", user=user, locale=locale)


@router.message(GoalSG.deadline, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def deadline_entered(message: Message, state: FSMContext, session: AsyncSession,
                           user: User, business: Business, role: str, locale: str) -> None:
    try:
        deadline = goals.parse_deadline(message.text or "", today=today_for(user))
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await _create(message, state, session, user=user, business=business, role=role,
                  locale=locale, deadline=deadline)


async def _create(message: Message, state: FSMContext, session: AsyncSession, *, user: User,
                  business: Business, role: str, locale: str, deadline: date | None) -> None:
    draft = await DRAFT.load(state)
    if draft.metric is None or draft.title is None or draft.target is None:
        await ask(message, state, "metric", locale=locale, today=today_for(user))
        return
    goal = await goals.create_goal(session, business_id=business.id, metric=draft.metric,
                                   title=draft.title, target=str(draft.target),
                                   deadline=deadline)
    await DRAFT.finish(state)
    await message.answer(_("✅ Goal added: <b>{title}</b>.").format(title=h(goal.title)))
    await send_goals(message, session, business=business, role=role, locale=locale)


@router.callback_query(GoalCB.filter(F.action == GoalAction.PROGRESS), flags={"perm": EDIT})
async def on_progress(callback: CallbackQuery, callback_data: GoalCB, state: FSMContext,
                      session: AsyncSession, business: Business, locale: str) -> None:
    goal = await goals.get_goal(session, business_id=business.id, goal_id=callback_data.goal_id)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, GoalDraft(step="progress", goal_id=goal.id))
    await state.set_state(GoalSG.progress)
    assert isinstance(callback.message, Message)
    await _ask_progress(callback.message, goal, locale)


@router.message(GoalSG.progress, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def progress_entered(message: Message, state: FSMContext, session: AsyncSession,
                           business: Business, role: str, locale: str) -> None:
    goal_id = (await DRAFT.load(state)).goal_id or 0
    try:
        goal = await goals.update_progress(session, business_id=business.id, goal_id=goal_id,
                                           current=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    except NotFound as exc:  # deleted meanwhile: leave the step instead of asking forever
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return
    await DRAFT.finish(state)
    if goal.reached_at is not None:
        await message.answer(_("🎉 Goal reached: <b>{title}</b>!").format(title=h(goal.title)))
    else:
        await message.answer(_("✅ Progress saved."))
    await send_goals(message, session, business=business, role=role, locale=locale)


@router.callback_query(GoalCB.filter(F.action == GoalAction.DELETE), flags={"perm": EDIT})
async def on_delete(callback: CallbackQuery, callback_data: GoalCB, session: AsyncSession,
                    business: Business) -> None:
    goal = await goals.get_goal(session, business_id=business.id, goal_id=callback_data.goal_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Delete the goal <b>{title}</b>? This can't be undone.").format(title=h(goal.title)),
        reply_markup=keyboards.delete_keyboard(goal.id))


@router.callback_query(GoalCB.filter(F.action == GoalAction.CONFIRM), flags={"perm": EDIT})
async def on_delete_confirmed(callback: CallbackQuery, callback_data: GoalCB,
                              session: AsyncSession, business: Business, role: str,
                              locale: str) -> None:
    await goals.delete_goal(session, business_id=business.id, goal_id=callback_data.goal_id)
    await done_with(callback, _("Deleted"))
    assert isinstance(callback.message, Message)
    await send_goals(callback.message, session, business=business, role=role, locale=locale)


@router.callback_query(GoalCB.filter(F.action == GoalAction.KEEP), flags={"perm": BUSINESS})
async def on_delete_declined(callback: CallbackQuery) -> None:
    await done_with(callback, _("Kept"))


@router.message(GoalSG.metric, NOT_COMMAND, flags={"perm": BUSINESS})
async def metric_invalid(message: Message, state: FSMContext, user: User, locale: str) -> None:
    await message.answer(_("Please choose one of the buttons below."))
    await ask(message, state, "metric", locale=locale, today=today_for(user))


@router.message(ALL_STEPS, NOT_COMMAND, flags={"perm": BUSINESS})
async def step_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))


BACK_TO = {"title": "metric", "target": "title", "deadline": "target"}


@router.callback_query(GoalSG.deadline, NavCB.filter(F.action == NavAction.SKIP),
                       flags={"perm": EDIT})
async def deadline_skipped(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                           user: User, business: Business, role: str, locale: str) -> None:
    await done_with(callback, _("No deadline"))
    assert isinstance(callback.message, Message)
    await _create(callback.message, state, session, user=user, business=business, role=role,
                  locale=locale, deadline=None)


@router.callback_query(ALL_STEPS, NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, state: FSMContext,
                 session: AsyncSession, user: User, business: Business, role: str, locale: str,
                 raw_state: str | None) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    await message.edit_reply_markup(reply_markup=None)
    step = (raw_state or "").rpartition(":")[2]
    if callback_data.action == NavAction.BACK and step in BACK_TO:
        await ask(message, state, BACK_TO[step], locale=locale, today=today_for(user))
    else:
        await DRAFT.finish(state)
        await message.answer(_("Cancelled."))
        await send_goals(message, session, business=business, role=role, locale=locale)
