from aiogram.fsm.state import State, StatesGroup


class DreamBuyerSG(StatesGroup):
    name = State()  # the avatar's name (first step, or renaming)
    answer = State()  # any other wizard field; which one is the draft's ``step``
