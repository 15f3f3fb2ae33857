from aiogram.fsm.state import State, StatesGroup


class KbSG(StatesGroup):
    kind = State()  # a new Q&A: FAQ, delivery or payment
    question = State()
    answer = State()
    name = State()  # a new product
    price = State()
    description = State()
    photo = State()
    edit = State()  # typing (or sending) the new value of one field
    import_file = State()
    import_preview = State()
