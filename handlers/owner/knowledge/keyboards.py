from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.knowledge.callbacks import KbAction, KbCB, Target
from handlers.owner.knowledge.texts import kind_label
from handlers.ui import with_home
from services.salesbot.knowledge import EntryKind

ENTRY_FIELDS = ("question", "answer", "kind")
PRODUCT_FIELDS = ("name", "price", "description", "photo")


def _button(text: str, data: KbCB) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def summary_keyboard(*, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.row(_button(_("📋 Questions and answers"),
                  KbCB(action=KbAction.LIST, target=Target.ENTRY)),
          _button(_("🛍 Products"), KbCB(action=KbAction.LIST, target=Target.PRODUCT)))
    if can_edit:
        b.row(_button(_("➕ Add Q&A"), KbCB(action=KbAction.ADD, target=Target.ENTRY)),
              _button(_("➕ Add a product"),
                      KbCB(action=KbAction.ADD, target=Target.PRODUCT)))
        b.row(_button(_("📥 Import a file"), KbCB(action=KbAction.IMPORT)))
    return with_home(b)


def list_keyboard(target: Target, ids: list[int], *, first: int, page: int, pages: int,
                  can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        for number, item in enumerate(ids, first):
            b.row(_button(f"✏️ {number}",
                          KbCB(action=KbAction.EDIT, target=target, item=item)),
                  _button(f"🗑 {number}",
                          KbCB(action=KbAction.DELETE, target=target, item=item)))
    nav = []
    if page > 0:
        nav.append(_button("⬅️", KbCB(action=KbAction.LIST, target=target, page=page - 1)))
    if page + 1 < pages:
        nav.append(_button("➡️", KbCB(action=KbAction.LIST, target=target, page=page + 1)))
    if nav:
        b.row(*nav)
    if can_edit:
        b.row(_button(_("➕ Add Q&A") if target is Target.ENTRY else _("➕ Add a product"),
                      KbCB(action=KbAction.ADD, target=target)))
    b.row(_button(_("📚 Knowledge base"), KbCB(action=KbAction.OPEN)))
    return b.as_markup()


def kinds_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for kind in EntryKind:
        b.button(text=kind_label(kind), callback_data=KbCB(action=KbAction.KIND,
                                                           value=kind.value))
    b.adjust(3)
    b.row(cancel_button())
    return b.as_markup()


def cancel_button() -> InlineKeyboardButton:
    return _button(_("✖️ Cancel"), KbCB(action=KbAction.CANCEL))


def step_keyboard(*, skip: bool = False) -> InlineKeyboardMarkup:
    row = [_button(_("⏭ Skip"), KbCB(action=KbAction.SKIP))] if skip else []
    return InlineKeyboardMarkup(inline_keyboard=[[*row, cancel_button()]])


def fields_keyboard(target: Target, item: int, labels: dict[str, str]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for field, label in labels.items():
        b.button(text=label, callback_data=KbCB(action=KbAction.FIELD, target=target,
                                                item=item, value=field))
    b.adjust(2)
    b.row(cancel_button())
    return b.as_markup()


def delete_keyboard(target: Target, item: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🗑 Yes, delete"), callback_data=KbCB(action=KbAction.CONFIRM,
                                                         target=target, item=item))
    b.button(text=_("↩️ No, keep it"), callback_data=KbCB(action=KbAction.KEEP))
    b.adjust(2)
    return b.as_markup()


def preview_keyboard(*, can_apply: bool, count: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_apply:
        b.row(_button(_("✅ Import {count} rows").format(count=count),
                      KbCB(action=KbAction.APPLY)))
    b.row(cancel_button())
    return b.as_markup()
