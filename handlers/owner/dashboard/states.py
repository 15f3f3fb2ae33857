from aiogram.fsm.state import State, StatesGroup


class AssumptionsSG(StatesGroup):
    value = State()  # typing the value of one assumption
