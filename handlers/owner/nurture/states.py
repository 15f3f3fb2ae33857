from aiogram.fsm.state import State, StatesGroup


class NurtureSG(StatesGroup):
    text = State()  # a new text for step ``step_id`` (FSM data)
    delay = State()  # a new day for step ``step_id``
    new_delay = State()  # the day of a step being added
    new_text = State()  # its text (the day is in FSM data)
