from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class HvcoAction(StrEnum):
    NEW = "new"
    TYPE = "type"  # ``value`` is the HvcoType
    IDEA = "idea"  # ``value`` is the TopicIdea
    LIST = "list"
    OPEN = "open"  # show lead magnet ``hvco_id``
    EDIT = "edit"  # ``value``: title / outline / post / deliverable
    POST = "post"  # send the full announcement post
    STATUS = "st"  # ``value`` is the new HvcoStatus
    DELETE = "del"
    CONFIRM = "yes"
    KEEP = "keep"


class HvcoCB(CallbackData, prefix="hv1"):
    action: HvcoAction
    hvco_id: int = 0
    value: str = ""
