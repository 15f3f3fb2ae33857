from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class OfferAction(StrEnum):
    LIST = "list"
    NEW = "new"
    OPEN = "open"
    EQUATION = "eq"
    LEVER = "lev"  # set ``lever`` to ``value``
    STACK = "stack"
    ADD_BONUS = "bonus"
    SUGGESTED = "sugg"  # use the suggested bonus value
    DROP_BONUS = "dropb"  # ``value`` is the bonus index
    DEADLINE = "dl"
    SCARCITY = "qty"
    CLEAR = "clear"  # remove the deadline or quantity being asked for
    GUARANTEE = "guar"
    PICK_GUARANTEE = "pickg"  # ``lever`` is the guarantee type
    OWN_GUARANTEE = "owng"
    PRICING = "price"
    USE_VALUE_PRICE = "usevp"
    CHANGE_PRICE = "chpr"  # old cards: the same as EDIT_FIELD with the price
    EDIT = "edit"  # the field picker
    EDIT_FIELD = "edf"  # ``lever`` is the ``OfferField``
    EDIT_BONUS = "edb"  # ``value`` is the bonus index
    GODFATHER = "gf"
    PDF = "pdf"
    DELETE = "del"
    CONFIRM_DELETE = "yes"
    KEEP = "keep"


class OfferCB(CallbackData, prefix="of1"):
    action: OfferAction
    offer_id: int = 0
    lever: str = ""
    value: int = 0
