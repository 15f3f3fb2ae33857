from aiogram.fsm.state import State, StatesGroup


class ProfileSG(StatesGroup):
    field = State()  # the field picker is shown
    value = State()  # waiting for the new value of the draft's field
    logo = State()  # waiting for a photo
