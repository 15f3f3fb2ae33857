from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import labels
from handlers.owner.onboarding.callbacks import OnbField, OnboardingCB
from handlers.ui import nav_buttons
from services.profile import GOALS, INDUSTRIES, MODELS, TEAM_SIZES
from services.users import LANGUAGES


def language_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code in LANGUAGES:
        b.button(text=labels.LANGUAGE_NAMES[code],
                 callback_data=OnboardingCB(field=OnbField.LANGUAGE, value=code))
    b.adjust(2)
    return b.as_markup()


def _choices(field: OnbField, codes: tuple[str, ...], label, columns: int,  # type: ignore[no-untyped-def]
             *, back: bool = True) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code in codes:
        b.button(text=label(code), callback_data=OnboardingCB(field=field, value=code))
    b.adjust(columns)
    b.row(*nav_buttons(back=back))
    return b.as_markup()


def industry_keyboard() -> InlineKeyboardMarkup:
    return _choices(OnbField.INDUSTRY, INDUSTRIES, labels.industry, 2)


def model_keyboard() -> InlineKeyboardMarkup:
    return _choices(OnbField.MODEL, MODELS, labels.model, 1)


def goal_keyboard() -> InlineKeyboardMarkup:
    return _choices(OnbField.GOAL, GOALS, labels.goal, 2)


def team_keyboard() -> InlineKeyboardMarkup:
    return _choices(OnbField.TEAM, TEAM_SIZES, labels.team_size, 3)
