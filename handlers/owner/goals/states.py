from aiogram.fsm.state import State, StatesGroup


class GoalSG(StatesGroup):
    metric = State()
    title = State()
    target = State()
    deadline = State()
    progress = State()  # typing the current value of one goal


ADD_STEPS = ("metric", "title", "target", "deadline")
