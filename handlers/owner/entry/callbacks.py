from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ChannelAction(StrEnum):
    ADD = "add"
    KIND = "kind"  # ``value`` is the kind
    RENAME = "ren"
    OFF = "off"
    ON = "on"


class ChannelCB(CallbackData, prefix="ch1"):
    action: ChannelAction
    channel_id: int = 0
    value: str = ""


class Area(StrEnum):
    SPEND = "sp"
    LEAD = "ld"
    ORDER = "or"
    DAY = "dy"  # the spend form's day buttons


class PickCB(CallbackData, prefix="dp1"):
    """A choice inside a data-entry form: ``c<id>`` an existing channel, ``k<kind>`` a channel
    kind (created on first use), or a day offset for ``Area.DAY``."""

    area: Area
    value: str


class SpendAction(StrEnum):
    ADD = "add"
    EDIT = "edit"
    DELETE = "del"
    CONFIRM = "yes"
    KEEP = "keep"


class SpendCB(CallbackData, prefix="sp1"):
    action: SpendAction
    entry_id: int = 0


class LeadAction(StrEnum):
    ADD = "add"
    LIST = "list"
    VIEW = "view"
    STAGES = "stages"
    STAGE = "stage"  # ``value`` is the stage
    STATUSES = "statuses"
    STATUS = "status"  # ``value`` is the status
    SCORE = "score"
    DELETE = "del"
    CONFIRM = "yes"
    KEEP = "keep"


class LeadCB(CallbackData, prefix="ld1"):
    action: LeadAction
    lead_id: int = 0
    value: str = ""


class OrderAction(StrEnum):
    ADD = "add"
    LIST = "list"
    VIEW = "view"
    EDIT = "edit"
    STATUS = "status"  # ``value`` is paid/cancelled/refunded
    DELETE = "del"
    CONFIRM = "yes"
    KEEP = "keep"


class OrderCB(CallbackData, prefix="or1"):
    action: OrderAction
    order_id: int = 0
    value: str = ""
