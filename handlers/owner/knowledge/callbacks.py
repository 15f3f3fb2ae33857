from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class KbAction(StrEnum):
    OPEN = "open"  # the summary and guide
    LIST = "list"  # ``target`` entries/products, ``page``
    ADD = "add"  # ``target``
    KIND = "kind"  # a new Q&A's kind is ``value``
    EDIT = "edit"  # ``target`` ``item``: which field?
    FIELD = "field"  # edit ``value`` of ``target`` ``item``
    DELETE = "del"  # ask to delete ``target`` ``item``
    CONFIRM = "yes"  # delete confirmed
    KEEP = "keep"  # delete declined
    SKIP = "skip"  # an optional wizard step
    IMPORT = "imp"
    APPLY = "go"
    CANCEL = "no"


class Target(StrEnum):
    ENTRY = "e"
    PRODUCT = "p"
    NONE = ""


class KbCB(CallbackData, prefix="kb1"):
    action: KbAction
    target: Target = Target.NONE
    item: int = 0
    page: int = 0
    value: str = ""
