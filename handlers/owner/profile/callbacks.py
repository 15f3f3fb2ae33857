from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ProfileAction(StrEnum):
    EDIT = "edit"  # open the field picker
    FIELD = "field"  # edit one field (``field``)
    CHOICE = "choice"  # set a choice field (``field``) to ``value``


class ProfileCB(CallbackData, prefix="pf1"):
    action: ProfileAction
    field: str = ""
    value: str = ""
