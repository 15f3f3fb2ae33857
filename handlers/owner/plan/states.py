from aiogram.fsm.state import State, StatesGroup


class PlanSG(StatesGroup):
    coupon = State()  # typing a coupon code (or pressing "No coupon")
