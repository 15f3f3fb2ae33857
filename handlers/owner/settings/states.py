from aiogram.fsm.state import State, StatesGroup


class SettingsSG(StatesGroup):
    timezone = State()  # waiting for a typed time zone name or offset
