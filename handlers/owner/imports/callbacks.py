from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ImportAction(StrEnum):
    KIND = "kind"  # ``value`` is a kind, or "auto"
    COLUMNS = "cols"  # the list of columns to remap
    COLUMN = "col"  # one column: the fields it can be
    SET = "set"  # ``col`` becomes ``value`` (a field, or "" to skip it)
    APPLY = "go"
    REPORT = "rep"
    CANCEL = "no"


class ImportCB(CallbackData, prefix="im1"):
    action: ImportAction
    col: int = -1
    value: str = ""


class EntryAction(StrEnum):
    SAVE = "save"
    EDIT = "edit"
    CANCEL = "no"


class EntryCB(CallbackData, prefix="tx1"):
    """The buttons under a proposed free-text entry."""

    action: EntryAction
