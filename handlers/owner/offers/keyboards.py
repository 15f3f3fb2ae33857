from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.formatting import money
from handlers import labels
from handlers.owner.offers.callbacks import OfferAction, OfferCB
from handlers.ui import MenuCB, MenuItem, nav_buttons, with_home
from services.offers import MAX_BONUSES, GuaranteeType, Lever, OfferField, OfferView

BUTTON_TITLE_LIMIT = 28


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_TITLE_LIMIT else text[: BUTTON_TITLE_LIMIT - 1] + "…"


def _cb(action: OfferAction, offer_id: int = 0, **kwargs: str | int) -> str:
    return OfferCB(action=action, offer_id=offer_id, **kwargs).pack()


def _button(text: str, action: OfferAction, offer_id: int = 0,
            **kwargs: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=_cb(action, offer_id, **kwargs))


def back_to_offer(offer_id: int) -> InlineKeyboardButton:
    return _button(_("⬅️ Back to the offer"), OfferAction.OPEN, offer_id)


def offers_keyboard(items: list[OfferView], *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for number, offer in enumerate(items, 1):
        b.row(_button(f"📦 {number}. {_short(offer.name)}", OfferAction.OPEN, offer.id))
    if can_edit:
        b.row(_button(_("➕ New offer"), OfferAction.NEW))
    b.row(InlineKeyboardButton(text=_("🧲 Lead magnets (HVCO)"),
                               callback_data=MenuCB(item=MenuItem.HVCO).pack()))
    return with_home(b)


def offer_keyboard(offer_id: int, *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.row(_button(_("⚖️ Value equation"), OfferAction.EQUATION, offer_id),
          _button(_("🎁 Value stack"), OfferAction.STACK, offer_id))
    if can_edit:
        b.row(_button(_("🛡 Guarantee"), OfferAction.GUARANTEE, offer_id),
              _button(_("🧮 Pricing"), OfferAction.PRICING, offer_id))
    b.row(_button(_("🤝 Godfather offer"), OfferAction.GODFATHER, offer_id),
          _button(_("📄 PDF one-pager"), OfferAction.PDF, offer_id))
    if can_edit:
        b.row(_button(_("✏️ Edit"), OfferAction.EDIT, offer_id),
              _button(_("🗑 Delete"), OfferAction.DELETE, offer_id))
    b.row(_button(_("📦 All offers"), OfferAction.LIST))
    return b.as_markup()


def edit_keyboard(offer_id: int) -> InlineKeyboardMarkup:
    """The field picker: which basic of the offer to change."""
    b = InlineKeyboardBuilder()
    for field in OfferField:
        b.button(text=field_button(field),
                 callback_data=OfferCB(action=OfferAction.EDIT_FIELD, offer_id=offer_id,
                                       lever=field.value))
    b.adjust(2)
    b.row(back_to_offer(offer_id))
    return b.as_markup()


def field_button(field: OfferField) -> str:
    return {
        OfferField.NAME: _("🏷 Name"),
        OfferField.CORE_PRODUCT: _("📦 Core product"),
        OfferField.DREAM_OUTCOME: _("🌟 Dream outcome"),
        OfferField.PRICE: _("💰 Price"),
    }[field]


def lever_keyboard(offer_id: int, lever: Lever, current: int | None) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for value in range(1, 11):
        b.button(text=f"[{value}]" if value == current else str(value),
                 callback_data=OfferCB(action=OfferAction.LEVER, offer_id=offer_id,
                                       lever=lever.value, value=value))
    b.adjust(5)
    return b.as_markup()


def stack_keyboard(offer: OfferView, *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        if len(offer.bonuses) < MAX_BONUSES:
            b.row(_button(_("➕ Add a bonus"), OfferAction.ADD_BONUS, offer.id))
        numbers = range(1, len(offer.bonuses) + 1)
        edits = [_button(_("✏️ Bonus {number}").format(number=i), OfferAction.EDIT_BONUS,
                         offer.id, value=i - 1) for i in numbers]
        drops = [_button(_("🗑 Bonus {number}").format(number=i), OfferAction.DROP_BONUS,
                         offer.id, value=i - 1) for i in numbers]
        if edits:
            b.row(*edits)
            b.row(*drops)
        b.row(_button(_("⏰ Deadline"), OfferAction.DEADLINE, offer.id),
              _button(_("🔢 Quantity"), OfferAction.SCARCITY, offer.id),
              _button(_("🛡 Guarantee"), OfferAction.GUARANTEE, offer.id))
    b.row(back_to_offer(offer.id))
    return b.as_markup()


def suggestion_keyboard(offer_id: int, amount: int, locale: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.row(_button(_("💡 {amount}").format(amount=money(amount, locale)), OfferAction.SUGGESTED,
                  offer_id))
    b.row(*nav_buttons())
    return b.as_markup()


def clearable_keyboard(offer_id: int, *, has_value: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if has_value:
        b.row(_button(_("🧹 Remove it"), OfferAction.CLEAR, offer_id))
    b.row(*nav_buttons(back=False))
    return b.as_markup()


def guarantee_keyboard(offer_id: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for kind in GuaranteeType:
        b.button(text=labels.guarantee_type(kind.value),
                 callback_data=OfferCB(action=OfferAction.PICK_GUARANTEE, offer_id=offer_id,
                                       lever=kind.value))
    b.button(text=_("✍️ Write my own"),
             callback_data=OfferCB(action=OfferAction.OWN_GUARANTEE, offer_id=offer_id))
    b.adjust(2)
    b.row(back_to_offer(offer_id))
    return b.as_markup()


def pricing_keyboard(offer_id: int, suggestion: int, locale: str, *,
                     differs: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if differs:
        b.row(_button(_("✅ Use {price}").format(price=money(suggestion, locale)),
                      OfferAction.USE_VALUE_PRICE, offer_id))
    b.row(_button(_("🧮 Recalculate"), OfferAction.PRICING, offer_id))
    b.row(back_to_offer(offer_id))
    return b.as_markup()


def delete_keyboard(offer_id: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🗑 Yes, delete"), callback_data=OfferCB(action=OfferAction.CONFIRM_DELETE,
                                                          offer_id=offer_id))
    b.button(text=_("↩️ No, keep it"), callback_data=OfferCB(action=OfferAction.KEEP,
                                                           offer_id=offer_id))
    b.adjust(2)
    return b.as_markup()


def only_back(offer_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[back_to_offer(offer_id)]])
