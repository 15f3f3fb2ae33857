from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class DreamAction(StrEnum):
    LIST = "list"
    NEW = "new"
    OPEN = "open"  # the card of ``avatar_id``
    CONTINUE = "cont"  # answer the questions still open
    EDIT = "edit"  # the list of fields to change
    FIELD = "field"  # change field ``value``
    PICK = "pick"  # quick-pick ``value`` on the current question
    NEXT = "next"  # done picking: next question
    IDEAS = "ideas"  # persona, content ideas and ad hooks (stored, or generated)
    REGENERATE = "regen"
    DELETE = "del"
    CONFIRM = "yes"
    KEEP = "keep"


class DreamBuyerCB(CallbackData, prefix="db1"):
    action: DreamAction
    avatar_id: int = 0
    value: str = ""
