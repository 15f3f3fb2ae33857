from aiogram.fsm.state import State, StatesGroup


class ImportSG(StatesGroup):
    file = State()  # waiting for the document after /import
    preview = State()  # the preview is shown: import, remap, change the kind, cancel
