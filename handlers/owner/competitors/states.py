from aiogram.fsm.state import State, StatesGroup


class CompetitorSG(StatesGroup):
    name = State()
    telegram = State()
    instagram = State()
    website = State()
    edit_value = State()  # typing a new value for one field
    note = State()  # typing a note on an activity
    swot_edit = State()  # typing one SWOT quadrant
    own_channel = State()  # typing the own channel's @username


ADD_STEPS = ("name", "telegram", "instagram", "website")
