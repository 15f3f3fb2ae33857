from aiogram.fsm.state import State, StatesGroup


class HvcoSG(StatesGroup):
    type = State()
    topic = State()
    title = State()  # editing lead magnet ``hvco_id`` of the draft
    outline = State()
    post = State()
    deliverable = State()


NEW_STEPS = ("type", "topic")
EDIT_STEPS = ("title", "outline", "post", "deliverable")
