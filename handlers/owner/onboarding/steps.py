"""Onboarding (SPEC §2): language → name → industry → model → goal → team size → trial.

The draft lives in FSM data (persisted), so the wizard resumes exactly where it stopped, even
after the process is killed.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_day
from bot.middlewares.permissions import PUBLIC
from handlers import labels
from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from handlers.owner.menu import send_main_menu
from handlers.owner.onboarding import keyboards
from handlers.owner.onboarding.callbacks import OnbField, OnboardingCB
from handlers.owner.onboarding.states import OnboardingSG
from handlers.ui import NavAction, NavCB, done_with, h, nav_keyboard
from services import plans, profile, users
from services.db.base import utcnow
from services.db.models import Business, User
from services.errors import InvalidInput
from services.validation import clean_text

router = Router(name="onboarding")
DRAFT_KEY = "onboarding"
ALL_STEPS = StateFilter(*OnboardingSG.__all_states__)


class OnboardingDraft(BaseModel):
    """Typed wizard state, stored in FSM data."""

    name: str | None = None
    industry: str | None = None
    sub_industry: str | None = None
    model: str | None = None
    goal: str | None = None
    team_size: str | None = None
    additional: bool = False  # adding another business: no language step, cancel → menu


DRAFT = DraftSlot(DRAFT_KEY, OnboardingDraft)


async def ask(message: Message, state: FSMContext, step: str) -> None:
    """Move to ``step`` and ask its question."""
    draft = await DRAFT.load(state)
    await state.set_state(getattr(OnboardingSG, step))
    if step == "language":
        await message.answer(
            _("👋 Welcome to BiznesPilot — your marketing co-pilot.\n\nChoose your language:"),
            reply_markup=keyboards.language_keyboard())
    elif step == "name":
        await message.answer(
            _("<b>Step 1 of 5.</b> What is your business called?\n\n<i>Example: Chilonzor "
              "Coffee</i>"),
            reply_markup=nav_keyboard(back=not draft.additional))
    elif step == "industry":
        await message.answer(_("<b>Step 2 of 5.</b> Which industry is {name} in?").format(
            name=h(draft.name or "")), reply_markup=keyboards.industry_keyboard())
    elif step == "industry_other":
        await message.answer(_("Type your industry in a few words:\n\n<i>Example: wedding "
                               "photography</i>"), reply_markup=nav_keyboard())
    elif step == "model":
        await message.answer(_("<b>Step 3 of 5.</b> Who do you sell to?"),
                             reply_markup=keyboards.model_keyboard())
    elif step == "goal":
        await message.answer(_("<b>Step 4 of 5.</b> What is your main goal right now?"),
                             reply_markup=keyboards.goal_keyboard())
    elif step == "team_size":
        await message.answer(_("<b>Step 5 of 5.</b> How many people are on your team?"),
                             reply_markup=keyboards.team_keyboard())


def _step_of(raw_state: str | None) -> str | None:
    if raw_state and raw_state.startswith(f"{OnboardingSG.__full_group_name__}:"):
        return raw_state.split(":", 1)[1]
    return None


async def start_onboarding(message: Message, state: FSMContext, *, user: User,
                           additional: bool) -> None:
    await state.clear()
    await DRAFT.save(state, OnboardingDraft(additional=additional))
    await ask(message, state, "name" if additional or user.language else "language")


@router.message(CommandStart(), flags={"perm": PUBLIC})
async def cmd_start(message: Message, state: FSMContext, session: AsyncSession, user: User,
                    business: Business | None, role: str | None, locale: str,
                    raw_state: str | None) -> None:
    step = _step_of(raw_state)
    if step is not None:
        await message.answer(_("Let's continue where we stopped."))
        await ask(message, state, step)
        return
    await state.clear()
    if business is not None:
        await send_main_menu(message, session, user=user, business=business, role=role,
                             locale=locale)
        return
    await start_onboarding(message, state, user=user, additional=False)


@router.message(Command("newbusiness"), flags={"perm": PUBLIC})
async def cmd_new_business(message: Message, state: FSMContext, session: AsyncSession,
                           user: User) -> None:
    await plans.check_limit(session, owner_id=user.id, resource=plans.Resource.BUSINESSES,
                            used=await profile.count_owned(session, owner_id=user.id))
    await start_onboarding(message, state, user=user, additional=True)


async def _cancel(message: Message, state: FSMContext, session: AsyncSession, *, user: User,
                  business: Business | None, role: str | None, locale: str) -> None:
    await state.clear()
    if business is None:
        await message.answer(_("Setup cancelled. Send /start whenever you are ready."))
    else:
        await message.answer(_("Cancelled."))
        await send_main_menu(message, session, user=user, business=business, role=role,
                             locale=locale)


BACK_TO = {"name": "language", "industry": "name", "industry_other": "industry",
           "model": "industry", "goal": "model", "team_size": "goal"}


@router.callback_query(ALL_STEPS, NavCB.filter(), flags={"perm": PUBLIC})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, state: FSMContext,
                 session: AsyncSession, user: User, business: Business | None, role: str | None,
                 locale: str, raw_state: str | None) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    await message.edit_reply_markup(reply_markup=None)
    step = _step_of(raw_state) or "name"
    if callback_data.action == NavAction.CANCEL:
        await _cancel(message, state, session, user=user, business=business, role=role,
                      locale=locale)
        return
    draft = await DRAFT.load(state)
    previous = BACK_TO.get(step)
    if previous is None or (previous == "language" and draft.additional):
        previous = step
    await ask(message, state, previous)


@router.callback_query(OnboardingSG.language, OnboardingCB.filter(F.field == OnbField.LANGUAGE),
                       flags={"perm": PUBLIC})
async def language_entered(callback: CallbackQuery, callback_data: OnboardingCB,
                           state: FSMContext, session: AsyncSession, user: User,
                           i18n: I18n) -> None:
    await users.set_language(session, user_id=user.id, language=callback_data.value)
    with i18n.use_locale(callback_data.value):
        await done_with(callback, labels.LANGUAGE_NAMES[callback_data.value])
        assert isinstance(callback.message, Message)
        await ask(callback.message, state, "name")


@router.message(OnboardingSG.name, F.text, flags={"perm": PUBLIC})
async def name_entered(message: Message, state: FSMContext) -> None:
    try:
        name = clean_text(message.text or "", field="name", max_len=120)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    draft = await DRAFT.load(state)
    draft.name = name
    await DRAFT.save(state, draft)
    await ask(message, state, "industry")


@router.message(OnboardingSG.industry_other, F.text, flags={"perm": PUBLIC})
async def industry_other_entered(message: Message, state: FSMContext) -> None:
    try:
        text = clean_text(message.text or "", field="sub_industry", max_len=120)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    draft = await DRAFT.load(state)
    draft.industry, draft.sub_industry = "other", text
    await DRAFT.save(state, draft)
    await ask(message, state, "model")


_CHOICE_STEPS = {
    OnbField.INDUSTRY: ("industry", OnboardingSG.industry, "model", labels.industry),
    OnbField.MODEL: ("model", OnboardingSG.model, "goal", labels.model),
    OnbField.GOAL: ("goal", OnboardingSG.goal, "team_size", labels.goal),
}


@router.callback_query(ALL_STEPS, OnboardingCB.filter(F.field.in_(set(_CHOICE_STEPS))),
                       flags={"perm": PUBLIC})
async def choice_entered(callback: CallbackQuery, callback_data: OnboardingCB,
                         state: FSMContext, raw_state: str | None) -> None:
    attr, expected_state, next_step, label = _CHOICE_STEPS[callback_data.field]
    valid = {"industry": profile.INDUSTRIES, "model": profile.MODELS, "goal": profile.GOALS}
    if raw_state != expected_state.state or callback_data.value not in valid[attr]:
        # A button from an older question: callback data is never trusted.
        await callback.answer(_("This button is out of date."), show_alert=False)
        return
    await done_with(callback, label(callback_data.value))
    assert isinstance(callback.message, Message)
    if attr == "industry" and callback_data.value == "other":
        await ask(callback.message, state, "industry_other")
        return
    draft = await DRAFT.load(state)
    setattr(draft, attr, callback_data.value)
    if attr == "industry":
        draft.sub_industry = None
    await DRAFT.save(state, draft)
    await ask(callback.message, state, next_step)


@router.callback_query(OnboardingSG.team_size, OnboardingCB.filter(F.field == OnbField.TEAM),
                       flags={"perm": PUBLIC})
async def team_size_entered(callback: CallbackQuery, callback_data: OnboardingCB,
                            state: FSMContext, session: AsyncSession, user: User,
                            locale: str) -> None:
    if callback_data.value not in profile.TEAM_SIZES:
        await callback.answer(_("This button is out of date."))
        return
    draft = await DRAFT.load(state)
    if not (draft.name and draft.industry and draft.model and draft.goal):
        await callback.answer()
        assert isinstance(callback.message, Message)
        await ask(callback.message, state, "name")
        return
    business, _status = await profile.create_business(
        session, owner_id=user.id, name=draft.name, industry=draft.industry,
        model=draft.model, primary_goal=draft.goal, team_size=callback_data.value)
    if draft.sub_industry:
        business.sub_industry = draft.sub_industry
    await state.clear()
    await done_with(callback, labels.team_size(callback_data.value))
    assert isinstance(callback.message, Message)
    sub = await plans.business_subscription(session, business_id=business.id)
    trial_end = (local_day(sub.trial_ends_at, locale, user.timezone)
                 if sub.trial_ends_at else "—")
    if sub.status == "trialing":
        intro = _("🎉 <b>{name}</b> is ready! Your {plan} trial runs until {date} ({days} days)."
                  ).format(name=h(business.name), plan=sub.plan_name, date=trial_end,
                           days=sub.days_left(utcnow()))
    else:
        intro = _("🎉 <b>{name}</b> is ready!").format(name=h(business.name))
    await callback.message.answer(intro)
    await callback.message.answer(first_steps_text())
    await send_main_menu(callback.message, session, user=user, business=business,
                         role="owner", locale=locale)


def first_steps_text() -> str:
    return "\n".join([
        _("🚀 <b>Your first three steps</b>"),
        # each step names the command that does it (the steps used to point nowhere)
        _("1. Describe your Dream Buyer — who exactly buys from you.") + " /dreambuyer",
        _("2. Build an offer they can't refuse.") + " /offer",
        _("3. Log this week's spend, leads and sales to see what works.")
        + " /spend · /lead · /order",
        "",
        _("Or start with the one-page marketing canvas: /canvas"),
    ])


@router.message(ALL_STEPS, flags={"perm": PUBLIC})
async def step_invalid(message: Message, state: FSMContext, raw_state: str | None) -> None:
    step = _step_of(raw_state) or "name"
    if step in {"name", "industry_other"}:
        await message.answer(_("Please type it as text."))
    else:
        await message.answer(_("Please choose one of the buttons below."))
    await ask(message, state, step)
