from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import labels
from handlers.owner.canvas.callbacks import CanvasAction, CanvasCB
from handlers.ui import with_home
from services.canvas import SQUARES


def square_button_text(number: int) -> str:
    return f"{number}. {labels.canvas_square(SQUARES[number - 1])}"


def canvas_keyboard(*, can_edit: bool) -> InlineKeyboardMarkup:
    """One button per square, a row per phase (before / during / after)."""
    b = InlineKeyboardBuilder()
    if can_edit:
        for number in range(1, len(SQUARES) + 1):
            b.button(text=square_button_text(number),
                     callback_data=CanvasCB(action=CanvasAction.EDIT, number=number))
        b.adjust(3)
    return with_home(b)


def saved_keyboard(number: int) -> InlineKeyboardMarkup:
    """After a square is saved: the next square, the whole canvas, or done."""
    b = InlineKeyboardBuilder()
    if number < len(SQUARES):
        b.button(text=_("➡️ Next: {square}").format(square=square_button_text(number + 1)),
                 callback_data=CanvasCB(action=CanvasAction.EDIT, number=number + 1))
    b.button(text=_("🧩 Show canvas"), callback_data=CanvasCB(action=CanvasAction.SHOW))
    b.button(text=_("✔️ Done"), callback_data=CanvasCB(action=CanvasAction.DONE))
    b.adjust(*((1, 2) if number < len(SQUARES) else (2,)))
    return b.as_markup()
