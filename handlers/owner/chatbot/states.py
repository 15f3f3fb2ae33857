from aiogram.fsm.state import State, StatesGroup


class ChatbotSG(StatesGroup):
    token = State()  # connecting: waiting for a BotFather token
    replace = State()  # a new token for bot ``bot_id`` in the FSM data


class OperatorSG(StatesGroup):
    replying = State()  # the next message goes to conversation ``conversation`` (FSM data)
