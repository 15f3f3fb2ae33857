from aiogram.fsm.state import State, StatesGroup


class ChannelSG(StatesGroup):
    name = State()  # naming a new channel of the chosen kind
    rename = State()


class SpendSG(StatesGroup):
    channel = State()
    amount = State()
    day = State()
    edit = State()  # typing the new amount of one entry


class LeadSG(StatesGroup):
    name = State()
    phone = State()
    channel = State()
    utm = State()
    score = State()  # typing the score of one lead


class OrderSG(StatesGroup):
    amount = State()
    channel = State()
    customer = State()
    edit = State()  # typing the new total of one order
