"""Lead magnets (HVCO): the list, the new-lead-magnet wizard (type → topic → AI draft), the
lead magnet screen with its edits, deliverable, status and deep-link code.

The wizard's draft (step and lead magnet being edited) lives in FSM data (persisted): a
restart, or a look at another section, never loses it; /hvco resumes the step.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import number
from bot.middlewares.permissions import BUSINESS
from handlers.drafts import DraftSlot
from handlers.errors import describe, describe_invalid
from handlers.owner.hvco import keyboards, texts
from handlers.owner.hvco.callbacks import HvcoAction, HvcoCB
from handlers.owner.hvco.states import EDIT_STEPS, NEW_STEPS, HvcoSG
from handlers.ui import MenuCB, MenuItem, NavAction, NavCB, done_with, h, nav_keyboard
from services import hvco
from services.ai import AIGateway, AIRequest
from services.db.models import Business
from services.errors import Conflict, InvalidInput, NotFound
from services.hvco import HvcoType, HvcoView, TopicIdea
from services.teams import Permission, has_permission

router = Router(name="hvco")
# Handlers that only apply inside the wizard: one state check skips them for other updates.
steps = Router(name="hvco.steps")
steps.message.filter(StateFilter(HvcoSG))
steps.callback_query.filter(StateFilter(HvcoSG))
router.include_router(steps)

DRAFT_KEY = "hvco"
NOT_COMMAND = ~F.text.startswith("/")
EDIT = Permission.MANAGE_PROFILE
LIST_TITLE_LIMIT = 80
CARD_POST_LIMIT = 600
CARD_TEXT_LIMIT = 200
TYPING_REPEAT = 4.5  # Telegram shows "typing…" for about 5 s per action


class HvcoDraft(BaseModel):
    """Typed wizard state, stored in FSM data."""

    step: str | None = None
    type: str | None = None
    hvco_id: int | None = None  # the lead magnet being edited


DRAFT = DraftSlot(DRAFT_KEY, HvcoDraft)


async def sales_bot_username(session: AsyncSession, business: Business) -> str | None:
    """The username of the business's first running sales bot (the deep link's target)."""
    from services.salesbot import bots

    for item in await bots.list_bots(session, business_id=business.id):
        if item.running:
            return item.username
    return None


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _invalid(exc: InvalidInput) -> str:
    if exc.reason == "file_too_big":
        return _("That file is too big: the limit is {max} MB.").format(
            max=exc.params.get("max_mb", 10))
    if exc.field == "outline" and exc.reason == "too_many":
        return _("An outline can have at most {max} points.").format(
            max=exc.params.get("max", ""))
    if exc.field == "outline" and exc.reason == "too_long":
        return _("Each point can be at most {max} characters.").format(
            max=exc.params.get("max", ""))
    if exc.field == "url":
        return _("That doesn't look like a link. Example: https://example.uz/guide.pdf")
    return describe_invalid(exc)


# ---------------------------------------------------------------- rendering


def list_text(business: Business, items: list[HvcoView], locale: str) -> str:
    lines = [_("🧲 <b>Lead magnets</b> — {business}").format(business=h(business.name)), ""]
    if not items:
        lines.append(_("No lead magnets yet. A lead magnet is something free and useful — a "
                       "checklist, a quiz, a consultation — that people get in exchange for "
                       "their contact. Most people are not ready to buy today; this is how you "
                       "reach them and sell later."))
    for index, item in enumerate(items, 1):
        lines.append(f"{index}. <b>{h(_short(item.title, LIST_TITLE_LIMIT))}</b>")
        lines.append(_("{type} · {status} · 👥 {leads} leads").format(
            type=texts.type_label(item.type), status=texts.status_label(item.status),
            leads=number(item.leads_count, locale)))
        lines.append("")
    return "\n".join(lines).rstrip()


def _deliverable_lines(item: HvcoView) -> list[str]:
    lines = []
    if item.file_id:
        lines.append(_("📎 File: {name}").format(name=h(item.file_name or "—")))
    if item.url:
        lines.append(_("🔗 Link: {url}").format(url=h(item.url)))
    if item.text:
        lines.append(_("📝 Text: {text}").format(text=h(_short(item.text, CARD_TEXT_LIMIT))))
    if not lines:
        lines.append(_("Nothing attached yet: attach a file, a link or a text, then activate."))
    return lines


def card_text(item: HvcoView, *, locale: str, bot_username: str | None) -> str:
    lines = [
        f"🧲 <b>{h(item.title)}</b>",
        _("{type} · expected conversion {range}").format(
            type=texts.type_label(item.type), range=texts.conversion_range(item.conversion)),
        _("Status: {status} · 👥 Leads: {leads}").format(
            status=texts.status_label(item.status), leads=number(item.leads_count, locale)),
        _("🎯 Problem it solves: {topic}").format(topic=h(item.topic)),
        "",
        _("<b>Outline</b>"),
        *(f"{n}. {h(point)}" for n, point in enumerate(item.outline, 1)),
        "",
        _("<b>Announcement post</b>"),
        h(_short(item.post, CARD_POST_LIMIT)),
        "",
        _("<b>What the bot sends</b>"),
        *_deliverable_lines(item),
        "",
        _("<b>Deep link</b>"),
        _("Code: <code>{code}</code>").format(code=item.code),
    ]
    if bot_username:
        lines.append(_("Link: {link}").format(link=h(hvco.deep_link(item.code, bot_username))))
    else:
        lines.append(_("The link works once you connect your business's own bot with /chatbot: "
                       "then it opens your bot, delivers this lead magnet and tags the lead."))
    if item.source == "fallback":
        lines += ["", texts.offline_note()]
    return "\n".join(lines)


async def send_list(message: Message, session: AsyncSession, *, business: Business,
                    role: str | None, locale: str) -> None:
    items = await hvco.list_hvcos(session, business_id=business.id)
    await message.answer(list_text(business, items, locale),
                         reply_markup=keyboards.list_keyboard(
                             items, can_edit=has_permission(role, EDIT)))


async def send_card(message: Message, session: AsyncSession, item: HvcoView, *,
                    business: Business, role: str | None, locale: str,
                    replace: bool = False) -> None:
    """The lead magnet screen (``replace``: edit ``message`` into it)."""
    text = card_text(item, locale=locale,
                     bot_username=await sales_bot_username(session, business))
    markup = keyboards.card_keyboard(item, can_edit=has_permission(role, EDIT))
    if replace:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


def type_question(business: Business) -> str:
    recs = hvco.recommend_types(industry=business.industry, model=business.model,
                                primary_goal=business.primary_goal)
    lines = [_("🧲 <b>New lead magnet — step 1 of 2.</b> Choose the type. Expected conversion "
               "is the share of people who see the offer and leave their contact:"), ""]
    for kind in HvcoType:
        lines.append(f"{texts.type_label(kind)} — {texts.conversion_range(hvco.CONVERSION[kind])}")
    if recs:
        lines += ["", _("⭐ Recommended for {business}:").format(business=h(business.name))]
        for rec in recs:
            why = ", ".join(texts.reason(r) for r in rec.reasons)
            lines.append(f"• {texts.type_label(rec.type)} — {why}")
    return "\n".join(lines)


def _ideas(kind: HvcoType, business: Business) -> list[tuple[str, str]]:
    return [(idea.value, texts.topic_idea(idea, business))
            for idea in hvco.topic_ideas(hvco_type=kind, primary_goal=business.primary_goal)]


async def ask(message: Message, state: FSMContext, session: AsyncSession, step: str, *,
              business: Business) -> None:
    """Move to ``step`` and ask its question (the step is kept in the draft for resuming)."""
    draft = await DRAFT.load(state)
    if step == "topic" and draft.type not in set(HvcoType):
        step = "type"
    item: HvcoView | None = None
    if step in EDIT_STEPS:
        try:
            item = await hvco.get_hvco(session, business_id=business.id,
                                       hvco_id=draft.hvco_id or 0)
        except NotFound as exc:  # deleted meanwhile: leave the step
            await DRAFT.finish(state)
            await message.answer(describe(exc))
            return
    draft.step = step
    await DRAFT.save(state, draft)
    await state.set_state(getattr(HvcoSG, step))
    if step == "type":
        await message.answer(type_question(business), reply_markup=keyboards.type_keyboard(
            {r.type for r in hvco.recommend_types(industry=business.industry,
                                                   model=business.model,
                                                   primary_goal=business.primary_goal)}))
    elif step == "topic":
        kind = HvcoType(draft.type or "")
        await message.answer(
            _("<b>Step 2 of 2.</b> What problem of your customer does the {type} solve? "
              "Type it in a few words, or pick a suggestion.\n\n<i>Example: how to choose "
              "coffee beans for the office</i>").format(type=h(texts.type_name(kind))),
            reply_markup=keyboards.topic_keyboard(_ideas(kind, business)))
    elif item is not None and step == "title":
        await message.answer(_("✏️ Type the new title (up to {max} characters).\n\nNow: "
                               "<b>{title}</b>").format(max=hvco.TITLE_MAX, title=h(item.title)),
                             reply_markup=nav_keyboard(back=False))
    elif item is not None and step == "outline":
        current = "\n".join(f"{n}. {h(p)}" for n, p in enumerate(item.outline, 1))
        await message.answer(
            _("✏️ Send the new outline: one point per line, up to {count} points of up to {max} "
              "characters each.\n\nNow:\n{outline}").format(
                count=hvco.OUTLINE_MAX_ITEMS, max=hvco.OUTLINE_ITEM_MAX, outline=current),
            reply_markup=nav_keyboard(back=False))
    elif item is not None and step == "post":
        await message.answer(_("✏️ Send the new announcement post (up to {max} characters). "
                               "📣 Full post shows the current one.").format(max=hvco.POST_MAX),
                             reply_markup=nav_keyboard(back=False))
    elif item is not None:
        await message.answer(
            _("📎 What should your bot send to people who ask for “{title}”?\n\nSend a document "
              "(up to {mb} MB), a link, or type the text. A file, a link and a text can all be "
              "kept together.\n\nSend “-” to remove everything attached.").format(
                title=h(item.title), mb=hvco.FILE_MAX_BYTES // 2**20),
            reply_markup=nav_keyboard(back=False))


async def open_hvco(message: Message, state: FSMContext, session: AsyncSession, *,
                    business: Business, role: str, locale: str) -> None:
    """The list; an unfinished wizard step is resumed instead."""
    draft = await DRAFT.load(state)
    if draft.step in NEW_STEPS + EDIT_STEPS and has_permission(role, EDIT):
        await message.answer(_("You have an unfinished lead magnet step — let's continue where "
                               "we stopped."))
        await ask(message, state, session, draft.step or "type", business=business)
        return
    await DRAFT.finish(state)
    await send_list(message, session, business=business, role=role, locale=locale)


# ---------------------------------------------------------------- list and screen


@router.message(Command("hvco"), flags={"perm": BUSINESS})
async def cmd_hvco(message: Message, state: FSMContext, session: AsyncSession,
                   business: Business, role: str, locale: str) -> None:
    await open_hvco(message, state, session, business=business, role=role, locale=locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.HVCO), flags={"perm": BUSINESS})
async def on_hvco(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await open_hvco(callback.message, state, session, business=business, role=role,
                    locale=locale)


@router.callback_query(HvcoCB.filter(F.action == HvcoAction.LIST), flags={"perm": BUSINESS})
async def on_list(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str, locale: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await send_list(callback.message, session, business=business, role=role, locale=locale)


@router.callback_query(HvcoCB.filter(F.action == HvcoAction.OPEN), flags={"perm": BUSINESS})
async def on_open(callback: CallbackQuery, callback_data: HvcoCB, session: AsyncSession,
                  business: Business, role: str, locale: str) -> None:
    item = await hvco.get_hvco(session, business_id=business.id, hvco_id=callback_data.hvco_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await send_card(callback.message, session, item, business=business, role=role,
                    locale=locale)


@router.callback_query(HvcoCB.filter(F.action == HvcoAction.POST), flags={"perm": BUSINESS})
async def on_post(callback: CallbackQuery, callback_data: HvcoCB, session: AsyncSession,
                  business: Business) -> None:
    item = await hvco.get_hvco(session, business_id=business.id, hvco_id=callback_data.hvco_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(h(item.post))  # ready to forward to a channel


@router.callback_query(HvcoCB.filter(F.action == HvcoAction.NEW), flags={"perm": EDIT})
async def on_new(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 business: Business) -> None:
    await hvco.ensure_room(session, business_id=business.id)
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, session, "type", business=business)


@router.callback_query(HvcoCB.filter(F.action == HvcoAction.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: HvcoCB, state: FSMContext,
                  session: AsyncSession, business: Business) -> None:
    if callback_data.value not in EDIT_STEPS:  # callback data is never trusted
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    item = await hvco.get_hvco(session, business_id=business.id, hvco_id=callback_data.hvco_id)
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, HvcoDraft(hvco_id=item.id))
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, session, callback_data.value, business=business)


@router.callback_query(HvcoCB.filter(F.action == HvcoAction.STATUS), flags={"perm": EDIT})
async def on_status(callback: CallbackQuery, callback_data: HvcoCB, session: AsyncSession,
                    business: Business, role: str, locale: str) -> None:
    try:
        item = await hvco.set_status(session, business_id=business.id,
                                     hvco_id=callback_data.hvco_id, status=callback_data.value)
    except Conflict:
        await callback.answer(_("First attach what the bot sends (a file, a link or a text), "
                                "then activate."), show_alert=True)
        return
    await callback.answer(texts.status_name(item.status))
    assert isinstance(callback.message, Message)
    await send_card(callback.message, session, item, business=business, role=role,
                    locale=locale, replace=True)


@router.callback_query(HvcoCB.filter(F.action == HvcoAction.DELETE), flags={"perm": EDIT})
async def on_delete(callback: CallbackQuery, callback_data: HvcoCB, session: AsyncSession,
                    business: Business) -> None:
    item = await hvco.get_hvco(session, business_id=business.id, hvco_id=callback_data.hvco_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Delete the lead magnet <b>{title}</b>? Its link stops working. This can't be "
          "undone.").format(title=h(item.title)),
        reply_markup=keyboards.delete_keyboard(item.id))


@router.callback_query(HvcoCB.filter(F.action == HvcoAction.CONFIRM), flags={"perm": EDIT})
async def on_delete_confirmed(callback: CallbackQuery, callback_data: HvcoCB,
                              state: FSMContext, session: AsyncSession, business: Business,
                              role: str, locale: str) -> None:
    await hvco.delete_hvco(session, business_id=business.id, hvco_id=callback_data.hvco_id)
    await done_with(callback, _("Deleted"))
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await send_list(callback.message, session, business=business, role=role, locale=locale)


@router.callback_query(HvcoCB.filter(F.action == HvcoAction.KEEP), flags={"perm": BUSINESS})
async def on_delete_declined(callback: CallbackQuery) -> None:
    await done_with(callback, _("Kept"))


# ---------------------------------------------------------------- the new-lead-magnet wizard


@steps.callback_query(HvcoSG.type, HvcoCB.filter(F.action == HvcoAction.TYPE),
                      flags={"perm": EDIT})
async def type_entered(callback: CallbackQuery, callback_data: HvcoCB, state: FSMContext,
                       session: AsyncSession, business: Business) -> None:
    if callback_data.value not in set(HvcoType):
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    kind = HvcoType(callback_data.value)
    await done_with(callback, texts.type_label(kind))
    draft = await DRAFT.load(state)
    draft.type = kind.value
    await DRAFT.save(state, draft)
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, session, "topic", business=business)


async def _generate(message: Message, bot: Bot, state: FSMContext, session: AsyncSession, *,
                    ai: AIGateway, business: Business, role: str, locale: str,
                    topic: str) -> None:
    """Draft title, outline and post with the model (or offline) and show the new screen."""
    draft = await DRAFT.load(state)
    if draft.type not in set(HvcoType):
        await ask(message, state, session, "type", business=business)
        return
    kind = HvcoType(draft.type or "")
    await hvco.ensure_room(session, business_id=business.id)
    status = await message.answer(_("⏳ Drafting the title, outline and announcement post…"))
    await bot.send_chat_action(message.chat.id, "typing")
    offline = texts.fallback_draft(kind, topic, business)
    request = AIRequest(business_id=business.id, feature="hvco", locale=locale,
                        instructions=hvco.draft_instructions(hvco_type=kind, topic=topic,
                                                             locale=locale),
                        facts=hvco.business_facts(business), max_tokens=1500)
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id,
                                       interval=TYPING_REPEAT, initial_sleep=TYPING_REPEAT):
        reply = await ai.complete(session, request, fallback=lambda: hvco.draft_json(offline))
    parsed = hvco.parse_draft_json(reply.text)
    source = "fallback" if reply.is_fallback or parsed is None else "ai"
    item = await hvco.create_hvco(session, business_id=business.id, hvco_type=kind,
                                  topic=topic, draft=parsed or offline, source=source)
    await DRAFT.finish(state)
    await send_card(status, session, item, business=business, role=role, locale=locale,
                    replace=True)


@steps.callback_query(HvcoSG.topic, HvcoCB.filter(F.action == HvcoAction.IDEA),
                      flags={"perm": EDIT})
async def idea_entered(callback: CallbackQuery, callback_data: HvcoCB, bot: Bot,
                       state: FSMContext, session: AsyncSession, ai: AIGateway,
                       business: Business, role: str, locale: str) -> None:
    if callback_data.value not in set(TopicIdea):
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    topic = hvco.parse_topic(texts.topic_idea(TopicIdea(callback_data.value), business))
    await done_with(callback, topic)
    assert isinstance(callback.message, Message)
    await _generate(callback.message, bot, state, session, ai=ai, business=business, role=role,
                    locale=locale, topic=topic)


@steps.message(HvcoSG.topic, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def topic_entered(message: Message, bot: Bot, state: FSMContext, session: AsyncSession,
                        ai: AIGateway, business: Business, role: str, locale: str) -> None:
    try:
        topic = hvco.parse_topic(message.text or "")
    except InvalidInput as exc:
        await message.answer(_invalid(exc))
        return
    await _generate(message, bot, state, session, ai=ai, business=business, role=role,
                    locale=locale, topic=topic)


# ---------------------------------------------------------------- edits of a lead magnet


async def _edited(message: Message, state: FSMContext, session: AsyncSession, item: HvcoView,
                  *, business: Business, role: str, locale: str) -> None:
    await DRAFT.finish(state)
    await message.answer(_("✅ Saved."))
    await send_card(message, session, item, business=business, role=role, locale=locale)


async def _edit_text(message: Message, state: FSMContext, session: AsyncSession, *,
                     business: Business, role: str, locale: str, step: str) -> None:
    hvco_id = (await DRAFT.load(state)).hvco_id or 0
    update = {"title": hvco.update_title, "outline": hvco.update_outline,
              "post": hvco.update_post}[step]
    try:
        item = await update(session, business_id=business.id, hvco_id=hvco_id,
                            raw=message.text or "")
    except InvalidInput as exc:
        await message.answer(_invalid(exc))
        return
    except NotFound as exc:  # deleted meanwhile: leave the step instead of asking forever
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return
    await _edited(message, state, session, item, business=business, role=role, locale=locale)


@steps.message(HvcoSG.title, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def title_entered(message: Message, state: FSMContext, session: AsyncSession,
                        business: Business, role: str, locale: str) -> None:
    await _edit_text(message, state, session, business=business, role=role, locale=locale,
                     step="title")


@steps.message(HvcoSG.outline, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def outline_entered(message: Message, state: FSMContext, session: AsyncSession,
                          business: Business, role: str, locale: str) -> None:
    await _edit_text(message, state, session, business=business, role=role, locale=locale,
                     step="outline")


@steps.message(HvcoSG.post, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def post_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, role: str, locale: str) -> None:
    await _edit_text(message, state, session, business=business, role=role, locale=locale,
                     step="post")


@steps.message(HvcoSG.deliverable, F.document, flags={"perm": EDIT})
async def document_entered(message: Message, state: FSMContext, session: AsyncSession,
                           business: Business, role: str, locale: str) -> None:
    document = message.document
    assert document is not None
    hvco_id = (await DRAFT.load(state)).hvco_id or 0
    try:
        item = await hvco.attach_file(session, business_id=business.id, hvco_id=hvco_id,
                                      file_id=document.file_id, file_name=document.file_name,
                                      file_size=document.file_size)
    except InvalidInput as exc:
        await message.answer(_invalid(exc))
        return
    await _edited(message, state, session, item, business=business, role=role, locale=locale)


@steps.message(HvcoSG.deliverable, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def deliverable_text_entered(message: Message, state: FSMContext, session: AsyncSession,
                                   business: Business, role: str, locale: str) -> None:
    hvco_id = (await DRAFT.load(state)).hvco_id or 0
    raw = message.text or ""
    try:
        if raw.strip() == "-":
            item = await hvco.clear_deliverable(session, business_id=business.id,
                                                hvco_id=hvco_id)
        elif hvco.looks_like_url(raw):
            item = await hvco.attach_url(session, business_id=business.id, hvco_id=hvco_id,
                                         raw=raw)
        else:
            item = await hvco.attach_text(session, business_id=business.id, hvco_id=hvco_id,
                                          raw=raw)
    except InvalidInput as exc:
        await message.answer(_invalid(exc))
        return
    await _edited(message, state, session, item, business=business, role=role, locale=locale)


@steps.message(HvcoSG.deliverable, NOT_COMMAND, flags={"perm": BUSINESS})
async def deliverable_invalid(message: Message) -> None:
    await message.answer(_("Please send a document (as a file), a link or a text."))


@steps.message(HvcoSG.type, NOT_COMMAND, flags={"perm": BUSINESS})
async def type_invalid(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business) -> None:
    await message.answer(_("Please choose one of the buttons below."))
    await ask(message, state, session, "type", business=business)


@steps.message(NOT_COMMAND, flags={"perm": BUSINESS})
async def step_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))


@steps.callback_query(NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, state: FSMContext,
                 session: AsyncSession, business: Business, role: str, locale: str,
                 raw_state: str | None) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    await message.edit_reply_markup(reply_markup=None)
    step = (raw_state or "").rpartition(":")[2]
    if callback_data.action == NavAction.BACK and step == "topic":
        await ask(message, state, session, "type", business=business)
        return
    hvco_id = (await DRAFT.load(state)).hvco_id
    await DRAFT.finish(state)
    await message.answer(_("Cancelled."))
    if step in EDIT_STEPS and hvco_id:
        try:
            item = await hvco.get_hvco(session, business_id=business.id, hvco_id=hvco_id)
        except NotFound:
            pass
        else:
            await send_card(message, session, item, business=business, role=role,
                            locale=locale)
            return
    await send_list(message, session, business=business, role=role, locale=locale)
