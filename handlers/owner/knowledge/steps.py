"""/kb: the sales bot's knowledge base — a summary with a guide, paged lists of Q&A and
products, the add wizards, field edits, deletion with a confirmation and a file import.

Every button re-reads its record through the service with the user's current business, so a
forged or stale callback can only reach that business's own rows (or "not found"). The
wizard draft lives in FSM data (persisted), like every other wizard.
"""

from __future__ import annotations

from math import ceil

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import BUSINESS
from handlers.drafts import DraftSlot
from handlers.owner.imports.texts import file_error
from handlers.owner.knowledge import keyboards, texts
from handlers.owner.knowledge.callbacks import KbAction, KbCB, Target
from handlers.owner.knowledge.states import KbSG
from handlers.ui import done_with, h
from services import imports
from services.db.models import Business
from services.errors import InvalidInput, LimitExceeded
from services.salesbot import knowledge
from services.salesbot.knowledge import EntryKind
from services.teams import Permission, has_permission

router = Router(name="knowledge")
EDIT = Permission.MANAGE_CHATBOT
NOT_COMMAND = ~F.text.startswith("/")
PAGE = knowledge.PAGE
NONE_WORDS = {"-", "—", "0", "yo'q", "yoq", "нет", "no", "none"}


class KbDraft(BaseModel):
    target: str = ""
    item: int = 0
    field: str = ""
    kind: str = EntryKind.FAQ.value
    question: str = ""
    name: str = ""
    price: int | None = None
    description: str = ""
    file_id: str | None = None
    filename: str = ""


DRAFT = DraftSlot("kb", KbDraft)


async def send_summary(message: Message, session: AsyncSession, *, business: Business,
                       role: str | None) -> None:
    counts = await knowledge.counts(session, business_id=business.id)
    await message.answer(texts.summary_text(business.name, counts),
                         reply_markup=keyboards.summary_keyboard(
                             can_edit=has_permission(role, EDIT)))


@router.message(Command("kb"), flags={"perm": BUSINESS})
async def cmd_kb(message: Message, state: FSMContext, session: AsyncSession,
                 business: Business, role: str) -> None:
    await DRAFT.finish(state)
    await send_summary(message, session, business=business, role=role)


@router.callback_query(KbCB.filter(F.action == KbAction.OPEN), flags={"perm": BUSINESS})
async def on_open(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await send_summary(callback.message, session, business=business, role=role)


async def send_list(message: Message, session: AsyncSession, *, business: Business,
                    role: str | None, target: Target, page: int, locale: str) -> None:
    can_edit = has_permission(role, EDIT)
    if target is Target.ENTRY:
        entries = await knowledge.list_entries(session, business_id=business.id)
        pages = max(1, ceil(len(entries) / PAGE))
        page = min(max(page, 0), pages - 1)
        shown_entries = entries[page * PAGE:(page + 1) * PAGE]
        ids = [e.id for e in shown_entries]
        text = texts.entries_text(shown_entries, page * PAGE + 1, page, pages)
    else:
        products = await knowledge.list_products(session, business_id=business.id)
        pages = max(1, ceil(len(products) / PAGE))
        page = min(max(page, 0), pages - 1)
        shown_products = products[page * PAGE:(page + 1) * PAGE]
        ids = [p.id for p in shown_products]
        text = texts.products_text(shown_products, page * PAGE + 1, page, pages, locale)
    await message.answer(text, reply_markup=keyboards.list_keyboard(
        target, ids, first=page * PAGE + 1, page=page, pages=pages, can_edit=can_edit))


@router.callback_query(KbCB.filter(F.action == KbAction.LIST), flags={"perm": BUSINESS})
async def on_list(callback: CallbackQuery, callback_data: KbCB, session: AsyncSession,
                  business: Business, role: str, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    target = Target.PRODUCT if callback_data.target is Target.PRODUCT else Target.ENTRY
    await send_list(callback.message, session, business=business, role=role, target=target,
                    page=callback_data.page, locale=locale)


# --- adding ----------------------------------------------------------------------------------


async def ask(message: Message, state: FSMContext, step: str) -> None:
    await state.set_state(getattr(KbSG, step))
    prompts = {
        "kind": (_("➕ <b>New question — step 1 of 3.</b> What is it about?"),
                 keyboards.kinds_keyboard()),
        "question": (_("<b>Step 2 of 3.</b> Type the question. You can write it several "
                       "ways, one per line.\n\n<i>Example: Yetkazib berish bormi?\n"
                       "Доставка есть?</i>"), keyboards.step_keyboard()),
        "answer": (_("<b>Step 3 of 3.</b> Type the answer the bot should give."),
                   keyboards.step_keyboard()),
        "name": (_("➕ <b>New product — step 1 of 4.</b> Type the product or service name."),
                 keyboards.step_keyboard()),
        "price": (_("<b>Step 2 of 4.</b> What does it cost, in so'm? "
                    "<i>Example: 150 000 or 1.2 mln</i>"), keyboards.step_keyboard(skip=True)),
        "description": (_("<b>Step 3 of 4.</b> A short description for customers."),
                        keyboards.step_keyboard(skip=True)),
        "photo": (_("<b>Step 4 of 4.</b> Send a photo of it."),
                  keyboards.step_keyboard(skip=True)),
    }
    text, markup = prompts[step]
    await message.answer(text, reply_markup=markup)


@router.callback_query(KbCB.filter(F.action == KbAction.ADD), flags={"perm": EDIT})
async def on_add(callback: CallbackQuery, callback_data: KbCB, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    if callback_data.target is Target.PRODUCT:
        await DRAFT.save(state, KbDraft(target=Target.PRODUCT.value))
        await ask(callback.message, state, "name")
    else:
        await DRAFT.save(state, KbDraft(target=Target.ENTRY.value))
        await ask(callback.message, state, "kind")


@router.callback_query(KbSG.kind, KbCB.filter(F.action == KbAction.KIND), flags={"perm": EDIT})
async def kind_chosen(callback: CallbackQuery, callback_data: KbCB, state: FSMContext,
                      session: AsyncSession, business: Business, role: str,
                      locale: str) -> None:
    """A new Q&A's kind, or an existing one's new kind (the draft names the field)."""
    kind = knowledge.parse_kind(callback_data.value)  # callback data is never trusted
    await done_with(callback, texts.kind_label(kind))
    draft = await DRAFT.load(state)
    assert isinstance(callback.message, Message)
    if draft.field == "kind":
        await _apply_edit(callback.message, state, session, business=business, role=role,
                          locale=locale, draft=draft, text=kind.value)
        return
    draft.kind = kind.value
    await DRAFT.save(state, draft)
    await ask(callback.message, state, "question")


@router.message(KbSG.question, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def question_entered(message: Message, state: FSMContext) -> None:
    try:
        question = knowledge.parse_question(message.text or "")
    except InvalidInput as exc:
        await message.answer(texts.invalid_text(exc))
        return
    draft = await DRAFT.load(state)
    draft.question = question
    await DRAFT.save(state, draft)
    await ask(message, state, "answer")


@router.message(KbSG.answer, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def answer_entered(message: Message, state: FSMContext, session: AsyncSession,
                         business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    try:
        entry = await knowledge.add_entry(session, business_id=business.id, kind=draft.kind,
                                          question=draft.question, answer=message.text or "")
    except InvalidInput as exc:
        await message.answer(texts.invalid_text(exc))
        return
    except LimitExceeded as exc:
        await DRAFT.finish(state)
        await message.answer(texts.limit_text(str(exc.params.get("resource"))))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Saved: <b>{question}</b>").format(
        question=h(entry.question.splitlines()[0])))
    await send_list(message, session, business=business, role=role, target=Target.ENTRY,
                    page=10**6, locale=locale)


@router.message(KbSG.name, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def name_entered(message: Message, state: FSMContext) -> None:
    try:
        name = knowledge.parse_name(message.text or "")
    except InvalidInput as exc:
        await message.answer(texts.invalid_text(exc))
        return
    draft = await DRAFT.load(state)
    draft.name = name
    await DRAFT.save(state, draft)
    await ask(message, state, "price")


@router.message(KbSG.price, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def price_entered(message: Message, state: FSMContext) -> None:
    try:
        price = knowledge.parse_price(message.text or "")
    except InvalidInput as exc:
        await message.answer(texts.invalid_text(exc))
        return
    draft = await DRAFT.load(state)
    draft.price = price
    await DRAFT.save(state, draft)
    await ask(message, state, "description")


@router.message(KbSG.description, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def description_entered(message: Message, state: FSMContext) -> None:
    text = message.text or ""
    try:
        description = "" if text.strip().lower() in NONE_WORDS else (
            knowledge.parse_description(text))
    except InvalidInput as exc:
        await message.answer(texts.invalid_text(exc))
        return
    draft = await DRAFT.load(state)
    draft.description = description
    await DRAFT.save(state, draft)
    await ask(message, state, "photo")


async def _save_product(message: Message, state: FSMContext, session: AsyncSession, *,
                        business: Business, role: str, locale: str,
                        photo: tuple[str, str] | None) -> None:
    draft = await DRAFT.load(state)
    try:
        product = await knowledge.add_product(
            session, business_id=business.id, name=draft.name, price=draft.price,
            description=draft.description, photo_file_id=photo[0] if photo else None,
            photo_unique_id=photo[1] if photo else None)
    except LimitExceeded as exc:
        await DRAFT.finish(state)
        await message.answer(texts.limit_text(str(exc.params.get("resource"))))
        return
    except InvalidInput as exc:  # the draft was damaged: start over
        await DRAFT.finish(state)
        await message.answer(texts.invalid_text(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Saved: <b>{name}</b>").format(name=h(product.name)))
    await send_list(message, session, business=business, role=role, target=Target.PRODUCT,
                    page=10**6, locale=locale)


@router.message(KbSG.photo, F.photo, flags={"perm": EDIT})
async def photo_sent(message: Message, state: FSMContext, session: AsyncSession,
                     business: Business, role: str, locale: str) -> None:
    assert message.photo
    largest = message.photo[-1]
    await _save_product(message, state, session, business=business, role=role, locale=locale,
                        photo=(largest.file_id, largest.file_unique_id))


@router.callback_query(StateFilter(KbSG.price, KbSG.description, KbSG.photo),
                       KbCB.filter(F.action == KbAction.SKIP), flags={"perm": EDIT})
async def on_skip(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str, locale: str, raw_state: str | None) -> None:
    await done_with(callback, _("Skipped"))
    assert isinstance(callback.message, Message)
    step = (raw_state or "").rpartition(":")[2]
    if step == "price":
        await ask(callback.message, state, "description")
    elif step == "description":
        await ask(callback.message, state, "photo")
    else:
        await _save_product(callback.message, state, session, business=business, role=role,
                            locale=locale, photo=None)


@router.message(KbSG.photo, NOT_COMMAND, flags={"perm": BUSINESS})
async def photo_invalid(message: Message) -> None:
    await message.answer(_("Please send a photo, or press Skip."))


# --- editing ---------------------------------------------------------------------------------


@router.callback_query(KbCB.filter(F.action == KbAction.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: KbCB, session: AsyncSession,
                  business: Business) -> None:
    is_entry = callback_data.target is Target.ENTRY
    if is_entry:
        entry = await knowledge.get_entry(session, business_id=business.id,
                                          entry_id=callback_data.item)
        title = entry.question.splitlines()[0]
    else:
        product = await knowledge.get_product(session, business_id=business.id,
                                              product_id=callback_data.item)
        title = product.name
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("✏️ <b>{title}</b>\nWhat do you want to change?").format(title=h(title)),
        reply_markup=keyboards.fields_keyboard(callback_data.target, callback_data.item,
                                               texts.field_labels(is_entry)))


@router.callback_query(KbCB.filter(F.action == KbAction.FIELD), flags={"perm": EDIT})
async def on_field(callback: CallbackQuery, callback_data: KbCB, state: FSMContext,
                   session: AsyncSession, business: Business) -> None:
    is_entry = callback_data.target is Target.ENTRY
    if callback_data.value not in texts.field_labels(is_entry):
        raise InvalidInput(field="field", reason="choice")
    if is_entry:  # re-check ownership before asking anything
        await knowledge.get_entry(session, business_id=business.id,
                                  entry_id=callback_data.item)
    else:
        await knowledge.get_product(session, business_id=business.id,
                                    product_id=callback_data.item)
    await done_with(callback, texts.field_labels(is_entry)[callback_data.value])
    await DRAFT.finish(state)
    await DRAFT.save(state, KbDraft(target=callback_data.target.value, item=callback_data.item,
                                    field=callback_data.value))
    assert isinstance(callback.message, Message)
    if callback_data.value == "kind":
        await state.set_state(KbSG.kind)
        await callback.message.answer(_("Choose the new type."),
                                      reply_markup=keyboards.kinds_keyboard())
        return
    await state.set_state(KbSG.edit)
    await callback.message.answer(texts.ask_field_text(callback_data.value),
                                  reply_markup=keyboards.step_keyboard())


async def _apply_edit(message: Message, state: FSMContext, session: AsyncSession, *,
                      business: Business, role: str, locale: str, draft: KbDraft,
                      text: str | None = None, photo: tuple[str, str] | None = None) -> None:
    value = (text or "").strip()
    none = value.lower() in NONE_WORDS
    try:
        if draft.target == Target.ENTRY.value:
            changes = {draft.field: value}
            await knowledge.update_entry(session, business_id=business.id,
                                         entry_id=draft.item, **changes)
        elif draft.field == "photo":
            await knowledge.update_product(
                session, business_id=business.id, product_id=draft.item,
                photo_file_id=photo[0] if photo else None,
                photo_unique_id=photo[1] if photo else None)
        elif draft.field == "price":
            await knowledge.update_product(session, business_id=business.id,
                                           product_id=draft.item,
                                           price=knowledge.parse_price(value))
        elif draft.field == "description":
            await knowledge.update_product(session, business_id=business.id,
                                           product_id=draft.item,
                                           description="" if none else value)
        else:
            await knowledge.update_product(session, business_id=business.id,
                                           product_id=draft.item, name=value)
    except InvalidInput as exc:
        await message.answer(texts.invalid_text(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Saved."))
    target = Target.ENTRY if draft.target == Target.ENTRY.value else Target.PRODUCT
    await send_list(message, session, business=business, role=role, target=target, page=0,
                    locale=locale)


@router.message(KbSG.edit, F.photo, flags={"perm": EDIT})
async def edit_photo_sent(message: Message, state: FSMContext, session: AsyncSession,
                          business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    if draft.field != "photo":
        await message.answer(_("Please type it as text."))
        return
    assert message.photo
    largest = message.photo[-1]
    await _apply_edit(message, state, session, business=business, role=role, locale=locale,
                      draft=draft, photo=(largest.file_id, largest.file_unique_id))


@router.message(KbSG.edit, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def edit_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    if draft.field == "photo" and (message.text or "").strip().lower() not in NONE_WORDS:
        await message.answer(_("Please send a photo, or “-” to remove it."))
        return
    await _apply_edit(message, state, session, business=business, role=role, locale=locale,
                      draft=draft, text=message.text)


# --- deleting --------------------------------------------------------------------------------


@router.callback_query(KbCB.filter(F.action == KbAction.DELETE), flags={"perm": EDIT})
async def on_delete(callback: CallbackQuery, callback_data: KbCB, session: AsyncSession,
                    business: Business) -> None:
    if callback_data.target is Target.ENTRY:
        entry = await knowledge.get_entry(session, business_id=business.id,
                                          entry_id=callback_data.item)
        title = entry.question.splitlines()[0]
    else:
        title = (await knowledge.get_product(session, business_id=business.id,
                                             product_id=callback_data.item)).name
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Delete <b>{title}</b> from the knowledge base? This can't be undone.").format(
            title=h(title)),
        reply_markup=keyboards.delete_keyboard(callback_data.target, callback_data.item))


@router.callback_query(KbCB.filter(F.action == KbAction.CONFIRM), flags={"perm": EDIT})
async def on_delete_confirmed(callback: CallbackQuery, callback_data: KbCB,
                              session: AsyncSession, business: Business, role: str,
                              locale: str) -> None:
    if callback_data.target is Target.ENTRY:
        await knowledge.delete_entry(session, business_id=business.id,
                                     entry_id=callback_data.item)
    else:
        await knowledge.delete_product(session, business_id=business.id,
                                       product_id=callback_data.item)
    await done_with(callback, _("Deleted"))
    assert isinstance(callback.message, Message)
    target = Target.ENTRY if callback_data.target is Target.ENTRY else Target.PRODUCT
    await send_list(callback.message, session, business=business, role=role, target=target,
                    page=0, locale=locale)


@router.callback_query(KbCB.filter(F.action == KbAction.KEEP), flags={"perm": BUSINESS})
async def on_delete_declined(callback: CallbackQuery) -> None:
    await done_with(callback, _("Kept"))


# --- import ----------------------------------------------------------------------------------


@router.callback_query(KbCB.filter(F.action == KbAction.IMPORT), flags={"perm": EDIT})
async def on_import(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    await DRAFT.save(state, KbDraft())
    await state.set_state(KbSG.import_file)
    assert isinstance(callback.message, Message)
    await callback.message.answer(texts.import_start_text(),
                                  reply_markup=keyboards.step_keyboard())


async def _read(bot: Bot, draft: KbDraft) -> imports.Table:
    assert draft.file_id is not None
    data = await bot.download(draft.file_id)
    assert data is not None
    return imports.read_table(data.read(), filename=draft.filename)


@router.message(KbSG.import_file, F.document, flags={"perm": EDIT})
async def import_file_sent(message: Message, bot: Bot, state: FSMContext,
                           session: AsyncSession, business: Business) -> None:
    document = message.document
    assert document is not None
    draft = KbDraft(file_id=document.file_id, filename=document.file_name or "file")
    try:
        if imports.file_format(draft.filename) is None:
            raise InvalidInput(field="file", reason="file_format")
        imports.check_size(document.file_size)
        await bot.send_chat_action(message.chat.id, "typing")
        table = await _read(bot, draft)
    except InvalidInput as exc:
        await message.answer(file_error(exc))
        return
    preview = await knowledge.preview_import(session, business_id=business.id, table=table)
    await DRAFT.save(state, draft)
    await state.set_state(KbSG.import_preview)
    await message.answer(texts.preview_text(preview, draft.filename),
                         reply_markup=keyboards.preview_keyboard(can_apply=preview.can_apply,
                                                                 count=len(preview.rows)))


@router.message(KbSG.import_file, NOT_COMMAND, flags={"perm": BUSINESS})
async def import_file_invalid(message: Message) -> None:
    await message.answer(_("Please send the file as a document (.csv or .xlsx)."))


@router.callback_query(KbSG.import_preview, KbCB.filter(F.action == KbAction.APPLY),
                       flags={"perm": EDIT})
async def on_apply(callback: CallbackQuery, bot: Bot, state: FSMContext,
                   session: AsyncSession, business: Business, role: str, locale: str) -> None:
    draft = await DRAFT.load(state)
    assert isinstance(callback.message, Message)
    table = await _read(bot, draft)
    try:
        result = await knowledge.apply_import(session, business_id=business.id, table=table)
    except InvalidInput as exc:
        await callback.answer()
        await callback.message.answer(file_error(exc))
        return
    except LimitExceeded as exc:
        await callback.answer()
        await callback.message.answer(texts.limit_text(str(exc.params.get("resource"))))
        return
    await done_with(callback, _("Imported"))
    await DRAFT.finish(state)
    await callback.message.answer(texts.result_text(result))
    await send_summary(callback.message, session, business=business, role=role)


@router.callback_query(KbCB.filter(F.action == KbAction.CANCEL), flags={"perm": BUSINESS})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await done_with(callback, _("Cancelled"))
    await DRAFT.finish(state)


@router.message(KbSG.kind, NOT_COMMAND, flags={"perm": BUSINESS})
async def kind_invalid(message: Message) -> None:
    await message.answer(_("Please choose one of the buttons below."))


@router.message(StateFilter(KbSG.question, KbSG.answer, KbSG.name, KbSG.price,
                            KbSG.description, KbSG.edit), NOT_COMMAND,
                flags={"perm": BUSINESS})
async def step_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))
