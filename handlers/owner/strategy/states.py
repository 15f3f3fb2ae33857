from aiogram.fsm.state import State, StatesGroup


class StrategySG(StatesGroup):
    editing = State()  # typing the new text of one plan section
