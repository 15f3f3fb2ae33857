from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class PlanAction(StrEnum):
    CHOOSE = "choose"  # show the plans that can be bought
    PLAN = "plan"  # ``plan`` (and ``addons``) chosen: ask the cycle
    CYCLE = "cycle"  # ``cycle`` chosen: ask for a coupon
    NO_COUPON = "nocoupon"
    TELEGRAM = "tg"  # pay invoice ``invoice`` with a Telegram invoice
    CANCEL = "cancel"


class PlanCB(CallbackData, prefix="pl1"):
    action: PlanAction
    plan: str = ""
    cycle: str = ""
    addons: int = 0
    invoice: int = 0
