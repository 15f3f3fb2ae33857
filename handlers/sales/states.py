from aiogram.fsm.state import State, StatesGroup


class OrderSG(StatesGroup):
    picking = State()  # the product list is shown
    contact = State()  # a product is picked; waiting for the phone
