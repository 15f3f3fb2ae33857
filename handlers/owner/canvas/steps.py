"""The marketing canvas: sent as one rendered image; each square edited as text.

The square being edited lives in FSM data (persisted), so an edit started before a restart
still lands in the right square.
"""

from __future__ import annotations

import asyncio

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import progress_bar
from bot.middlewares.permissions import BUSINESS
from handlers import labels
from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from handlers.owner.canvas import keyboards
from handlers.owner.canvas.callbacks import CanvasAction, CanvasCB
from handlers.owner.canvas.states import CanvasSG
from handlers.owner.menu import send_main_menu
from handlers.ui import MenuCB, MenuItem, NavAction, NavCB, h, nav_keyboard
from services import canvas
from services.charts.canvas import CanvasCell, render_canvas
from services.db.models import Business, User
from services.errors import InvalidInput
from services.teams import Permission, has_permission

router = Router(name="canvas")
DRAFT_KEY = "canvas"
NOT_COMMAND = ~F.text.startswith("/")
EDIT = Permission.MANAGE_PROFILE


class CanvasDraft(BaseModel):
    """Typed wizard state, stored in FSM data."""

    square: str | None = None


DRAFT = DraftSlot(DRAFT_KEY, CanvasDraft)


def canvas_caption(business: Business, filled: int, *, can_edit: bool) -> str:
    total = len(canvas.SQUARES)
    lines = [
        _("🧩 <b>{business}</b> — 1-Page Marketing Plan").format(business=h(business.name)),
        _("{filled} of {total} squares filled").format(filled=filled, total=total),
        progress_bar(filled * 100 // total, width=9),
    ]
    if can_edit:
        lines += ["", _("Tap a square to fill it in or change it.")]
    return "\n".join(lines)


async def send_canvas(message: Message, bot: Bot, session: AsyncSession, *,
                      business: Business, role: str | None) -> None:
    """Render the canvas in the user's language (in a worker thread) and send it."""
    squares = await canvas.get_canvas(session, business_id=business.id)
    cells = [CanvasCell(title=labels.canvas_square(code), body=text)
             for code, text in squares.items()]
    before, during, after = (labels.canvas_phase(phase) for phase in canvas.PHASES)
    title = _("{business} — 1-Page Marketing Plan").format(business=business.name)
    async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
        png = await asyncio.to_thread(render_canvas, title=title,
                                      phases=(before, during, after), cells=cells,
                                      empty_text=_("Not filled in yet"))
    can_edit = has_permission(role, EDIT)
    await message.answer_photo(
        BufferedInputFile(png, filename="canvas.png"),
        caption=canvas_caption(business, canvas.filled_count(squares), can_edit=can_edit),
        reply_markup=keyboards.canvas_keyboard(can_edit=can_edit))


def square_question(number: int, square: str, current: str) -> str:
    return "\n".join([
        f"🧩 <b>{number}. {h(labels.canvas_square(square))}</b> · "
        f"{h(labels.canvas_phase(canvas.phase_of(square)))}",
        "",
        "💡 " + h(labels.canvas_hint(square)),
        "",
        _("Now: {text}").format(text=h(current) if current else "—"),
        "",
        _("Type the text for this square (up to {max} characters). Send “-” to clear it."
          ).format(max=canvas.MAX_LEN),
    ])


@router.message(Command("canvas"), flags={"perm": BUSINESS})
async def cmd_canvas(message: Message, bot: Bot, state: FSMContext, session: AsyncSession,
                     business: Business, role: str) -> None:
    await DRAFT.finish(state)
    await send_canvas(message, bot, session, business=business, role=role)


@router.callback_query(MenuCB.filter(F.item == MenuItem.CANVAS), flags={"perm": BUSINESS})
@router.callback_query(CanvasCB.filter(F.action == CanvasAction.SHOW), flags={"perm": BUSINESS})
async def on_canvas(callback: CallbackQuery, bot: Bot, state: FSMContext,
                    session: AsyncSession, business: Business, role: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await send_canvas(callback.message, bot, session, business=business, role=role)


@router.callback_query(CanvasCB.filter(F.action == CanvasAction.EDIT), flags={"perm": EDIT})
async def on_square(callback: CallbackQuery, callback_data: CanvasCB, state: FSMContext,
                    session: AsyncSession, business: Business) -> None:
    square = canvas.square_at(callback_data.number)  # a forged number is refused here
    await callback.answer()
    current = (await canvas.get_canvas(session, business_id=business.id))[square]
    await DRAFT.save(state, CanvasDraft(square=square))
    await state.set_state(CanvasSG.text)
    assert isinstance(callback.message, Message)
    await callback.message.answer(square_question(callback_data.number, square, current),
                                  reply_markup=nav_keyboard())


@router.message(CanvasSG.text, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def text_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business) -> None:
    square = (await DRAFT.load(state)).square
    if square is None or square not in canvas.SQUARES:
        await DRAFT.finish(state)
        await message.answer(_("That edit has expired. Open /canvas again."))
        return
    try:
        await canvas.set_square(session, business_id=business.id, square=square,
                                content=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await DRAFT.finish(state)
    number = canvas.SQUARES.index(square) + 1
    await message.answer(_("✅ Saved: {square}.").format(square=h(labels.canvas_square(square))),
                         reply_markup=keyboards.saved_keyboard(number))


@router.message(CanvasSG.text, NOT_COMMAND, flags={"perm": BUSINESS})
async def text_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))


@router.callback_query(CanvasCB.filter(F.action == CanvasAction.DONE), flags={"perm": BUSINESS})
async def on_done(callback: CallbackQuery, state: FSMContext, session: AsyncSession, user: User,
                  business: Business, role: str, locale: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await callback.message.edit_reply_markup(reply_markup=None)
    await send_main_menu(callback.message, session, user=user, business=business, role=role,
                         locale=locale)


@router.callback_query(StateFilter(CanvasSG.text), NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, bot: Bot, state: FSMContext,
                 session: AsyncSession, business: Business, role: str) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await callback.message.edit_reply_markup(reply_markup=None)
    if callback_data.action == NavAction.CANCEL:
        await callback.message.answer(_("Cancelled. /canvas shows the whole plan."))
        return
    await send_canvas(callback.message, bot, session, business=business, role=role)
