from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.imports.callbacks import EntryAction, EntryCB, ImportAction, ImportCB
from handlers.owner.imports.texts import field_label, kind_label
from services.imports import FIELDS, Field, Kind, Preview

HEADER_LIMIT = 20


def _short(text: str) -> str:
    return text if len(text) <= HEADER_LIMIT else text[: HEADER_LIMIT - 1] + "…"


def kinds_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for kind in Kind:
        b.button(text=kind_label(kind), callback_data=ImportCB(action=ImportAction.KIND,
                                                               value=kind.value))
    b.adjust(2)
    b.row(InlineKeyboardButton(text=_("✖️ Cancel"),
                               callback_data=ImportCB(action=ImportAction.CANCEL).pack()))
    return b.as_markup()


def preview_keyboard(p: Preview, *, report: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if p.valid and p.blocked is None and not p.missing:
        b.row(InlineKeyboardButton(
            text=_("✅ Import {count} rows").format(count=p.valid),
            callback_data=ImportCB(action=ImportAction.APPLY).pack()))
    b.row(InlineKeyboardButton(text=_("🔀 Change columns"),
                               callback_data=ImportCB(action=ImportAction.COLUMNS).pack()))
    b.row(*[InlineKeyboardButton(
        text=("• " if kind is p.kind else "") + kind_label(kind),
        callback_data=ImportCB(action=ImportAction.KIND, value=kind.value).pack())
        for kind in Kind])
    if report:
        b.row(InlineKeyboardButton(text=_("📄 Error report"),
                                   callback_data=ImportCB(action=ImportAction.REPORT).pack()))
    b.row(InlineKeyboardButton(text=_("✖️ Cancel"),
                               callback_data=ImportCB(action=ImportAction.CANCEL).pack()))
    return b.as_markup()


def columns_keyboard(headers: tuple[str, ...], mapping: dict[int, Field]
                     ) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for index, header in enumerate(headers):
        field = mapping.get(index)
        target = field_label(field) if field else "—"
        b.button(text=f"{_short(header or '#' + str(index + 1))} → {target}",
                 callback_data=ImportCB(action=ImportAction.COLUMN, col=index))
    b.adjust(1)
    return b.as_markup()


def fields_keyboard(kind: Kind, column: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for field in FIELDS[kind]:
        b.button(text=field_label(field), callback_data=ImportCB(
            action=ImportAction.SET, col=column, value=field.value))
    b.button(text=_("🚫 Don't import this column"),
             callback_data=ImportCB(action=ImportAction.SET, col=column, value=""))
    b.adjust(2)
    return b.as_markup()


def proposal_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("✅ Save"), callback_data=EntryCB(action=EntryAction.SAVE))
    b.button(text=_("✏️ Edit"), callback_data=EntryCB(action=EntryAction.EDIT))
    b.button(text=_("✖️ Cancel"), callback_data=EntryCB(action=EntryAction.CANCEL))
    b.adjust(3)
    return b.as_markup()


