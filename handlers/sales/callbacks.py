from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class SalesAction(StrEnum):
    PRODUCTS = "p"
    PRICES = "pr"
    FAQ = "f"
    ORDER = "o"
    OPERATOR = "op"
    PICK = "pk"  # order product number ``index`` of the list shown


class SalesCB(CallbackData, prefix="sc1"):
    """A customer's button; the conversation comes from the chat, never from here."""

    action: SalesAction
    index: int = 0
