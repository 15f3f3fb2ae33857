from aiogram.fsm.state import State, StatesGroup


class UspSG(StatesGroup):
    choosing = State()  # the proposals are shown
    writing = State()  # the owner types their own USP
