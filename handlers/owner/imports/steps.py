"""/import and any CSV/XLSX document: read → map the columns → preview with row errors →
import every valid row at once. The pending import (file id, kind, mapping) is a draft in FSM
data, so it survives a restart; the file is read again from Telegram when needed."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import BUSINESS
from handlers.drafts import DraftSlot
from handlers.owner.entry.common import require_write
from handlers.owner.imports import keyboards, texts
from handlers.owner.imports.callbacks import ImportAction, ImportCB
from handlers.owner.imports.states import ImportSG
from handlers.ui import MenuCB, MenuItem, done_with
from services import imports
from services.db.models import Business, User
from services.errors import InvalidInput
from services.imports import Field, Kind, Preview, Table
from services.teams import Permission

router = Router(name="imports")
steps = Router(name="imports.steps")
steps.callback_query.filter(StateFilter(ImportSG))
router.include_router(steps)
UPLOAD = Permission.MANAGE_ORDERS
PERMISSIONS = {Kind.SPEND: Permission.MANAGE_ORDERS, Kind.LEADS: Permission.MANAGE_LEADS,
               Kind.ORDERS: Permission.MANAGE_ORDERS, Kind.CUSTOMERS: Permission.MANAGE_ORDERS}


class ImportDraft(BaseModel):
    kind: str | None = None  # chosen after /import; None: detect from the headers
    file_id: str | None = None
    filename: str = ""
    mapping: dict[str, str] = {}  # column index → field


DRAFT = DraftSlot("import", ImportDraft)


def _mapping(draft: ImportDraft) -> dict[int, Field]:
    return {int(k): Field(v) for k, v in draft.mapping.items()}


async def start_import(message: Message, state: FSMContext) -> None:
    await DRAFT.finish(state)
    await DRAFT.save(state, ImportDraft())
    await state.set_state(ImportSG.file)
    await message.answer(texts.start_text(), reply_markup=keyboards.kinds_keyboard())


@router.message(Command("import"), flags={"perm": UPLOAD})
async def cmd_import(message: Message, state: FSMContext) -> None:
    await start_import(message, state)


@router.callback_query(MenuCB.filter(F.item == MenuItem.IMPORT), flags={"perm": UPLOAD})
async def on_menu_import(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await start_import(callback.message, state)


async def _read(bot: Bot, draft: ImportDraft) -> Table:
    assert draft.file_id is not None
    data = await bot.download(draft.file_id)
    assert data is not None
    return imports.read_table(data.read(), filename=draft.filename)


async def _show(message: Message, session: AsyncSession, state: FSMContext, *,
                business: Business, draft: ImportDraft, table: Table, locale: str) -> Preview:
    kind = Kind(draft.kind) if draft.kind else imports.detect_kind(table.headers)
    if not draft.mapping or draft.kind is None:
        draft.mapping = {str(i): f.value for i, f in
                         imports.auto_map(table.headers, kind).items()}
    draft.kind = kind.value
    await DRAFT.save(state, draft)
    await state.set_state(ImportSG.preview)
    preview = await imports.preview(session, business_id=business.id, table=table, kind=kind,
                                    mapping=_mapping(draft))
    await message.answer(
        texts.preview_text(preview, filename=draft.filename, headers=table.headers,
                           locale=locale),
        reply_markup=keyboards.preview_keyboard(
            preview, report=len(preview.errors) > texts.MAX_ERRORS_SHOWN))
    return preview


@router.message(F.document, StateFilter(None, ImportSG.file, ImportSG.preview),
                flags={"perm": UPLOAD})
async def document_received(message: Message, bot: Bot, state: FSMContext,
                            session: AsyncSession, business: Business, locale: str) -> None:
    document = message.document
    assert document is not None
    filename = document.file_name or "file"
    data = await state.get_data()
    in_import = await state.get_state() is not None and "import" in data
    draft = await DRAFT.load(state) if in_import else ImportDraft()
    try:
        if imports.file_format(filename) is None:
            if not in_import:  # not for us: a document nobody asked for
                await message.answer(_("I can import .csv and .xlsx files with spend, leads, "
                                       "orders or customers. /import explains how."))
                return
            raise InvalidInput(field="file", reason="file_format")
        imports.check_size(document.file_size)
        draft = ImportDraft(kind=draft.kind, file_id=document.file_id, filename=filename)
        table = await _read(bot, draft)
    except InvalidInput as exc:
        await message.answer(texts.file_error(exc))
        return
    await _show(message, session, state, business=business, draft=draft, table=table,
                locale=locale)


@router.callback_query(ImportCB.filter(F.action == ImportAction.KIND), flags={"perm": UPLOAD})
async def on_kind(callback: CallbackQuery, callback_data: ImportCB, bot: Bot,
                  state: FSMContext, session: AsyncSession, business: Business,
                  locale: str) -> None:
    kind = Kind(callback_data.value)
    await done_with(callback, texts.kind_label(kind))
    assert isinstance(callback.message, Message)
    draft = await DRAFT.load(state)
    draft.kind, draft.mapping = kind.value, {}
    if draft.file_id is None:  # chosen before the file: wait for it
        await DRAFT.save(state, draft)
        await state.set_state(ImportSG.file)
        await callback.message.answer(texts.ask_file_text(kind))
        return
    table = await _read(bot, draft)
    draft.mapping = {str(i): f.value for i, f in imports.auto_map(table.headers, kind).items()}
    await _show(callback.message, session, state, business=business, draft=draft,
                table=table, locale=locale)


@steps.callback_query(ImportSG.preview, ImportCB.filter(F.action == ImportAction.COLUMNS),
                      flags={"perm": UPLOAD})
async def on_columns(callback: CallbackQuery, bot: Bot, state: FSMContext) -> None:
    await callback.answer()
    draft = await DRAFT.load(state)
    table = await _read(bot, draft)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Which column do you want to change?"),
        reply_markup=keyboards.columns_keyboard(table.headers, _mapping(draft)))


@steps.callback_query(ImportSG.preview, ImportCB.filter(F.action == ImportAction.COLUMN),
                      flags={"perm": UPLOAD})
async def on_column(callback: CallbackQuery, callback_data: ImportCB, bot: Bot,
                    state: FSMContext) -> None:
    draft = await DRAFT.load(state)
    table = await _read(bot, draft)
    if not 0 <= callback_data.col < len(table.headers):
        raise InvalidInput(field="column", reason="choice")
    await done_with(callback, table.headers[callback_data.col] or f"#{callback_data.col + 1}")
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("What does the column “{column}” hold?").format(
            column=table.headers[callback_data.col]),
        reply_markup=keyboards.fields_keyboard(Kind(draft.kind or Kind.SPEND),
                                               callback_data.col))


@steps.callback_query(ImportSG.preview, ImportCB.filter(F.action == ImportAction.SET),
                      flags={"perm": UPLOAD})
async def on_set(callback: CallbackQuery, callback_data: ImportCB, bot: Bot,
                 state: FSMContext, session: AsyncSession, business: Business,
                 locale: str) -> None:
    draft = await DRAFT.load(state)
    kind = Kind(draft.kind or Kind.SPEND)
    column = str(callback_data.col)
    if callback_data.value:
        field = Field(callback_data.value)
        if field not in imports.FIELDS[kind]:
            raise InvalidInput(field="column", reason="choice")
        draft.mapping = {k: v for k, v in draft.mapping.items() if v != field.value}
        draft.mapping[column] = field.value
        note = texts.field_label(field)
    else:
        draft.mapping.pop(column, None)
        note = _("(not imported)")
    await done_with(callback, note)
    table = await _read(bot, draft)
    assert isinstance(callback.message, Message)
    await _show(callback.message, session, state, business=business, draft=draft,
                table=table, locale=locale)


@steps.callback_query(ImportSG.preview, ImportCB.filter(F.action == ImportAction.REPORT),
                      flags={"perm": UPLOAD})
async def on_report(callback: CallbackQuery, bot: Bot, state: FSMContext,
                    session: AsyncSession, business: Business) -> None:
    await callback.answer()
    draft = await DRAFT.load(state)
    table = await _read(bot, draft)
    preview = await imports.preview(session, business_id=business.id, table=table,
                                    kind=Kind(draft.kind or Kind.SPEND),
                                    mapping=_mapping(draft))
    data = imports.error_report(preview.errors, headers=texts.report_headers(),
                                reason=texts.reason_text)
    assert isinstance(callback.message, Message)
    stem = draft.filename.rsplit(".", 1)[0] or "import"
    await callback.message.answer_document(
        BufferedInputFile(data, filename=f"{stem}-errors.csv"),
        caption=_("Rows with errors: {count}.").format(count=preview.error_rows))


@steps.callback_query(ImportSG.preview, ImportCB.filter(F.action == ImportAction.APPLY),
                      flags={"perm": UPLOAD})
async def on_apply(callback: CallbackQuery, bot: Bot, state: FSMContext,
                   session: AsyncSession, user: User, business: Business, role: str,
                   locale: str) -> None:
    draft = await DRAFT.load(state)
    kind = Kind(draft.kind or Kind.SPEND)
    await require_write(session, role=role, business_id=business.id,
                        permission=PERMISSIONS[kind])
    table = await _read(bot, draft)
    assert isinstance(callback.message, Message)
    try:
        result = await imports.apply_import(session, business_id=business.id, table=table,
                                            kind=kind, mapping=_mapping(draft),
                                            created_by=user.id)
    except InvalidInput as exc:
        await callback.answer()
        await callback.message.answer(texts.file_error(exc))
        return
    await done_with(callback, _("Imported"))
    await DRAFT.finish(state)
    await callback.message.answer(texts.result_text(result, locale))


@router.callback_query(ImportCB.filter(F.action == ImportAction.CANCEL), flags={"perm": BUSINESS})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await done_with(callback, _("Cancelled"))
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await callback.message.answer(_("Import cancelled: nothing was saved."))
