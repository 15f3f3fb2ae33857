"""/competitors: the list with the latest numbers, the add wizard, edit, remove (confirmed),
the card (trend chart + recent activity), SWOT (AI-drafted, editable), the own channel, the
weekly report on demand, and the alert buttons (add a note, ask the AI how to answer).

Typed steps sit on the ``steps`` sub-router behind one state filter. Callback data is never
trusted: every id is looked up again within the current business.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.competitor_jobs import refresh_business, weekly_report
from bot.competitor_texts import (
    activity_item,
    rule_swot,
    swot_text,
    sync_state,
    weekly_labels,
)
from bot.formatting import number
from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from handlers.owner.competitors import keyboards
from handlers.owner.competitors.callbacks import CompetitorAction as A
from handlers.owner.competitors.callbacks import CompetitorCB as CB
from handlers.owner.competitors.states import CompetitorSG
from handlers.ui import MenuCB, MenuItem, h
from services import competitors, kpi
from services.ai import AIGateway, AIRequest, Turn
from services.charts.competitors import render_weekly
from services.competitors import ActivityKind, ActivityView, CompetitorView, Field, report, swot
from services.db.base import utcnow
from services.db.models import Business
from services.errors import Conflict, InvalidInput
from services.teams import Permission, has_permission

router = Router(name="competitors")
steps = Router(name="competitors.steps")
steps.message.filter(StateFilter(CompetitorSG))
steps.callback_query.filter(StateFilter(CompetitorSG))
NOT_COMMAND = ~F.text.startswith("/")
VIEW = Permission.VIEW_ANALYTICS
EDIT = Permission.MANAGE_PROFILE
RECENT = 5


class CompetitorDraft(BaseModel):
    step: str | None = None
    name: str | None = None
    telegram: str | None = None
    instagram: str | None = None
    competitor_id: int | None = None
    activity_id: int | None = None
    field: str | None = None  # the Field being edited, or the SWOT quadrant


DRAFT = DraftSlot("competitor", CompetitorDraft)


def describe_field_error(exc: InvalidInput) -> str:
    return {"telegram_username": _("That is not a public channel name. Send it like "
                                   "@lavash_house or https://t.me/lavash_house."),
            "instagram_handle": _("That is not an Instagram username. Send it like "
                                  "@lavash.house or an instagram.com link."),
            }.get(exc.reason) or describe_invalid(exc)


def _conflict_text(exc: Conflict) -> str:
    return _("You already track a competitor called “{name}”.").format(
        name=h(exc.params.get("name", "")))


# ----------------------------------------------------------------------------- list


async def list_text(session: AsyncSession, business: Business, items: list[CompetitorView],
                    locale: str) -> str:
    tz = await kpi.business_timezone(session, business_id=business.id)
    usage = await competitors.usage(session, business_id=business.id)
    lines = [_("🕵️ <b>Competitors</b> — {business}").format(business=h(business.name)), ""]
    if not items:
        lines.append(_("No competitors yet. Add up to three rivals: I read their public "
                       "Telegram channels every hour and tell you about promotions, price "
                       "changes, new products and viral posts."))
    for index, item in enumerate(items, 1):
        lines.append(f"{index}. <b>{h(item.name)}</b>")
        state = sync_state(item.channel, locale, tz)
        insta = sync_state(item.instagram_account, locale, tz, instagram=True)
        if state or insta:
            lines += ["   " + line for part in (state, insta) if part
                      for line in part.split("\n")]
        elif item.instagram or item.website:
            lines.append("   " + " · ".join(h(v) for v in (item.instagram and "@" + item.instagram,
                                                          item.website) if v))
    own = await competitors.own_channel(session, business_id=business.id)
    lines.append("")
    if own is not None:
        lines.append(_("📡 Your channel: {state}").format(state=sync_state(own, locale, tz)))
    else:
        lines.append(_("📡 Your channel is not set: add it to compare its views with theirs."))
    if not usage.unlimited:
        lines.append(_("Plan: {used} of {limit} competitors").format(used=usage.used,
                                                                     limit=usage.limit))
    return "\n".join(lines)


async def send_list(message: Message, session: AsyncSession, *, business: Business,
                    role: str | None, locale: str) -> None:
    items = await competitors.list_competitors(session, business_id=business.id)
    await message.answer(await list_text(session, business, items, locale),
                         reply_markup=keyboards.list_keyboard(
                             items, can_edit=has_permission(role, EDIT)))


@router.message(Command("competitors"), flags={"perm": VIEW})
async def cmd_competitors(message: Message, state: FSMContext, session: AsyncSession,
                          business: Business, role: str, locale: str) -> None:
    await DRAFT.finish(state)
    await send_list(message, session, business=business, role=role, locale=locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.COMPETITORS), flags={"perm": VIEW})
@router.callback_query(CB.filter(F.action == A.LIST), flags={"perm": VIEW})
async def on_list(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str, locale: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await send_list(callback.message, session, business=business, role=role, locale=locale)


@router.callback_query(CB.filter(F.action == A.REFRESH), flags={"perm": EDIT})
async def on_refresh(callback: CallbackQuery, session: AsyncSession, app: Any,
                     business: Business, role: str, locale: str) -> None:
    """Read the channels now, with a status message while t.me answers (this update has
    written nothing, so the sync's own transactions never wait for it)."""
    assert isinstance(callback.message, Message)
    await callback.answer()
    status = await callback.message.answer(_("🔄 Reading the channels…"))
    result = await refresh_business(app, business.id)
    if result is None:
        await status.edit_text(_("⏳ The channels were read a few minutes ago or are being "
                                 "read now. Try again in 5 minutes."))
        return
    await status.edit_text(_("✅ Channels read: {channels}, not answering: {failed}, new "
                             "activity: {activities}. Alerts come in a separate message."
                             ).format(channels=result["channels"], failed=result["failed"],
                                      activities=result["activities"]))
    await send_list(callback.message, session, business=business, role=role, locale=locale)


# ----------------------------------------------------------------------------- card


async def card_text(session: AsyncSession, business: Business, item: CompetitorView,
                    locale: str) -> str:
    tz = await kpi.business_timezone(session, business_id=business.id)
    lines = [_("🕵️ <b>{name}</b>").format(name=h(item.name))]
    state = sync_state(item.channel, locale, tz)
    lines.append(_("✈️ Telegram: {value}").format(value=state or "—"))
    if item.channel is not None and item.channel.last_success_at is not None:
        facts = await swot.facts(session, business_id=business.id, competitor_id=item.id,
                                 now=utcnow())
        lines.append(_("🗓 Posting: {count} posts a week (last 4 weeks)").format(
            count=number(round(facts.posts_per_week, 1), locale)))
    insta = sync_state(item.instagram_account, locale, tz, instagram=True)
    lines.append(_("📸 Instagram: {value}").format(
        value=insta or (h("@" + item.instagram) if item.instagram else "—")))
    lines.append(_("🌐 Website: {value}").format(value=h(item.website or "—")))
    if item.notes:
        lines += ["", _("📝 <b>Notes</b>"), h(item.notes[-600:])]
    recent = await competitors.recent_activities(session, business_id=business.id,
                                                 competitor_id=item.id, limit=RECENT)
    lines += ["", _("<b>Recent activity</b>")]
    lines += [activity_item(a, locale, tz) for a in recent] or [
        _("Nothing noticed yet.")]
    return "\n".join(lines)


async def send_card(message: Message, session: AsyncSession, *, business: Business,
                    item: CompetitorView, role: str | None, locale: str) -> None:
    """The trend chart (when there are readings), then the card with its buttons."""
    if item.channel is not None and item.channel.subscribers is not None:
        tz = await kpi.business_timezone(session, business_id=business.id)
        data = await report.weekly_data(session, business_id=business.id, now=utcnow(),
                                        timezone=tz)
        mine = [c for c in data.channels if not c.own and c.username == item.channel.username]
        own = [c for c in data.channels if c.own]
        only = report.WeeklyData(data.week_start, data.week_end, mine + own,
                                 [p for p in data.top_posts
                                  if p.username == item.channel.username])
        labels = weekly_labels(only, locale, item.name)
        png = await asyncio.to_thread(render_weekly, only, labels)
        await message.answer_photo(BufferedInputFile(png, "competitor.png"),
                                   caption=_("📈 {name}: subscribers, posts and promotions, "
                                             "4 weeks").format(name=h(item.name)))
    await message.answer(await card_text(session, business, item, locale),
                         reply_markup=keyboards.card_keyboard(
                             item, can_edit=has_permission(role, EDIT)),
                         disable_web_page_preview=True)


@router.callback_query(CB.filter(F.action == A.OPEN), flags={"perm": VIEW})
async def on_open(callback: CallbackQuery, callback_data: CB, state: FSMContext,
                  session: AsyncSession, business: Business, role: str, locale: str) -> None:
    item = await competitors.get_competitor(session, business_id=business.id,
                                            competitor_id=callback_data.competitor_id)
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await send_card(callback.message, session, business=business, item=item, role=role,
                    locale=locale)


# ----------------------------------------------------------------------------- add wizard


async def ask(message: Message, state: FSMContext, step: str) -> None:
    draft = await DRAFT.load(state)
    draft.step = step
    await DRAFT.save(state, draft)
    await state.set_state(getattr(CompetitorSG, step))
    if step == "name":
        await message.answer(_("🕵️ <b>New competitor — step 1 of 4.</b> What is it called?"),
                             reply_markup=keyboards.step_keyboard(skip=False))
    elif step == "telegram":
        await message.answer(_("<b>Step 2 of 4.</b> Their public Telegram channel: @name or a "
                               "t.me link. I will read it every hour."),
                             reply_markup=keyboards.step_keyboard(skip=True))
    elif step == "instagram":
        await message.answer(_("<b>Step 3 of 4.</b> Their Instagram: @username or a link."),
                             reply_markup=keyboards.step_keyboard(skip=True))
    else:
        await message.answer(_("<b>Step 4 of 4.</b> Their website, e.g. example.uz."),
                             reply_markup=keyboards.step_keyboard(skip=True))


NEXT = {"name": "telegram", "telegram": "instagram", "instagram": "website"}


@router.callback_query(CB.filter(F.action == A.ADD), flags={"perm": EDIT})
async def on_add(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 business: Business) -> None:
    await competitors.ensure_room(session, business_id=business.id)
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, "name")


async def _create(message: Message, state: FSMContext, session: AsyncSession, *,
                  business: Business, role: str, locale: str, website: str | None) -> None:
    draft = await DRAFT.load(state)
    if draft.name is None:
        await ask(message, state, "name")
        return
    try:
        created = await competitors.create_competitor(
            session, business_id=business.id, name=draft.name, telegram=draft.telegram,
            instagram=draft.instagram, website=website)
    except Conflict as exc:
        await message.answer(_conflict_text(exc))
        await ask(message, state, "name")
        return
    await DRAFT.finish(state)
    text = _("✅ Added <b>{name}</b>.").format(name=h(created.competitor.name))
    if created.competitor.telegram:
        text += " " + _("The first reading of @{channel} comes within the hour.").format(
            channel=h(created.competitor.telegram))
    if created.limit.warning:
        text += "\n" + _("Plan: {used} of {limit} competitors used.").format(
            used=created.limit.used, limit=created.limit.limit)
    await message.answer(text)
    await send_list(message, session, business=business, role=role, locale=locale)


@steps.message(CompetitorSG.name, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def name_entered(message: Message, state: FSMContext) -> None:
    await _typed(message, state, "name", competitors.parse_name)


@steps.message(CompetitorSG.telegram, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def telegram_entered(message: Message, state: FSMContext) -> None:
    await _typed(message, state, "telegram",
                 lambda raw: competitors.parse_field(Field.TELEGRAM, raw))


@steps.message(CompetitorSG.instagram, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def instagram_entered(message: Message, state: FSMContext) -> None:
    await _typed(message, state, "instagram", competitors.parse_instagram)


async def _typed(message: Message, state: FSMContext, attr: str, parse: object) -> None:
    try:
        value = parse(message.text or "")  # type: ignore[operator]
    except InvalidInput as exc:
        await message.answer(describe_field_error(exc))
        return
    draft = await DRAFT.load(state)
    setattr(draft, attr, value)
    await DRAFT.save(state, draft)
    await ask(message, state, NEXT[attr])


@steps.message(CompetitorSG.website, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def website_entered(message: Message, state: FSMContext, session: AsyncSession,
                          business: Business, role: str, locale: str) -> None:
    try:
        website = competitors.parse_field(Field.WEBSITE, message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_field_error(exc))
        return
    await _create(message, state, session, business=business, role=role, locale=locale,
                  website=website)


@steps.callback_query(StateFilter(CompetitorSG.telegram, CompetitorSG.instagram,
                                  CompetitorSG.website), CB.filter(F.action == A.SKIP),
                      flags={"perm": EDIT})
async def on_skip(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str, locale: str) -> None:
    await callback.answer()
    draft = await DRAFT.load(state)
    assert isinstance(callback.message, Message)
    if draft.step == "website":
        await _create(callback.message, state, session, business=business, role=role,
                      locale=locale, website=None)
    else:
        await ask(callback.message, state, NEXT.get(draft.step or "", "website"))


# ----------------------------------------------------------------------------- edit, remove


@router.callback_query(CB.filter(F.action == A.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: CB, session: AsyncSession,
                  business: Business) -> None:
    item = await competitors.get_competitor(session, business_id=business.id,
                                            competitor_id=callback_data.competitor_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(_("✏️ What do you want to change for <b>{name}</b>?").format(
        name=h(item.name)), reply_markup=keyboards.edit_keyboard(item))


@router.callback_query(CB.filter(F.action == A.FIELD), flags={"perm": EDIT})
async def on_field(callback: CallbackQuery, callback_data: CB, state: FSMContext,
                   session: AsyncSession, business: Business) -> None:
    if callback_data.value not in {f.value for f in Field}:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    item = await competitors.get_competitor(session, business_id=business.id,
                                            competitor_id=callback_data.competitor_id)
    field = Field(callback_data.value)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, CompetitorDraft(step="edit_value", competitor_id=item.id,
                                            field=field.value))
    await state.set_state(CompetitorSG.edit_value)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Send the new value for “{field}”.").format(field=keyboards.field_label(field)),
        reply_markup=keyboards.value_keyboard(item.id, field))


async def _save_field(message: Message, state: FSMContext, session: AsyncSession, *,
                      business: Business, role: str, locale: str, value: str | None) -> None:
    draft = await DRAFT.load(state)
    if draft.competitor_id is None or draft.field is None:
        await DRAFT.finish(state)
        return
    try:
        item = await competitors.update_competitor(
            session, business_id=business.id, competitor_id=draft.competitor_id,
            field=Field(draft.field), value=value)
    except InvalidInput as exc:
        await message.answer(describe_field_error(exc))
        return
    except Conflict as exc:
        await message.answer(_conflict_text(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Saved."))
    await send_card(message, session, business=business, item=item, role=role, locale=locale)


@steps.message(CompetitorSG.edit_value, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def value_entered(message: Message, state: FSMContext, session: AsyncSession,
                        business: Business, role: str, locale: str) -> None:
    await _save_field(message, state, session, business=business, role=role, locale=locale,
                      value=message.text or "")


@steps.callback_query(CompetitorSG.edit_value, CB.filter(F.action == A.CLEAR),
                      flags={"perm": EDIT})
async def on_clear(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                   business: Business, role: str, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await _save_field(callback.message, state, session, business=business, role=role,
                      locale=locale, value=None)


@router.callback_query(CB.filter(F.action == A.REMOVE), flags={"perm": EDIT})
async def on_remove(callback: CallbackQuery, callback_data: CB, session: AsyncSession,
                    business: Business) -> None:
    item = await competitors.get_competitor(session, business_id=business.id,
                                            competitor_id=callback_data.competitor_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Remove <b>{name}</b> with its channel history and activity? This can't be "
          "undone.").format(name=h(item.name)),
        reply_markup=keyboards.confirm_keyboard(item.id))


@router.callback_query(CB.filter(F.action == A.REMOVE_YES), flags={"perm": EDIT})
async def on_remove_yes(callback: CallbackQuery, callback_data: CB, session: AsyncSession,
                        business: Business, role: str, locale: str) -> None:
    name = await competitors.delete_competitor(session, business_id=business.id,
                                               competitor_id=callback_data.competitor_id)
    await callback.answer(_("Removed."))
    assert isinstance(callback.message, Message)
    await callback.message.edit_text(_("🗑 {name} removed.").format(name=h(name)))
    await send_list(callback.message, session, business=business, role=role, locale=locale)


# ----------------------------------------------------------------------------- own channel


@router.callback_query(CB.filter(F.action == A.OWN), flags={"perm": EDIT})
async def on_own(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, CompetitorDraft(step="own_channel"))
    await state.set_state(CompetitorSG.own_channel)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("📡 Send your public channel's @username. I will read its post views from its "
          "public page every hour, next to your competitors'."),
        reply_markup=keyboards.back_to_list())


@steps.message(CompetitorSG.own_channel, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def own_entered(message: Message, state: FSMContext, session: AsyncSession,
                      business: Business, role: str, locale: str) -> None:
    try:
        own = await competitors.set_own_channel(session, business_id=business.id,
                                                username=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_field_error(exc))
        return
    await DRAFT.finish(state)
    assert own is not None
    await message.answer(_("✅ Your channel @{channel} is set.").format(
        channel=h(own.username)))
    await send_list(message, session, business=business, role=role, locale=locale)


# ----------------------------------------------------------------------------- SWOT


async def _draft_swot(session: AsyncSession, *, ai: AIGateway, bot: Bot, chat_id: int,
                      business: Business, competitor_id: int, locale: str) -> CompetitorView:
    facts = await swot.facts(session, business_id=business.id, competitor_id=competitor_id,
                             now=utcnow())
    fallback = rule_swot(swot.rule_points(facts), locale)
    request = AIRequest(business_id=business.id, feature="competitor_swot", locale=locale,
                        instructions=swot.INSTRUCTIONS,
                        turns=[Turn("user", "Draft the SWOT.")], facts=facts.as_text(),
                        max_tokens=700)
    async with ChatActionSender.typing(bot=bot, chat_id=chat_id):
        reply = await ai.complete(session, request, fallback=lambda: swot.to_json(fallback))
    parsed = swot.parse_swot(reply.text)
    source = "ai" if parsed is not None and not reply.is_fallback else "rules"
    return await competitors.set_swot(session, business_id=business.id,
                                      competitor_id=competitor_id, swot=parsed or fallback,
                                      source=source)


@router.callback_query(CB.filter(F.action.in_({A.SWOT, A.SWOT_AI})), flags={"perm": VIEW})
async def on_swot(callback: CallbackQuery, callback_data: CB, state: FSMContext,
                  session: AsyncSession, bot: Bot, ai: AIGateway, business: Business,
                  role: str, locale: str) -> None:
    if callback_data.competitor_id == keyboards.OVERALL:
        await _overall(callback, session, bot=bot, ai=ai, business=business, role=role,
                       locale=locale, redraft=callback_data.action == A.SWOT_AI)
        return
    item = await competitors.get_competitor(session, business_id=business.id,
                                            competitor_id=callback_data.competitor_id)
    can_edit = has_permission(role, EDIT)
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    if (item.swot is None or callback_data.action == A.SWOT_AI) and can_edit:
        status = await callback.message.answer(_("🧭 Drafting the SWOT from the numbers…"))
        item = await _draft_swot(session, ai=ai, bot=bot, chat_id=callback.message.chat.id,
                                 business=business, competitor_id=item.id, locale=locale)
        await status.delete()
    await callback.message.answer(swot_text(item.name, item.swot, item.swot_source),
                                  reply_markup=keyboards.swot_keyboard(item.id,
                                                                       can_edit=can_edit))


@router.callback_query(CB.filter(F.action == A.SWOT_EDIT), flags={"perm": EDIT})
async def on_swot_edit(callback: CallbackQuery, callback_data: CB, state: FSMContext,
                       session: AsyncSession, business: Business) -> None:
    if callback_data.value not in swot.QUADRANTS:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    current_swot = await _stored_swot(session, business, callback_data.competitor_id)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, CompetitorDraft(step="swot_edit",
                                            competitor_id=callback_data.competitor_id,
                                            field=callback_data.value))
    await state.set_state(CompetitorSG.swot_edit)
    current = current_swot.get(callback_data.value, [])
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Send the new points, one per line. Now:\n{points}").format(
            points="\n".join(f"• {h(p)}" for p in current) or "—"),
        reply_markup=keyboards.back_to_list())


@steps.message(CompetitorSG.swot_edit, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def swot_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, role: str) -> None:
    draft = await DRAFT.load(state)
    points = swot.parse_edit(message.text or "")
    if not points or draft.competitor_id is None or draft.field not in swot.QUADRANTS:
        await message.answer(_("Please send at least one point."))
        return
    current = await _stored_swot(session, business, draft.competitor_id)
    updated = {q: list(current.get(q, [])) for q in swot.QUADRANTS}
    updated[str(draft.field)] = points
    await DRAFT.finish(state)
    if draft.competitor_id == keyboards.OVERALL:
        await competitors.set_overall_swot(session, business_id=business.id, swot=updated,
                                           source="owner")
        await message.answer(swot_text(_("you against the market"), updated, "owner"),
                             reply_markup=keyboards.swot_keyboard(keyboards.OVERALL,
                                                                  can_edit=True))
        return
    item = await competitors.set_swot(session, business_id=business.id,
                                      competitor_id=draft.competitor_id, swot=updated,
                                      source="owner")
    await message.answer(swot_text(item.name, item.swot, item.swot_source),
                         reply_markup=keyboards.swot_keyboard(item.id, can_edit=True))


async def _stored_swot(session: AsyncSession, business: Business, competitor_id: int
                       ) -> dict[str, list[str]]:
    """The SWOT a quadrant edit starts from (the overall one for id 0); checks ownership."""
    if competitor_id == keyboards.OVERALL:
        stored = await competitors.overall_swot(session, business_id=business.id)
        return stored[0] if stored else {}
    item = await competitors.get_competitor(session, business_id=business.id,
                                            competitor_id=competitor_id)
    return item.swot or {}


@router.callback_query(CB.filter(F.action == A.OVERALL), flags={"perm": VIEW})
async def on_overall(callback: CallbackQuery, session: AsyncSession, bot: Bot,
                     ai: AIGateway, business: Business, role: str, locale: str) -> None:
    await _overall(callback, session, bot=bot, ai=ai, business=business, role=role,
                   locale=locale, redraft=False)


async def _overall(callback: CallbackQuery, session: AsyncSession, *, bot: Bot, ai: AIGateway,
                   business: Business, role: str | None, locale: str, redraft: bool) -> None:
    """The SWOT of the business against all its competitors: stored, drafted when missing
    (or asked again), editable like a competitor's."""
    await callback.answer()
    assert isinstance(callback.message, Message)
    can_edit = has_permission(role, EDIT)
    stored = await competitors.overall_swot(session, business_id=business.id)
    if stored is None or (redraft and can_edit):
        all_facts = await swot.all_facts(session, business_id=business.id, now=utcnow())
        if not all_facts:
            await callback.message.answer(_("Add a competitor first."),
                                          reply_markup=keyboards.back_to_list())
            return
        if not can_edit:
            await callback.message.answer(swot_text(_("you against the market"), None, None),
                                          reply_markup=keyboards.back_to_list())
            return
        stored = await _draft_overall(session, ai=ai, bot=bot, chat_id=callback.message.chat.id,
                                      business=business, all_facts=all_facts, locale=locale)
    await callback.message.answer(swot_text(_("you against the market"), *stored),
                                  reply_markup=keyboards.swot_keyboard(keyboards.OVERALL,
                                                                       can_edit=can_edit))


async def _draft_overall(session: AsyncSession, *, ai: AIGateway, bot: Bot, chat_id: int,
                         business: Business, all_facts: list[swot.SwotFacts], locale: str
                         ) -> tuple[dict[str, list[str]], str]:
    fallback: dict[str, list[str]] = {q: [] for q in swot.QUADRANTS}
    for facts in all_facts:
        for quadrant, points in rule_swot(swot.rule_points(facts), locale).items():
            fallback[quadrant] += [f"{facts.name}: {p}" for p in points]
    fallback = {q: v[:swot.POINTS_MAX] for q, v in fallback.items()}
    request = AIRequest(business_id=business.id, feature="competitor_swot", locale=locale,
                        instructions=swot.OVERALL_INSTRUCTIONS,
                        turns=[Turn("user", "Draft the overall SWOT.")],
                        facts="\n\n".join(f.as_text() for f in all_facts), max_tokens=800)
    async with ChatActionSender.typing(bot=bot, chat_id=chat_id):
        reply = await ai.complete(session, request, fallback=lambda: swot.to_json(fallback))
    parsed = swot.parse_swot(reply.text)
    source = "ai" if parsed is not None and not reply.is_fallback else "rules"
    result = parsed or fallback
    await competitors.set_overall_swot(session, business_id=business.id, swot=result,
                                       source=source)
    return result, source


# ----------------------------------------------------------------------------- report


@router.callback_query(CB.filter(F.action == A.REPORT), flags={"perm": VIEW})
async def on_report(callback: CallbackQuery, session: AsyncSession, bot: Bot, i18n: I18n,
                    business: Business, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    async with ChatActionSender.upload_photo(bot=bot, chat_id=callback.message.chat.id):
        png, caption = await weekly_report(session, i18n=i18n, business_id=business.id,
                                           now=utcnow(), locale=locale)
    await callback.message.answer_photo(BufferedInputFile(png, "competitors.png"),
                                        caption=caption, reply_markup=keyboards.back_to_list())


# ----------------------------------------------------------------------------- alert buttons


RESPONSES = {
    ActivityKind.PROMOTION: lambda: _(
        "Don't rush to match the discount. For the same days, give your buyers more value "
        "instead: a bonus or a guarantee (/offer), and a post on what makes you different."),
    ActivityKind.NEW_PRODUCT: lambda: _(
        "Compare it with what you sell. If buyers may ask about it, prepare an answer and "
        "show your own alternative in a post this week."),
    ActivityKind.VIRAL: lambda: _(
        "See why it spread — the topic, the format, the first line — and publish your own "
        "take this week; ask your audience the same kind of question."),
    ActivityKind.FOLLOWER_SURGE: lambda: _(
        "Find where their new subscribers came from (ads, a giveaway, a collaboration) and "
        "test the same source with a small budget (/spend to track it)."),
}


def rule_response(item: ActivityView) -> str:
    if item.kind is ActivityKind.PRICE_CHANGE:
        if int(item.detail.get("new", 0)) > int(item.detail.get("old", 0)):
            return _("They raised the price: tell price-sensitive buyers your price holds "
                     "this month — a short post and a message to your recent leads.")
        return _("They cut the price: check your margin before you react, and answer with a "
                 "bundle or a bonus rather than a price cut (/offer).")
    return RESPONSES[item.kind]()


@router.callback_query(CB.filter(F.action == A.NOTE), flags={"perm": EDIT})
async def on_note(callback: CallbackQuery, callback_data: CB, state: FSMContext,
                  session: AsyncSession, business: Business) -> None:
    item = await competitors.get_activity(session, business_id=business.id,
                                          activity_id=callback_data.activity_id)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, CompetitorDraft(step="note", activity_id=item.id))
    await state.set_state(CompetitorSG.note)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("📝 Your note on {name}'s activity — what will you do?").format(
            name=h(item.competitor_name)), reply_markup=keyboards.back_to_list())


@steps.message(CompetitorSG.note, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def note_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business) -> None:
    draft = await DRAFT.load(state)
    if draft.activity_id is None:
        await DRAFT.finish(state)
        return
    try:
        item = await competitors.add_note(session, business_id=business.id,
                                          activity_id=draft.activity_id,
                                          note=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_field_error(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Note saved on {name}.").format(name=h(item.competitor_name)),
                         reply_markup=keyboards.back_to_list())


@router.callback_query(CB.filter(F.action == A.ASK), flags={"perm": VIEW})
async def on_ask(callback: CallbackQuery, callback_data: CB, session: AsyncSession, bot: Bot,
                 ai: AIGateway, business: Business, locale: str) -> None:
    item = await competitors.get_activity(session, business_id=business.id,
                                          activity_id=callback_data.activity_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    facts = await swot.facts(session, business_id=business.id,
                             competitor_id=item.competitor_id, now=utcnow())
    request = AIRequest(
        business_id=business.id, feature="competitor_answer", locale=locale,
        instructions=("You advise a small business in Uzbekistan. A competitor just did what "
                      "the facts describe. Give a short, concrete plan (3-5 steps) for how "
                      "the business should answer this week, without a price war unless "
                      "the numbers justify it. Answer in the user's language, plain text."),
        turns=[Turn("user", "How should we answer?")],
        facts=f"Activity: {item.kind.value} {item.detail}\n\n{facts.as_text()}",
        max_tokens=600)
    async with ChatActionSender.typing(bot=bot, chat_id=callback.message.chat.id):
        reply = await ai.complete(session, request, fallback=lambda: rule_response(item))
    header = _("🤖 <b>How to answer {name}</b>").format(name=h(item.competitor_name))
    subscribers = facts.subscribers
    footer = (_("Their channel: {count} subscribers.").format(count=number(subscribers, locale))
              if subscribers else "")
    await callback.message.answer("\n\n".join(p for p in (header, h(reply.text), footer) if p),
                                  reply_markup=keyboards.back_to_list())


router.include_router(steps)
