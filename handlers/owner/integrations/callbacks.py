from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class IntegrationAction(StrEnum):
    CONNECT = "con"
    SYNC = "sync"
    DISCONNECT = "dis"  # ask
    CONFIRM = "yes"  # disconnect confirmed
    KEEP = "keep"
    LIST = "list"
    LOG = "log"  # the latest sync runs
    RATE = "fx"  # set the so'm rate of a foreign-currency ad account


class IntegrationCB(CallbackData, prefix="int1"):
    action: IntegrationAction
    kind: str = ""  # checked against services.integrations.Kind on every press
