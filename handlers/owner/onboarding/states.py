from aiogram.fsm.state import State, StatesGroup


class OnboardingSG(StatesGroup):
    language = State()
    name = State()
    industry = State()
    industry_other = State()
    model = State()
    goal = State()
    team_size = State()


STEP_ORDER = ("language", "name", "industry", "model", "goal", "team_size")
