from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class SettingsAction(StrEnum):
    HOME = "home"  # the settings overview
    LANGUAGE = "lang"  # choose a language
    SET_LANGUAGE = "setlang"  # ``value`` = language code
    TIMEZONE = "tz"  # choose or type a time zone
    SET_TIMEZONE = "settz"  # ``value`` = IANA name


class SettingsCB(CallbackData, prefix="st1"):
    """``value`` is validated by the services (language list, IANA zone database)."""

    action: SettingsAction
    value: str = ""
