from aiogram.fsm.state import State, StatesGroup


class AdminSG(StatesGroup):
    suspend_reason = State()
    ban_reason = State()
    flag_reason = State()
    reply = State()


class SupportSG(StatesGroup):
    subject = State()
    text = State()


class PlansSG(StatesGroup):
    value = State()  # a typed limit or price
    new_plan = State()  # code, name, monthly and yearly price, one per line


class PlatformSG(StatesGroup):
    trial_days = State()
    ai_key = State()
