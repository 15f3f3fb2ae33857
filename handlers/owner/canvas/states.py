from aiogram.fsm.state import State, StatesGroup


class CanvasSG(StatesGroup):
    text = State()  # waiting for the text of the draft's square
