from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import labels
from handlers.owner.amocrm.callbacks import AmoAction, AmoCB
from handlers.owner.amocrm.texts import field_label, target_label
from handlers.ui import home_button
from services.amocrm.accounts import PipelineRow, StatusRow
from services.sales import STAGES


def _back() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("⬅️ AmoCRM"),
                                callback_data=AmoCB(action=AmoAction.HOME).pack())


def connect_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🔗 Connect AmoCRM"), callback_data=AmoCB(action=AmoAction.CONNECT))
    b.row(home_button())
    return b.as_markup()


def pending_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🔗 Connect again"), callback_data=AmoCB(action=AmoAction.CONNECT))
    b.button(text=_("🔌 Disconnect"), callback_data=AmoCB(action=AmoAction.DISCONNECT))
    b.adjust(2)
    return b.as_markup()


def auth_keyboard(link: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("🔓 Allow access in AmoCRM"), url=link)], [_back()]])


def status_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🎯 Stages"), callback_data=AmoCB(action=AmoAction.STAGES))
    b.button(text=_("🧩 Fields"), callback_data=AmoCB(action=AmoAction.FIELDS))
    b.button(text=_("🔄 Sync now"), callback_data=AmoCB(action=AmoAction.SYNC))
    b.button(text=_("📜 Log"), callback_data=AmoCB(action=AmoAction.LOG))
    b.button(text=_("🔌 Disconnect"), callback_data=AmoCB(action=AmoAction.DISCONNECT))
    b.adjust(2, 2, 1)
    b.row(home_button())
    return b.as_markup()


def stages_keyboard(rows: list[StatusRow], pipeline: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🛤 Pipeline: {name}").format(name=pipeline[:40]),
             callback_data=AmoCB(action=AmoAction.PIPELINES))
    for row in rows:
        text = f"{row.name} → {target_label(row.target)}"
        if row.target in ("won", "lost") and row.id in (142, 143):
            b.button(text="🔒 " + text, callback_data=AmoCB(action=AmoAction.STAGES))
        else:
            b.button(text=text, callback_data=AmoCB(action=AmoAction.STAGE, value=str(row.id)))
    b.adjust(1)
    b.row(_back())
    return b.as_markup()


def stage_choice_keyboard(status_id: int, current: str | None) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for stage in STAGES:
        mark = "✓ " if stage == current else ""
        b.button(text=mark + labels.lead_stage(stage),
                 callback_data=AmoCB(action=AmoAction.SET_STAGE, value=f"{status_id}.{stage}"))
    b.adjust(2)
    b.row(InlineKeyboardButton(text=_("⬅️ Stages"),
                               callback_data=AmoCB(action=AmoAction.STAGES).pack()))
    return b.as_markup()


def fields_keyboard(current: dict[str, int | None], choices: list[dict[str, Any]]
                    ) -> InlineKeyboardMarkup:
    names = {int(c["id"]): str(c["name"]) for c in choices}
    b = InlineKeyboardBuilder()
    for name, field_id in current.items():
        target = names.get(field_id, _("not sent")) if field_id else _("not sent")
        b.button(text=f"{field_label(name)} → {target}",
                 callback_data=AmoCB(action=AmoAction.FIELD, value=name))
    b.adjust(1)
    b.row(_back())
    return b.as_markup()


def field_choice_keyboard(name: str, current: int | None, choices: list[dict[str, Any]]
                          ) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for choice in choices:
        mark = "✓ " if choice["id"] == current else ""
        b.button(text=mark + str(choice["name"])[:40],
                 callback_data=AmoCB(action=AmoAction.SET_FIELD,
                                     value=f"{name}.{choice['id']}"))
    b.button(text=("✓ " if current is None else "") + _("Don't send"),
             callback_data=AmoCB(action=AmoAction.SET_FIELD, value=f"{name}.0"))
    b.adjust(1)
    b.row(InlineKeyboardButton(text=_("⬅️ Fields"),
                               callback_data=AmoCB(action=AmoAction.FIELDS).pack()))
    return b.as_markup()


def back_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_back()]])


def disconnect_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🔌 Yes, disconnect"), callback_data=AmoCB(action=AmoAction.DISCONNECT_YES))
    b.button(text=_("✖️ Keep it"), callback_data=AmoCB(action=AmoAction.HOME))
    b.adjust(2)
    return b.as_markup()


def pipelines_keyboard(rows: list[PipelineRow]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for row in rows:
        b.button(text=("✓ " if row.current else "") + row.name[:50],
                 callback_data=AmoCB(action=AmoAction.SET_PIPELINE, value=str(row.id)))
    b.adjust(1)
    b.row(InlineKeyboardButton(text=_("⬅️ Stages"),
                               callback_data=AmoCB(action=AmoAction.STAGES).pack()))
    return b.as_markup()
