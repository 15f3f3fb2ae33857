from aiogram.fsm.state import State, StatesGroup


class AskSG(StatesGroup):
    chatting = State()  # every text message is a question
