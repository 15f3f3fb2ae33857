from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.formatting import channel_name
from handlers import labels
from handlers.owner.entry.callbacks import (
    Area,
    ChannelAction,
    ChannelCB,
    LeadAction,
    LeadCB,
    OrderAction,
    OrderCB,
    PickCB,
    SpendAction,
    SpendCB,
)
from handlers.owner.entry.texts import KIND_ICONS, channel_title
from handlers.ui import nav_buttons, with_home
from services import marketing, sales
from services.marketing import ChannelView, SpendView
from services.sales import LeadView, OrderView

TITLE_LIMIT = 24


def _short(text: str) -> str:
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…"


def channels_keyboard(channels: list[ChannelView], *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        for number, channel in enumerate(channels, 1):
            row = [InlineKeyboardButton(
                text=f"✏️ {number}. {_short(channel_name(channel.name))}",
                callback_data=ChannelCB(action=ChannelAction.RENAME,
                                        channel_id=channel.id).pack())]
            toggle = ChannelAction.OFF if channel.is_active else ChannelAction.ON
            row.append(InlineKeyboardButton(
                text=f"⏸ {number}" if channel.is_active else f"▶️ {number}",
                callback_data=ChannelCB(action=toggle, channel_id=channel.id).pack()))
            b.row(*row)
        b.row(InlineKeyboardButton(text=_("➕ Add a channel"),
                                   callback_data=ChannelCB(action=ChannelAction.ADD).pack()))
    return with_home(b)


def kinds_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for kind in marketing.KINDS:
        b.button(text=f"{KIND_ICONS[kind]} {labels.channel_kind(kind)}",
                 callback_data=ChannelCB(action=ChannelAction.KIND, value=kind))
    b.adjust(2)
    b.row(*nav_buttons(back=False))
    return b.as_markup()


def pick_channel_keyboard(area: Area, channels: list[ChannelView], *, skip: bool
                          ) -> InlineKeyboardMarkup:
    """The business's channels, then the kinds it has none of yet (created when chosen)."""
    b = InlineKeyboardBuilder()
    have = {c.kind for c in channels}
    for channel in channels:
        b.button(text=_short(channel_title(channel.kind, channel.name)),
                 callback_data=PickCB(area=area, value=f"c{channel.id}"))
    for kind in marketing.KINDS:
        if kind not in have:
            b.button(text=f"{KIND_ICONS[kind]} {labels.channel_kind(kind)}",
                     callback_data=PickCB(area=area, value=f"k{kind}"))
    b.adjust(2)
    b.row(*nav_buttons(back=area != Area.SPEND, skip=skip))
    return b.as_markup()


def day_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("Today"), callback_data=PickCB(area=Area.DAY, value="0"))
    b.button(text=_("Yesterday"), callback_data=PickCB(area=Area.DAY, value="1"))
    b.adjust(2)
    b.row(*nav_buttons(back=False))
    return b.as_markup()


def spend_keyboard(entries: list[SpendView], *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        for number, entry in enumerate(entries, 1):
            b.row(
                InlineKeyboardButton(text=f"✏️ {number}", callback_data=SpendCB(
                    action=SpendAction.EDIT, entry_id=entry.id).pack()),
                InlineKeyboardButton(text=f"🗑 {number}", callback_data=SpendCB(
                    action=SpendAction.DELETE, entry_id=entry.id).pack()))
        b.row(InlineKeyboardButton(text=_("➕ Add spend"),
                                   callback_data=SpendCB(action=SpendAction.ADD).pack()))
    return with_home(b)


def confirm_keyboard(yes: str, no: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🗑 Yes, delete"), callback_data=yes)
    b.button(text=_("↩️ No, keep it"), callback_data=no)
    b.adjust(2)
    return b.as_markup()


def leads_keyboard(leads: list[LeadView], *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for number, lead in enumerate(leads, 1):
        b.button(text=f"{number}. {_short(lead.name)}",
                 callback_data=LeadCB(action=LeadAction.VIEW, lead_id=lead.id))
    b.adjust(2)
    if can_edit:
        b.row(InlineKeyboardButton(text=_("➕ Add a lead"),
                                   callback_data=LeadCB(action=LeadAction.ADD).pack()))
    return with_home(b)


def lead_keyboard(lead: LeadView, *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        for action, text in ((LeadAction.STAGES, _("🪜 Stage")),
                             (LeadAction.STATUSES, _("🏷 Status")),
                             (LeadAction.SCORE, _("💯 Score")),
                             (LeadAction.DELETE, _("🗑 Delete"))):
            b.button(text=text, callback_data=LeadCB(action=action, lead_id=lead.id))
        b.adjust(2)
    b.row(InlineKeyboardButton(text=_("📋 All leads"),
                               callback_data=LeadCB(action=LeadAction.LIST).pack()))
    return b.as_markup()


def stages_keyboard(lead: LeadView) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for stage in sales.STAGES:
        mark = "✓ " if stage == lead.stage else ""
        b.button(text=mark + labels.lead_stage(stage),
                 callback_data=LeadCB(action=LeadAction.STAGE, lead_id=lead.id, value=stage))
    b.adjust(2)
    return b.as_markup()


def statuses_keyboard(lead: LeadView) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for status in sales.STATUSES:
        mark = "✓ " if status == lead.status else ""
        b.button(text=mark + labels.lead_status(status),
                 callback_data=LeadCB(action=LeadAction.STATUS, lead_id=lead.id, value=status))
    b.adjust(3)
    return b.as_markup()


def orders_keyboard(orders: list[OrderView], *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for number, order in enumerate(orders, 1):
        b.button(text=f"🧾 {number}",
                 callback_data=OrderCB(action=OrderAction.VIEW, order_id=order.id))
    b.adjust(5)
    if can_edit:
        b.row(InlineKeyboardButton(text=_("➕ Add an order"),
                                   callback_data=OrderCB(action=OrderAction.ADD).pack()))
    return with_home(b)


def order_keyboard(order: OrderView, *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        b.button(text=_("✏️ Total"),
                 callback_data=OrderCB(action=OrderAction.EDIT, order_id=order.id))
        statuses = [("cancelled", _("✖️ Cancel order")), ("refunded", _("↩️ Refund"))]
        if order.status != "paid":
            statuses = [("paid", _("✅ Mark paid"))]
        for status, text in statuses:
            b.button(text=text, callback_data=OrderCB(action=OrderAction.STATUS,
                                                      order_id=order.id, value=status))
        b.button(text=_("🗑 Delete"),
                 callback_data=OrderCB(action=OrderAction.DELETE, order_id=order.id))
        b.adjust(2)
    b.row(InlineKeyboardButton(text=_("📋 All orders"),
                               callback_data=OrderCB(action=OrderAction.LIST).pack()))
    return b.as_markup()
