from aiogram.fsm.state import State, StatesGroup


class AmoSG(StatesGroup):
    subdomain = State()
    client_id = State()
    client_secret = State()
    code = State()  # waiting for the pasted authorisation code or redirect address
