from aiogram.fsm.state import State, StatesGroup


class AdminSG(StatesGroup):
    suspend_reason = State()
    ban_reason = State()
    flag_reason = State()
    reply = State()


class SupportSG(StatesGroup):
    subject = State()
    text = State()
