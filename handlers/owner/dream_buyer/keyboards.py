from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.owner.dream_buyer.callbacks import DreamAction, DreamBuyerCB
from handlers.owner.dream_buyer.texts import field_label, pick_label
from handlers.ui import nav_buttons, with_home
from services.dream_buyer import EDITABLE, AvatarView

BUTTON_NAME_LIMIT = 24
# Quick picks where they help; single-choice ones answer the question at once, the others
# toggle and add up (plus anything typed).
PICKS: dict[str, tuple[str, ...]] = {
    "age_range": ("18-24", "25-34", "35-44", "45-54", "55+"),
    "gender": ("women", "men", "both"),
    "location": ("tashkent", "regions", "all_uz"),
    "where_online": ("instagram", "telegram", "youtube", "tiktok", "facebook"),
    "where_offline": ("cafes", "gyms", "bazaars", "malls", "events", "work"),
    "information_sources": ("google", "youtube", "tg_channels", "friends", "experts", "blogs"),
    "preferred_channel": ("telegram", "whatsapp", "phone", "email", "sms"),
}
SINGLE_PICK = frozenset({"age_range", "gender", "location"})


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_NAME_LIMIT else text[: BUTTON_NAME_LIMIT - 1] + "…"


def _cb(action: DreamAction, avatar_id: int = 0, value: str = "") -> str:
    return DreamBuyerCB(action=action, avatar_id=avatar_id, value=value).pack()


def list_keyboard(avatars: list[AvatarView], *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for avatar in avatars:
        b.row(InlineKeyboardButton(text=f"👤 {_short(avatar.name)} · {avatar.completeness}%",
                                   callback_data=_cb(DreamAction.OPEN, avatar.id)))
    if can_edit:
        b.row(InlineKeyboardButton(text=_("➕ New avatar"), callback_data=_cb(DreamAction.NEW)))
    return with_home(b)


def question_keyboard(step: str, picks: list[str], *, editing: bool) -> InlineKeyboardMarkup:
    """Quick picks (chosen ones ticked), ✅ Next once something is picked, and navigation."""
    b = InlineKeyboardBuilder()
    options = PICKS.get(step, ())
    for code in options:
        mark = "✓ " if code in picks else ""
        b.button(text=mark + pick_label(code), callback_data=DreamBuyerCB(
            action=DreamAction.PICK, value=code))
    b.adjust(3)
    if picks and step not in SINGLE_PICK:
        b.row(InlineKeyboardButton(text=_("✅ Next"), callback_data=_cb(DreamAction.NEXT)))
    first = step == "name"
    b.row(*nav_buttons(back=not first and not editing, skip=not first and not editing))
    return b.as_markup()


def card_keyboard(avatar: AvatarView, *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if avatar.generated or can_edit:
        b.row(InlineKeyboardButton(text=_("✨ Persona, ideas and ad hooks"),
                                   callback_data=_cb(DreamAction.IDEAS, avatar.id)))
    if can_edit:
        if avatar.completeness < 100:
            b.row(InlineKeyboardButton(text=_("▶️ Answer the open questions"),
                                       callback_data=_cb(DreamAction.CONTINUE, avatar.id)))
        b.row(InlineKeyboardButton(text=_("✏️ Edit an answer"),
                                   callback_data=_cb(DreamAction.EDIT, avatar.id)),
              InlineKeyboardButton(text=_("🗑 Delete"),
                                   callback_data=_cb(DreamAction.DELETE, avatar.id)))
    b.row(InlineKeyboardButton(text=_("⬅️ All avatars"), callback_data=_cb(DreamAction.LIST)))
    return with_home(b)


def fields_keyboard(avatar_id: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code in EDITABLE:
        b.button(text=field_label(code), callback_data=DreamBuyerCB(
            action=DreamAction.FIELD, avatar_id=avatar_id, value=code))
    b.adjust(2)
    b.row(InlineKeyboardButton(text=_("⬅️ Back to the avatar"),
                               callback_data=_cb(DreamAction.OPEN, avatar_id)))
    return b.as_markup()


def generated_keyboard(avatar_id: int, *, can_edit: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if can_edit:
        b.row(InlineKeyboardButton(text=_("🔄 Regenerate"),
                                   callback_data=_cb(DreamAction.REGENERATE, avatar_id)))
    b.row(InlineKeyboardButton(text=_("⬅️ Back to the avatar"),
                               callback_data=_cb(DreamAction.OPEN, avatar_id)))
    return b.as_markup()


def delete_keyboard(avatar_id: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=_("🗑 Yes, delete"), callback_data=DreamBuyerCB(action=DreamAction.CONFIRM,
                                                                avatar_id=avatar_id))
    b.button(text=_("↩️ No, keep it"), callback_data=DreamBuyerCB(action=DreamAction.KEEP,
                                                                 avatar_id=avatar_id))
    b.adjust(2)
    return b.as_markup()
